package import LandModel
import LandStore
import GeoCore
import Logging

/// What a rezoning did, for the planner who made it.
package struct Rezoning: Sendable {
    package var change: ZoneChange
    /// Parcels in the zone whose stored zone code was the zone's code: they now carry the new one.
    package var parcelsRezoned: [ParcelID]
    /// Parcels in the zone with a code of their own (a parcel's own rezoning, or the dataset's):
    /// they keep it, and stay governed by it.
    package var parcelsWithOwnCode: [ParcelID]
    /// Every parcel in the zone checked against the rules that govern it now (positions in `snapshot`).
    package var conformity: NonConformingReport
    /// The snapshot published by the rezoning.
    package var snapshot: CitySnapshot
}

extension LandServices {
    /// Rezones a zone: its code becomes `code` (which must have rules in the catalogue), in one
    /// transaction with the zone's history row, the parcels that follow it and the audit record;
    /// the next snapshot is published before the writer takes the next write, so the very next
    /// request sees the new code in /lookup, /zoning-check, the OGC zones and /stats.
    ///
    /// Which parcels follow: a parcel lies in the zone when a point inside it lies in the zone
    /// (the smallest zone id where zones overlap: the zone that governs a parcel without a code of
    /// its own, `zoneCode(ofParcelAt:)`). A parcel's stored `zone_code` is, in the Tehran data,
    /// a copy of its zone's code; such parcels get the new code too, each with a history row
    /// naming this zone change, so that /lookup, /zoning-check, `zone_code=` filters and /stats
    /// all see one code. A parcel whose stored code differs from the zone's (its own rezoning by
    /// an approved land-use change, or the dataset's) keeps it: it was rezoned on its own, and a
    /// rezoning of the zone around it does not undo that. A parcel without a stored code follows
    /// the zone through the zone itself.
    ///
    /// The zone's names follow the code when they were the catalogue's names of the old code (as
    /// in Tehran, where a zone is named after its code); names of a place (Helsinki's OSM names)
    /// are kept.
    package func rezone(zone id: ZoneID, to code: ZoneCode, reason: String?, by actor: String) async throws(ServiceError) -> Rezoning {
        let snapshot = snapshots.snapshot
        guard let zonePosition = snapshot.zonePosition[id] else { throw .zoneNotFound }
        let rules = snapshot.rules
        guard rules[code] != nil else { throw .unknownZoneCode(code, valid: rules.keys.sorted()) }
        let members = snapshot.parcels(governedBy: zonePosition)
        let memberIDs = members.map { snapshot.parcels.values[Int($0)].id }
        let holder = snapshots
        let outcome: RezoningOutcome
        do {
            outcome = try await storeWrites.time(.rezone) { () async throws(StoreError) in
                try await store.rezone(
                    zone: id, parcels: memberIDs, reason: reason, actor: actor,
                    next: { before in
                        var after = before
                        after.code = code
                        if let old = rules[before.code], let new = rules[code], before.nameFa == old.nameFa, before.nameEn == old.nameEn {
                            after.nameFa = new.nameFa
                            after.nameEn = new.nameEn
                        }
                        return after
                    },
                    afterCommit: { outcome in
                        var parcels: [ParcelID: ParcelAttributes] = [:]
                        for change in outcome.parcelChanges { parcels[change.parcelID] = change.after }
                        holder.publishOwnChange(
                            { $0.replacing(parcels: parcels, zones: [id: outcome.zoneChange.after]) }, cityVersion: outcome.cityVersion)
                    })
            }
        } catch .notFound {
            throw .zoneNotFound
        } catch .conflict {
            throw .zoneCodeUnchanged(code)
        } catch {
            throw .store(error)
        }
        logger.info(
            "zone rezoned",
            metadata: ["zone_id": "\(id)", "code": "\(code)", "parcels": "\(outcome.parcelChanges.count)", "by": "\(actor)"])
        // The snapshot just published (or a later one: geometry and positions are the same in every snapshot).
        let after = snapshots.snapshot
        let rezoned = Set(outcome.parcelChanges.map(\.parcelID))
        let withOwnCode = members.map { after.parcels[Int($0)] }.filter { !rezoned.contains($0.id) && $0.zoneCode != nil }
        return Rezoning(
            change: outcome.zoneChange, parcelsRezoned: outcome.parcelChanges.map(\.parcelID),
            parcelsWithOwnCode: withOwnCode.map(\.id), conformity: after.conformity(of: members), snapshot: after)
    }
}

extension CitySnapshot {
    /// Positions (by id) of the parcels a point inside of which lies in the zone at `zonePosition`
    /// first (the zone `zoneCode(ofParcelAt:)` falls back to).
    func parcels(governedBy zonePosition: Int32) -> [Int32] {
        let zone = zones[Int(zonePosition)]
        return parcels(intersecting: zone.geometry.bbox).filter { position in
            guard let point = parcels[Int(position)].geometry.interiorPoint else { return false }
            return zones(at: point).first == zonePosition
        }
    }
}
