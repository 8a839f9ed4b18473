import ArgumentParser
import LandModel
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

            With --sync, the folder is compared with the database and what differs is applied as \
            edits, each with its history row (actor import:<folder>), in one transaction: features \
            added, changed (values or outline) and removed, per layer. A feature Zamin changed since \
            (an approved request, a rezoning, an edit) that the file would change, or a parcel with \
            an open request that the file would remove or reshape, is a conflict: the sync is refused \
            and lists them, unless --prefer file (apply the file; the history says which change it \
            replaced) or --prefer store (keep Zamin's values, apply the rest). --dry-run only prints \
            what a sync would do.
            """)

    @OptionGroup var store: StoreOptions
    @Flag(help: "Replace the dataset the database already holds (refused once it holds requests or history: use --sync).")
    var replace = false
    @Flag(help: "Apply what differs between the folder and the database as edits, with history.") var sync = false
    @Flag(help: "With --sync: print what would change, change nothing.") var dryRun = false
    @Option(help: "With --sync, for conflicts: file (apply the file) or store (keep Zamin's values).") var prefer: String?
    @Argument(help: "The dataset folder.") var folder: String

    func validate() throws {
        if sync && replace { throw ValidationError("--sync and --replace exclude each other") }
        if !sync && (dryRun || prefer != nil) { throw ValidationError("--dry-run and --prefer go with --sync") }
        if let prefer, SyncPreference(rawValue: prefer) == nil { throw ValidationError("--prefer must be file or store") }
    }

    func run() async throws {
        Output.bootstrapLogging(level: .warning)
        let db = try store.location()
        if sync { return try await runSync(db) }
        Output.line("importing \(folder) into \(StoreOptions.shown(db))")
        do {
            let summary = try await DatasetImporter().importFolder(
                URL(filePath: folder), intoDatabaseAt: db, replace: replace, actor: "cli:import",
                logger: Logger(label: "zamin.import"))
            Output.line("  parcels     \(summary.parcels)")
            Output.line("  zones       \(summary.zones)")
            Output.line("  facilities  \(summary.facilities)")
            Output.line("  streets     \(summary.streets)")
            Output.line("  rules       \(summary.rules)")
            Self.printLinks(summary.inspectionLinks)
            Output.line("read, validated and written in \(summary.milliseconds) ms")
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

    func runSync(_ db: String) async throws {
        Output.line("\(dryRun ? "comparing" : "syncing") \(folder) with \(StoreOptions.shown(db))")
        let preference = prefer.flatMap(SyncPreference.init(rawValue:))
        let result: FolderSync
        do {
            result = try await DatasetImporter().syncFolder(
                URL(filePath: folder), intoDatabaseAt: db, prefer: preference, dryRun: dryRun,
                logger: Logger(label: "zamin.import"))
        } catch {
            switch error {
            case .invalidDataset(let problems):
                for problem in problems { Output.error("error: \(problem)") }
                Output.error("sync refused: \(problems.count) problem(s); the database was not changed")
            default:
                Output.error("sync refused: \(error); the database was not changed")
            }
            throw ExitCode(1)
        }
        let report = result.report
        let widths = [7, 9, 9, 11, 7]
        func row(_ name: String, _ cells: [String]) -> String {
            "  " + name.padding(toLength: 10, withPad: " ", startingAt: 0)
                + zip(cells, widths).map { String(repeating: " ", count: max(1, $1 - $0.count)) + $0 }.joined()
        }
        Output.line(row("layer", ["added", "changed", "removed", "unchanged", "kept"]))
        for (name, counts) in report.layers {
            Output.line(row(name, [counts.added, counts.changed, counts.removed, counts.unchanged, counts.kept].map(String.init)))
        }
        if !report.conflicts.isEmpty {
            Output.line("conflicts (\(report.conflicts.count)):")
            for conflict in report.conflicts { Output.line("  \(conflict)") }
        }
        if report.texts.serviceCatalogue {
            Output.line(dryRun ? "services.json differs from the stored service catalogue: a sync would replace it" : "service catalogue: replaced by services.json")
        }
        Self.printLinks(result.inspectionLinks)
        for layer in report.texts.informationLayers {
            Output.line(dryRun ? "\(layer.fileName) differs from the stored layer: a sync would replace it" : "\(layer.rawValue): replaced by \(layer.fileName)")
        }
        Output.line(
            "read, validated and compared in \(result.readMilliseconds) ms\(report.applied ? ", written in \(result.syncMilliseconds) ms" : "")")
        if dryRun {
            Output.line("dry run: the database was not changed")
        } else if !report.conflicts.isEmpty && preference == nil {
            Output.error(
                "sync refused: \(report.conflicts.count) conflict(s); the database was not changed. "
                    + "Pass --prefer file to apply the file over them, or --prefer store to keep Zamin's values")
            throw ExitCode(1)
        } else if report.applied {
            Output.line("synced: city version \(report.cityVersion ?? 0)")
        } else {
            Output.line("nothing to change: the database already holds the folder")
        }
    }

    /// Issue 21 point 1: how each business of the inspection feed was linked to a facility.
    static func printLinks(_ links: [InspectionLink]) {
        guard !links.isEmpty else { return }
        let counts = Dictionary(grouping: links, by: \.kind).mapValues(\.count)
        Output.line(
            "  inspections \(links.count) businesses: \(counts[.byID] ?? 0) by facility_id, "
                + "\(counts[.byNameNearby] ?? 0) by name within 30 m, \(counts[.newFacility] ?? 0) new facilities")
        for link in links {
            let how =
                switch link.kind {
                case .byID: "facility_id"
                case .byNameNearby: "name within 30 m, \(String(format: "%.1f", link.meters ?? 0)) m"
                case .newFacility: "new facility, category restaurant"
                }
            Output.line("    \(link.businessID) → \(link.facilityID.rawValue) (\(how))")
        }
    }
}
