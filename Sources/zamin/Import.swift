import ArgumentParser
import LandService
import Logging
import Foundation

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a dataset folder into a database (all or nothing).",
        discussion: """
            The folder holds parcels.geojson, zones.geojson, facilities.geojson and zoning_rules.json \
            (streets.geojson optional), or a dataset.json manifest naming its files and mapping its \
            property names onto Zamin's.
            """)

    @Option(help: "The database file (created when missing).") var db: String
    @Flag(help: "Replace the dataset the database already holds.") var replace = false
    @Argument(help: "The dataset folder.") var folder: String

    func run() async throws {
        Output.bootstrapLogging(level: .warning)
        Output.line("importing \(folder) into \(db)")
        do {
            let summary = try await DatasetImporter().importFolder(
                URL(filePath: folder), intoDatabaseAt: db, replace: replace, actor: "cli:import",
                logger: Logger(label: "zamin.import"))
            Output.line("  parcels     \(summary.parcels)")
            Output.line("  zones       \(summary.zones)")
            Output.line("  facilities  \(summary.facilities)")
            Output.line("  streets     \(summary.streets)")
            Output.line("  rules       \(summary.rules)")
            Output.line("read and validated in \(summary.readMilliseconds) ms, written in \(summary.writeMilliseconds) ms")
            Output.line("imported dataset '\(summary.datasetName)'")
        } catch .invalidDataset(let problems) {
            for problem in problems { Output.error("error: \(problem)") }
            Output.error("import refused: \(problems.count) problem(s); the database was not changed")
            throw ExitCode(1)
        } catch .store(let error) {
            Output.error("import refused: \(error); the database was not changed")
            throw ExitCode(1)
        }
    }
}
