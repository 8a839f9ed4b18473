package import LandStore
package import Logging
import LandModel

/// The services the API calls, over one store and the in-memory snapshot of its city.
package final class LandServices: Sendable {
    package let store: LandStore
    package let snapshots: SnapshotHolder
    /// Durations of the writes below, for LandAPI's metrics.
    package let storeWrites = StoreWriteTimings()
    /// The history read for `datetime=` answers, and the cities at instants built from it.
    let timelines = TimelineCache()
    let logger: Logger

    private init(store: LandStore, first: CitySnapshot, cityVersion: CityVersion, logger: Logger) {
        self.store = store
        self.snapshots = SnapshotHolder(first, cityVersion: cityVersion)
        self.logger = logger
    }

    /// Opens the database at `path` and loads the city.
    package static func open(databaseAt path: String, logger: Logger) async throws(ServiceError) -> LandServices {
        do {
            let store = try LandStore(path: path, create: false, logger: logger)
            return try await open(store: store, logger: logger)
        } catch {
            throw .store(error)
        }
    }

    /// Flushes the write-ahead log into the database file (on shutdown).
    package func close() async { await store.close() }

    /// Loads every layer from the store and builds the indexes.
    package static func open(store: LandStore, logger: Logger) async throws(StoreError) -> LandServices {
        let (snapshot, version) = try await loadCity(from: store)
        return LandServices(store: store, first: snapshot, cityVersion: version, logger: logger)
    }

    /// The whole city as stored (one read transaction) and its version.
    private static func loadCity(from store: LandStore) async throws(StoreError) -> (CitySnapshot, CityVersion) {
        let city = try await store.loadCity()
        // Extra properties without our column names, once here rather than per feature written.
        let snapshot = CitySnapshot(
            parcels: city.parcels.map(\.withExtraPropertiesCompacted), zones: city.zones.map(\.withExtraPropertiesCompacted),
            facilities: city.facilities.map(\.withExtraPropertiesCompacted), rules: city.rules)
        return (snapshot, city.version)
    }

    /// Issue 16 point 2: a change another process commits to the same file (`zamin import`, a
    /// second `zamin serve`) reaches this server within `interval` plus the time to apply it.
    /// Every `interval` the city's version is read on the writer (so this process's own changes,
    /// published in commit order, are never mistaken for another's). A version other than the
    /// published one reads what changed since (`LandStore.cityChanges`) and publishes the
    /// current city with those attributes, on the writer; a new import reloads the whole city.
    /// Runs until the task is cancelled.
    package func followOtherWriters(every interval: Duration = .milliseconds(100)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            // The published version is read after the stored one: the store reads it on the
            // writer, after every own change before it was published. Read before, an own edit
            // committed in between looked like another process's, and reloaded the whole city
            // (scripts/bench-edits: 1 PATCH in 25 took 1.4 s on 100k parcels instead of 30 ms).
            guard let stored = try? await store.cityVersion() else { continue }
            let published = snapshots.published.cityVersion
            guard stored.number > published.number else { continue }
            do {
                let started = ContinuousClock.now
                let holder = snapshots
                let changes = try await store.cityChanges(since: published)
                var applied: Bool
                if changes.needsWholeCity {
                    let (city, version) = try await Self.loadCity(from: store)
                    applied = await store.onWriter { holder.publishReloaded(city, cityVersion: version) }
                } else {
                    applied = await store.onWriter { holder.publishOthersChanges(changes) }
                }
                let elapsed = (ContinuousClock.now - started).components
                logger.info(
                    "city changed by another process",
                    metadata: [
                        "data_version": "\(changes.version.number)", "whole_city": "\(changes.needsWholeCity)",
                        "parcels": "\(changes.parcels.count)", "zones": "\(changes.zones.count)", "published": "\(applied)",
                        "ms": "\(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000)",
                    ])
            } catch {
                logger.error("reading another process's changes failed; the published city stays", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Counts for `/health`, from the snapshot (no SQL), and the version of the city it holds.
    package var health: Health {
        let published = snapshots.published
        let snapshot = published.snapshot
        return Health(
            parcels: snapshot.parcels.count, zones: snapshot.zones.count, facilities: snapshot.facilities.count,
            dataVersion: published.cityVersion.number, dataChangedAt: published.cityVersion.changedAt)
    }
}

package struct Health: Sendable, Equatable {
    package var parcels: Int
    package var zones: Int
    package var facilities: Int
    /// The version of the stored city the snapshot holds, and when it last changed (RFC 3339, UTC).
    package var dataVersion: Int
    package var dataChangedAt: String?
}
