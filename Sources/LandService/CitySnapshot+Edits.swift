package import LandModel
import GeoCore
import SpatialIndex

/// Edits of a snapshot without rebuilding it: a new value that shares every unchanged array
/// and moves an edited parcel in the index overlay (`LayerIndex.upsert`), never a full rebuild.
extension CitySnapshot {
    /// A copy with other parcels (same count and order: edits never add or remove one).
    private init(_ base: CitySnapshot, parcels: [Parcel], parcelIndex: LayerIndex, landUses: [LandUse]) {
        self.parcels = parcels
        self.zones = base.zones
        self.facilities = base.facilities
        self.rules = base.rules
        self.parcelPosition = base.parcelPosition
        self.zonePosition = base.zonePosition
        self.facilityPosition = base.facilityPosition
        self.parcelIndex = parcelIndex
        self.zoneIndex = base.zoneIndex
        self.facilityIndex = base.facilityIndex
        self.facilityIndexByCategory = base.facilityIndexByCategory
        self.categories = base.categories
        self.landUses = landUses
    }

    /// The snapshot with each listed parcel's zone code, use and floors replaced; unknown ids are
    /// skipped. Geometry is kept, so the index changes only if a box moved.
    package func replacingAttributes(_ attributes: [ParcelID: ParcelAttributes]) -> CitySnapshot {
        guard !attributes.isEmpty else { return self }
        var parcels = self.parcels
        var uses = Set(landUses)
        for (id, values) in attributes {
            guard let position = parcelPosition[id] else { continue }
            parcels[Int(position)].zoneCode = values.zoneCode
            parcels[Int(position)].currentUse = values.currentUse
            parcels[Int(position)].floors = values.floors
            if let use = values.currentUse { uses.insert(use) }
        }
        return CitySnapshot(self, parcels: parcels, parcelIndex: parcelIndex, landUses: uses.sorted())
    }

    /// The snapshot with `parcel` in place of the parcel of the same id (nil when there is none);
    /// a changed outline moves its box in the index overlay.
    package func replacingParcel(_ parcel: Parcel) -> CitySnapshot? {
        guard let position = parcelPosition[parcel.id] else { return nil }
        var parcels = self.parcels
        let old = parcels[Int(position)].geometry.bbox
        parcels[Int(position)] = parcel
        var index = parcelIndex
        let box = parcel.geometry.bbox
        if box != old {
            index.upsert(id: position, minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat)
            if index.needsCompaction { index = index.compacted() }
        }
        var uses = landUses
        if let use = parcel.currentUse, !uses.contains(use) { uses = (uses + [use]).sorted() }
        return CitySnapshot(self, parcels: parcels, parcelIndex: index, landUses: uses)
    }
}
