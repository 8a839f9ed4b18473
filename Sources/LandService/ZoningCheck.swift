package import LandModel
import GeoCore

/// "May I build N floors of use X on my plot?" — the rules of the parcel's zone applied to a
/// proposal. Returns typed outcomes; LandAPI turns them into sentences in the user's language.
package struct ZoningProposal: Sendable, Equatable {
    package var use: LandUse
    package var floors: Int
    /// Ground coverage in percent of the parcel area (سطح اشغال); nil = not stated.
    package var coveragePercent: Double?

    package init(use: LandUse, floors: Int, coveragePercent: Double?) {
        self.use = use
        self.floors = floors
        self.coveragePercent = coveragePercent
    }
}

/// One rule checked against the proposal.
package struct ZoningCheckItem: Sendable, Equatable {
    package enum Rule: String, Sendable {
        case use, floors, coverage, density
        case minParcelArea = "min_parcel_area"
    }

    /// Why the item came out as it did; the API words it.
    package enum Outcome: Sendable, Equatable {
        case useAllowed, useConditional, useNotAllowed
        case withinLimit, exceedsLimit
        /// Density checked with the zone's maximum coverage, because none was stated.
        case withinLimitAssumingMaxCoverage, exceedsLimitAssumingMaxCoverage
        case parcelLargeEnough, parcelTooSmall
        case noLimit
    }

    package var rule: Rule
    /// The zone's limit: a number, or for `use` the allowed and conditional uses.
    package var limit: Limit
    package var requested: Requested
    package var isOK: Bool
    package var outcome: Outcome

    package enum Limit: Sendable, Equatable {
        case number(Double)
        case uses(allowed: [LandUse], conditional: [LandUse])
        case none
    }

    package enum Requested: Sendable, Equatable {
        case number(Double)
        case use(LandUse)
    }
}

package struct ZoningVerdict: Sendable, Equatable {
    package var parcelID: ParcelID
    package var zoneCode: ZoneCode
    package var rule: ZoningRule
    /// Every check passed (a conditional use passes, but needs approval).
    package var isAllowed: Bool
    /// Allowed only with a planner's approval: the use is conditional in this zone.
    package var needsApproval: Bool
    package var checks: [ZoningCheckItem]
}

extension CitySnapshot {
    /// The zone code that governs a parcel: its own `zone_code`, else the zone that contains
    /// the parcel's interior (smallest zone id when zones overlap).
    package func zoneCode(ofParcelAt position: Int32) -> ZoneCode? {
        if let code = parcels.values[Int(position)].zoneCode { return code }
        guard let point = parcels[Int(position)].geometry.interiorPoint else { return nil }
        return zones(at: point).first.map { zones[Int($0)].code }
    }

    /// Applies the rules of the parcel's zone to the proposal. nil when the parcel has no zone
    /// or its zone code has no rules.
    package func checkZoning(parcelAt position: Int32, proposal: ZoningProposal) -> ZoningVerdict? {
        let parcel = parcels[Int(position)]
        guard let code = zoneCode(ofParcelAt: position), let rule = rules[code] else { return nil }
        var checks: [ZoningCheckItem] = []
        var needsApproval = false

        let useOutcome: ZoningCheckItem.Outcome
        if rule.allowedUses.contains(proposal.use) {
            useOutcome = .useAllowed
        } else if rule.conditionalUses.contains(proposal.use) {
            useOutcome = .useConditional
            needsApproval = true
        } else {
            useOutcome = .useNotAllowed
        }
        checks.append(
            ZoningCheckItem(
                rule: .use, limit: .uses(allowed: rule.allowedUses, conditional: rule.conditionalUses),
                requested: .use(proposal.use), isOK: useOutcome != .useNotAllowed, outcome: useOutcome))

        checks.append(limitCheck(.floors, limit: rule.maxFloors.map(Double.init), requested: Double(proposal.floors)))
        if let coverage = proposal.coveragePercent {
            checks.append(limitCheck(.coverage, limit: rule.maxCoveragePercent, requested: coverage))
        }

        // Density (تراکم) = total floor area / parcel area × 100 = floors × coverage.
        if let maxDensity = rule.maxDensityPercent {
            let coverage = proposal.coveragePercent ?? rule.maxCoveragePercent
            if let coverage {
                let density = Double(proposal.floors) * coverage
                let isOK = density <= maxDensity + 1e-9
                let assumed = proposal.coveragePercent == nil
                checks.append(
                    ZoningCheckItem(
                        rule: .density, limit: .number(maxDensity), requested: .number(density), isOK: isOK,
                        outcome: isOK
                            ? (assumed ? .withinLimitAssumingMaxCoverage : .withinLimit)
                            : (assumed ? .exceedsLimitAssumingMaxCoverage : .exceedsLimit)))
            }
        }

        if let minimum = rule.minParcelAreaSquareMeters, minimum > 0 {
            let isOK = parcel.areaSquareMeters >= minimum
            checks.append(
                ZoningCheckItem(
                    rule: .minParcelArea, limit: .number(minimum), requested: .number(parcel.areaSquareMeters),
                    isOK: isOK, outcome: isOK ? .parcelLargeEnough : .parcelTooSmall))
        }
        let isAllowed = checks.allSatisfy(\.isOK)
        return ZoningVerdict(
            parcelID: parcel.id, zoneCode: code, rule: rule, isAllowed: isAllowed,
            needsApproval: isAllowed && needsApproval, checks: checks)
    }

    private func limitCheck(_ rule: ZoningCheckItem.Rule, limit: Double?, requested: Double) -> ZoningCheckItem {
        guard let limit else {
            return ZoningCheckItem(rule: rule, limit: .none, requested: .number(requested), isOK: true, outcome: .noLimit)
        }
        let isOK = requested <= limit + 1e-9
        return ZoningCheckItem(
            rule: rule, limit: .number(limit), requested: .number(requested), isOK: isOK,
            outcome: isOK ? .withinLimit : .exceedsLimit)
    }
}

extension Polygonal {
    /// A point inside the first polygon (not on its boundary, not in a hole): the midpoint of the
    /// widest interior span of the horizontal line through the bbox middle. Enough to ask which
    /// zone a parcel lies in.
    var interiorPoint: Coordinate? {
        let polygon = parts[0]
        let box = polygon.bbox
        for fraction in [0.5, 0.37, 0.63, 0.25, 0.75] {
            let y = box.minLat + (box.maxLat - box.minLat) * fraction
            var crossings: [Double] = []
            for ring in [polygon.exterior] + polygon.holes {
                let xy = ring.xy
                var i = 0
                while i + 3 < xy.count {
                    let (x1, y1, x2, y2) = (xy[i], xy[i + 1], xy[i + 2], xy[i + 3])
                    if (y1 <= y) != (y2 <= y) { crossings.append(x1 + (y - y1) / (y2 - y1) * (x2 - x1)) }
                    i += 2
                }
            }
            crossings.sort()
            var best: (width: Double, x: Double)?
            var index = 0
            while index + 1 < crossings.count {
                let width = crossings[index + 1] - crossings[index]
                if width > (best?.width ?? 0) { best = (width, (crossings[index] + crossings[index + 1]) / 2) }
                index += 2
            }
            if let best, let point = Coordinate(lon: best.x, lat: y), polygon.contains(x: point.lon, y: point.lat) {
                return point
            }
        }
        return nil
    }
}
