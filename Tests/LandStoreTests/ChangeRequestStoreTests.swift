import Foundation
import GeoCore
import LandModel
import LandStore
import Logging
import Testing
import TestSupport

/// The store's side of change requests on a two-parcel city made by hand: the status
/// check-and-set under concurrency, the parcel update, history rows and audit records of one
/// transaction, and key rows.
@Suite("Change requests in the store")
struct ChangeRequestStoreTests {
    static let logger = Logger(label: "test")

    static func square(_ lon: Double, _ lat: Double) -> Polygonal {
        let d = 0.001
        return Polygonal(Polygon(exterior: Ring(xy: [lon, lat, lon + d, lat, lon + d, lat + d, lon, lat + d, lon, lat])))
    }

    static func store() async throws -> LandStore {
        let path = try TestDatabase.fresh()
        let store = try LandStore(path: path, create: true, logger: logger)
        let rule = ZoningRule(
            code: ZoneCode("R1"), nameFa: nil, nameEn: nil, allowedUses: [LandUse("residential")],
            conditionalUses: [LandUse("commercial")], maxFloors: 4, maxCoveragePercent: 60, maxDensityPercent: 240,
            minParcelAreaSquareMeters: nil, notes: nil)
        let parcels = [
            Parcel(id: ParcelID("P-1"), geometry: square(51.40, 35.70), zoneCode: ZoneCode("R1"), areaSquareMeters: 9000,
                   currentUse: LandUse("residential"), floors: 2, address: nil),
            Parcel(id: ParcelID("P-2"), geometry: square(51.41, 35.70), zoneCode: ZoneCode("R1"), areaSquareMeters: 9000,
                   currentUse: LandUse("residential"), floors: 3, address: nil),
        ]
        let zone = Zone(id: ZoneID("Z-1"), geometry: square(51.40, 35.70), code: ZoneCode("R1"), nameFa: nil, nameEn: nil)
        try await store.importDataset(
            Dataset(name: "hand", parcels: parcels, zones: [zone], facilities: [], streets: [], rules: [rule]),
            source: "test", replace: false, actor: "test")
        return store
    }

    static func filing(_ parcel: String, code: String, use: String = "commercial", floors: Int? = 4) -> NewChangeRequest {
        NewChangeRequest(
            trackingCode: TrackingCode(code), parcelID: ParcelID(parcel), zoneCode: ZoneCode("R1"), kind: .constructionPermit,
            requestedUse: LandUse(use), requestedFloors: floors, requestedZoneCode: nil, description: "shop below",
            applicant: Applicant(name: "Sara Ahmadi", nationalID: NationalID("0012345679")!, phone: MobileNumber("09121234567")!),
            zoningCheckJSON: "{}")
    }

    @Test("a filed request reads back by tracking code and by id, applicant intact")
    func fileAndRead() async throws {
        let store = try await Self.store()
        let filed = try await store.fileRequest(Self.filing("P-1", code: "ZM-A"), actor: "public")
        #expect(filed.status == .submitted)
        let byCode = try #require(try await store.request(trackingCode: TrackingCode("ZM-A")))
        #expect(byCode.id == filed.id)
        #expect(byCode.filing.applicant == filed.filing.applicant)
        #expect(byCode.filing.requestedFloors == 4)
        #expect(try await store.request(trackingCode: TrackingCode("ZM-NONE")) == nil)
        #expect(try await store.requests(status: .submitted).map(\.id) == [filed.id])
        #expect(try await store.requests(status: .approved).isEmpty)
    }

    @Test("twenty planners deciding one request at once: exactly one wins, the others get a conflict")
    func concurrentDecisions() async throws {
        let store = try await Self.store()
        let filed = try await store.fileRequest(Self.filing("P-1", code: "ZM-B"), actor: "public")
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    do {
                        _ = try await store.decide(
                            request: filed.id, decision: index % 2 == 0 ? .approve : .reject, reason: nil,
                            actor: "planner-\(index)", afterCommit: { _ in })
                        return true
                    } catch {
                        if case .conflict? = error as? StoreError {} else { Issue.record("not a conflict: \(error)") }
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1)
        let decided = try #require(try await store.request(id: filed.id))
        #expect(decided.status.isDecided)
        // One decision, one audit record; at most one parcel change.
        let audit = try await store.auditRecords(from: nil, to: nil, limit: 100)
        #expect(audit.filter { $0.action.hasPrefix("request.approve") || $0.action.hasPrefix("request.reject") }.count == 1)
        #expect(try await store.parcelChanges(from: "", to: "9999").count == (decided.status == .approved ? 1 : 0))
    }

