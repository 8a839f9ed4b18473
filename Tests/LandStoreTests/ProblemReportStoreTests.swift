import Foundation
import GeoFormats
import LandModel
import LandStore
import Logging
import Testing
import TestSupport

/// The store's side of problem reports (issue 20), on SQLite and, under `scripts/test`, on
/// PostgreSQL: a report with its photos in one transaction, the status check-and-set under
/// concurrency, the public history, the 30-day reopening window measured from hand-set instants,
/// and the integrity check's view of photos.
@Suite("Problem reports in the store")
struct ProblemReportStoreTests {
    static let logger = Logger(label: "test")

    static func store() async throws -> LandStore {
        let store = try LandStore(path: try TestDatabase.fresh(), create: true, logger: logger)
        try await store.importDataset(
            Dataset(name: "empty", parcels: [], zones: [], facilities: [], streets: [], rules: []), source: "test", replace: false,
            actor: "test")
        return store
    }

    static func report(_ code: String, service: String = "pothole", photos: [[UInt8]] = []) -> NewProblemReport {
        NewProblemReport(
            trackingCode: TrackingCode(code),
            content: ReportContent(
                serviceCode: ServiceCode(service), longitude: 51.4, latitude: 35.7, address: nil, parcelID: nil, zoneCode: ZoneCode("R1"),
                description: "a deep hole", attributes: [("size", ["large"]), ("kinds", ["a", "b"])],
                contact: ReporterContact(name: "Sara", email: "sara@example.org", phone: nil), source: "web"),
            photos: photos.map { (StoredPhoto(hash: String(repeating: String($0.count % 10), count: 64), mediaType: "image/png"), $0) })
    }

    @Test("a filed report reads back with its attributes, photos, contact and first history entry")
    func fileAndRead() async throws {
        let store = try await Self.store()
        let photo: [UInt8] = Array(repeating: 7, count: 1234)
        let filed = try await store.fileReport(Self.report("ZM-R1", photos: [photo]), actor: "public")
        let read = try #require(try await store.report(trackingCode: TrackingCode("ZM-R1")))
        #expect(read.id == filed.id)
        #expect(read.status == .open)
        #expect(read.attributes.map(\.code) == ["size", "kinds"] && read.attributes[1].values == ["a", "b"])
        #expect(read.contact == ReporterContact(name: "Sara", email: "sara@example.org", phone: nil))
        #expect(read.history == [ReportStatusEntry(at: filed.submittedAt, status: .open, note: nil)])
        #expect(read.photos.map(\.hash) == [String(repeating: "4", count: 64)])
        #expect(try await store.photo(hash: read.photos[0].hash)?.bytes == photo)
        #expect(try await store.report(trackingCode: TrackingCode("ZM-NONE")) == nil)
        // The same picture in a second report is stored once and shown by both.
        let second = try await store.fileReport(Self.report("ZM-R2", photos: [photo]), actor: "public")
        #expect(second.photos == read.photos)
        #expect(try await store.checkIntegrity().problems.isEmpty)
    }

