package import LandModel
package import GeoCore
package import FoundationEssentials
import LandStore

/// The city through time. Every change of a parcel, zone or facility (an approval, a rezoning, a
/// file sync, an OGC API – Features Part 4 edit) keeps the version it ends whole in the history
/// (outline included, migration 6), so the city of any instant since the import can be put back:
/// its features then (one made later is absent, one removed since is there), each in the version
/// valid then, outline and attributes (issue 16 point 5).
extension LandServices {
    /// The city as it was at `instant`: every feature that changed since then in the version valid
    /// at `instant` (absent if it did not exist yet, back if it was removed since). An instant
    /// before the dataset's import answers as imported (the earliest state known); one after the
    /// last change is today's snapshot itself. For `datetime=` on /lookup and /stats: call this,
    /// then query the result as you would `snapshots.snapshot`.
    package func snapshot(asOf instant: Date) async throws(ServiceError) -> CitySnapshot {
        let published = snapshots.published
        let history = try await timeline(of: published)
        let at = Timestamp.string(instant)
        // The city stands still between two boundaries: one city per interval between them.
        let interval = history.boundaries.partitioningIndex { $0 > at }
        guard interval < history.boundaries.count else { return published.snapshot }
        return timelines.city(publication: published.version, interval: interval) {
            published.snapshot.at(at, in: history.timeline)
        }
    }

    /// The history since the import, read once per published city.
    func timeline(of published: PublishedSnapshot) async throws(ServiceError) -> TimelineCache.History {
        if let known = timelines.history(publication: published.version) { return known }
        do {
            let timeline = try await store.timeline()
            return timelines.keep(TimelineCache.History(timeline: timeline, boundaries: timeline.boundaries), publication: published.version)
        } catch {
            throw .store(error)
        }
    }

    /// Parcel and zone changes made in [from, to] (either end open when nil), oldest first, each
    /// with whether its outline changed; features made in that period (a sync, a Part 4 POST) as
    /// creations. At one instant a rezoning comes before the parcel changes it caused. Only
    /// changes whose feature meets `bbox` (its outline before or after, not just its box) when given.
    package func changes(in bbox: BoundingBox?, from: Date?, to: Date?) async throws(ServiceError) -> [LandChange] {
        let start = from.map(Timestamp.string) ?? "", end = to.map(Timestamp.string) ?? "9999"
        let history = try await timeline(of: snapshots.published).timeline
        let parcelRows: [ParcelChange], zoneRows: [ZoneChange]
        do {
            parcelRows = try await store.parcelChanges(from: start, to: end)
            zoneRows = try await store.zoneChanges(from: start, to: end)
        } catch {
            throw .store(error)
        }
        /// The versions a change at `at` ended and began.
        func around<F>(_ chain: [DatedVersion<F>]?, at: String) -> (before: F?, after: F?) {
            (chain?.last { $0.validity.to == at }?.feature, chain?.first { $0.validity.from == at }?.feature)
        }
        func meets(_ outlines: [Polygonal?]) -> Bool {
            guard let bbox else { return true }
            return outlines.contains { $0?.intersects(bbox) ?? false }
        }
        var found: [LandChange] = []
        for change in parcelRows {
            let (before, after) = around(history.parcels[change.parcelID], at: change.at)
            guard meets([before?.geometry, after?.geometry]) else { continue }
            found.append(.parcel(change, outlineChanged: after.map { $0.geometry != before?.geometry } ?? false))
        }
        for change in zoneRows {
            let (before, after) = around(history.zones[change.zoneID], at: change.at)
            guard meets([before?.geometry, after?.geometry]) else { continue }
            found.append(.zone(change, outlineChanged: after.map { $0.geometry != before?.geometry } ?? false, isRemoval: after == nil))
        }
        /// Versions that began in [start, end] with no version ending then: the feature was made.
        func creations<F>(_ layer: [some Hashable: [DatedVersion<F>]], _ make: (F, String) -> FeatureCreation?) -> [FeatureCreation] {
            layer.values.flatMap { chain in
                chain.indices.compactMap { index -> FeatureCreation? in
                    guard let from = chain[index].validity.from, from >= start, from <= end,
                        !chain.contains(where: { $0.validity.to == from })
                    else { return nil }
                    return make(chain[index].feature, from)
                }
            }
        }
        found += creations(history.parcels) { parcel, at in meets([parcel.geometry]) ? .parcel(parcel, at: at) : nil }.map(LandChange.creation)
        found += creations(history.zones) { zone, at in meets([zone.geometry]) ? .zone(zone, at: at) : nil }.map(LandChange.creation)
        return found.sorted { $0.order < $1.order }
    }

    /// Subdivisions' and mergers' links made in [from, to] (either end open when nil), oldest first.
    package func lineage(from: Date?, to: Date?) async throws(ServiceError) -> [LineageLink] {
        do {
            return try await store.lineage(from: from.map(Timestamp.string) ?? "", to: to.map(Timestamp.string) ?? "9999")
        } catch {
            throw .store(error)
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

/// One entry of the change log: a parcel's or a zone's change (or removal), or a feature made.
package enum LandChange: Sendable, Equatable {
    case parcel(ParcelChange, outlineChanged: Bool)
    case zone(ZoneChange, outlineChanged: Bool, isRemoval: Bool)
    case creation(FeatureCreation)

    package var at: String {
        switch self {
        case .parcel(let change, _): change.at
        case .zone(let change, _, _): change.at
        case .creation(let creation): creation.at
        }
    }

    /// By time; at one instant the zone change first (it causes the parcel changes), then
    /// creations (a subdivision's children after the parent's removal), then by id.
    var order: (String, Int, Int, String) {
        switch self {
        case .zone(let change, _, _): (change.at, 0, change.id, "")
        case .parcel(let change, _): (change.at, 1, change.id, "")
        case .creation(let creation): (creation.at, 2, 0, creation.id)
        }
    }
}

/// A feature made after the import (a sync's addition, a Part 4 POST, a subdivision's child):
/// its first version and when it began.
package enum FeatureCreation: Sendable, Equatable {
    case parcel(Parcel, at: String)
    case zone(Zone, at: String)

    package var at: String {
        switch self {
        case .parcel(_, let at), .zone(_, let at): at
        }
    }

    package var id: String {
        switch self {
        case .parcel(let parcel, _): parcel.id.rawValue
        case .zone(let zone, _): zone.id.rawValue
        }
    }
}
