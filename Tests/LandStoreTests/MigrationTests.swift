import Foundation
import LandModel
@testable import LandStore
import Logging
import Testing
import TestSupport

/// Schema migrations when several processes open one file at once (two `zamin serve` started
/// together after an upgrade): each migration is applied once, by whichever gets the write lock
/// first, and the others find it applied — found when two servers of a benchmark started on a
/// file of schema 5 and the second died on "duplicate column name".
@Suite("Schema migrations")
struct MigrationTests {
    /// A file at schema version `version`, made with the released migrations up to it.
    static func database(atVersion version: Int) throws -> String {
        let path = try Fixtures.temporaryDirectory().appending(path: "old.db").path
        let connection = try Connection(path: path, mode: .readWrite, create: true)
        try connection.loadSpatiaLite()
        try connection.execute("PRAGMA journal_mode = WAL")
        try connection.execute("SELECT InitSpatialMetadata(1)")
        for target in 1...version {
            try connection.transaction { () throws(StoreError) in
                for statement in Migrations.all[target - 1] { try connection.execute(statement) }
                try connection.execute("PRAGMA user_version = \(target)")
            }
        }
        return path
    }

    @Test("eight stores opening a schema-5 file at once all open it, and it ends at the latest version once")
    func concurrentOpens() async throws {
        for _ in 0..<3 {
            let path = try Self.database(atVersion: 5)
            let opened = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let store = try LandStore(path: path, create: false, logger: Logger(label: "test"))
                        await store.close()
                        return true
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(opened == 8)
            #expect(try LandStore.schemaVersion(ofDatabaseAt: path) == Migrations.latestVersion)
        }
    }

    @Test("migration 7 rebuilds change_request with the new kinds, keeping every request and the history rows that name them")
    func version7KeepsRequests() async throws {
        let path = try Self.database(atVersion: 6)
        do {
        let old = try Connection(path: path, mode: .readWrite, create: false)
        try old.loadSpatiaLite()
        try old.execute("PRAGMA foreign_keys = ON")
        try old.execute("""
            INSERT INTO change_request (request_id, tracking_code, parcel_id, kind, requested_use, applicant_name,
              applicant_national_id, applicant_phone, zoning_check, status, submitted_at, updated_at)
            VALUES (7, 'ZM-AAAA-BBBB-CCCC', 'P-1', 'land_use_change', 'commercial', 'Reza', '1234567891', '09351234567',
              '{}', 'approved', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z')
            """)
        try old.execute("""
            INSERT INTO parcel_history (parcel_id, valid_from, valid_to, request_id, actor)
            VALUES ('P-1', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 7, 'sara')
            """)
        }

        let store = try LandStore(path: path, create: false, logger: Logger(label: "test"))
        #expect(try LandStore.schemaVersion(ofDatabaseAt: path) == Migrations.latestVersion)
        let kept = try #require(try await store.request(id: RequestID(7)))
        #expect(kept.filing.trackingCode == TrackingCode("ZM-AAAA-BBBB-CCCC") && kept.status == .approved && kept.filing.proposalJSON == nil)
        await store.close()

        let after = try Connection(path: path, mode: .readWrite, create: false)
        try after.execute("PRAGMA foreign_keys = ON")
        #expect(try after.cached("PRAGMA foreign_key_check", name: "check").all { $0.string(0) }.isEmpty)
        #expect(try after.cached("SELECT request_id FROM parcel_history", name: "history").all { $0.int(0) } == [7])
        try after.execute("""
            INSERT INTO change_request (tracking_code, parcel_id, kind, requested_use, applicant_name, applicant_national_id,
              applicant_phone, zoning_check, status, submitted_at, updated_at, proposal)
            VALUES ('ZM-DDDD-EEEE-FFFF', 'P-1', 'subdivision', '', 'Reza', '1234567891', '09351234567', '{}', 'submitted',
              '2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z', '{"version":1,"children":[]}')
            """)
        #expect(throws: StoreError.self) {
            try after.execute("""
                INSERT INTO change_request (tracking_code, parcel_id, kind, requested_use, applicant_name, applicant_national_id,
                  applicant_phone, zoning_check, status, submitted_at, updated_at)
                VALUES ('ZM-GGGG-HHHH-JJJJ', 'P-1', 'demolition', '', 'Reza', '1234567891', '09351234567', '{}', 'submitted',
                  '2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z')
                """)
        }

    }
}
