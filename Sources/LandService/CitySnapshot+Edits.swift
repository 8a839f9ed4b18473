package import LandModel
import SpatialIndex

/// Edits of a snapshot without rebuilding it: a new value that shares every unchanged array and
/// index. Approvals change attributes only (use, floors, zone code), never an outline, so the
/// parcel index is shared as it is; an edit that moved an outline would `LayerIndex.upsert` it.
extension CitySnapshot {
    /// A copy with other parcels (same count and order: edits never add or remove one).
    private init(_ base: CitySnapshot, parcels: [Parcel], parcelIndex: LayerIndex, landUses: [LandUse]) {
        self.parcels = parcels
        self.zones = base.zones
        self.facilities = base.facilities
        self.facilityCentred = base.facilityCentred
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
}
