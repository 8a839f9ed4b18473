package import LandModel
import GeoCore
import GeoFormats
package import Logging
package import FoundationEssentials

/// The embedded store: one SQLite + SpatiaLite file in WAL mode, one writer connection (owned
/// by the `StoreWriter` actor) and a pool of read-only connections.
package final class LandStore: Sendable {
    package let path: String
    let writer: StoreWriter
    let readers: ReaderPool
    /// Where the city is loaded from and followed (`loadCity`, `cityChanges`, `followedVersion`):
    /// a PostgreSQL read replica when one is named (`--postgres-read`), else `readers`. Requests,
    /// keys and the audit are read from `readers`, so a node reads its own writes at once.
    let cityReaders: ReaderPool
    /// Whether `cityReaders` is a replica (the follower then polls it, not the writer).
    package let hasReadReplica: Bool

    /// Which database the store is on.
    package var isPostgres: Bool { postgres != nil }
    /// The PostgreSQL database, nil for a SQLite file.
    package let postgres: PostgresLocation?

    private init(
        path: String, postgres: PostgresLocation?, writer: sending Connection, readers: ReaderPool, replica: ReaderPool? = nil
    ) {
        self.path = path
        self.postgres = postgres
        self.writer = StoreWriter(connection: writer)
        self.readers = readers
        self.cityReaders = replica ?? readers
        self.hasReadReplica = replica != nil
    }

    /// On PostgreSQL, what wakes a node when another commits a change (LISTEN/NOTIFY); nil on SQLite,
    /// where the follower polls the file's version.
    package func changeListener(logger: Logger) -> ChangeListener? {
        postgres.map { ChangeListener(location: $0, logger: logger) }
    }

    /// Whether `location` names a PostgreSQL database (a `postgres://` URL) rather than a file.
    package static func isPostgresURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Opens (creating when asked) and migrates the database: the SQLite file at `path`, or the
    /// PostgreSQL database when `path` is a `postgres://` URL (`create` does not apply: the
    /// database exists, its tables are made by the migrations), with its `readReplica` if one is
    /// named. The one place that chooses the store from what the operator wrote.
    package convenience init(
        path: String, create: Bool, readReplica: String? = nil, readerCount: Int = 4, logger: Logger
    ) throws(StoreError) {
        if Self.isPostgresURL(path) {
            try self.init(
                postgres: PostgresLocation(url: path), replica: readReplica.map { (url) throws(StoreError) in try PostgresLocation(url: url) },
                readerCount: readerCount, logger: logger)
            return
        }
        // Serve's options let only --postgres have a replica; a file cannot.
        precondition(readReplica == nil, "a read replica needs a PostgreSQL primary")
        let connection = try Connection(path: path, mode: .readWrite, create: create)
        try connection.loadSpatiaLite()
        // WAL: readers never block the writer. synchronous=FULL: an acknowledged write survives
        // a power cut (NORMAL could lose the last commits; ../shared/docs/standards-notes.md §0.6).
        try connection.execute("PRAGMA journal_mode = WAL")
        try connection.execute("PRAGMA synchronous = FULL")
        try connection.execute("PRAGMA foreign_keys = ON")
        try Self.migrate(connection, logger: logger)
        self.init(path: path, postgres: nil, writer: connection, readers: try ReaderPool(path: path, count: readerCount))
    }

    /// Opens and migrates a PostgreSQL + PostGIS database (issue 17): one writer connection and
    /// `readerCount` readers, as on SQLite.
    /// `replica`: a streaming replica of the same database (issue 17 point 5), from which the
    /// city is loaded and followed; writes, LISTEN and the other reads go to `location`.
    package convenience init(
        postgres location: PostgresLocation, replica: PostgresLocation? = nil, readerCount: Int = 4, logger: Logger
    ) throws(StoreError) {
        let connection = Connection(session: try PostgresSession(location, logger: logger), path: location.description)
        try Self.migratePostgres(connection, logger: logger)
        func pool(_ location: PostgresLocation, _ count: Int) throws(StoreError) -> ReaderPool {
            var readers: [Connection] = []
            for _ in 0..<max(1, count) {
                readers.append(Connection(session: try PostgresSession(location, logger: logger), path: location.description))
            }
            return ReaderPool(connections: readers)
        }
        self.init(
            path: location.description, postgres: location, writer: connection, readers: try pool(location, readerCount),
            replica: try replica.map { (replica) throws(StoreError) in try pool(replica, 2) })
    }

    /// PostgreSQL's migrations (`PostgresSchema`): each in one transaction under the writers'
    /// advisory lock, so that nodes started together migrate once.
    static func migratePostgres(_ connection: Connection, logger: Logger) throws(StoreError) {
        try connection.execute("CREATE TABLE IF NOT EXISTS zamin_schema (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), version BIGINT NOT NULL)", name: "zamin_schema")
        func version() throws(StoreError) -> Int {
            try connection.cached("SELECT version FROM zamin_schema WHERE singleton = 1", name: "schemaVersion").all { $0.int(0) ?? 0 }.first ?? 0
        }
        let found = try version()
        guard found <= PostgresSchema.latestVersion else {
            throw .schemaTooNew(found: found, supported: PostgresSchema.latestVersion)
        }
        for target in (found + 1)..<(PostgresSchema.latestVersion + 1) {
            let applied = try connection.transaction { () throws(StoreError) -> Bool in
                guard try version() < target else { return false }
                for (number, statement) in PostgresSchema.all[target - 1].enumerated() {
                    try connection.execute(statement, name: "migration \(target).\(number)")
                }
                try connection.execute(
                    "INSERT INTO zamin_schema (singleton, version) VALUES (1, \(target)) ON CONFLICT (singleton) DO UPDATE SET version = \(target)",
                    name: "set schema version")
                return true
            }
            if applied { logger.info("migrated database schema", metadata: ["version": "\(target)", "store": "postgres"]) }
        }
    }

    static func migrate(_ connection: Connection, logger: Logger) throws(StoreError) {
        let version = try connection.cached(SQL.userVersion, name: "userVersion").all { $0.int(0) ?? 0 }.first ?? 0
        guard version <= Migrations.latestVersion else {
            throw .schemaTooNew(found: version, supported: Migrations.latestVersion)
        }
        if version < Migrations.latestVersion {
            let hasMetadata = try connection.cached(SQL.hasSpatialMetadata, name: "hasSpatialMetadata").all { $0.int(0) ?? 0 }
            if hasMetadata.first == 0 {
                // InitSpatialMetadata runs its own transaction, so it comes before ours.
                try connection.cached(SQL.initSpatialMetadata, name: "initSpatialMetadata").run()
            }
        }
        for target in (version + 1)...max(version + 1, Migrations.latestVersion) where target <= Migrations.latestVersion {
            let rebuilds = Migrations.foreignKeysOff.contains(target)
            if rebuilds { try connection.execute("PRAGMA foreign_keys = OFF", name: "foreign keys off") }
            let applied = try connection.transaction { () throws(StoreError) -> Bool in
                // Read again under the write lock: another process opening the same file at the
                // same moment (two `zamin serve` started together after an upgrade) may have
                // applied this migration since the version was read above.
                let now = try connection.cached(SQL.userVersion, name: "userVersion").all { $0.int(0) ?? 0 }.first ?? 0
                guard now < target else { return false }
                for (number, statement) in Migrations.all[target - 1].enumerated() {
                    try connection.execute(statement, name: "migration \(target).\(number)")
                }
                if rebuilds {
                    let broken = try connection.cached("PRAGMA foreign_key_check", name: "foreign_key_check").all { $0.string(0) ?? "" }
                    guard broken.isEmpty else {
                        throw StoreError.sqlite(code: 0, statement: "migration \(target)", message: "foreign keys broken in \(broken)")
                    }
                }
                try connection.execute("PRAGMA user_version = \(target)", name: "set user_version")
                return true
            }
            // Foreign keys back on whether the migration committed or not (a failed one rolled back).
            if rebuilds { try connection.execute("PRAGMA foreign_keys = ON", name: "foreign keys on") }
            if applied { logger.info("migrated database schema", metadata: ["version": "\(target)"]) }
        }
    }

    package func close() async {
        await writer.checkpoint()
    }
}