    @Test("steps follow the allowed moves; each public one is in the history in order; the audit names no reporter")
    func workflow() async throws {
        let store = try await Self.store()
        let first = try await store.fileReport(Self.report("ZM-A"), actor: "public")
        let other = try await store.fileReport(Self.report("ZM-B"), actor: "public")
        _ = try await store.applyReportStep(.assign(to: "team-north"), toReport: first.id, actor: "op")
        _ = try await store.applyReportStep(.move(to: .inProgress, note: "crew sent"), toReport: first.id, actor: "op")
        _ = try await store.applyReportStep(.confirm, toReport: first.id, actor: "public")
        let closed = try await store.applyReportStep(.move(to: .closed, note: "fixed"), toReport: first.id, actor: "op")
        #expect(closed.status == .closed && closed.closedAt != nil && closed.confirmations == 1 && closed.assignedTo == "team-north")
        #expect(closed.history.map(\.status) == [.open, .inProgress, .closed])
        #expect(closed.history.map(\.note) == [nil, "crew sent", "fixed"])
        // Closed: no confirmation, no move but reopening.
        await #expect(throws: StoreError.self) { try await store.applyReportStep(.confirm, toReport: first.id, actor: "public") }
        await #expect(throws: StoreError.self) { try await store.applyReportStep(.move(to: .inProgress, note: nil), toReport: first.id, actor: "op") }
        let reopened = try await store.applyReportStep(.reopen(note: "still broken"), toReport: nil, trackingCode: TrackingCode("ZM-A"), actor: "public")
        #expect(reopened.status == .open && reopened.closedAt == nil)
        // A duplicate points at the root of a chain.
        _ = try await store.applyReportStep(.markDuplicate(of: first.id, note: nil), toReport: other.id, actor: "op")
        let third = try await store.fileReport(Self.report("ZM-C"), actor: "public")
        let marked = try await store.applyReportStep(.markDuplicate(of: other.id, note: "same hole"), toReport: third.id, actor: "op")
        #expect(marked.status == .duplicate && marked.duplicateOf == first.id)
        await #expect(throws: StoreError.self) { try await store.applyReportStep(.markDuplicate(of: 9999, note: nil), toReport: first.id, actor: "op") }
        let audit = try await store.auditRecords(from: nil, to: nil, limit: 100)
        #expect(audit.filter { $0.action.hasPrefix("report.") }.count == 10)
        for record in audit { #expect(!(record.after ?? "").contains("sara@example.org") && !(record.after ?? "").contains("Sara")) }
    }

    @Test("reopening is allowed up to 30 days after closing, measured from the closing instant")
    func reopenWindow() async throws {
        let store = try await Self.store()
        let report = try await store.fileReport(Self.report("ZM-W"), actor: "public")
        let closedAt = "2026-01-01T10:00:00.000Z"
        _ = try await store.applyReportStep(.move(to: .closed, note: nil), toReport: report.id, actor: "op", now: closedAt)
        // 30 days + 1 ms later (2026-01-31T10:00:00.001Z): refused; exactly 30 days: allowed.
        await #expect(throws: StoreError.self) {
            try await store.applyReportStep(
                .reopen(note: nil), toReport: nil, trackingCode: TrackingCode("ZM-W"), actor: "public", now: "2026-01-31T10:00:00.001Z")
        }
        let reopened = try await store.applyReportStep(
            .reopen(note: nil), toReport: nil, trackingCode: TrackingCode("ZM-W"), actor: "public", now: "2026-01-31T10:00:00.000Z")
        #expect(reopened.status == .open)
    }

    @Test("concurrent confirmations all count, and of two operators closing at once exactly one wins")
    func concurrency() async throws {
        let store = try await Self.store()
        let report = try await store.fileReport(Self.report("ZM-C"), actor: "public")
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask { (try? await store.applyReportStep(.confirm, toReport: report.id, actor: "public")) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(try await store.report(id: report.id)?.confirmations == outcomes.filter { $0 }.count)
        #expect(outcomes.allSatisfy { $0 })
        let closes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<2 {
                group.addTask { (try? await store.applyReportStep(.move(to: .closed, note: nil), toReport: report.id, actor: "op")) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(closes.filter { $0 }.count == 1)
        #expect(try await store.report(id: report.id)?.history.map(\.status) == [.open, .closed])
    }

    @Test("reports changed since an instant, and those submitted in a window, newest first")
    func windows() async throws {
        let store = try await Self.store()
        let a = try await store.fileReport(Self.report("ZM-1"), actor: "public")
        let b = try await store.fileReport(Self.report("ZM-2"), actor: "public")
        #expect(try await store.reports(submittedFrom: "", to: "9999", limit: 10, history: false).map(\.id) == [b.id, a.id])
        #expect(try await store.reports(submittedFrom: "", to: "9999", limit: 1, history: false).map(\.id) == [b.id])
        #expect(try await store.reportsChanged(since: nil).map(\.id) == [a.id, b.id])
        let moved = try await store.applyReportStep(.move(to: .inProgress, note: nil), toReport: a.id, actor: "op")
        #expect(try await store.reportsChanged(since: moved.updatedAt).map(\.id) == [a.id])
    }
}
