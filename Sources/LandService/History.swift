package import LandModel
package import GeoCore
package import FoundationEssentials
import LandStore

/// The city through time. Approvals write each parcel version they end into `parcel_history`
/// and rezonings each zone version they end into `zone_history` ([valid_from, valid_to) and the
/// values that followed); the current version is the parcel or zone row itself. The answers at
/// an instant put back attributes only: they use today's outlines and today's set of features
/// (a sync or a Part 4 edit now reshapes, adds and removes them, and keeps every outline in the
/// history, but answering with past outlines is issue 16 point 5, not done yet).
extension LandServices {
    /// The city as it was at `instant`: today's snapshot with every parcel and zone changed since
    /// then put back to the attributes it had at `instant` (a parcel's zone code, use, floors; a
    /// zone's code and names). An instant before the dataset's import answers as imported (the
    /// earliest state known); a future one as now. For `datetime=` on /lookup and /stats: call
    /// this, then query the result as you would `snapshots.snapshot`.
    package func snapshot(asOf instant: Date) async throws(ServiceError) -> CitySnapshot {
        let current = snapshots.snapshot
        do {
            let importedAt = try await store.datasetInfo()?.importedAt ?? ""
            let at = max(Timestamp.string(instant), importedAt)
            let parcelVersions = try await store.parcelVersions(at: at)
            let zoneVersions = try await store.zoneVersions(at: at)
            guard !parcelVersions.isEmpty || !zoneVersions.isEmpty else { return current }
            var parcels: [ParcelID: ParcelAttributes] = [:]
            for version in parcelVersions { parcels[version.parcelID] = version.before }
            var zones: [ZoneID: ZoneAttributes] = [:]
            for version in zoneVersions { zones[version.zoneID] = version.before }
            return current.replacing(parcels: parcels, zones: zones)
        } catch {
            throw .store(error)
        }
    }

    /// Parcel and zone changes made in [from, to] (either end open when nil), oldest first; at one
    /// instant a rezoning comes before the parcel changes it caused. Only features meeting `bbox`
    /// (their outline, not just its box) when given.
    package func changes(in bbox: BoundingBox?, from: Date?, to: Date?) async throws(ServiceError) -> [LandChange] {
        let parcels = try await parcelChanges(in: bbox, from: from, to: to)
        let zones: [ZoneChange]
        do {
            zones = try await store.zoneChanges(from: from.map(Timestamp.string) ?? "", to: to.map(Timestamp.string) ?? "9999")
        } catch {
            throw .store(error)
        }
        let snapshot = snapshots.snapshot
        let zonesInBox = zones.filter { change in
            guard let bbox else { return true }
            guard let position = snapshot.zonePosition[change.zoneID] else { return false }
            return snapshot.zones[Int(position)].geometry.intersects(bbox)
        }
        return (zonesInBox.map(LandChange.zone) + parcels.map(LandChange.parcel)).sorted { $0.order < $1.order }
    }

    /// Parcel changes made in [from, to] (either end open when nil), oldest first; only parcels
    /// meeting `bbox` (their outline, not just its box) when given.
    package func parcelChanges(in bbox: BoundingBox?, from: Date?, to: Date?) async throws(ServiceError) -> [ParcelChange] {
        let changes: [ParcelChange]
        do {
            changes = try await store.parcelChanges(
                from: from.map(Timestamp.string) ?? "", to: to.map(Timestamp.string) ?? "9999")
        } catch {
            throw .store(error)
        }
        guard let bbox else { return changes }
        let snapshot = snapshots.snapshot
        return changes.filter { change in
            guard let position = snapshot.parcelPosition[change.parcelID] else { return false }
            return snapshot.parcels[Int(position)].geometry.intersects(bbox)
        }
    }

    /// The audit log, newest first (admins only; the API checks the role).
    package func auditRecords(from: Date?, to: Date?, limit: Int) async throws(ServiceError) -> [AuditRecord] {
        do {
            return try await store.auditRecords(from: from.map(Timestamp.string), to: to.map(Timestamp.string), limit: limit)
        } catch {
            throw .store(error)
        }
    }
}

/// One entry of the change log: a parcel's or a zone's.
package enum LandChange: Sendable, Equatable {
    case parcel(ParcelChange)
    case zone(ZoneChange)

    package var at: String {
        switch self {
        case .parcel(let change): change.at
        case .zone(let change): change.at
        }
    }

    /// By time; at one instant the zone change first (it causes the parcel changes), then by id.
    var order: (String, Int, Int) {
        switch self {
        case .zone(let change): (change.at, 0, change.id)
        case .parcel(let change): (change.at, 1, change.id)
        }
    }
}
