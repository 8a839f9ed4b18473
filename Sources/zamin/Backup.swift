import ArgumentParser
import Foundation
import LandService
import LandStore
import Logging

/// `zamin backup`: a consistent copy of a database, also of one a server is writing to.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a database consistently, also while a server writes to it (SQLite's online backup).",
        discussion: """
            The copy is the database as of the moment the backup starts: every write acknowledged \
            before then is in it. It is written to OUT.partial, checked, fsynced and renamed to OUT. \
            Check it with `zamin check --db OUT`.
            """)

    @OptionGroup var store: StoreOptions
    @Flag(help: "Replace OUT when it exists.") var force = false
    @Option(help: "Pages copied per step (1 MiB at SQLite's 4 KiB pages).") var pagesPerStep = 256
    @Option(help: "Pause between steps in milliseconds, so a running server's own disk work is not starved.")
    var pauseMs = 10
    @Argument(help: "The backup file to write.") var out: String

    func validate() throws {
        guard pagesPerStep >= 1 else { throw ValidationError("--pages-per-step must be at least 1") }
        guard (0...10_000).contains(pauseMs) else { throw ValidationError("--pause-ms must be 0…10000") }
    }

    func run() async throws {
        Output.bootstrapLogging(level: .warning)
        let started = ContinuousClock.now
        let db = try store.location()
        if LandStore.isPostgresURL(db) { return try postgresDump(db, started: started) }
        do {
            let copy = try await Maintenance.backup(
                databaseAt: db, to: out, force: force, pagesPerStep: pagesPerStep, pauseMilliseconds: pauseMs)
            Output.line(
                "backed up \(db) to \(out): \(copy.pages) pages of \(copy.pageSize) bytes (\(copy.bytes) bytes), schema version \(copy.schemaVersion), \(copy.steps) steps in \((ContinuousClock.now - started).wholeMilliseconds) ms")
        } catch .store(let error) {
            Output.error("backup refused: \(error)")
            throw ExitCode(1)
        }
    }

    /// PostgreSQL: `pg_dump --format=custom` (Debian's postgresql-client), which reads one
    /// snapshot of the database, so writes made meanwhile are not half in it; restore with
    /// `pg_restore`. Written to OUT.partial, then fsynced and renamed as the SQLite backup is
    /// (`LandStore.installWholeFile`).
    private func postgresDump(_ url: String, started: ContinuousClock.Instant) throws {
        let location = try PostgresLocation(url: url)
        if FileManager.default.fileExists(atPath: out) && !force {
            Output.error("backup refused: \(out) exists; pass --force to replace it")
            throw ExitCode(1)
        }
        let partial = out + ".partial"
        let dump = Process()
        dump.executableURL = URL(filePath: "/usr/bin/pg_dump")
        dump.arguments = [
            "--format=custom", "--host", location.host, "--port", "\(location.port)", "--username", location.user,
            "--dbname", location.database, "--file", partial,
        ]
        var environment = ProcessInfo.processInfo.environment
        if let password = location.password { environment["PGPASSWORD"] = password }
        dump.environment = environment
        try dump.run()
        dump.waitUntilExit()
        guard dump.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: partial)
            Output.error("backup refused: pg_dump exited with \(dump.terminationStatus)")
            throw ExitCode(1)
        }
        do {
            try LandStore.installWholeFile(partial, as: out)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            Output.error("backup refused: \(error)")
            throw ExitCode(1)
        }
        Output.line("backed up \(location) to \(out) with pg_dump in \((ContinuousClock.now - started).wholeMilliseconds) ms; restore with pg_restore")
    }
}
