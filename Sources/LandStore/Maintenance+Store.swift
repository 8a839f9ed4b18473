package import LandModel

/// `zamin check`: SQLite's own checks and the invariants Zamin's writes keep, read from the file.
extension SQL {
    // MARK: check
    static let integrityCheck = "PRAGMA integrity_check"
    /// Rows whose declared REFERENCES has no parent (parcel_history → change_request, zone_history):
    /// checked whether or not `PRAGMA foreign_keys` was on when they were written.
    static let foreignKeyCheck = "PRAGMA foreign_key_check"
    static let historyCounts = """
        SELECT (SELECT count(*) FROM change_request), (SELECT count(*) FROM change_request WHERE status = 'approved'),
          (SELECT count(*) FROM parcel_history), (SELECT count(*) FROM zone_history)
        """
    /// Parcel versions closed since the import ?1 (older rows belong to a replaced dataset, as in
    /// `lastParcelChange`), each parcel's in the order they were made, with the parcel's current
    /// values (a NULL `p.parcel_id`: no such parcel).
    static let parcelVersionChain = """
        SELECT h.parcel_id, h.change_id, h.valid_from, h.valid_to,
          h.zone_code, h.current_use, h.floors, h.next_zone_code, h.next_current_use, h.next_floors,
          p.parcel_id, p.zone_code, p.current_use, p.floors, h.event, p.valid_from
        FROM parcel_history AS h LEFT JOIN parcel AS p ON p.parcel_id = h.parcel_id
        WHERE h.valid_to >= ?1 ORDER BY h.parcel_id, h.valid_to, h.change_id
        """
    /// The same for zones.
    static let zoneVersionChain = """
        SELECT h.zone_id, h.change_id, h.valid_from, h.valid_to,
          h.code, h.name_fa, h.name_en, h.next_code, h.next_name_fa, h.next_name_en,
          z.zone_id, z.code, z.name_fa, z.name_en, h.event, z.valid_from
        FROM zone_history AS h LEFT JOIN zone AS z ON z.zone_id = h.zone_id
        WHERE h.valid_to >= ?1 ORDER BY h.zone_id, h.valid_to, h.change_id
        """
    static let requestsWithoutParcel = """
        SELECT r.request_id, r.parcel_id FROM change_request AS r
        WHERE NOT EXISTS (SELECT 1 FROM parcel AS p WHERE p.parcel_id = r.parcel_id)
          AND NOT EXISTS (SELECT 1 FROM parcel_history AS h WHERE h.parcel_id = r.parcel_id)
        ORDER BY r.request_id
        """
    /// An approval writes exactly one history row naming its request (`applyApproval`); a
    /// subdivision's or merger's, one per parcel it ended (its lineage parents, at least one).
    static let approvalsWithoutOneHistoryRow = """
        SELECT request_id, parcel_id, rows, expected FROM (
          SELECT r.request_id, r.parcel_id, count(h.change_id) AS rows,
            CASE WHEN r.kind IN ('subdivision', 'merger')
              THEN (SELECT count(DISTINCT l.parent_id) FROM parcel_lineage AS l WHERE l.request_id = r.request_id) ELSE 1 END AS expected
          FROM change_request AS r LEFT JOIN parcel_history AS h ON h.request_id = r.request_id
          WHERE r.status = 'approved' GROUP BY r.request_id) AS approvals
        WHERE rows <> expected OR expected = 0 ORDER BY request_id
        """
    /// History rows that name a request which is not approved, or is about another parcel (for
    /// a merger: not one of the parcels it merged).
    static let historyOfOtherRequests = """
        SELECT h.change_id, h.parcel_id, h.request_id, r.status, r.parcel_id FROM parcel_history AS h
        JOIN change_request AS r ON r.request_id = h.request_id
        WHERE r.status <> 'approved' OR (r.parcel_id <> h.parcel_id AND NOT EXISTS (
          SELECT 1 FROM parcel_lineage AS l WHERE l.request_id = r.request_id AND l.parent_id = h.parcel_id))
        ORDER BY h.change_id
        """
    /// Pairs of parcels whose boxes meet in the R*Tree spatial index (SpatiaLite's
    /// `idx_parcel_geom`, kept by the triggers of CreateSpatialIndex), each pair once, with the
    /// area their interiors share. ST_Relate's '2********' (interiors meet in two dimensions)
    /// spares the intersection for the many neighbours that only share an edge: on
    /// GeoData/tehran it makes the check about 5× faster. ST_Area(…, 1) is the area on the WGS 84
    /// ellipsoid in m² (librttopo's spheroid area, in Debian's SpatiaLite 5.0.1); it equals the
    /// geodesic `area_m2` of every Tehran parcel within 0.001 m², where a local projection would be
    /// off by its scale error (UTM 39N at 51.4°E: −0.08 %, 8 m² on a 1 ha block). NULL: GEOS could
    /// not intersect the outlines.
    static let parcelOverlapCandidates = """
        SELECT a.parcel_id, b.parcel_id,
          CASE WHEN ST_Relate(a.geom, b.geom, '2********') THEN ST_Area(ST_Intersection(a.geom, b.geom), 1) ELSE 0 END
        FROM parcel AS a JOIN parcel AS b ON b.rowid IN (
          SELECT pkid FROM idx_parcel_geom
          WHERE xmin <= MbrMaxX(a.geom) AND xmax >= MbrMinX(a.geom) AND ymin <= MbrMaxY(a.geom) AND ymax >= MbrMinY(a.geom))
        WHERE a.parcel_id < b.parcel_id
        ORDER BY a.parcel_id, b.parcel_id
        """
    /// Per layer: rows the spatial index misses or boxes too small (the R*Tree stores 32-bit
    /// floats rounded outwards, so a good entry holds the geometry's box), and index entries
    /// without a row. SpatiaLite's CheckSpatialIndex() says the same but writes to the file, and
    /// so fails, noisily on stderr, on a read-only connection.
    static let spatialIndexChecks: [(table: String, index: String, missing: String, orphans: String)] =
        [("parcel", "parcel_id"), ("zone", "zone_id"), ("facility", "facility_id"), ("street", "street_id")].map { table, id in
            (
                table, "idx_\(table)_geom",
                """
                SELECT t.\(id) FROM \(table) AS t LEFT JOIN idx_\(table)_geom AS r ON r.pkid = t.rowid
                WHERE t.geom IS NOT NULL AND (r.pkid IS NULL OR r.xmin > MbrMinX(t.geom) OR r.xmax < MbrMaxX(t.geom)
                  OR r.ymin > MbrMinY(t.geom) OR r.ymax < MbrMaxY(t.geom))
                ORDER BY t.\(id)
                """,
                "SELECT r.pkid FROM idx_\(table)_geom AS r WHERE NOT EXISTS (SELECT 1 FROM \(table) AS t WHERE t.rowid = r.pkid)"
            )
        }
}

