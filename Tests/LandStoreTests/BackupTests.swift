import Foundation
import LandModel
import LandStore
import Logging
import Testing
import TestSupport

/// `LandStore.backup`: a consistent copy taken while the same file is being written, and the
/// rules for the target file.
@Suite("Online backup")
struct BackupTests {
    static let logger = Logger(label: "test")

    /// Files requests, approving every other one, until `stop`; records each acknowledged filing.
    actor Writer {
        private(set) var acknowledged: [TrackingCode] = []
        private var stopped = false
        let store: LandStore
        init(store: LandStore) { self.store = store }

        func stop() { stopped = true }

        func run() async throws {
            var number = 0
            while !stopped {
                number += 1
                let parcel = String(format: "P-%06d", 1 + number % 6000)
                let filed = try await store.fileRequest(
                    IntegrityCheckTests.filing(parcel, code: "ZM-\(number)", floors: 3), actor: "public")
                acknowledged.append(filed.filing.trackingCode)
                if number % 2 == 0 {
                    _ = try await store.decide(request: filed.id, decision: .approve, reason: nil, actor: "sara", afterCommit: { _ in })
                }
            }
        }
    }

    @Test("a backup taken while requests are filed and approved holds every one acknowledged before it began, and checks clean")
    func backupWhileWriting() async throws {
        let source = try await ImportedDatabase.copy("tehran")
        let store = try LandStore(path: source, create: false, logger: Self.logger)
        let writer = Writer(store: store)
        let writing = Task { try await writer.run() }
        while await writer.acknowledged.count < 20 { try await Task.sleep(for: .milliseconds(5)) }
        let before = await writer.acknowledged
        let target = try Fixtures.temporaryDirectory().appending(path: "backup.db").path
        // Small steps with pauses, so the writer commits many times during the copy.
        let copy = try await LandStore.backup(databaseAt: source, to: target, force: false, pagesPerStep: 50, pause: .milliseconds(5))
        await writer.stop()
        try await writing.value
        let after = await writer.acknowledged.count
        #expect(after > before.count, "the writer kept writing during the backup")
        #expect(copy.steps > 1)
        #expect(copy.schemaVersion == LandStore.currentSchemaVersion)
        #expect(!FileManager.default.fileExists(atPath: target + ".partial"))

        let restored = try LandStore(path: target, create: false, logger: Self.logger)
        for code in before {
            #expect(try await restored.request(trackingCode: code) != nil, "\(code) was acknowledged before the backup")
        }
        let report = try await restored.checkIntegrity()
        #expect(report.problems == [])
        #expect(report.schemaVersion == copy.schemaVersion)
        #expect(report.requests >= before.count)
    }

    @Test("an existing target is kept unless force; the database itself is never a target")
    func targetRules() async throws {
        let source = try await ImportedDatabase.copy("tehran")
        let target = try Fixtures.temporaryDirectory().appending(path: "backup.db").path
        try Data("not a database".utf8).write(to: URL(filePath: target))
        await #expect(throws: StoreError.targetExists(path: target)) {
            try await LandStore.backup(databaseAt: source, to: target, force: false, pagesPerStep: 256, pause: .zero)
        }
        #expect(try Data(contentsOf: URL(filePath: target)) == Data("not a database".utf8), "left as it was")

        let copy = try await LandStore.backup(databaseAt: source, to: target, force: true, pagesPerStep: 256, pause: .zero)
        #expect(try LandStore.schemaVersion(ofDatabaseAt: target) == copy.schemaVersion)
        #expect(try await LandStore(path: target, create: false, logger: Self.logger).counts().parcels == 6673)

        await #expect(throws: StoreError.self) {
            try await LandStore.backup(databaseAt: source, to: source, force: true, pagesPerStep: 256, pause: .zero)
        }
        #expect(try await LandStore(path: source, create: false, logger: Self.logger).counts().parcels == 6673)
    }
}
