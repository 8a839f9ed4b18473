package import LandModel

/// Edits of a snapshot without rebuilding it: a new value that shares every unchanged array and
/// index. Approvals and rezonings change attributes only (a parcel's use, floors, zone code; a
/// zone's code and names), never an outline, so the indexes are shared as they are
/// (`replacingValues`). An edit that adds, removes or reshapes a feature builds its layer again
/// (`replacingLayers`: `applying` in FeatureEdits.swift and Cadastre.swift).
extension CitySnapshot {
    /// The snapshot with each listed parcel's zone code, use and floors replaced; unknown ids are
    /// skipped.
    package func replacingAttributes(_ attributes: [ParcelID: ParcelAttributes]) -> CitySnapshot {
        replacing(parcels: attributes, zones: [:])
    }

    /// The snapshot with the listed parcels' and zones' attributes replaced (unknown ids are
    /// skipped); outlines, positions and indexes are kept.
    package func replacing(parcels parcelAttributes: [ParcelID: ParcelAttributes], zones zoneAttributes: [ZoneID: ZoneAttributes]) -> CitySnapshot {
        guard !parcelAttributes.isEmpty || !zoneAttributes.isEmpty else { return self }
        var parcels: [Int32: Parcel] = [:]
        for (id, values) in parcelAttributes {
            guard let position = parcelPosition[id] else { continue }
            parcels[position] = self.parcels[Int(position)].with(values)
        }
        var zones: [Int32: Zone] = [:]
        for (id, values) in zoneAttributes {
            guard let position = zonePosition[id] else { continue }
            zones[position] = self.zones[Int(position)].with(values)
        }
        return replacingValues(parcels: parcels, zones: zones)
    }
}

extension Parcel {
    /// The parcel with the attributes of another version (the outline is the same in every version).
    func with(_ version: ParcelAttributes) -> Parcel {
        var parcel = self
        parcel.zoneCode = version.zoneCode
        parcel.currentUse = version.currentUse
        parcel.floors = version.floors
        return parcel
    }
}

extension Zone {
    func with(_ version: ZoneAttributes) -> Zone {
        var zone = self
        zone.code = version.code
        zone.nameFa = version.nameFa
        zone.nameEn = version.nameEn
        return zone
    }
}
