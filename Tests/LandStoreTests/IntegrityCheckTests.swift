import Foundation
import GeoCore
// @testable for `Connection`: the faults are planted with raw SQL behind the store's back, as a
// hand edit, another tool or a bad restore would make them.
@testable import LandStore
import LandModel
import Logging
import Testing
import TestSupport

/// `LandStore.checkIntegrity` on GeoData/tehran as imported, after legitimate edits, and with
/// one planted fault per test: each fault is reported, naming its table and id.
@Suite("Integrity check of the store")
struct IntegrityCheckTests {
    static let logger = Logger(label: "test")

    static func tehran() async throws -> LandStore {
        try LandStore(path: try await ImportedDatabase.copy("tehran"), create: false, logger: logger)
    }

    /// Runs SQL on a connection of its own, with SpatiaLite loaded (its triggers keep the spatial
    /// index of an inserted geometry).
    static func plant(_ statements: String..., in store: LandStore) throws {
        let connection = try Connection(path: store.path, mode: .readWrite)
        try connection.loadSpatiaLite()
        for statement in statements { try connection.execute(statement, name: "plant") }
    }

    static func filing(_ parcel: String, code: String, floors: Int) -> NewChangeRequest {
        NewChangeRequest(
            trackingCode: TrackingCode(code), parcelID: ParcelID(parcel), zoneCode: ZoneCode("R121"), kind: .constructionPermit,
            requestedUse: LandUse("residential"), requestedFloors: floors, requestedZoneCode: nil, description: "test",
            applicant: Applicant(name: "Sara Ahmadi", nationalID: NationalID("0012345679")!, phone: MobileNumber("09121234567")!),
            zoningCheckJSON: "{}")
    }

    /// Files and approves a request setting the parcel's floors; returns the request's id.
    @discardableResult
    static func approve(_ parcel: String, floors: Int, code: String, in store: LandStore) async throws -> RequestID {
        let filed = try await store.fileRequest(filing(parcel, code: code, floors: floors), actor: "public")
        _ = try await store.decide(request: filed.id, decision: .approve, reason: nil, actor: "sara", afterCommit: { _ in })
        return filed.id
    }

    static func problems(_ report: IntegrityReport, about table: String, _ id: String) -> [StoreProblem] {
        report.problems.filter { $0.table == table && $0.id == id }
    }

    @Test("Tehran as imported: no problem, no overlap, the layers counted")
    func importedTehranPasses() async throws {
        let report = try await Self.tehran().checkIntegrity()
        #expect(report.problems == [])
        #expect(report.overlaps == [])
        // GeoData/tehran/README.md: 6,673 parcels, 46 zones, 1,060 facilities.
        #expect(report.counts.parcels == 6673)
        #expect(report.counts.zones == 46)
        #expect(report.counts.facilities == 1060)
        #expect(report.schemaVersion == LandStore.currentSchemaVersion)
        // The synthetic district tiles: every parcel has neighbours whose boxes meet its own.
        #expect(report.parcelPairsCompared > report.counts.parcels)
    }

    @Test("approvals and a rezoning keep the invariants; a parcel edited without history is named")
    func parcelChangedWithoutHistory() async throws {
        let store = try await Self.tehran()
        try await Self.approve("P-000010", floors: 3, code: "ZM-1", in: store)
        try await Self.approve("P-000010", floors: 5, code: "ZM-2", in: store)
        try await Self.approve("P-000011", floors: 2, code: "ZM-3", in: store)
        _ = try await store.rezone(
            zone: ZoneID("Z-001"), parcels: [ParcelID("P-000001")], reason: "test", actor: "sara",
            next: { ZoneAttributes(code: ZoneCode("R122"), nameFa: $0.nameFa, nameEn: $0.nameEn) }, afterCommit: { _ in })
        let clean = try await store.checkIntegrity()
        #expect(clean.problems == [])
        #expect(clean.parcelVersions == 4, "three approvals and the parcel that followed the rezoning")
        #expect(clean.zoneVersions == 1)
        #expect(clean.approvedRequests == 3)

        try Self.plant("UPDATE parcel SET floors = 9 WHERE parcel_id = 'P-000010'", in: store)
        let report = try await store.checkIntegrity()
        let found = Self.problems(report, about: "parcel", "P-000010")
        #expect(found.count == 1)
        #expect(found.first?.message.contains("floors is 9") == true)
        #expect(found.first?.message.contains("set 5") == true)
        #expect(report.problems.count == 1, "\(report.problems)")
    }

    @Test("a zone edited without history is named")
    func zoneChangedWithoutHistory() async throws {
        let store = try await Self.tehran()
        _ = try await store.rezone(
            zone: ZoneID("Z-002"), parcels: [], reason: "test", actor: "sara",
            next: { ZoneAttributes(code: ZoneCode("C211"), nameFa: $0.nameFa, nameEn: $0.nameEn) }, afterCommit: { _ in })
        try Self.plant("UPDATE zone SET code = 'G100' WHERE zone_id = 'Z-002'", in: store)
        let report = try await store.checkIntegrity()
        let found = Self.problems(report, about: "zone", "Z-002")
        #expect(found.map(\.message) == ["code is G100 but its last version (zone_history 1) set C211: changed without history"])
        #expect(report.problems.count == 1, "\(report.problems)")
    }

