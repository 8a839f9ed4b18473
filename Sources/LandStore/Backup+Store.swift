#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `zamin backup`: a consistent copy of a database, also while a server writes to it.
extension SQL {
    // MARK: backup
    static let journalMode = "PRAGMA journal_mode"
    static let pageCount = "PRAGMA page_count"
    static let pageSize = "PRAGMA page_size"
    static let quickCheck = "PRAGMA quick_check"
}

/// What a backup copied.
package struct StoreBackup: Sendable, Equatable {
    package var pages: Int
    package var pageSize: Int
    package var schemaVersion: Int
    /// Calls of sqlite3_backup_step, busy ones included.
    package var steps: Int
}

extension LandStore {
    /// Copies the database at `source` into `target` with SQLite's online backup API, a chunk of
    /// `pagesPerStep` pages per step and `pause` between steps. The copy is written to
    /// `target.partial`, checked (schema version and page count equal to the source's,
    /// `PRAGMA quick_check` ok), fsynced, and renamed onto `target`, then the folder is fsynced: a
    /// crash leaves either the old `target` or the complete new one, never half a file. An existing
    /// `target` is replaced only with `force`.
    ///
    /// Consistency while a server writes: the copy runs inside one read transaction on the source.
    /// Zamin's databases are in WAL mode, where a reader sees the last commit before its
    /// transaction began and never blocks the writer (https://www.sqlite.org/wal.html §2.2), and
    /// sqlite3_backup_step uses a read transaction the source connection already has instead of
    /// opening one per step. So every step reads the same snapshot, and the copy is the database
    /// as of that commit: every write acknowledged before the backup started is in it, whatever is
    /// written meanwhile. (Without the held transaction, a write by another connection between
    /// steps restarts the copy from page 1, and a steady stream of writes could keep it from ever
    /// finishing.) The pause spreads the backup's reads so the server's own I/O is not starved.
    package static func backup(
        databaseAt source: String, to target: String, force: Bool, pagesPerStep: Int, pause: Duration
    ) async throws(StoreError) -> StoreBackup {
        if FileState.exists(target) {
            guard force else { throw .targetExists(path: target) }
            guard !FileState.sameFile(source, target) else {
                throw .backupFailed(reason: "\(target) is the database itself")
            }
        }
        let partial = target + ".partial"
        // Leftovers of an interrupted backup are ours to remove; a stale journal would be replayed.
        try FileState.remove([partial, partial + "-journal", partial + "-wal", partial + "-shm"])
        let copied: StoreBackup
        do {
            copied = try await copy(from: source, to: partial, pagesPerStep: pagesPerStep, pause: pause)
            try verify(partial, equals: copied)
        } catch {
            try? FileState.remove([partial, partial + "-journal", partial + "-wal", partial + "-shm"])
            throw error
        }
        // The old target's WAL, shared-memory or journal file would be taken for the new file's.
        try FileState.remove([target + "-wal", target + "-shm", target + "-journal"])
        try installWholeFile(partial, as: target)
        return copied
    }

    /// Makes `partial`, a complete and closed file, the file at `target`: fsynced, renamed over
    /// it, the folder fsynced, so a power cut leaves the old `target` or the new one whole, never
    /// a file the operator was told is a backup and is not. Both stores' backups end so
    /// (PostgreSQL's: the file `pg_dump` wrote), and so does a snapshot image.
    package static func installWholeFile(_ partial: String, as target: String) throws(StoreError) {
        try FileState.sync(partial)
        try FileState.move(partial, to: target)
        try FileState.syncFolder(of: target)
    }

