package import LandModel

/// The version of the land the in-memory snapshot holds (parcels, zones, facilities, rules): a
/// number bumped in the same transaction as every change of it (import, approval, rezoning), by
/// whichever process makes it. A server that reads a number it did not write knows another
/// process (`zamin import`, a second `zamin serve` on the same file) changed the city.
package struct CityVersion: Sendable, Equatable {
    package var number: Int
    /// When it last changed (RFC 3339, UTC); nil before the first import.
    package var changedAt: String?

    package init(number: Int, changedAt: String?) {
        self.number = number
        self.changedAt = changedAt
    }
}

/// Every layer of the city as stored, read in one read transaction, and the version it is at.
package struct StoredCity: Sendable {
    package var rules: [ZoningRule]
    package var parcels: [Parcel]
    package var zones: [Zone]
    package var facilities: [Facility]
    package var version: CityVersion
}

extension LandStore {
    /// The city's version as this process's writer sees it. Read on the writer, after every
    /// write it has made and the `afterCommit` of each (where the server publishes its own
    /// changes): a number newer than the one published was written by another process.
    package func cityVersion() async throws(StoreError) -> CityVersion {
        try await writer.cityVersion()
    }

    /// The whole city and its version, in one read transaction (a consistent state, whatever is
    /// committed meanwhile).
    package func loadCity() async throws(StoreError) -> StoredCity {
        try await readers.read { (connection) throws(StoreError) in
            try connection.readTransaction { () throws(StoreError) in
                StoredCity(
                    rules: try Self.rules(connection), parcels: try Self.parcels(connection), zones: try Self.zones(connection),
                    facilities: try Self.facilities(connection), version: try StoreWriter.cityVersion(connection))
            }
        }
    }

    /// Runs `body` on the writer, in order with every write and its `afterCommit`: where the
    /// server publishes a city it reloaded, so that it never overtakes one of its own changes.
    package func onWriter<T: Sendable>(_ body: @Sendable () -> T) async -> T {
        await writer.run(body)
    }
}

extension StoreWriter {
    func run<T: Sendable>(_ body: @Sendable () -> T) -> T { body() }

    func cityVersion() throws(StoreError) -> CityVersion { try Self.cityVersion(connection) }

    static func cityVersion(_ connection: Connection) throws(StoreError) -> CityVersion {
        try connection.cached(SQL.cityVersion, name: "cityVersion").all { row in
            CityVersion(number: row.int(0) ?? 0, changedAt: row.string(1))
        }.first ?? CityVersion(number: 0, changedAt: nil)
    }

    /// Inside the caller's transaction: the city changes with it.
    func bumpCityVersion(at now: String) throws(StoreError) -> CityVersion {
        try connection.cached(SQL.bumpCityVersion, name: "bumpCityVersion").bind(now, at: 1).run()
        return try cityVersion()
    }
}