    @Test("a version missing from a parcel's history is a gap in its chain")
    func historyGap() async throws {
        let store = try await Self.tehran()
        try await Self.approve("P-000020", floors: 3, code: "ZM-1", in: store)
        try await Self.approve("P-000020", floors: 4, code: "ZM-2", in: store)
        try await Self.approve("P-000020", floors: 5, code: "ZM-3", in: store)
        #expect(try await store.checkIntegrity().problems == [])
        // The middle version goes: the third now starts where the second ended, from its values.
        try Self.plant("DELETE FROM parcel_history WHERE change_id = 2", in: store)
        let report = try await store.checkIntegrity()
        let found = Self.problems(report, about: "parcel", "P-000020")
        #expect(found.contains { $0.message.contains("parcel_history 3 starts from floors 4 but parcel_history 1 left 3") })
        #expect(found.allSatisfy { $0.message.contains("parcel_history 3") })
        // And its approved request has lost its history row.
        #expect(Self.problems(report, about: "change_request", "2").count == 1)
    }

    @Test("a version starting later than the one before it ended is reported as a gap")
    func historyTimeGap() async throws {
        let store = try await Self.tehran()
        try await Self.approve("P-000030", floors: 3, code: "ZM-1", in: store)
        try await Self.approve("P-000030", floors: 4, code: "ZM-2", in: store)
        try Self.plant(
            "UPDATE parcel_history SET valid_from = '2000-01-01T00:00:00.000Z' WHERE change_id = 1",
            "UPDATE parcel_history SET valid_from = '2999-01-01T00:00:00.000Z', valid_to = '2999-12-31T00:00:00.000Z' WHERE change_id = 2",
            in: store)
        let messages = Self.problems(try await store.checkIntegrity(), about: "parcel", "P-000030").map(\.message)
        #expect(messages.contains { $0.hasPrefix("its first version since the import (parcel_history 1) starts at 2000-01-01T00:00:00.000Z") && $0.hasSuffix("an overlap") })
        #expect(messages.contains { $0.hasPrefix("parcel_history 2 starts at") && $0.hasSuffix("a gap") })
    }

    @Test("an overlapping parcel is found through the spatial index and measured geodesically")
    func overlappingParcel() async throws {
        let store = try await Self.tehran()
        try Self.plant(
            "INSERT INTO parcel (parcel_id, area_m2, extra, geom) SELECT 'P-999999', area_m2, '{}', geom FROM parcel WHERE parcel_id = 'P-000100'",
            in: store)
        let report = try await store.checkIntegrity()
        #expect(report.problems == [])
        let overlap = try #require(report.overlaps.first)
        #expect(report.overlaps.count == 1, "its neighbours only touch it: \(report.overlaps)")
        #expect(overlap.first == ParcelID("P-000100"))
        #expect(overlap.second == ParcelID("P-999999"))
        // The copy covers the whole parcel: the overlap is the parcel's area, by GeoCore's own
        // geodesic area (Karney's algorithm), an implementation independent of SpatiaLite's.
        let parcel = try #require(try await store.allParcels().first { $0.id == ParcelID("P-000100") })
        #expect(abs(overlap.areaSquareMeters - parcel.geometry.geodesicAreaSquareMeters) < 0.01)
        #expect(overlap.description.hasPrefix("parcel P-000100: overlaps parcel P-999999 by "))
    }

    @Test("a request for a missing parcel and an approval without its history row are named")
    func requestFaults() async throws {
        let store = try await Self.tehran()
        let orphan = try await store.fileRequest(Self.filing("P-NONE", code: "ZM-1", floors: 2), actor: "public")
        let unapplied = try await store.fileRequest(Self.filing("P-000040", code: "ZM-2", floors: 2), actor: "public")
        try Self.plant("UPDATE change_request SET status = 'approved' WHERE request_id = \(unapplied.id.rawValue)", in: store)
        let report = try await store.checkIntegrity()
        #expect(Self.problems(report, about: "change_request", "\(orphan.id.rawValue)").map(\.message) == ["parcel P-NONE does not exist"])
        #expect(
            Self.problems(report, about: "change_request", "\(unapplied.id.rawValue)").map(\.message)
                == ["approved, but 0 parcel_history rows of parcel P-000040 name it (1 expected)"])
        #expect(report.problems.count == 2, "\(report.problems)")
    }

    @Test("a spatial index entry removed behind SpatiaLite's back is named")
    func staleSpatialIndex() async throws {
        let store = try await Self.tehran()
        try Self.plant("DELETE FROM idx_parcel_geom WHERE pkid = (SELECT rowid FROM parcel WHERE parcel_id = 'P-000050')", in: store)
        let report = try await store.checkIntegrity()
        #expect(Self.problems(report, about: "parcel", "P-000050").count == 1)
        #expect(report.problems.count == 1, "\(report.problems)")
    }
}