/// What the database holds, as counts.
package struct StoreCounts: Sendable, Equatable {
    package var parcels: Int
    package var zones: Int
    package var facilities: Int
    package var streets: Int
    package var rules: Int

    package init(parcels: Int, zones: Int, facilities: Int, streets: Int, rules: Int) {
        self.parcels = parcels
        self.zones = zones
        self.facilities = facilities
        self.streets = streets
        self.rules = rules
    }
}

/// The dataset a database was filled from.
package struct DatasetInfo: Sendable, Equatable {
    package var name: String
    package var importedAt: String
    package var source: String
}

extension LandStore {
    package func datasetInfo() async throws(StoreError) -> DatasetInfo? {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.datasetInfo, name: "datasetInfo").all { row in
                DatasetInfo(name: row.string(0) ?? "", importedAt: row.string(1) ?? "", source: row.string(2) ?? "")
            }.first
        }
    }

    package func counts() async throws(StoreError) -> StoreCounts {
        try await readers.read { (connection) throws(StoreError) in
            func count(_ sql: String) throws(StoreError) -> Int {
                try connection.cached(sql, name: "count").all { $0.int(0) ?? 0 }.first ?? 0
            }
            return try connection.readTransaction { () throws(StoreError) in
                StoreCounts(
                    parcels: try count(SQL.countParcels), zones: try count(SQL.countZones),
                    facilities: try count(SQL.countFacilities), streets: try count(SQL.countStreets),
                    rules: try count(SQL.countRules))
            }
        }
    }

    /// Stores a whole dataset in one transaction: all of it or, on any error, nothing.
    /// Refused when the database already holds a dataset, unless `replace`.
    package func importDataset(_ dataset: Dataset, source: String, replace: Bool, actor: String) async throws(StoreError) {
        try await writer.importDataset(dataset, source: source, replace: replace, actor: actor)
    }

    /// A streamed import (StoreWriter.importDataset): `body` runs on the writer's thread inside
    /// the transaction and writes each feature as it reads it; nothing is written unless it
    /// answers `commit: true`.
    package func importDataset<Outcome: Sendable>(
        name: String, rules: [ZoningRule], source: String, replace: Bool, actor: String,
        body: @escaping @Sendable (DatasetRows) throws(StoreError) -> (commit: Bool, outcome: Outcome)
    ) async throws(StoreError) -> Outcome {
        try await writer.importDataset(name: name, rules: rules, source: source, replace: replace, actor: actor, body: body)
    }

    package func allRules() async throws(StoreError) -> [ZoningRule] {
        try await readers.read { (connection) throws(StoreError) in try Self.rules(connection) }
    }

    package func allParcels() async throws(StoreError) -> [Parcel] {
        try await readers.read { (connection) throws(StoreError) in try connection.readTransaction { () throws(StoreError) in try Self.parcels(connection) } }
    }

    package func allZones() async throws(StoreError) -> [Zone] {
        try await readers.read { (connection) throws(StoreError) in try connection.readTransaction { () throws(StoreError) in try Self.zones(connection) } }
    }

    package func allFacilities() async throws(StoreError) -> [Facility] {
        try await readers.read { (connection) throws(StoreError) in try connection.readTransaction { () throws(StoreError) in try Self.facilities(connection) } }
    }

    static func rules(_ connection: Connection) throws(StoreError) -> [ZoningRule] {
        try connection.cached(SQL.allRules, name: "allRules").all { row in
            ZoningRule(
                code: ZoneCode(row.string(0) ?? ""), nameFa: row.string(1), nameEn: row.string(2),
                allowedUses: Self.decodeUses(row.string(3)), conditionalUses: Self.decodeUses(row.string(4)),
                maxFloors: row.int(5), maxCoveragePercent: row.double(6), maxDensityPercent: row.double(7),
                minParcelAreaSquareMeters: row.double(8), notes: row.string(9))
        }
    }

    static func parcels(_ connection: Connection) throws(StoreError) -> [Parcel] {
        try connection.cached(SQL.allParcels, name: "allParcels").all(Self.parcel)
    }

    static func zones(_ connection: Connection) throws(StoreError) -> [Zone] {
        try connection.cached(SQL.allZones, name: "allZones").all(Self.zone)
    }

    static func facilities(_ connection: Connection) throws(StoreError) -> [Facility] {
        try connection.cached(SQL.allFacilities, name: "allFacilities").all(Self.facility)
    }

    /// A row of `SQL.allParcels`' columns (and any after them).
    static func parcel(_ row: Statement) throws(StoreError) -> Parcel {
        Parcel(
            id: ParcelID(row.string(0) ?? ""), geometry: try Self.polygonal(row.blob(7), what: "parcel"),
            zoneCode: row.string(1).map(ZoneCode.init), areaSquareMeters: row.double(2) ?? 0,
            currentUse: row.string(3).map(LandUse.init), floors: row.int(4), address: row.string(5),
            extraPropertiesJSON: row.string(6) ?? "{}")
    }

    /// A row of `SQL.allZones`' columns (and any after them).
    static func zone(_ row: Statement) throws(StoreError) -> Zone {
        Zone(
            id: ZoneID(row.string(0) ?? ""), geometry: try Self.polygonal(row.blob(5), what: "zone"),
            code: ZoneCode(row.string(1) ?? ""), nameFa: row.string(2), nameEn: row.string(3),
            extraPropertiesJSON: row.string(4) ?? "{}")
    }

    /// A row of `SQL.allFacilities`' columns (and any after them).
    static func facility(_ row: Statement) throws(StoreError) -> Facility {
        guard let wkb = row.blob(6), case .point(let location)? = try? WKB.decode(wkb) else {
            throw StoreError.sqlite(code: 0, statement: "allFacilities", message: "facility geometry is not a point")
        }
        return Facility(
            id: FacilityID(row.string(0) ?? ""), location: location,
            category: FacilityCategory(row.string(1) ?? ""), categoryFa: row.string(2), nameFa: row.string(3),
            nameEn: row.string(4), extraPropertiesJSON: row.string(5) ?? "{}")
    }

    static func polygonal(_ wkb: [UInt8]?, what: String) throws(StoreError) -> Polygonal {
        guard let wkb, case .polygonal(let polygonal)? = try? WKB.decode(wkb) else {
            throw StoreError.sqlite(code: 0, statement: "load \(what)", message: "\(what) geometry is not a polygon")
        }
        return polygonal
    }

    /// Land-use lists are stored as a JSON array of strings.
    static func encodeUses(_ uses: [LandUse]) -> String {
        var writer = JSONWriter()
        writer.beginArray()
        for use in uses { writer.string(use.rawValue) }
        writer.endArray()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func decodeUses(_ text: String?) -> [LandUse] {
        guard let text, case .array(let values)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return values.compactMap { if case .string(let use) = $0 { LandUse(use) } else { nil } }
    }
}