    @Test("approval updates the parcel, closes its version in the history and audits, in one go")
    func approvalWritesHistory() async throws {
        let store = try await Self.store()
        let imported = try #require(try await store.datasetInfo()).importedAt
        let first = try await store.fileRequest(Self.filing("P-1", code: "ZM-C", floors: 4), actor: "public")
        _ = try await store.decide(request: first.id, decision: .review, reason: nil, actor: "sara", afterCommit: { _ in })
        let outcome = try await store.decide(request: first.id, decision: .approve, reason: "ok", actor: "sara", afterCommit: { _ in })
        #expect(outcome.previousStatus == .underReview)
        let change = try #require(outcome.change)
        #expect(change.before == ParcelAttributes(zoneCode: ZoneCode("R1"), currentUse: LandUse("residential"), floors: 2))
        #expect(change.after == ParcelAttributes(zoneCode: ZoneCode("R1"), currentUse: LandUse("commercial"), floors: 4))
        #expect(change.validFrom == imported)

        try await Task.sleep(for: .milliseconds(5))
        let second = try await store.fileRequest(Self.filing("P-1", code: "ZM-D", use: "residential", floors: 3), actor: "public")
        let later = try #require(try await store.decide(
            request: second.id, decision: .approve, reason: nil, actor: "ali", afterCommit: { _ in }).change)
        #expect(later.validFrom == change.at, "the second version began when the first change was made")

        let parcels = try await store.allParcels()
        #expect(parcels.first { $0.id == ParcelID("P-1") }?.currentUse == LandUse("residential"))
        #expect(parcels.first { $0.id == ParcelID("P-1") }?.floors == 3)
        #expect(parcels.first { $0.id == ParcelID("P-2") }?.floors == 3, "the other parcel is untouched")

        // The parcel's versions, each whole, with [from, to): the imported one reaches back.
        let chain = try #require(try await store.timeline().parcels[ParcelID("P-1")])
        #expect(chain.map(\.feature.floors) == [2, 4, 3])
        #expect(chain.map(\.validity) == [
            Validity(from: nil, to: change.at), Validity(from: change.at, to: later.at), Validity(from: later.at, to: nil),
        ])
        #expect(try await store.timeline().parcels[ParcelID("P-2")] == nil, "a parcel never changed has no versions beyond the import")
        #expect(try await store.parcelChanges(from: "", to: "9999").map(\.id) == [change.id, later.id])
        #expect(try await store.parcelChanges(from: later.at, to: "9999").map(\.id) == [later.id])

        let audit = try await store.auditRecords(from: nil, to: nil, limit: 100)
        #expect(audit.map(\.action) == ["request.approve", "request.file", "request.approve", "request.review", "request.file", "import"])
        #expect(audit[0].actor == "ali")
        for record in audit {
            for secret in ["Sara Ahmadi", "0012345679", "09121234567"] {
                #expect(!(record.after ?? "").contains(secret) && !(record.before ?? "").contains(secret))
            }
        }
    }

    @Test("deciding a decided request, reviewing twice and an unknown id are refused without writing")
    func refusedDecisions() async throws {
        let store = try await Self.store()
        let filed = try await store.fileRequest(Self.filing("P-2", code: "ZM-E"), actor: "public")
        _ = try await store.decide(request: filed.id, decision: .review, reason: nil, actor: "a", afterCommit: { _ in })
        await #expect(throws: StoreError.conflict(what: "request \(filed.id) is under_review")) {
            try await store.decide(request: filed.id, decision: .review, reason: nil, actor: "a", afterCommit: { _ in })
        }
        _ = try await store.decide(request: filed.id, decision: .reject, reason: "no", actor: "a", afterCommit: { _ in })
        for decision in Decision.allCases {
            await #expect(throws: StoreError.conflict(what: "request \(filed.id) is rejected")) {
                try await store.decide(request: filed.id, decision: decision, reason: nil, actor: "a", afterCommit: { _ in })
            }
        }
        await #expect(throws: StoreError.notFound(what: "request 999")) {
            try await store.decide(request: RequestID(999), decision: .approve, reason: nil, actor: "a", afterCommit: { _ in })
        }
        #expect(try await store.allParcels().first { $0.id == ParcelID("P-2") }?.currentUse == LandUse("residential"))
        #expect(try await store.auditRecords(from: nil, to: nil, limit: 100).count == 4, "import, file, review, reject")
    }

    @Test("keys: a name is unique, revocation is recorded once, both audited")
    func keys() async throws {
        let store = try await Self.store()
        let key = StoredKey(keyID: "0123456789abcdef", name: "sara", role: .planner, salt: [1, 2], secretHash: [3, 4], createdAt: "2026-01-01T00:00:00.000Z")
        try await store.insertKey(key, actor: "cli:keys")
        #expect(try await store.key(id: "0123456789abcdef") == key)
        var again = key
        again.keyID = "fedcba9876543210"
        await #expect(throws: StoreError.conflict(what: "a key named sara exists")) { try await store.insertKey(again, actor: "cli:keys") }
        #expect(try await store.revokeKey(named: "sara", actor: "cli:keys"))
        #expect(try await !store.revokeKey(named: "sara", actor: "cli:keys"))
        #expect(try await store.key(id: "0123456789abcdef")?.revokedAt != nil)
        let actions = try await store.auditRecords(from: nil, to: nil, limit: 10).map(\.action)
        #expect(actions == ["key.revoke", "key.create", "import"])
    }
}
