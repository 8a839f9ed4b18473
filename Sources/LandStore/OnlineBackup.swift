import CSQLite

/// SQLite's online backup API (https://www.sqlite.org/backup.html and
/// https://www.sqlite.org/c3ref/backup_finish.html): copies the pages of the source connection's
/// main database into the destination's, a chunk per `step`. Not Sendable, like `Connection`.
/// The handle never leaves this class and `deinit` alone releases it (sqlite3_backup_finish); it
/// holds both connections, so neither is closed while the backup object lives.
final class OnlineBackup {
    private let handle: OpaquePointer
    private let source: Connection
    private let destination: Connection

    init(from source: Connection, to destination: Connection) throws(StoreError) {
        // On failure sqlite3_backup_init returns NULL and leaves the error on the destination.
        guard let sourceSession = source.sqlite, let destinationSession = destination.sqlite else {
            throw .backupFailed(reason: "the online backup API is SQLite's")
        }
        guard let handle = sqlite3_backup_init(destinationSession.handle, "main", sourceSession.handle, "main") else {
            throw destinationSession.error(sqlite3_errcode(destinationSession.handle), statement: "backup_init")
        }
        self.handle = handle
        self.source = source
        self.destination = destination
    }

    deinit { sqlite3_backup_finish(handle) }

    enum Progress { case copied, busy, done }

    /// Copies up to `pages` more pages. SQLITE_BUSY and SQLITE_LOCKED mean another connection
    /// holds a lock the step needs: no failure, the caller waits and steps again (sqlite3_backup_step).
    func step(pages: Int) throws(StoreError) -> Progress {
        let code = sqlite3_backup_step(handle, Int32(clamping: pages))
        switch code & 0xFF {
        case SQLITE_DONE: return .done
        case SQLITE_OK: return .copied
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy
        default: throw .sqlite(code: code, statement: "backup_step", message: String(cString: sqlite3_errstr(code)))
        }
    }

    /// The source's size in pages, as of the last step.
    var pageCount: Int { Int(sqlite3_backup_pagecount(handle)) }
}