/// The single writer. Every change runs as BEGIN IMMEDIATE … COMMIT on its connection.
actor StoreWriter {
    let connection: Connection
    /// Its own serial queue: commits block on fsync (BlockingExecutors).
    private nonisolated let executor = DispatchSerialExecutor(label: "zamin.store.writer")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(connection: Connection) { self.connection = connection }

    func checkpoint() {
        guard connection.dialect == .sqlite else { return }
        try? connection.execute("PRAGMA wal_checkpoint(TRUNCATE)", name: "checkpoint")
    }

    /// An import in one transaction: the layers are emptied, the rules written, then `body`
    /// writes the features as it reads them (`DatasetRows`), so the city never has to be held in
    /// memory whole (issue 16 point 8). When `body` answers `commit: false` (the folder had a
    /// problem), everything is rolled back and nothing is written.
    func importDataset<Outcome: Sendable>(
        name: String, rules: [ZoningRule], source: String, replace: Bool, actor: String,
        body: (DatasetRows) throws(StoreError) -> (commit: Bool, outcome: Outcome)
    ) throws(StoreError) -> Outcome {
        var outcome: Outcome?
        // A larger page cache for the bulk load: with SQLite's 2 MB default the tables and the id
        // indexes spill and re-read pages all along (1M parcels: 17.5–19.4 s and 169 MB against
        // 14.5–14.8 s and 237 MB with 64 MB; issue 16 point 8). Back to the default after.
        if connection.dialect == .sqlite {
            try connection.execute("PRAGMA cache_size = -\(BulkLoad.cacheKibibytes)", name: "bulk cache_size")
        }
        defer { if connection.dialect == .sqlite { try? connection.execute("PRAGMA cache_size = -2000", name: "default cache_size") } }
        do {
            try connection.transaction { () throws(StoreError) in
                let existing = try connection.cached(SQL.datasetInfo, name: "datasetInfo").all { row in
                    (row.string(0) ?? "", row.string(1) ?? "")
                }.first
                if let existing, !replace {
                    throw StoreError.datasetAlreadyImported(name: existing.0, importedAt: existing.1)
                }
                if existing != nil {
                    // A replace starts the city's history again: refused while there is history or a
                    // request to lose (an approved permit would be silently undone); --sync keeps both.
                    let (requests, historyRows) = try connection.cached(SQL.recordsAReplaceWouldLose, name: "recordsAReplaceWouldLose")
                        .all { ($0.int(0) ?? 0, $0.int(1) ?? 0) }.first ?? (0, 0)
                    if requests > 0 || historyRows > 0 {
                        throw StoreError.replaceWouldLoseHistory(requests: requests, historyRows: historyRows)
                    }
                }
                // PostgreSQL: an import logs no row of the change log; nodes reload the whole city.
                if connection.dialect == .postgres { try connection.execute("SET LOCAL zamin.bulk = 'on'", name: "bulk import") }
                for statement in SQL.deleteLayers { try connection.execute(statement, name: "deleteLayers") }
                for rule in rules { try insert(rule) }
                let rows = try DatasetRows(connection: connection)
                let result = try body(rows)
                outcome = result.outcome
                guard result.commit else { throw StoreError.abandoned }
                try rows.flush()
                try rows.bulk.finish()
                if connection.dialect == .postgres {
                    // Fresh statistics for the planner: without them it guessed a third of 100k
                    // parcels changed since any instant and scanned the whole table for each
                    // follower's look (cityChanges: 36 ms instead of 0.2 ms on 100k parcels).
                    try connection.execute("ANALYZE parcel, zone, facility, street, zoning_rule", name: "analyze")
                }
                let now = Timestamp.now()
                try connection.cached(SQL.insertDatasetInfo, name: "insertDatasetInfo")
                    .bind(name, at: 1).bind(now, at: 2).bind(source, at: 3).run()
                let summary =
                    "{\"dataset\":\"\(name)\",\"parcels\":\(rows.parcels),\"zones\":\(rows.zones),\"facilities\":\(rows.facilities),\"streets\":\(rows.streets),\"rules\":\(rules.count)}"
                _ = try bumpCityVersion(at: now)
                try audit(
                    at: now, actor: actor, action: replace ? "import.replace" : "import", target: name,
                    before: existing.map { "{\"dataset\":\"\($0.0)\"}" }, after: summary)
                try writeDatasetTexts(rows.texts, changes: try datasetTextChanges(rows.texts), at: now, actor: actor)
            }
        } catch .abandoned {
            // Rolled back on purpose: the caller's outcome says why.
        }
        return outcome!
    }

    /// A dataset held in memory, written through the same path as a streamed one.
    func importDataset(_ dataset: Dataset, source: String, replace: Bool, actor: String) throws(StoreError) {
        try importDataset(name: dataset.name, rules: dataset.rules, source: source, replace: replace, actor: actor) {
            (rows) throws(StoreError) in
            for parcel in dataset.parcels { try rows.insert(parcel) }
            for zone in dataset.zones { try rows.insert(zone) }
            for facility in dataset.facilities { try rows.insert(facility) }
            for street in dataset.streets { try rows.insert(street) }
            return (true, ())
        }
    }
}

