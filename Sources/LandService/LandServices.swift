package import LandStore
package import Logging
import LandModel

/// The services the API calls, over one store and the in-memory snapshot of its city.
package final class LandServices: Sendable {
    package let store: LandStore
    package let snapshots: SnapshotHolder
    /// Search keys of names and addresses, built once (they do not change with approvals).
    package let searchCatalog: SearchCatalog
    /// Durations of the writes below, for LandAPI's metrics.
    package let storeWrites = StoreWriteTimings()
    let logger: Logger

    private init(store: LandStore, first: CitySnapshot, logger: Logger) {
        self.store = store
        self.snapshots = SnapshotHolder(first)
        self.searchCatalog = SearchCatalog(first)
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
        let rules = try await store.allRules()
        // Extra properties without our column names, once here rather than per feature written.
        let parcels = try await store.allParcels().map(\.withExtraPropertiesCompacted)
        let zones = try await store.allZones().map(\.withExtraPropertiesCompacted)
        let facilities = try await store.allFacilities().map(\.withExtraPropertiesCompacted)
        let snapshot = CitySnapshot(parcels: parcels, zones: zones, facilities: facilities, rules: rules)
        return LandServices(store: store, first: snapshot, logger: logger)
    }

    /// Counts for `/health`, from the snapshot (no SQL).
    package var health: Health {
        let snapshot = snapshots.snapshot
        return Health(parcels: snapshot.parcels.count, zones: snapshot.zones.count, facilities: snapshot.facilities.count)
    }
}

package struct Health: Sendable, Equatable {
    package var parcels: Int
    package var zones: Int
    package var facilities: Int
}
