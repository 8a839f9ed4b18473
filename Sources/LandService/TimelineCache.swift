import LandModel
import Synchronization

/// The city's history as `datetime=` answers read it (`LandStore.timeline`), and the last few
/// cities at instants built from it (`LandServices.snapshot(asOf:)`), for the snapshot published
/// last: a write publishes a new one, and the first `datetime=` answer after it reads the history
/// again. A city at an instant rebuilds the indexes of every layer that changed since, which on a
/// large city is the cost of a start-up's indexing; answers at instants between the same two
/// changes share it.
final class TimelineCache: Sendable {
    struct History: Sendable {
        let timeline: CityTimeline
        /// `CityTimeline.boundaries`, computed once.
        let boundaries: [String]
    }

    private struct State {
        var publication = 0
        var history: History?
        /// Most recently used last.
        var cities: [(interval: Int, city: CitySnapshot)] = []
        /// Today's versions' validities per layer, for CQL2 filters on valid_from/valid_to.
        var validities: [FeatureCollectionID: ValidityColumns] = [:]
    }

    func validities(of collection: FeatureCollectionID, publication: Int) -> ValidityColumns? {
        state.withLock { $0.publication == publication ? $0.validities[collection] : nil }
    }

    func keep(_ columns: ValidityColumns, of collection: FeatureCollectionID, publication: Int) {
        state.withLock { state in
            if state.publication == publication { state.validities[collection] = columns }
        }
    }

    private static let citiesKept = 4
    private let state = Mutex(State())

    func history(publication: Int) -> History? {
        state.withLock { $0.publication == publication ? $0.history : nil }
    }

    /// Keeps the history read for `publication` (unless a newer publication's is kept) and returns it.
    func keep(_ history: History, publication: Int) -> History {
        state.withLock { state in
            if publication > state.publication || state.history == nil {
                state = State(publication: publication, history: history, cities: [])
            }
        }
        return history
    }

    /// The city for the interval between two changes, built with `make` unless kept.
    func city(publication: Int, interval: Int, make: () -> CitySnapshot) -> CitySnapshot {
        let kept = state.withLock { state -> CitySnapshot? in
            guard state.publication == publication, let index = state.cities.firstIndex(where: { $0.interval == interval }) else { return nil }
            let entry = state.cities.remove(at: index)
            state.cities.append(entry)
            return entry.city
        }
        if let kept { return kept }
        let city = make()
        state.withLock { state in
            guard state.publication == publication else { return }
            state.cities.append((interval, city))
            if state.cities.count > Self.citiesKept { state.cities.removeFirst() }
        }
        return city
    }
}

extension Array {
    /// The first index whose element satisfies `isAfter`, for a predicate false then true along
    /// the array (binary search).
    func partitioningIndex(where isAfter: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension CitySnapshot {
    /// The city at `instant` (the stored form): each feature of `timeline` in its version valid
    /// then, or absent; the features not in it as they are here. Only the layers with a feature
    /// in the timeline are built again.
    func at(_ instant: String, in timeline: CityTimeline) -> CitySnapshot {
        func layer<ID: Hashable, F>(_ today: some Collection<F>, _ versions: [ID: [DatedVersion<F>]], id: (F) -> ID) -> [F]? {
            guard !versions.isEmpty else { return nil }
            return today.filter { versions[id($0)] == nil }
                + versions.values.compactMap { chain in chain.last { $0.validity.holds(instant) }?.feature }
        }
        return replacingLayers(
            parcels: layer(parcels, timeline.parcels, id: \.id), zones: layer(zones, timeline.zones, id: \.id),
            facilities: layer(facilities, timeline.facilities, id: \.id))
    }
}
