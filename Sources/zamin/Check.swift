import ArgumentParser
import LandService
import LandStore
import Logging
import Foundation

/// `zamin check`: SQLite's integrity checks and Zamin's own invariants on a database file.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a database: SQLite's integrity and foreign keys, history, requests, overlaps, snapshot.",
        discussion: """
            Prints one line per problem, naming table and id, and exits 1; prints "ok" and what \
            was checked, and exits 0, when all is well. It changes nothing in the file.
            """)

    @OptionGroup var store: StoreOptions
    @Flag(help: "The dataset's parcels are outlines that may overlap (building footprints, as GeoData/helsinki): list overlaps as notes instead of problems.")
    var parcelsMayOverlap = false

    func run() async throws {
        Output.bootstrapLogging(level: .warning)
        let location = try store.location()
        let db = StoreOptions.shown(location)
        guard LandStore.isPostgresURL(location) || FileManager.default.fileExists(atPath: location) else {
            Output.error("cannot check \(db): no such file")
            throw ExitCode(2)
        }
        let report: DatabaseCheckReport
        do {
            report = try await Maintenance.check(databaseAt: location, parcelsMayOverlap: parcelsMayOverlap, logger: Logger(label: "zamin.check"))
        } catch {
            switch error {
            case .store(let error): Output.error("cannot check \(db): \(error)")
            default: Output.error("cannot check \(db): \(error)")
            }
            throw ExitCode(2)
        }
        for problem in report.problems { Output.line(problem) }
        for note in report.notes { Output.line("note: \(note)") }
        guard report.isOK else {
            Output.error("check failed: \(report.problems.count) problem(s) in \(db)")
            throw ExitCode(1)
        }
        Output.line("ok: \(report.summary)")
    }
}
