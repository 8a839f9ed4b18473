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

/// The state of the stored city a snapshot image was made from: the same database, version,
/// import and last reshape, or the image is not the city.
package struct CityStamp: Sendable, Equatable {
    package var database: String
    package var version: CityVersion
    package var importedAt: String?
    package var reshapedAt: String?
    /// PostgreSQL: the newest row of the change log (`ChangeCapture`) as "seq at layer id", nil
    /// before the first. An image stamped with it can be caught up to a later state of the same
    /// database only while that row is still there as it was (`holdsChange`): a database restored
    /// from an older backup and edited since has other rows under those numbers, or none.
    package var lastChange: String?

    package init(database: String, version: CityVersion, importedAt: String?, reshapedAt: String?, lastChange: String? = nil) {
        self.database = database
        self.version = version
        self.importedAt = importedAt
        self.reshapedAt = reshapedAt
        self.lastChange = lastChange
    }
}

/// Every layer of the city as stored, read in one read transaction, and the version it is at.
package struct StoredCity: Sendable {
    package var rules: [ZoningRule]
    package var parcels: [Parcel]
    package var zones: [Zone]
    package var facilities: [Facility]
    /// The information layers' stored texts (issue 21).
    package var informationLayers: [InformationLayerName: String]
    package var version: CityVersion
}

/// What changed in the stored city since a version this process holds: every parcel, zone and
/// facility changed, added or removed since, whole as it is now (nil: removed), and the version
/// they bring the city to; or, when the dataset itself was imported, synced, subdivided or its
/// streets or rules changed since, that only a whole reload will do.
package struct CityChanges: Sendable {
    package var since: CityVersion
    package var version: CityVersion
    package var parcels: [ParcelID: Parcel?]
    package var zones: [ZoneID: Zone?]
    package var facilities: [FacilityID: Facility?]
    package var needsWholeCity: Bool

    package var count: Int { parcels.count + zones.count + facilities.count }

    package init(
        since: CityVersion, version: CityVersion, parcels: [ParcelID: Parcel?], zones: [ZoneID: Zone?],
        facilities: [FacilityID: Facility?], needsWholeCity: Bool
    ) {
        self.since = since
        self.version = version
        self.parcels = parcels
        self.zones = zones
        self.facilities = facilities
        self.needsWholeCity = needsWholeCity
    }
}

extension LandStore {
    /// The changes since `version`, in one read transaction. Every change of the land closes a
    /// history version (or begins a current one) at its commit's instant, which is also when the
    /// city's version changed, so the changes at or after the instant of `version` are all those
    /// it lacks (a change made in the same millisecond is read again: applying a current feature
    /// twice changes nothing).
    ///
    /// `reshapeHeld`: the last reshape (`CityStamp.reshapedAt`) the caller's city is known to
    /// hold — a snapshot image stamped with it. An import stamps its reshape with its own
    /// version's instant, so without it a city read just after an import would always be
    /// reloaded whole.
    package func cityChanges(since version: CityVersion, reshapeHeld: String? = nil) async throws(StoreError) -> CityChanges {
        try await cityReaders.read { (connection) throws(StoreError) in
            try connection.readTransaction { () throws(StoreError) in
                let now = try StoreWriter.cityVersion(connection)
                let importedAt = try connection.cached(SQL.datasetInfo, name: "datasetInfo").all { $0.string(1) }.first.flatMap { $0 }
                let reshapedAt = try connection.cached(SQL.reshapedAt, name: "reshapedAt").all { $0.string(0) }.first.flatMap { $0 }
                // A feature added, removed or reshaped since (a sync): the snapshot's layers and
                // indexes are built again from the store, not edited.
                guard let since = version.changedAt, let importedAt, importedAt <= since,
                    (reshapedAt ?? "") < since || (reshapeHeld != nil && reshapedAt == reshapeHeld)
                else {
                    return CityChanges(since: version, version: now, parcels: [:], zones: [:], facilities: [:], needsWholeCity: true)
                }
                let parcelRows = try connection.cached(SQL.parcelsChangedSince, name: "parcelsChangedSince").bind(since, at: 1).all {
                    (row) throws(StoreError) -> (ParcelID, Parcel?) in
                    (ParcelID(row.string(0) ?? ""), row.int(8) == 1 ? try Self.parcel(row) : nil)
                }
                let zoneRows = try connection.cached(SQL.zonesChangedSince, name: "zonesChangedSince").bind(since, at: 1).all {
                    (row) throws(StoreError) -> (ZoneID, Zone?) in
                    (ZoneID(row.string(0) ?? ""), row.int(6) == 1 ? try Self.zone(row) : nil)
                }
                let facilityRows = try connection.cached(SQL.facilitiesChangedSince, name: "facilitiesChangedSince").bind(since, at: 1).all {
                    (row) throws(StoreError) -> (FacilityID, Facility?) in
                    (FacilityID(row.string(0) ?? ""), row.int(7) == 1 ? try Self.facility(row) : nil)
                }
                return CityChanges(
                    since: version, version: now, parcels: Dictionary(parcelRows, uniquingKeysWith: { _, last in last }),
                    zones: Dictionary(zoneRows, uniquingKeysWith: { _, last in last }),
                    facilities: Dictionary(facilityRows, uniquingKeysWith: { _, last in last }), needsWholeCity: false)
            }
        }
    }