/// Where an import writes its features, inside its transaction, as it reads them; counts them
/// for the audit record. Used on the writer's thread only, for the length of the import.
package final class DatasetRows {
    private let connection: Connection
    fileprivate let bulk: BulkLoad
    private let parcelRows: RowInserter
    private let zoneRows: RowInserter
    private let facilityRows: RowInserter
    private let streetRows: RowInserter
    package private(set) var parcels = 0
    package private(set) var zones = 0
    package private(set) var facilities = 0
    package private(set) var streets = 0
    /// The folder's texts, written with its features when the body commits.
    package var texts = DatasetTexts()

    fileprivate init(connection: Connection) throws(StoreError) {
        self.connection = connection
        bulk = try BulkLoad(connection)
        parcelRows = RowInserter(connection, SQL.insertParcel, name: "insertParcel")
        zoneRows = RowInserter(connection, SQL.insertZone, name: "insertZone")
        facilityRows = RowInserter(connection, SQL.insertFacility, name: "insertFacility")
        streetRows = RowInserter(connection, SQL.insertStreet, name: "insertStreet")
    }

    package func insert(_ parcel: Parcel) throws(StoreError) {
        try parcelRows.insert([
            .text(parcel.id.rawValue), .text(parcel.zoneCode?.rawValue), .real(parcel.areaSquareMeters),
            .text(parcel.currentUse?.rawValue), .integer(parcel.floors), .text(parcel.address), .text(parcel.extraPropertiesJSON),
            .blob(WKB.encode(.polygonal(parcel.geometry))),
        ])
        bulk.loaded("parcel", box: parcel.geometry.bbox)
        parcels += 1
    }

    package func insert(_ zone: Zone) throws(StoreError) {
        try zoneRows.insert([
            .text(zone.id.rawValue), .text(zone.code.rawValue), .text(zone.nameFa), .text(zone.nameEn),
            .text(zone.extraPropertiesJSON), .blob(WKB.encode(.polygonal(zone.geometry))),
        ])
        bulk.loaded("zone", box: zone.geometry.bbox)
        zones += 1
    }

    package func insert(_ facility: Facility) throws(StoreError) {
        try facilityRows.insert([
            .text(facility.id.rawValue), .text(facility.category.rawValue), .text(facility.categoryFa), .text(facility.nameFa),
            .text(facility.nameEn), .text(facility.extraPropertiesJSON), .blob(WKB.encode(.point(facility.location))),
        ])
        bulk.loaded("facility", box: BoundingBox(point: facility.location))
        facilities += 1
    }

    package func insert(_ street: Street) throws(StoreError) {
        try streetRows.insert(StoreWriter.streetRow(street))
        bulk.loaded("street", box: street.geometry.bbox)
        streets += 1
    }

    /// Writes the rows still held in batches (PostgreSQL); before the import's other last steps.
    fileprivate func flush() throws(StoreError) {
        for rows in [parcelRows, zoneRows, facilityRows, streetRows] { try rows.flush() }
    }
}

