/// The two SQL dialects of the store. Every statement of `SQL` is written once, in SQLite's
/// (with SpatiaLite's functions); PostgreSQL + PostGIS gets it translated here, mechanically
/// where the difference is a spelling, and from `SQL.postgres` where it is more (geodesic areas,
/// the spatial index).
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    var beginRead: String {
        switch self {
        case .sqlite: "BEGIN DEFERRED"
        // One snapshot for the whole read, as SQLite's WAL read transaction gives.
        case .postgres: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        }
    }

    /// Statements run one by one (PostgreSQL's extended protocol takes one statement at a time).
    var beginWrite: [String] {
        switch self {
        case .sqlite: ["BEGIN IMMEDIATE"]
        // Every Zamin writer, on every node, takes the same transaction-scoped advisory lock
        // first: writes follow each other as on SQLite's one writer, so a check-then-write (a
        // decision's status, a parcel's overlaps, a sync's city version) holds across nodes. It
        // is released by COMMIT or ROLLBACK. `zamin.writer` tells the change-log triggers
        // that Zamin writes this transaction's history itself (PostgresSchema).
        case .postgres:
            ["BEGIN", "SELECT pg_advisory_xact_lock(\(PostgresSchema.writerLock))", "SET LOCAL zamin.writer = 'zamin'"]
        }
    }

    func translate(_ sql: String) -> String {
        switch self {
        case .sqlite: return sql
        case .postgres:
            if let written = SQL.postgres[sql] { return written }
            return Self.postgresSpelling(of: sql)
        }
    }

    /// Tables whose integer key the database assigns: an INSERT into one returns it, for
    /// `lastInsertRowID` (SQLite's `sqlite3_last_insert_rowid`).
    private static let assignedKeys = [
        "change_request": "request_id", "parcel_history": "change_id", "zone_history": "change_id",
        "facility_history": "change_id", "audit": "audit_id", "problem_report": "report_id",
        "problem_report_status": "entry_id", "tender_bid": "bid_id",
    ]

    /// SpatiaLite's names of the functions (and SQLite's null-safe `IS NOT ?`) the statements use,
    /// and PostGIS's (PostgreSQL's), each where no letter, digit or `_` comes before it.
    private static let spellings: [(sqlite: String, postgres: String)] = [
        ("GeomFromWKB(", "ST_GeomFromWKB("), ("GeomFromText(", "ST_GeomFromText("), ("AsBinary(", "ST_AsBinary("),
        ("HausdorffDistance(", "ST_HausdorffDistance("), ("IS NOT ?", "IS DISTINCT FROM $"),
    ]

    /// `?N` → `$N`; SpatiaLite's `GeomFromWKB`/`AsBinary` → PostGIS's `ST_GeomFromWKB`/`ST_AsBinary`;
    /// `IS NOT ?N` (SQLite's null-safe comparison) → `IS DISTINCT FROM $N`; `RETURNING` the key of
    /// `assignedKeys` tables.
    static func postgresSpelling(of sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var characters = sql[...]
        var previous: Character = " "
        while let character = characters.first {
            if character == "?" {
                characters.removeFirst()
                out.append("$")
                // `?N IS NULL`: a NULL bound there has no type PostgreSQL can tell (42P08).
                let digits = characters.prefix(while: { $0.isNumber })
                if !digits.isEmpty, characters.dropFirst(digits.count).hasPrefix(" IS NULL") {
                    out += digits + "::text"
                    characters = characters.dropFirst(digits.count)
                    previous = "t"
                    continue
                }
                previous = "$"
                continue
            }
            if !(previous.isLetter || previous.isNumber || previous == "_") {
                if let (sqlite, postgres) = Self.spellings.first(where: { characters.hasPrefix($0.sqlite) }) {
                    out += postgres
                    characters = characters.dropFirst(sqlite.count)
                    previous = postgres.last!
                    continue
                }
            }
            out.append(character)
            previous = character
            characters.removeFirst()
        }
        let trimmed = out.drop(while: { $0 == " " || $0 == "\n" })
        if trimmed.hasPrefix("INSERT INTO ") {
            let table = trimmed.dropFirst("INSERT INTO ".count).prefix(while: { $0 != " " && $0 != "(" })
            if let key = assignedKeys[String(table)], !out.contains("RETURNING") { out += " RETURNING \(key)" }
        }
        return out
    }
}
