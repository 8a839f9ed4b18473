import ArgumentParser
import LandService
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

    @Option(help: "The database to copy.") var db: String
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
}
