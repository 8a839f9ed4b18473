/// One store contract, two implementations (issue 17 point 1). The store's logic — imports, edits
/// with history, requests, sync, keys, audit — is written once, against `Connection` and
/// `Statement`; a `DatabaseSession` is what reaches a database: `SQLiteSession` (the embedded
/// file, the default) or `PostgresSession` (PostgreSQL + PostGIS, for several nodes). Nothing
/// above LandStore knows which one it has.
protocol DatabaseSession: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs SQL without parameters or result rows (DDL, BEGIN/COMMIT, PRAGMAs).
    func execute(_ sql: String, name: String) throws(StoreError)
    /// Prepares SQL already in this session's dialect.
    func prepare(_ sql: String, name: String) throws(StoreError) -> any PreparedStatement
    /// Rows changed by the last statement.
    var changes: Int { get }
    /// The integer key of the last row inserted into a table that has one.
    var lastInsertRowID: Int64 { get }
}

/// A statement of one session: values bound by index (never interpolated into SQL), rows read by
/// stepping.
protocol PreparedStatement: AnyObject {
    func reset()
    func bind(_ value: String?, at index: Int32)
    func bind(_ value: Int?, at index: Int32)
    func bind(_ value: Double?, at index: Int32)
    func bind(blob: [UInt8]?, at index: Int32)
    /// Steps once; true while a row is available.
    func step() throws(StoreError) -> Bool
    func isNull(_ column: Int32) -> Bool
    func string(_ column: Int32) -> String?
    func int(_ column: Int32) -> Int?
    func double(_ column: Int32) -> Double?
    func blob(_ column: Int32) -> [UInt8]?
}

/// One connection of the store, over either session. Not Sendable: a connection is used by one
/// task at a time (the writer actor owns one, the reader pool hands each out to one borrower).
final class Connection {
    let session: any DatabaseSession
    /// Where the connection goes, for messages: a file's path, or a PostgreSQL URL without its password.
    let path: String
    private var statementCache: [String: Statement] = [:]

    enum Mode { case readWrite, readOnly }

    /// A connection to the SQLite file at `path`.
    convenience init(path: String, mode: Mode, create: Bool = false) throws(StoreError) {
        self.init(session: try SQLiteSession(path: path, mode: mode, create: create), path: path)
    }

    init(session: any DatabaseSession, path: String) {
        self.session = session
        self.path = path
    }

    var dialect: SQLDialect { session.dialect }

    /// The SQLite session, for what only SQLite has (SpatiaLite, the online backup API, R*Tree
    /// tables); nil on PostgreSQL.
    var sqlite: SQLiteSession? { session as? SQLiteSession }

    func loadSpatiaLite() throws(StoreError) {
        try sqlite?.loadSpatiaLite()
    }

    /// Runs SQL with no parameters and no result rows (PRAGMAs, DDL, BEGIN/COMMIT).
    func execute(_ sql: String, name: String = "exec") throws(StoreError) {
        try session.execute(sql, name: name)
    }

    /// A statement prepared once per connection and reused (reset and cleared on each use). `sql`
    /// is in SQLite's dialect, the one every statement of `SQL` is written in; a PostgreSQL
    /// session gets it translated (`SQLDialect.translate`).
    func cached(_ sql: String, name: String) throws(StoreError) -> Statement {
        if let statement = statementCache[sql] {
            statement.prepared.reset()
            return statement
        }
        let statement = Statement(prepared: try session.prepare(dialect.translate(sql), name: name), name: name)
        statementCache[sql] = statement
        return statement
    }

    var changes: Int { session.changes }

    /// The rowid of the last row this connection inserted.
    var lastInsertRowID: Int64 { session.lastInsertRowID }

    /// Runs several reads against one consistent snapshot of the database (a WAL read
    /// transaction; on PostgreSQL, REPEATABLE READ), so a commit in between cannot be seen half.
    func readTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute(dialect.beginRead, name: "begin read")
        defer { try? execute("COMMIT", name: "end read") }
        return try body()
    }

    /// Runs `body` as the store's one writer: SQLite's BEGIN IMMEDIATE, or on PostgreSQL a
    /// transaction holding Zamin's advisory lock, so that writers of every node follow each
    /// other as one SQLite writer does; any error rolls back, so a failed write leaves the
    /// database exactly as it was.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        for (index, statement) in dialect.beginWrite.enumerated() {
            do {
                try execute(statement, name: "begin")
            } catch {
                if index > 0 { try? execute("ROLLBACK", name: "rollback") }
                throw error
            }
        }
        do {
            let result = try body()
            try execute("COMMIT", name: "commit")
            return result
        } catch {
            try? execute("ROLLBACK", name: "rollback")
            throw error
        }
    }
}

/// A statement as the store's code uses it: bind by index, step, read columns by index.
final class Statement {
    let prepared: any PreparedStatement
    let name: String

    init(prepared: any PreparedStatement, name: String) {
        self.prepared = prepared
        self.name = name
    }

    @discardableResult
    func bind(_ value: String?, at index: Int32) -> Statement {
        prepared.bind(value, at: index)
        return self
    }

    @discardableResult
    func bind(_ value: Int?, at index: Int32) -> Statement {
        prepared.bind(value, at: index)
        return self
    }

    @discardableResult
    func bind(_ value: Double?, at index: Int32) -> Statement {
        prepared.bind(value, at: index)
        return self
    }

    @discardableResult
    func bind(blob: [UInt8]?, at index: Int32) -> Statement {
        prepared.bind(blob: blob, at: index)
        return self
    }

    func step() throws(StoreError) -> Bool { try prepared.step() }

    /// Runs a statement that returns no rows.
    func run() throws(StoreError) {
        while try step() {}
    }

    func isNull(_ column: Int32) -> Bool { prepared.isNull(column) }
    func string(_ column: Int32) -> String? { prepared.string(column) }
    func int(_ column: Int32) -> Int? { prepared.int(column) }
    func double(_ column: Int32) -> Double? { prepared.double(column) }
    func blob(_ column: Int32) -> [UInt8]? { prepared.blob(column) }

    /// Collects every row with `makeRow`.
    func all<T>(_ makeRow: (Statement) throws(StoreError) -> T) throws(StoreError) -> [T] {
        var rows: [T] = []
        while try step() { rows.append(try makeRow(self)) }
        return rows
    }
}
