package import LandModel
import GeoFormats

/// Zone edits (rezonings) and the zone history they write. Like decisions, one BEGIN IMMEDIATE …
/// COMMIT on the single writer connection: the zone row, its history row, the parcels that
/// follow the zone with their history rows, and the audit record.
extension LandStore {
    /// Rezones the zone `id`. `next` turns the zone's stored attributes into the new ones; it runs
    /// inside the transaction on the values read there, so two rezonings of one zone are applied
    /// one after the other, each to what the other left. Of `parcels` (the parcels that lie in the
    /// zone: the caller knows the geometry), those whose stored zone code is the zone's code before
    /// the change get the new code, each with its own history row naming this zone change;
    /// parcels with another code of their own keep it. `afterCommit` runs on the writer, in commit
    /// order, before the next write starts: the place to publish the next snapshot.
    /// Throws `notFound` when there is no such zone and `conflict` when the code would not change.
    package func rezone(
        zone id: ZoneID, parcels: [ParcelID], reason: String?, actor: String,
        next: @Sendable (ZoneAttributes) -> ZoneAttributes, afterCommit: @Sendable (RezoningOutcome) -> Void
    ) async throws(StoreError) -> RezoningOutcome {
        try await writer.rezone(zone: id, parcels: parcels, reason: reason, actor: actor, next: next, afterCommit: afterCommit)
    }

    /// Zone changes made in [from, to], oldest first, since the current dataset was imported.
    package func zoneChanges(from: String, to: String) async throws(StoreError) -> [ZoneChange] {
        let importedAt = try await datasetInfo()?.importedAt ?? ""
        return try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.zoneChangesBetween, name: "zoneChangesBetween")
                .bind(from, at: 1).bind(to, at: 2).bind(importedAt, at: 3).all(Self.zoneChange)
        }
    }

    static func zoneChange(_ row: Statement) -> ZoneChange {
        ZoneChange(
            id: row.int(0) ?? 0, zoneID: ZoneID(row.string(1) ?? ""), validFrom: row.string(2) ?? "", at: row.string(3) ?? "",
            before: ZoneAttributes(code: ZoneCode(row.string(4) ?? ""), nameFa: row.string(5), nameEn: row.string(6)),
            after: ZoneAttributes(code: ZoneCode(row.string(7) ?? ""), nameFa: row.string(8), nameEn: row.string(9)),
            reason: row.string(10), actor: row.string(11) ?? "")
    }
}

/// What a rezoning did: the zone's change, and the changes of the parcels whose stored zone code
/// followed it (by id).
package struct RezoningOutcome: Sendable {
    package var zoneChange: ZoneChange
    package var parcelChanges: [ParcelChange]
    /// The city's version after the rezoning.
    package var cityVersion: CityVersion
}

extension StoreWriter {
    func rezone(
        zone id: ZoneID, parcels: [ParcelID], reason: String?, actor: String,
        next: (ZoneAttributes) -> ZoneAttributes, afterCommit: (RezoningOutcome) -> Void
    ) throws(StoreError) -> RezoningOutcome {
        let outcome = try connection.transaction { () throws(StoreError) -> RezoningOutcome in
            guard var zone = try storedZone(id)?.zone else { throw StoreError.notFound(what: "zone \(id)") }
            let before = zone.attributes
            let after = next(before)
            guard after.code != before.code else { throw StoreError.conflict(what: "zone \(id) is \(before.code)") }
            let now = Timestamp.now()
            zone.code = after.code
            zone.nameFa = after.nameFa
            zone.nameEn = after.nameEn
            guard let zoneChange = try writeZoneVersion(id, next: zone, at: now, actor: actor, reason: reason) else {
                throw StoreError.notFound(what: "zone \(id)")
            }
            var parcelChanges: [ParcelChange] = []
            for parcelID in parcels.sorted() {
                guard let attributes = try parcelAttributes(parcelID), attributes.zoneCode == before.code else { continue }
                var followed = attributes
                followed.zoneCode = after.code
                parcelChanges.append(
                    try changeParcel(
                        parcelID, to: followed, at: now, requestID: nil, zoneChangeID: zoneChange.id, actor: actor))
            }
            var beforeJSON = JSONWriter()
            Self.write(before, to: &beforeJSON, reason: nil, parcels: nil)
            var afterJSON = JSONWriter()
            Self.write(after, to: &afterJSON, reason: reason, parcels: parcelChanges.map(\.parcelID))
            try audit(at: now, actor: actor, action: "zone.rezone", target: "zone:\(id)", before: beforeJSON.text, after: afterJSON.text)
            return RezoningOutcome(zoneChange: zoneChange, parcelChanges: parcelChanges, cityVersion: try bumpCityVersion(at: now))
        }
        afterCommit(outcome)
        return outcome
    }

    /// A zone version for the audit log; after a change, also the reason and the parcels that followed.
    static func write(_ attributes: ZoneAttributes, to writer: inout JSONWriter, reason: String?, parcels: [ParcelID]?) {
        writer.beginObject()
        writer.key("code"); writer.string(attributes.code.rawValue)
        writer.key("name_fa"); if let name = attributes.nameFa { writer.string(name) } else { writer.null() }
        writer.key("name_en"); if let name = attributes.nameEn { writer.string(name) } else { writer.null() }
        if let parcels {
            writer.key("reason"); if let reason { writer.string(reason) } else { writer.null() }
            writer.key("parcels_rezoned")
            writer.beginArray()
            for id in parcels { writer.string(id.rawValue) }
            writer.endArray()
        }
        writer.endObject()
    }
}
