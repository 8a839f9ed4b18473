package import GeoCore
package import LandModel

/// What `/lookup` answers for a point or a parcel: the parcel, its zone and rules, whether its
/// current use conforms, and the nearest amenities of the categories citizens ask for most.
package struct LookupAnswer: Sendable {
    /// Position of the parcel in the snapshot, nil when the point lies in no parcel.
    package var parcel: Int32?
    /// Zones at the point (or under the parcel), by id; Tehran's tile, OSM land-use areas may overlap.
    package var zones: [Int32]
    /// The governing zone code and its rules.
    package var zoneCode: ZoneCode?
    package var rule: ZoningRule?
    package var conformity: Conformity?
    /// For each of `LookupAnswer.amenityCategories` present in the dataset, the nearest facility.
    package var nearest: [(category: FacilityCategory, facility: NearbyFacility?)]
    /// "Your district": the district containing the point (a parcel's interior point), if any.
    package var district: District?
}

/// Whether a parcel's current use is what its zone allows.
package enum Conformity: String, Sendable {
    case allowed, conditional
    case notAllowed = "not_allowed"
}

extension ZoningRule {
    /// Whether `use` is allowed under this rule, allowed with a planner's approval, or not allowed.
    package func conformity(of use: LandUse) -> Conformity {
        allowedUses.contains(use) ? .allowed : conditionalUses.contains(use) ? .conditional : .notAllowed
    }
}

extension CitySnapshot {
    /// The parcel's current use against the rules of the zone code that governs it; nil when it
    /// has no use, no zone code or no rules for that code.
    package func conformity(ofParcelAt position: Int32) -> Conformity? {
        guard let use = parcels.values[Int(position)].currentUse, let code = zoneCode(ofParcelAt: position), let rule = rules[code]
        else { return nil }
        return rule.conformity(of: use)
    }
}

extension LookupAnswer {
    /// The amenities `/lookup` reports (issue: hospital, school, metro station, park).
    package static let amenityCategories: [FacilityCategory] = ["hospital", "school", "metro_station", "park"].map(FacilityCategory.init)
}

extension CitySnapshot {
    /// Lookup by point: the parcel containing it (GeoCore's boundary rule), else none; the zone at the point.
    package func lookUp(at point: Coordinate) -> LookupAnswer {
        let parcel = parcel(at: point)
        let zonesHere = zones(at: point)
        let code = parcel.flatMap { zoneCode(ofParcelAt: $0) } ?? zonesHere.first.map { zones[Int($0)].code }
        return answer(parcel: parcel, zones: zonesHere, code: code, from: point)
    }

    /// Lookup by parcel id; distances are measured from a point inside the parcel.
    package func lookUp(parcelAt position: Int32) -> LookupAnswer {
        let geometry = parcels[Int(position)].geometry
        let point = geometry.interiorPoint ?? geometry.parts[0].exterior.position(0)
        return answer(parcel: position, zones: zones(at: point), code: zoneCode(ofParcelAt: position), from: point)
    }

    private func answer(parcel: Int32?, zones zonesHere: [Int32], code: ZoneCode?, from point: Coordinate) -> LookupAnswer {
        let rule = code.flatMap { rules[$0] }
        var conformity: Conformity?
        if let parcel, let rule, let use = parcels.values[Int(parcel)].currentUse {
            conformity = rule.conformity(of: use)
        }
        let found = nearestFacility(to: point, ofEach: LookupAnswer.amenityCategories)
        let nearest = zip(LookupAnswer.amenityCategories, found).map { ($0, $1) }
        return LookupAnswer(
            parcel: parcel, zones: zonesHere, zoneCode: code, rule: rule, conformity: conformity, nearest: nearest,
            district: information.district(containing: point))
    }
}