/// A value bound to a statement's parameter.
enum SQLValue {
    case text(String?), integer(Int?), real(Double?), blob([UInt8]?)
}

extension Statement {
    @discardableResult
    func bind(_ value: SQLValue, at index: Int32) -> Statement {
        switch value {
        case .text(let text): bind(text, at: index)
        case .integer(let integer): bind(integer, at: index)
        case .real(let real): bind(real, at: index)
        case .blob(let bytes): bind(blob: bytes, at: index)
        }
    }
}

/// The rows of one INSERT of an import. SQLite: each row through the one prepared statement, as
/// fast as a row can be there (BulkLoad.swift). PostgreSQL: a round trip per row would cost more
/// than the row (tehran's 7,800 rows took 8.6 s in a debug build), so rows are held and written
/// `batchSize` at a time by one INSERT … VALUES (…), (…), … of the same columns; `flush` writes
/// what is left before the import commits.
final class RowInserter {
    static let batchSize = 200

    private let connection: Connection
    private let sql: String
    private let name: String
    private var held: [[SQLValue]] = []

    init(_ connection: Connection, _ sql: String, name: String) {
        self.connection = connection
        self.sql = sql
        self.name = name
    }

    func insert(_ row: [SQLValue]) throws(StoreError) {
        guard connection.dialect == .postgres else {
            let statement = try connection.cached(sql, name: name)
            for (index, value) in row.enumerated() { statement.bind(value, at: Int32(index + 1)) }
            try statement.run()
            return
        }
        held.append(row)
        if held.count == Self.batchSize { try flush() }
    }

