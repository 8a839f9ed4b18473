package import LandModel
package import GeoCore

/// Counts and areas for planners, computed on a snapshot (today's, or one from `snapshot(asOf:)`).
package struct UseTally: Sendable, Equatable {
    package var count: Int = 0
    package var areaSquareMeters: Double = 0

    mutating func add(_ parcel: ParcelValues) {
        count += 1
        areaSquareMeters += parcel.areaSquareMeters
    }
}

package struct LandUseStatistics: Sendable {
    package var total = UseTally()
    /// Per current use, sorted by use; parcels without a use are under nil, last.
    package var byUse: [(use: LandUse?, tally: UseTally)] = []
}

/// Parcels whose current use their zone does not allow. A use listed as conditional in the zone
/// counts as conforming (it is allowed with a planner's approval, which an existing use is taken
/// to have had); such parcels are listed apart in `conditional`.
package struct NonConformingReport: Sendable {
    /// Parcels examined: those in the area that have both a current use and zoning rules.
    package var examined = 0
    /// Positions of parcels whose use is neither allowed nor conditional, by id.
    package var nonConforming: [Int32] = []
    /// Positions of parcels whose use is conditional in their zone, by id.
    package var conditional: [Int32] = []
    /// Parcels in the area left out: no current use, or no rules for their zone.
    package var unclassified = 0
}

extension CitySnapshot {
    /// Positions of the parcels in zone code `zone` (the code that governs each parcel, see
    /// `zoneCode(ofParcelAt:)`) whose outline meets `bbox`, by id; all parcels when both are nil.
    package func parcelPositions(zone: ZoneCode?, bbox: BoundingBox?) -> [Int32] {
        let candidates = bbox.map { parcels(intersecting: $0) } ?? (0..<Int32(parcels.count)).map { $0 }
        guard let zone else { return candidates }
        return candidates.filter { zoneCode(ofParcelAt: $0) == zone }
    }

    /// Count and area (m², the stored geodesic area of each parcel) per current use.
    package func landUseStatistics(zone: ZoneCode?, bbox: BoundingBox?) -> LandUseStatistics {
        var statistics = LandUseStatistics()
        var byUse: [LandUse: UseTally] = [:]
        var unknown = UseTally()
        for position in parcelPositions(zone: zone, bbox: bbox) {
            let parcel = parcels.values[Int(position)]
            statistics.total.add(parcel)
            if let use = parcel.currentUse { byUse[use, default: UseTally()].add(parcel) } else { unknown.add(parcel) }
        }
        statistics.byUse = byUse.keys.sorted().map { use -> (use: LandUse?, tally: UseTally) in (use, byUse[use]!) }
        if unknown.count > 0 { statistics.byUse.append((use: nil, tally: unknown)) }
        return statistics
    }

    package func nonConformingParcels(zone: ZoneCode?, bbox: BoundingBox?) -> NonConformingReport {
        conformity(of: parcelPositions(zone: zone, bbox: bbox))
    }

    /// The parcels at `positions` (by id) checked against the rules of the code that governs each.
    package func conformity(of positions: [Int32]) -> NonConformingReport {
        var report = NonConformingReport()
        for position in positions {
            guard let conformity = conformity(ofParcelAt: position) else {
                report.unclassified += 1
                continue
            }
            report.examined += 1
            switch conformity {
            case .allowed: continue
            case .conditional: report.conditional.append(position)
            case .notAllowed: report.nonConforming.append(position)
            }
        }
        return report
    }
}
