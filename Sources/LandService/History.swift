package import LandModel
package import GeoCore
package import FoundationEssentials
import LandStore

/// The city through time. Approvals write each parcel version they end into `parcel_history`
/// ([valid_from, valid_to) and the values that followed); the current version is the parcel
/// row itself. Geometry is never edited, so every past city shares today's outlines and
/// indexes; zones are not edited by any operation, so they are the same at every instant.
extension LandServices {
    /// The city as it was at `instant`: today's snapshot with every parcel changed since then put
    /// back to the attributes (zone code, use, floors) it had at `instant`. An instant before the
    /// dataset's import answers as imported (the earliest state known); a future one as now.
    /// For `datetime=` on /lookup and on OGC API items: call this, then query the result as
    /// you would `snapshots.snapshot`.
    package func snapshot(asOf instant: Date) async throws(ServiceError) -> CitySnapshot {
        let current = snapshots.snapshot
        do {
            let importedAt = try await store.datasetInfo()?.importedAt ?? ""
            let asked = Timestamp.string(instant)
            let versions = try await store.parcelVersions(at: max(asked, importedAt))
            guard !versions.isEmpty else { return current }
            var attributes: [ParcelID: ParcelAttributes] = [:]
            for version in versions { attributes[version.parcelID] = version.before }
            return current.replacingAttributes(attributes)
        } catch {
            throw .store(error)
        }
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