    func flush() throws(StoreError) {
        guard !held.isEmpty else { return }
        let statement = try connection.cached(Self.batched(sql, rows: held.count), name: name + " batch")
        var index: Int32 = 1
        for row in held {
            for value in row {
                statement.bind(value, at: index)
                index += 1
            }
        }
        try statement.run()
        held.removeAll(keepingCapacity: true)
    }

    /// `INSERT INTO t (…) VALUES (?1, …, ?k)` written for `rows` rows: the VALUES tuple repeated
    /// with its parameters numbered on.
    static func batched(_ sql: String, rows: Int) -> String {
        let marker = Array("VALUES".utf8)
        let bytes = Array(sql.utf8)
        guard let start = (0...(bytes.count - marker.count)).first(where: { Array(bytes[$0..<($0 + marker.count)]) == marker }) else {
            return sql
        }
        let head = String(decoding: bytes[..<(start + marker.count)], as: UTF8.self)
        let tuple = String(decoding: bytes[(start + marker.count)...], as: UTF8.self)
            .drop(while: { $0 == " " || $0 == "\n" })
        let width = tuple.filter { $0 == "?" }.count
        var out = head + " "
        for row in 0..<rows {
            if row > 0 { out += ", " }
            var shifted = ""
            var rest = tuple[...]
            while let mark = rest.firstIndex(of: "?") {
                shifted += rest[..<mark]
                rest = rest[rest.index(after: mark)...]
                let digits = rest.prefix(while: { $0.isNumber })
                shifted += "?\(Int(digits)! + row * width)"
                rest = rest.dropFirst(digits.count)
            }
            out += shifted + rest
        }
        return out
    }
}