    /// What identifies the stored city's state for a snapshot image (LandService's
    /// `SnapshotImage`): its version, when it was imported and last reshaped, and which database
    /// it is. Read on the writer, like `cityVersion`.
    package func cityStamp() async throws(StoreError) -> CityStamp {
        // A SQLite file is identified by its `fileStamp` (size and modification time), whatever
        // path it is opened by; a PostgreSQL database by where the URL points.
        let database = postgres.map { "postgres://\($0.host):\($0.port)/\($0.database)" } ?? "sqlite"
        return try await writer.cityStamp(database: database)
    }

    /// Whether the change log still holds `lastChange` (a `CityStamp.lastChange`) as it was
    /// written: the state the stamp was taken of is in this database's past, so the changes since
    /// it (`cityChanges`) bring a city in that state to this one. PostgreSQL only (SQLite keeps no
    /// change log: an edit made there with another tool leaves no trace but the file's stamp).
    package func holdsChange(_ lastChange: String?) async throws(StoreError) -> Bool {
        guard isPostgres else { return false }
        guard let lastChange else { return true }
        return try await writer.lastChange(numbered: lastChange.split(separator: " ", maxSplits: 1).first.flatMap { Int($0) } ?? -1)
            == lastChange
    }

    /// The city's version as this process's writer sees it. Read on the writer, after every
    /// write it has made and the `afterCommit` of each (where the server publishes its own
    /// changes): a number newer than the one published was written by another process.
    package func cityVersion() async throws(StoreError) -> CityVersion {
        try await writer.cityVersion()
    }

    /// The whole city and its version, in one read transaction (a consistent state, whatever is
    /// committed meanwhile).
    package func loadCity() async throws(StoreError) -> StoredCity {
        try await cityReaders.read { (connection) throws(StoreError) in
            try connection.readTransaction { () throws(StoreError) in
                StoredCity(
                    rules: try Self.rules(connection), parcels: try Self.parcels(connection), zones: try Self.zones(connection),
                    facilities: try Self.facilities(connection), informationLayers: try Self.informationLayerTexts(connection),
                    version: try StoreWriter.cityVersion(connection))
            }
        }
    }

    /// The version the follower compares with the published one: the writer's (`cityVersion`),
    /// or with a read replica, the replica's, which changes only once it has replayed a change
    /// (its lag can only delay what the follower sees, never make it skip a change).
    package func followedVersion() async throws(StoreError) -> CityVersion {
        guard hasReadReplica else { return try await cityVersion() }
        return try await cityReaders.read { (connection) throws(StoreError) in try StoreWriter.cityVersion(connection) }
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

    func cityStamp(database: String) throws(StoreError) -> CityStamp {
        try connection.readTransaction { () throws(StoreError) in
            CityStamp(
                database: database, version: try Self.cityVersion(connection),
                importedAt: try connection.cached(SQL.datasetInfo, name: "datasetInfo").all { $0.string(1) }.first.flatMap { $0 },
                reshapedAt: try connection.cached(SQL.reshapedAt, name: "reshapedAt").all { $0.string(0) }.first.flatMap { $0 },
                lastChange: connection.dialect == .postgres
                    ? try connection.cached(SQL.newestChange, name: "newestChange").all(Self.changeText).first : nil)
        }
    }

    /// The change log's row numbered `seq`, as `changeText` writes it; nil when there is none.
    func lastChange(numbered seq: Int) throws(StoreError) -> String? {
        try connection.cached(SQL.changeNumbered, name: "changeNumbered").bind(seq, at: 1).all(Self.changeText).first
    }

    private static func changeText(_ row: Statement) -> String {
        "\(row.int(0) ?? 0) \(row.string(1) ?? "") \(row.string(2) ?? "") \(row.string(3) ?? "")"
    }

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
