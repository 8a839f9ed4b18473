package import Logging
import LandStore
import LandModel

/// What a backup copied (`zamin backup`).
package struct BackupSummary: Sendable, Equatable {
    package var pages: Int
    package var pageSize: Int
    package var schemaVersion: Int
    package var steps: Int
    package var bytes: Int { pages * pageSize }
}

/// What `zamin check` found: one line per problem, naming table and id; notes are listed but do
/// not fail the check.
package struct DatabaseCheckReport: Sendable {
    package var problems: [String]
    package var notes: [String]
    /// Counts of what was checked, for the "ok" line.
    package var summary: String
    package var isOK: Bool { problems.isEmpty }
}

/// Backups and checks of a database file, for operators (`zamin backup`, `zamin check`).
package enum Maintenance {
    /// A consistent copy of the database at `path` in `target`, also while a server writes to it
    /// (`LandStore.backup`: one read snapshot, SQLite's online backup in steps, `target.partial`
    /// renamed when whole).
    package static func backup(
        databaseAt path: String, to target: String, force: Bool, pagesPerStep: Int, pauseMilliseconds: Int
    ) async throws(ServiceError) -> BackupSummary {
        do {
            let copy = try await LandStore.backup(
                databaseAt: path, to: target, force: force, pagesPerStep: pagesPerStep, pause: .milliseconds(pauseMilliseconds))
            return BackupSummary(pages: copy.pages, pageSize: copy.pageSize, schemaVersion: copy.schemaVersion, steps: copy.steps)
        } catch {
            throw .store(error)
        }
    }

    /// Checks the database at `path`: `LandStore.checkIntegrity` (SQLite's checks and the history,
    /// request and spatial invariants), then builds the city's snapshot from the file as
    /// `zamin serve` does (`LandServices.open`) and compares its counts with the tables'. Overlapping
    /// parcels are problems unless `parcelsMayOverlap` (datasets whose parcels are building
    /// footprints, as GeoData/helsinki: OSM maps a tower inside its church as a building of its
    /// own), when they are notes. A file of another schema version is reported and not opened:
    /// opening would migrate it, and a check does not write.
    package static func check(
        databaseAt path: String, parcelsMayOverlap: Bool, logger: Logger
    ) async throws(ServiceError) -> DatabaseCheckReport {
        do {
            // PostgreSQL: the schema version is read with the other checks (`checkIntegrity`).
            let version = LandStore.isPostgresURL(path) ? LandStore.currentSchemaVersion : try LandStore.schemaVersion(ofDatabaseAt: path)
            guard version == LandStore.currentSchemaVersion else {
                return DatabaseCheckReport(
                    problems: [
                        "database user_version: \(version), but this zamin's schema is \(LandStore.currentSchemaVersion) (zamin serve migrates an older file when it opens it; check does not write)"
                    ], notes: [], summary: "")
            }
            // What LandServices.open(databaseAt:) does, with the store kept for the SQL checks.
            let store = try LandStore(path: path, create: false, logger: logger)
            let report = try await store.checkIntegrity()
            var problems = report.problems.map(\.description)
            let overlaps = report.overlaps.map(\.description)
            if !parcelsMayOverlap { problems += overlaps }
            let counts = report.counts
            do {
                let health = try await LandServices.open(store: store, logger: logger).health
                for (layer, built, stored) in [
                    ("parcels", health.parcels, counts.parcels), ("zones", health.zones, counts.zones),
                    ("facilities", health.facilities, counts.facilities),
                ] where built != stored {
                    problems.append("snapshot \(layer): \(built) in the snapshot built from the file, \(stored) rows in the table")
                }
            } catch {
                problems.append("snapshot city: cannot be built from the file: \(error)")
            }
            let summary = """
                schema version \(report.schemaVersion); \(counts.parcels) parcels, \(counts.zones) zones, \
                \(counts.facilities) facilities, \(counts.streets) streets, \(counts.rules) zoning rules; \
                \(report.requests) requests (\(report.approvedRequests) approved); \(report.parcelVersions) parcel versions, \
                \(report.zoneVersions) zone versions; \(report.parcelPairsCompared) neighbouring parcel pairs compared for overlap; \
                the snapshot holds every parcel, zone and facility
                """
            return DatabaseCheckReport(problems: problems, notes: parcelsMayOverlap ? overlaps : [], summary: summary)
        } catch {
            throw .store(error)
        }
    }
}