extension StoreWriter {
    /// A street row; streets have no history (Sync+Store.swift).
    func insert(_ street: Street) throws(StoreError) { try Self.insert(street, into: connection) }

    static func insert(_ street: Street, into connection: Connection) throws(StoreError) {
        let statement = try connection.cached(SQL.insertStreet, name: "insertStreet")
        for (index, value) in streetRow(street).enumerated() { statement.bind(value, at: Int32(index + 1)) }
        try statement.run()
    }

    /// The values of `SQL.insertStreet`.
    static func streetRow(_ street: Street) -> [SQLValue] {
        [.text(street.id), .text(street.name), .text(street.extraPropertiesJSON), .blob(WKB.encode(street.geometry))]
    }

    /// A zoning rule's row; the rules catalogue has no history (Sync+Store.swift).
    func insert(_ rule: ZoningRule) throws(StoreError) {
        try connection.cached(SQL.insertRule, name: "insertRule")
            .bind(rule.code.rawValue, at: 1).bind(rule.nameFa, at: 2).bind(rule.nameEn, at: 3)
            .bind(LandStore.encodeUses(rule.allowedUses), at: 4)
            .bind(LandStore.encodeUses(rule.conditionalUses), at: 5)
            .bind(rule.maxFloors, at: 6).bind(rule.maxCoveragePercent, at: 7)
            .bind(rule.maxDensityPercent, at: 8).bind(rule.minParcelAreaSquareMeters, at: 9)
            .bind(rule.notes, at: 10).run()
    }
}

/// RFC 3339 timestamps in UTC with milliseconds, the form every table uses (GeoFormats' `RFC3339`),
/// so stored instants compare as text.
package enum Timestamp {
    package static func now() -> String { string(Date.now) }

    /// `date` in the stored form, rounded to the millisecond: a `Date` made from whole
    /// milliseconds (an instant the API read) comes back as exactly those digits.
    package static func string(_ date: Date) -> String {
        RFC3339.string(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }
}