/// One thing wrong in a database, named by table and id (primary key, or rowid where the table
/// has no other): one line of `zamin check`.
package struct StoreProblem: Sendable, Equatable, CustomStringConvertible {
    package var table: String
    package var id: String
    package var message: String

    package init(table: String, id: String, message: String) {
        self.table = table
        self.id = id
        self.message = message
    }

    package var description: String { "\(table) \(id): \(message)" }
}

/// What `checkIntegrity` found, with the counts it read in the same transaction.
package struct IntegrityReport: Sendable {
    package var schemaVersion: Int
    package var counts: StoreCounts
    package var requests: Int
    package var approvedRequests: Int
    package var parcelVersions: Int
    package var zoneVersions: Int
    /// Parcel pairs whose index boxes meet: the pairs measured for overlap.
    package var parcelPairsCompared: Int
    package var problems: [StoreProblem]
    /// Kept apart from `problems`: whether overlapping parcels are wrong depends on what the
    /// dataset's parcels are (cadastral parcels tile; OSM building footprints may nest).
    package var overlaps: [ParcelOverlap]
}

extension LandStore {
    /// Overlaps up to this area are digitising noise, not two parcels claiming the same land.
    package static let overlapToleranceSquareMeters = 0.5

    /// The schema version this zamin writes (`PRAGMA user_version` after its migrations).
    package static var currentSchemaVersion: Int { Migrations.latestVersion }

