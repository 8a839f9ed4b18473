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

/// The validity [from, to) of one version of a feature, RFC 3339 in UTC; a nil end is open. `from`
/// is nil for the version the dataset was imported with: the state before the import is not
/// recorded, so that version is taken to reach back without limit (an instant before the import
/// answers as imported). `to` is nil for the current version.
package struct Validity: Sendable, Equatable {
    package var from: String?
    package var to: String?

    package init(from: String?, to: String?) {
        self.from = from
        self.to = to
    }

    /// A feature never edited: one version, valid at every instant.
    package static let always = Validity(from: nil, to: nil)

    /// Whether [from, to) meets the closed interval [start, end] (nil ends open). Stored instants
    /// share one form, so they compare as text.
    func intersects(start: String?, end: String?) -> Bool {
        if let from, let end, from > end { return false }
        if let to, let start, to <= start { return false }
        return true
    }
}

/// The features of one collection selected by bbox, filters and `datetime`, each in the version
/// chosen for it.
package struct TemporalSelection: Sendable {
    /// The city with every selected feature in its chosen version (others as today).
    package let snapshot: CitySnapshot
    package let selection: FeatureSelection
    private let validities: [Int32: Validity]

    init(snapshot: CitySnapshot, selection: FeatureSelection, validities: [Int32: Validity]) {
        self.snapshot = snapshot
        self.selection = selection
        self.validities = validities
    }

    /// The validity of the version answered for the feature at `position`.
    package func validity(at position: Int32) -> Validity { validities[position] ?? .always }
}

extension LandServices {
    /// OGC API items with `datetime` (OGC 17-069r4 §7.15.4). `/req/core/fc-time-response` A:
    /// only features whose temporal geometry intersects `datetime` are selected; B leaves to the
    /// server which temporal property counts. Here it is the validity [valid_from, valid_to) of
    /// each version of a feature: a feature is selected when one of its versions intersects the
    /// instant, or the closed interval, and meets `bbox` and every filter (AND-combined, as OGC
    /// 19-079r2 combines filters with `datetime`); it is answered once, in the latest such
    /// version, with that version's validity. So an instant answers the city as it was then, and
    /// an interval the last state of each feature within it (the rule proposed for snapshots of
    /// dynamic features in opengeospatial/ogcapi-features#899); "was commercial at some time in
    /// 2026" is `current_use=commercial&datetime=2026-01-01T00:00:00Z/2027-01-01T00:00:00Z`.
    ///
    /// Today's features only, each with today's outline, and a first version that reaches back
    /// without limit, so every one has a version at every instant: with no filter every feature
    /// matches (C: facilities always match), and `count` is exact for today's set. Features a sync
    /// or an edit removed, and the outlines they had, are in the history but not answered here
    /// yet (issue 16 point 5).
    package func selectFeatures(
        in collection: FeatureCollectionID, bbox: BoundingBox?, filters: [PropertyEquals], during time: TimeFilter
    ) async throws(ServiceError) -> TemporalSelection {
        let current = snapshots.snapshot
        let start: String?, end: String?
        switch time {
        case .instant(let instant): (start, end) = (Timestamp.string(instant), Timestamp.string(instant))
        case .interval(let first, let last): (start, end) = (first.map(Timestamp.string), last.map(Timestamp.string))
        }
        // Every closed version since the import, oldest first, by position: few (one per edit).
        var closed: [Int32: [(attributes: VersionAttributes, validity: Validity)]] = [:]
        do {
            switch collection {
            case .parcels:
                for change in try await store.parcelChanges(from: "", to: "9999") {
                    guard let position = current.parcelPosition[change.parcelID] else { continue }
                    let first = closed[position] == nil
                    closed[position, default: []].append(
                        (.parcel(change.before), Validity(from: first ? nil : change.validFrom, to: change.at)))
                }
            case .zones:
                for change in try await store.zoneChanges(from: "", to: "9999") {
                    guard let position = current.zonePosition[change.zoneID] else { continue }
                    let first = closed[position] == nil
                    closed[position, default: []].append(
                        (.zone(change.before), Validity(from: first ? nil : change.validFrom, to: change.at)))
                }
            case .facilities:
                break
            }
        } catch {
            throw .store(error)
        }
        // Features never edited have one version, today's: the plain selection decides them.
        let plain = current.selectFeatures(in: collection, bbox: bbox, filters: filters)
        var positions = plain.page(offset: 0, limit: plain.count).filter { closed[$0] == nil }
        var validities: [Int32: Validity] = [:]
        var parcels: [ParcelID: ParcelAttributes] = [:]
        var zones: [ZoneID: ZoneAttributes] = [:]
        for (position, versions) in closed {
            guard bbox.map({ current.feature(of: collection, at: position, meets: $0) }) ?? true else { continue }
            let today = (attributes: VersionAttributes.today, validity: Validity(from: versions.last?.validity.to, to: nil))
            for version in ([today] + versions.reversed()) where version.validity.intersects(start: start, end: end) {
                guard current.matches(collection, at: position, in: version.attributes, filters) else { continue }
                positions.append(position)
                validities[position] = version.validity
                switch version.attributes {
                case .parcel(let attributes): parcels[current.parcels[Int(position)].id] = attributes
                case .zone(let attributes): zones[current.zones[Int(position)].id] = attributes
                case .today: break
                }
                break
            }
        }
        positions.sort()
        return TemporalSelection(
            snapshot: current.replacing(parcels: parcels, zones: zones),
            selection: FeatureSelection(collection: collection, positions: positions, count: positions.count),
            validities: validities)
    }
}

/// The edited attributes of one version: a closed one from the history, or today's.
enum VersionAttributes {
    case parcel(ParcelAttributes)
    case zone(ZoneAttributes)
    case today
}

extension CitySnapshot {
    /// Whether the feature's geometry (the same in every version) meets the box, as `selectFeatures` decides it.
    func feature(of collection: FeatureCollectionID, at position: Int32, meets box: BoundingBox) -> Bool {
        switch collection {
        case .parcels: parcels[Int(position)].geometry.intersects(box)
        case .zones: zones[Int(position)].geometry.intersects(box)
        case .facilities: box.contains(facilities[Int(position)].location)
        }
    }

    /// The feature at `position`, in the version with `attributes`, against every filter.
    func matches(_ collection: FeatureCollectionID, at position: Int32, in attributes: VersionAttributes, _ filters: [PropertyEquals]) -> Bool {
        switch (collection, attributes) {
        case (.parcels, .parcel(let version)): Self.matches(parcels[Int(position)].with(version), filters)
        case (.zones, .zone(let version)): Self.matches(zones[Int(position)].with(version), filters)
        case (.parcels, _): Self.matches(parcels[Int(position)], filters)
        case (.zones, _): Self.matches(zones[Int(position)], filters)
        case (.facilities, _): Self.matches(facilities[Int(position)], filters)
        }
    }
}
