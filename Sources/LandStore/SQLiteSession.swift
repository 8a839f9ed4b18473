import CSQLite

/// One SQLite connection, the embedded store's `DatabaseSession`. Not Sendable: a connection is
/// used by one task at a time (the writer actor owns one, the reader pool hands each out to one
/// borrower). The handle never leaves the SQLite files' types; `deinit` alone closes it.
final class SQLiteSession: DatabaseSession {
    let handle: OpaquePointer
    let path: String
    var dialect: SQLDialect { .sqlite }

    init(path: String, mode: Connection.Mode, create: Bool = false) throws(StoreError) {
        var flags: Int32 = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        switch mode {
        case .readWrite: flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw .cannotOpen(path: path, message: message)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        // Readers and the writer wait for each other's short locks instead of failing at once.
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Loads mod_spatialite (Debian: libsqlite3-mod-spatialite) through sqlite3_load_extension,
    /// then switches extension loading off again so SQL cannot load anything else.
    func loadSpatiaLite() throws(StoreError) {
        zamin_sqlite_enable_load_extension(handle, 1)
        defer { zamin_sqlite_enable_load_extension(handle, 0) }
        var error: UnsafeMutablePointer<CChar>?
        var code = SQLITE_ERROR
        for name in ["mod_spatialite", "mod_spatialite.so", "/usr/lib/x86_64-linux-gnu/mod_spatialite.so"] {
            code = sqlite3_load_extension(handle, name, nil, &error)
            if code == SQLITE_OK { return }
        }
        let message = error.map { String(cString: $0) } ?? "unknown error"
        sqlite3_free(error)
        throw .spatiaLiteMissing(message: message)
    }

    /// Runs SQL with no parameters and no result rows (PRAGMAs, DDL, BEGIN/COMMIT).
    func execute(_ sql: String, name: String = "exec") throws(StoreError) {
        var error: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &error)
        guard code == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? ""
            sqlite3_free(error)
            throw .sqlite(code: code, statement: name, message: message)
        }
    }

    func prepare(_ sql: String, name: String) throws(StoreError) -> any PreparedStatement {
        try SQLiteStatement(session: self, sql: sql, name: name)
    }

    func error(_ code: Int32, statement: String) -> StoreError {
        .sqlite(code: code, statement: statement, message: String(cString: sqlite3_errmsg(handle)))
    }

    var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last row this connection inserted.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}