    /// The file's `PRAGMA user_version`, read without migrating or otherwise writing it.
    package static func schemaVersion(ofDatabaseAt path: String) throws(StoreError) -> Int {
        let connection = try Connection(path: path, mode: .readOnly)
        return try connection.cached(SQL.userVersion, name: "userVersion").all { $0.int(0) ?? 0 }.first ?? 0
    }

    /// SQLite's integrity and foreign-key checks and Zamin's invariants, all in one read
    /// transaction (one consistent state, even while a server writes):
    /// - each parcel's and zone's current values are those its last history version set, and its
    ///   versions since the import chain without gaps or overlaps in time or values (the first
    ///   starts at the import, each starts where the one before ended, from the values it left);
    /// - every request names an existing parcel; every approved request has its one history row,
    ///   and every history row naming a request names an approved request of that parcel;
    /// - the spatial indexes hold every geometry's box and nothing else;
    /// - parcels overlapping by more than `overlapToleranceSquareMeters` (reported apart).
    ///
    /// A parcel or zone edited without a history row can only be seen when it has history: the
    /// values it was imported with are not kept in the file.
    package func checkIntegrity() async throws(StoreError) -> IntegrityReport {
        try await readers.read { (connection) throws(StoreError) in
            try connection.readTransaction { () throws(StoreError) in try Self.checkIntegrity(on: connection) }
        }
    }