    /// The backup proper; the connections and the backup object are released on return, so the
    /// destination file is closed before it is checked.
    private static func copy(
        from sourcePath: String, to partial: String, pagesPerStep: Int, pause: Duration
    ) async throws(StoreError) -> StoreBackup {
        let source = try Connection(path: sourcePath, mode: .readOnly)
        try source.execute("BEGIN DEFERRED", name: "begin backup")
        defer { try? source.execute("COMMIT", name: "end backup") }
        // This first read starts the transaction: the snapshot every step copies.
        let version = try source.cached(SQL.userVersion, name: "userVersion").all { $0.int(0) ?? 0 }.first ?? 0
        guard version > 0 else { throw .backupFailed(reason: "\(sourcePath) is not a Zamin database (user_version 0)") }
        let pageSize = try source.cached(SQL.pageSize, name: "pageSize").all { $0.int(0) ?? 0 }.first ?? 0

        let destination = try Connection(path: partial, mode: .readWrite, create: true)
        let backup = try OnlineBackup(from: source, to: destination)
        var steps = 0
        while true {
            steps += 1
            if try backup.step(pages: pagesPerStep) == .done { break }
            try? await Task.sleep(for: pause)
        }
        return StoreBackup(pages: backup.pageCount, pageSize: pageSize, schemaVersion: version, steps: steps)
    }

    /// The copy opens as a whole database of the source's schema version and size.
    private static func verify(_ partial: String, equals copied: StoreBackup) throws(StoreError) {
        // Read-write: the copy's header says WAL (it is the source's page 1), and a read-only
        // connection cannot create the -wal and -shm files; closing removes them again.
        let connection = try Connection(path: partial, mode: .readWrite)
        let version = try connection.cached(SQL.userVersion, name: "userVersion").all { $0.int(0) ?? 0 }.first ?? 0
        let pages = try connection.cached(SQL.pageCount, name: "pageCount").all { $0.int(0) ?? 0 }.first ?? 0
        let check = try connection.cached(SQL.quickCheck, name: "quickCheck").all { $0.string(0) ?? "" }
        guard version == copied.schemaVersion else {
            throw .backupFailed(reason: "the copy has schema version \(version), the source \(copied.schemaVersion)")
        }
        guard pages == copied.pages else { throw .backupFailed(reason: "the copy has \(pages) pages, the source \(copied.pages)") }
        guard check == ["ok"] else { throw .backupFailed(reason: "quick_check of the copy: \(check.prefix(5).joined(separator: "; "))") }
    }
}

extension LandStore {
    /// For a SQLite file, what changes whenever anything writes it, Zamin or another tool: the
    /// database file's size and modification time (ns) and its WAL's size (0 when there is none).
    /// Empty on PostgreSQL, where the triggers version every edit (`CityStamp`).
    package var fileStamp: [Int64] {
        guard !isPostgres else { return [] }
        var database = stat(), wal = stat()
        guard stat(path, &database) == 0 else { return [-1] }
        let walSize = stat(path + "-wal", &wal) == 0 ? Int64(wal.st_size) : 0
        return [Int64(database.st_size), Int64(database.st_mtim.tv_sec), Int64(database.st_mtim.tv_nsec), walSize]
    }
}

/// The few POSIX file operations a backup needs, with errno turned into `StoreError`.
private enum FileState {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Same device and inode: one file under two names.
    static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat(), b = stat()
        guard stat(first, &a) == 0, stat(second, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    static func remove(_ paths: [String]) throws(StoreError) {
        for path in paths where unlink(path) != 0 && errno != ENOENT {
            throw failure("remove", path)
        }
    }

    /// rename(2): atomic within one file system, so `target` is the old file or the new one.
    static func move(_ path: String, to target: String) throws(StoreError) {
        guard rename(path, target) == 0 else { throw failure("rename to \(target)", path) }
    }

    /// fsync(2): the file's data and size are on disk before the rename makes it the backup.
    static func sync(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    /// fsync(2) of the folder: the rename itself survives a power cut.
    static func syncFolder(of path: String) throws(StoreError) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let descriptor = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw failure("open", folder) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync", folder) }
    }

    private static func failure(_ operation: String, _ path: String) -> StoreError {
        .fileSystem(operation: operation, path: path, message: String(cString: strerror(errno)))
    }
}
