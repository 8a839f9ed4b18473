import Foundation
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
}