    private static func checkIntegrity(on connection: Connection) throws(StoreError) -> IntegrityReport {
        func count(_ sql: String) throws(StoreError) -> Int {
            try connection.cached(sql, name: "count").all { $0.int(0) ?? 0 }.first ?? 0
        }
        var problems: [StoreProblem] = []

        // The file's own checks (SQLite's integrity_check, foreign keys, SpatiaLite's R*Trees);
        // PostgreSQL keeps its constraints and GiST indexes itself.
        if connection.dialect == .sqlite {
            let integrity = try connection.cached(SQL.integrityCheck, name: "integrityCheck").all { $0.string(0) ?? "" }
            if integrity != ["ok"] {
                problems += integrity.map { StoreProblem(table: "database", id: "integrity_check", message: $0) }
            }
            problems += try connection.cached(SQL.foreignKeyCheck, name: "foreignKeyCheck").all { row in
                StoreProblem(
                    table: row.string(0) ?? "", id: row.string(1) ?? "?",
                    message: "refers to a \(row.string(2) ?? "") row that does not exist (foreign key \(row.int(3) ?? 0))")
            }
            for layer in SQL.spatialIndexChecks {
                problems += try connection.cached(layer.missing, name: "spatialIndexMissing").all { row in
                    StoreProblem(
                        table: layer.table, id: row.string(0) ?? "",
                        message: "its box is missing from the spatial index \(layer.index) or smaller than its geometry")
                }
                problems += try connection.cached(layer.orphans, name: "spatialIndexOrphans").all { row in
                    StoreProblem(table: layer.index, id: row.string(0) ?? "", message: "entry for no \(layer.table) row")
                }
                // The tree itself (an import writes it packed: LandStore/BulkLoad.swift): each node's
                // cells within its parent's, every entry's leaf and every node's parent recorded.
                let structure = try connection.cached("SELECT rtreecheck('\(layer.index)')", name: "rtreecheck").all { $0.string(0) ?? "" }
                problems += structure.filter { $0 != "ok" }.flatMap { $0.split(separator: "\n") }.map {
                    StoreProblem(table: layer.index, id: "rtreecheck", message: String($0))
                }
            }
        }

        let importedAt = try connection.cached(SQL.datasetInfo, name: "datasetInfo").all { $0.string(1) }.first.flatMap { $0 }
        let parcels = try VersionChain(table: "parcel", history: "parcel_history", attributes: ["zone_code", "current_use", "floors"])
            .problems(in: connection.cached(SQL.parcelVersionChain, name: "parcelVersionChain").bind(importedAt ?? "", at: 1), importedAt: importedAt)
        let zones = try VersionChain(table: "zone", history: "zone_history", attributes: ["code", "name_fa", "name_en"])
            .problems(in: connection.cached(SQL.zoneVersionChain, name: "zoneVersionChain").bind(importedAt ?? "", at: 1), importedAt: importedAt)
        problems += parcels + zones

        problems += try connection.cached(SQL.requestsWithoutParcel, name: "requestsWithoutParcel").all { row in
            StoreProblem(table: "change_request", id: row.string(0) ?? "", message: "parcel \(row.string(1) ?? "") does not exist")
        }
        problems += try connection.cached(SQL.approvalsWithoutOneHistoryRow, name: "approvalsWithoutOneHistoryRow").all { row in
            StoreProblem(
                table: "change_request", id: row.string(0) ?? "",
                message: "approved, but \(row.int(2) ?? 0) parcel_history rows of parcel \(row.string(1) ?? "") name it (\(row.int(3) ?? 1) expected)")
        }
        problems += try connection.cached(SQL.historyOfOtherRequests, name: "historyOfOtherRequests").all { row in
            StoreProblem(
                table: "parcel_history", id: row.string(0) ?? "",
                message: "changes parcel \(row.string(1) ?? "") for change_request \(row.string(2) ?? ""), which is \(row.string(3) ?? "") and about parcel \(row.string(4) ?? "")")
        }

        // Problem reports (issue 20): a photo is stored with its report, so none is without one,
        // and every report has the history entry it was filed with.
        problems += try connection.cached(SQL.orphanPhotos, name: "orphanPhotos").all { row in
            StoreProblem(table: "report_photo", id: row.string(0) ?? "", message: "no report shows this photo")
        }
        problems += try connection.cached(SQL.reportsWithoutHistory, name: "reportsWithoutHistory").all { row in
            StoreProblem(table: "problem_report", id: row.string(0) ?? "", message: "has no status history")
        }

        var pairs = 0
        var overlaps: [ParcelOverlap] = []
        let candidates = try connection.cached(SQL.parcelOverlapCandidates, name: "parcelOverlapCandidates")
        while try candidates.step() {
            pairs += 1
            let first = ParcelID(candidates.string(0) ?? ""), second = ParcelID(candidates.string(1) ?? "")
            guard let area = candidates.double(2) else {
                problems.append(
                    StoreProblem(
                        table: "parcel", id: first.rawValue,
                        message: "its overlap with parcel \(second) cannot be measured (GEOS could not intersect the outlines)"))
                continue
            }
            if area > overlapToleranceSquareMeters {
                overlaps.append(ParcelOverlap(first: first, second: second, areaSquareMeters: area))
            }
        }

        let history = try connection.cached(SQL.historyCounts, name: "historyCounts").all { row in
            (requests: row.int(0) ?? 0, approved: row.int(1) ?? 0, parcelVersions: row.int(2) ?? 0, zoneVersions: row.int(3) ?? 0)
        }.first ?? (0, 0, 0, 0)
        return IntegrityReport(
            schemaVersion: try count(connection.dialect == .sqlite ? SQL.userVersion : "SELECT version FROM zamin_schema WHERE singleton = 1"),
            counts: StoreCounts(
                parcels: try count(SQL.countParcels), zones: try count(SQL.countZones),
                facilities: try count(SQL.countFacilities), streets: try count(SQL.countStreets), rules: try count(SQL.countRules)),
            requests: history.requests, approvedRequests: history.approved, parcelVersions: history.parcelVersions,
            zoneVersions: history.zoneVersions, parcelPairsCompared: pairs, problems: problems, overlaps: overlaps)
    }
}

