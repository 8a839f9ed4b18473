package import LandModel
package import GeoCore
package import FoundationEssentials
import LandStore

/// OGC 17-069r4 §7.15.4 `datetime`, read at the edge: one instant, or an interval whose start or
/// end may be open (nil).
package enum TimeFilter: Sendable, Equatable {
    case instant(Date)
    case interval(start: Date?, end: Date?)
}

/// The features of one collection selected by bbox, filters and `datetime`, each in the version
/// chosen for it.
package struct TemporalSelection: Sendable {
    /// The city with every selected feature in its chosen version (others as today).
    package let snapshot: CitySnapshot
    package let selection: FeatureSelection
    /// The validity of each selected feature in a version not valid at every instant.
    package let validities: [Int32: Validity]

    init(snapshot: CitySnapshot, selection: FeatureSelection, validities: [Int32: Validity]) {
        self.snapshot = snapshot
        self.selection = selection
        self.validities = validities
    }

    /// The validity of the version answered for the feature at `position`.
    package func validity(at position: Int32) -> Validity { validities[position] ?? .always }
}

extension LandServices {
    /// The published snapshot and the validity of each of `collection`'s features in it that
    /// changed since the import (its current version's, from the history; the others are
    /// `Validity.always`): what a CQL2 filter on `valid_from`/`valid_to` reads without `datetime`.
    /// Made once per published snapshot (`TimelineCache`): a lookup of each changed feature's
    /// position is a binary search over the layer's ids.
    package func currentValidities(of collection: FeatureCollectionID) async throws(ServiceError) -> (CitySnapshot, ValidityColumns) {
        let published = snapshots.published
        let snapshot = published.snapshot
        let timeline = try await timeline(of: published).timeline
        if let known = timelines.validities(of: collection, publication: published.version) { return (snapshot, known) }
        var validities: [Int32: Validity] = [:]
        func add<ID, F>(_ versions: [ID: [DatedVersion<F>]], position: (ID) -> Int32?) {
            for (id, chain) in versions {
                guard let current = chain.last, current.validity.to == nil, let at = position(id) else { continue }
                validities[at] = current.validity
            }
        }
        switch collection {
        case .parcels: add(timeline.parcels) { snapshot.parcelPosition[$0] }
        case .zones: add(timeline.zones) { snapshot.zonePosition[$0] }
        case .facilities: add(timeline.facilities) { snapshot.facilityPosition[$0] }
        }
        let columns = ValidityColumns(count: snapshot.count(of: collection), validities: validities)
        timelines.keep(columns, of: collection, publication: published.version)
        return (snapshot, columns)
    }

    /// OGC API items with `datetime` (OGC 17-069r4 §7.15.4). `/req/core/fc-time-response` A:
    /// only features whose temporal geometry intersects `datetime` are selected; B leaves to the
    /// server which temporal property counts. Here it is the validity [valid_from, valid_to) of
    /// each version of a feature: a feature is selected when one of its versions intersects the
    /// instant, or the closed interval, and meets `bbox` (with that version's outline) and every
    /// filter (AND-combined, as OGC 19-079r2 combines filters with `datetime`); it is answered
    /// once, in the latest such version, with that version's validity. So an instant answers the
    /// city as it was then — a feature made later is absent, one removed since is back, a parcel
    /// with its outline of then — and an interval the last state of each feature within it (the
    /// rule proposed for snapshots of dynamic features in opengeospatial/ogcapi-features#899);
    /// "was commercial at some time in 2026" is
    /// `current_use=commercial&datetime=2026-01-01T00:00:00Z/2027-01-01T00:00:00Z`. The
    /// features never changed since the import have one version, valid at every instant
    /// (`Validity.always`); `count` is exact.
    package func selectFeatures(
        in collection: FeatureCollectionID, bbox: BoundingBox?, filters: [PropertyEquals], during time: TimeFilter
    ) async throws(ServiceError) -> TemporalSelection {
        let published = snapshots.published
        let current = published.snapshot
        let timeline = try await timeline(of: published).timeline
        let start: String?, end: String?
        switch time {
        case .instant(let instant): (start, end) = (Timestamp.string(instant), Timestamp.string(instant))
        case .interval(let first, let last): (start, end) = (first.map(Timestamp.string), last.map(Timestamp.string))
        }
        // Features never changed: today's selection decides them.
        let plain = current.selectFeatures(in: collection, bbox: bbox, filters: filters)
        let today = plain.page(offset: 0, limit: plain.count)
        /// The layer's unchanged features of today's selection and, per changed feature, the latest
        /// version meeting the interval that `accepts`, in a snapshot of their own layer (`rebuild`);
        /// nil when no feature of the layer changed.
        func select<ID: Hashable, F, Layer: RandomAccessCollection<F>>(
            _ versions: [ID: [DatedVersion<F>]], today layer: Layer, id: (F) -> ID, accepts: (F) -> Bool,
            rebuild: ([F]) -> CitySnapshot, position: (CitySnapshot, ID) -> Int32?
        ) -> TemporalSelection? where Layer.Index == Int {
            guard !versions.isEmpty else { return nil }
            let chosen = versions.values.compactMap { chain in
                chain.last { $0.validity.intersects(start: start, end: end) && accepts($0.feature) }
            }
            let unchanged = today.map { layer[Int($0)] }.filter { versions[id($0)] == nil }
            let snapshot = rebuild(unchanged + chosen.map(\.feature))
            var validities: [Int32: Validity] = [:]
            for version in chosen { validities[position(snapshot, id(version.feature))!] = version.validity }
            let selection = FeatureSelection(collection: collection, positions: nil, count: unchanged.count + chosen.count)
            return TemporalSelection(snapshot: snapshot, selection: selection, validities: validities)
        }
        let changed: TemporalSelection? =
            switch collection {
            case .parcels:
                select(
                    timeline.parcels, today: current.parcels, id: \.id,
                    accepts: { (bbox.map($0.geometry.intersects) ?? true) && CitySnapshot.matches($0.valuesWithoutOutline, filters) },
                    rebuild: { current.replacingLayers(parcels: $0) }, position: { $0.parcelPosition[$1] })
            case .zones:
                select(
                    timeline.zones, today: current.zones, id: \.id,
                    accepts: { (bbox.map($0.geometry.intersects) ?? true) && CitySnapshot.matches($0.valuesWithoutOutline, filters) },
                    rebuild: { current.replacingLayers(zones: $0) }, position: { $0.zonePosition[$1] })
            case .facilities:
                select(
                    timeline.facilities, today: current.facilities, id: \.id,
                    accepts: { (bbox?.contains($0.location) ?? true) && CitySnapshot.matches($0, filters) },
                    rebuild: { current.replacingLayers(facilities: $0) }, position: { $0.facilityPosition[$1] })
            }
        if let changed { return changed }
        // No feature of the layer changed since the import: today's answer, every version `always`.
        return TemporalSelection(snapshot: current, selection: plain, validities: [:])
    }
}