/// The history check of one layer. Each history row closes a version [valid_from, valid_to) of
/// one feature, holding the values of that version and the values that replaced them
/// (`changeParcel`, `rezone`); the current version is the feature's row. Rows come ordered by
/// feature, then as made: columns id, change_id, valid_from, valid_to, the attributes before,
/// the attributes after, then the feature's own id (NULL: no row) and current attributes.
private struct VersionChain {
    let table: String
    let history: String
    let attributes: [String]

    private struct Version {
        var id: String
        var change: Int
        var validFrom: String
        var validTo: String
        var before: [String?]
        var after: [String?]
        /// The feature's current values; nil when it has no row.
        var current: [String?]?
        /// The version ended the feature (a sync removed it, or a subdivision or merger).
        var isRemoval: Bool
        /// When the feature's current version began (nil: at the import, or before migration 6).
        var currentValidFrom: String?
    }

    func problems(in rows: Statement, importedAt: String?) throws(StoreError) -> [StoreProblem] {
        var problems: [StoreProblem] = []
        func report(_ id: String, _ message: String) { problems.append(StoreProblem(table: table, id: id, message: message)) }
        func end(_ last: Version) {
            if last.isRemoval {
                if last.current != nil {
                    report(last.id, "has a row, but its last version (\(history) \(last.change)) removed it and nothing added it again")
                }
                return
            }
            guard let current = last.current else {
                report(last.id, "has history (\(history) \(last.change)) but no row")
                return
            }
            if let start = last.currentValidFrom, start != last.validTo {
                report(
                    last.id,
                    "its current version starts at \(start) but its last closed version (\(history) \(last.change)) ends at \(last.validTo)")
            }
            for (index, name) in attributes.enumerated() where current[index] != last.after[index] {
                report(
                    last.id,
                    "\(name) is \(Self.show(current[index])) but its last version (\(history) \(last.change)) set \(Self.show(last.after[index])): changed without history")
            }
        }
        var previous: Version?
        while try rows.step() {
            let version = read(rows)
            if version.validFrom > version.validTo {
                report(version.id, "\(history) \(version.change) ends (\(version.validTo)) before it starts (\(version.validFrom))")
            }
            if let last = previous, last.id == version.id {
                // After a removal the feature may come back later (a sync that adds the id again).
                if last.isRemoval ? version.validFrom < last.validTo : version.validFrom != last.validTo {
                    report(
                        version.id,
                        "\(history) \(version.change) starts at \(version.validFrom) but the version before it (\(history) \(last.change)) ends at \(last.validTo): \(version.validFrom > last.validTo ? "a gap" : "an overlap")")
                }
                for (index, name) in attributes.enumerated() where !last.isRemoval && version.before[index] != last.after[index] {
                    report(
                        version.id,
                        "\(history) \(version.change) starts from \(name) \(Self.show(version.before[index])) but \(history) \(last.change) left \(Self.show(last.after[index]))")
                }
            } else {
                if let last = previous { end(last) }
                // A feature added after the import (a sync, later an edit or a subdivision)
                // starts later; none starts before the import.
                if let importedAt, version.validFrom < importedAt {
                    report(
                        version.id,
                        "its first version since the import (\(history) \(version.change)) starts at \(version.validFrom), before the import (\(importedAt)): an overlap")
                }
            }
            previous = version
        }
        if let last = previous { end(last) }
        return problems
    }

    private func read(_ row: Statement) -> Version {
        let n = Int32(attributes.count)
        return Version(
            id: row.string(0) ?? "", change: row.int(1) ?? 0, validFrom: row.string(2) ?? "", validTo: row.string(3) ?? "",
            before: (0..<n).map { row.string(4 + $0) }, after: (0..<n).map { row.string(4 + n + $0) },
            current: row.isNull(4 + 2 * n) ? nil : (0..<n).map { row.string(5 + 2 * n + $0) },
            isRemoval: row.string(5 + 3 * n) == "removal", currentValidFrom: row.string(6 + 3 * n))
    }

    private static func show(_ value: String?) -> String { value ?? "NULL" }
}
