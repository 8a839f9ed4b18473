import Foundation
import GeoCore
import LandModel
@testable import LandStore
import Logging
import Testing
import TestSupport

/// `import --sync` in the store, on the two-parcel city of `ChangeRequestStoreTests` (P-1 floors
/// 2, P-2 floors 3, zone Z-1): counts worked out by hand, history rows and the audit record read
/// back from the file, conflicts with approvals and open requests, and what a dry run, a refused
/// sync and `--replace` leave (nothing changed).
@Suite("File sync in the store")
struct SyncStoreTests {
    typealias City = ChangeRequestStoreTests

    /// The city as its file has it today: what `City.store()` imported.
    static func file(_ edit: (inout [Parcel]) -> Void = { _ in }) async throws -> Dataset {
        let store = try await City.store()
        var parcels = try await store.allParcels()
        edit(&parcels)
        return Dataset(
            name: "hand", parcels: parcels, zones: try await store.allZones(), facilities: [], streets: [], rules: try await store.allRules())
    }

    /// The rows of `sql` as text, its columns counted from the select list (no commas in expressions).
    static func rows(_ store: LandStore, _ sql: String, columns: Int32? = nil) async throws -> [[String?]] {
        let columns = columns ?? Int32(sql.components(separatedBy: " FROM ")[0].split(separator: ",").count)
        return try await store.readers.read { (connection) throws(StoreError) in
            try connection.cached(sql, name: "test").all { row in (0..<columns).map { row.string($0) } }
        }
    }

    static func auditCount(_ store: LandStore) async throws -> Int {
        Int(try await rows(store, "SELECT count(*) FROM audit")[0][0] ?? "") ?? -1
    }

    @Test("an unchanged folder changes nothing: no history, no audit record, the same city version")
    func unchanged() async throws {
        let store = try await City.store()
        let dataset = try await Self.file()
        let audits = try await Self.auditCount(store)
        let version = try await store.cityVersion()
        let report = try await store.syncDataset(dataset, actor: "import:test", prefer: nil, dryRun: false)
        #expect(report.parcels == counts(unchanged: 2))
        #expect(report.zones == counts(unchanged: 1))
        #expect(report.rules == counts(unchanged: 1))
        #expect(!report.applied && report.conflicts.isEmpty)
        #expect(try await Self.auditCount(store) == audits)
        #expect(try await store.cityVersion() == version)
        #expect(try await Self.rows(store, "SELECT count(*) FROM parcel_history")[0][0] == "0")
    }

    @Test("added, changed and removed parcels: whole versions in the history, one audit record with the counts")
    func addChangeRemove() async throws {
        let store = try await City.store()
        let p3 = Parcel(
            id: ParcelID("P-3"), geometry: City.square(51.42, 35.70), zoneCode: ZoneCode("R1"), areaSquareMeters: 9000,
            currentUse: LandUse("residential"), floors: 1, address: "new")
        let dataset = try await Self.file { parcels in
            parcels[0].floors = 5
            parcels[0].geometry = City.square(51.4001, 35.7001)
            parcels.remove(at: 1)
            parcels.append(p3)
        }
        let audits = try await Self.auditCount(store)
        let dry = try await store.syncDataset(dataset, actor: "import:test", prefer: nil, dryRun: true)
        #expect(dry.parcels == counts(added: 1, changed: 1, removed: 1))
        #expect(!dry.applied)
        #expect(try await store.allParcels().map(\.id.rawValue) == ["P-1", "P-2"])

        let report = try await store.syncDataset(dataset, actor: "import:test", prefer: nil, dryRun: false)
        #expect(report.applied && report.parcels == counts(added: 1, changed: 1, removed: 1))
        let parcels = try await store.allParcels()
        #expect(parcels.map(\.id.rawValue) == ["P-1", "P-3"])
        #expect(parcels[0].floors == 5 && parcels[0].geometry == City.square(51.4001, 35.7001))
        #expect(parcels[1] == p3)

        // P-1's closed version holds its old values and outline; P-2's removal its last values.
        let history = try await Self.rows(
            store, "SELECT parcel_id, event, floors, next_floors, actor, reason, length(geom), valid_to FROM parcel_history ORDER BY parcel_id")
        #expect(history.count == 2)
        #expect(history[0][0...5] == ["P-1", "change", "2", "5", "import:test", "sync"])
        // SpatiaLite (GEOS) reads the kept outline as the square P-1 had (0.001° from 51.40, 35.70).
        let keptOutline = try await Self.rows(
            store, """
                SELECT HausdorffDistance(GeomFromWKB(geom, 4326), GeomFromText('POLYGON((51.4 35.7, 51.401 35.7, 51.401 35.701, 51.4 35.701, 51.4 35.7))', 4326)) < 1e-9
                FROM parcel_history WHERE parcel_id = 'P-1'
                """, columns: 1)
        #expect(keptOutline == [["1"]])
        #expect(history[1][0...5] == ["P-2", "removal", "3", nil, "import:test", "sync"])
        // Each current version starts when the sync closed the one before (or added it).
        let starts = try await Self.rows(store, "SELECT parcel_id, valid_from FROM parcel ORDER BY parcel_id")
        #expect(starts.map { $0[1] } == [history[0][7], history[0][7]])

        #expect(try await Self.auditCount(store) == audits + 1)
        let audit = try await Self.rows(store, "SELECT actor, action, after FROM audit ORDER BY audit_id DESC LIMIT 1")[0]
        #expect(audit[0] == "import:test" && audit[1] == "import.sync")
        #expect(audit[2]?.contains(#""parcels":{"added":1,"changed":1,"removed":1,"unchanged":0,"kept":0}"#) == true)

        // Syncing the same folder again finds nothing to do, and the store passes its checks.
        let again = try await store.syncDataset(dataset, actor: "import:test", prefer: nil, dryRun: false)
        #expect(again.parcels == counts(unchanged: 2) && !again.applied)
        let check = try await store.checkIntegrity()
        #expect(check.problems.isEmpty, "\(check.problems)")
    }

    @Test("a plan compared before an approval committed is refused, and compared again it shows the approval as a conflict")
    func changedBetweenCompareAndWrite() async throws {
        let store = try await City.store()
        let dataset = try await Self.file { parcels in parcels[1].floors = 9 }
        let (plan, _) = try await store.compareDataset(rules: dataset.rules, prefer: nil) { (comparison) throws(StoreError) in
            for parcel in dataset.parcels { try comparison.compare(parcel) }
            for zone in dataset.zones { try comparison.compare(zone) }
            return (true, ())
        }
        #expect(plan?.report.parcels == counts(changed: 1, unchanged: 1) && plan?.report.conflicts.isEmpty == true)
        // Between the comparison and the write, a planner approves a request on P-2 (floors 4).
        let filed = try await store.fileRequest(City.filing("P-2", code: "ZM-RACE"), actor: "public")
        _ = try await store.decide(request: filed.id, decision: .approve, reason: nil, actor: "planner:x", afterCommit: { _ in })
        await #expect(throws: StoreError.cityChangedDuringSync) {
            _ = try await store.applySync(plan!, actor: "import:test", prefer: nil, dryRun: false)
        }
        #expect(try await store.allParcels().first { $0.id.rawValue == "P-2" }?.floors == 4, "the approval stands")
        // Compared again: the file would undo the approval — a conflict, and nothing written.
        let again = try await store.syncDataset(dataset, actor: "import:test", prefer: nil, dryRun: false)
        #expect(!again.applied && again.conflicts.map(\.id) == ["P-2"])
        #expect(try await store.allParcels().first { $0.id.rawValue == "P-2" }?.floors == 4)
    }

    @Test("a folder's texts go with its features in one write: one city version, nothing on a dry run or a refused sync")
    func textsWithFeatures() async throws {
        let store = try await City.store()
        let dataset = try await Self.file { parcels in parcels[1].address = "renamed" }
        let layer = #"{"type":"FeatureCollection","features":[]}"#
        let texts = DatasetTexts(serviceCatalogue: #"{"services":[]}"#, informationLayers: [.projects: layer])
        let version = try await store.cityVersion()

        let dry = try await store.syncDataset(dataset, texts: texts, actor: "import:test", prefer: nil, dryRun: true)
        #expect(dry.texts.serviceCatalogue && dry.texts.informationLayers == [.projects] && !dry.applied)
        #expect(try await store.informationLayerTexts().isEmpty)
        #expect(try await store.serviceCatalogueText() == nil)

        // An approval the file would undo refuses the sync: its texts are not written either.
        let filed = try await store.fileRequest(City.filing("P-1", code: "ZM-S"), actor: "public")
        _ = try await store.decide(request: filed.id, decision: .approve, reason: nil, actor: "planner:x", afterCommit: { _ in })
        let approved = try await store.cityVersion()
        #expect(approved.number == version.number + 1)
        let refused = try await store.syncDataset(dataset, texts: texts, actor: "import:test", prefer: nil, dryRun: false)
        #expect(!refused.applied && refused.texts.informationLayers == [.projects])
        #expect(try await store.informationLayerTexts().isEmpty)
        #expect(try await store.serviceCatalogueText() == nil)

        let applied = try await store.syncDataset(dataset, texts: texts, actor: "import:test", prefer: .store, dryRun: false)
        #expect(applied.applied && applied.parcels == counts(changed: 1, kept: 1))
        #expect(applied.cityVersion == approved.number + 1)  // one write for the features and the texts
        #expect(try await store.cityVersion().number == approved.number + 1)
        #expect(try await store.informationLayerTexts() == [.projects: layer])
        #expect(try await store.serviceCatalogueText() == texts.serviceCatalogue)
        #expect(try await store.allParcels()[1].address == "renamed")

        // The texts alone, unchanged features: still written, once.
        let changedLayer = #"{"type":"FeatureCollection","features":[] }"#
        let alone = try await store.syncDataset(
            dataset, texts: DatasetTexts(informationLayers: [.projects: changedLayer]), actor: "import:test", prefer: .store, dryRun: false)
        #expect(alone.applied && !alone.changesFeatures && alone.texts.informationLayers == [.projects] && !alone.texts.serviceCatalogue)
        #expect(alone.cityVersion == approved.number + 2)
        let again = try await store.syncDataset(dataset, texts: texts, actor: "import:test", prefer: .store, dryRun: false)
        #expect(again.applied && again.texts.informationLayers == [.projects] && !again.texts.serviceCatalogue)
        let same = try await store.syncDataset(dataset, texts: texts, actor: "import:test", prefer: .store, dryRun: false)
        #expect(!same.applied && same.texts.isEmpty && same.cityVersion == nil)
    }

    @Test("an approved value the file would set back is a conflict: refused, kept with prefer store, replaced with prefer file")
    func approvedConflict() async throws {
        let store = try await City.store()
        let dataset = try await Self.file { parcels in parcels[1].address = "renamed" }
        let filed = try await store.fileRequest(City.filing("P-1", code: "ZM-S"), actor: "public")
        _ = try await store.decide(request: filed.id, decision: .approve, reason: nil, actor: "planner:x", afterCommit: { _ in })
        let approved = try await store.allParcels()[0]
        #expect(approved.floors == 4)

        let refused = try await store.syncDataset(dataset, actor: "import:test", prefer: nil, dryRun: false)
        #expect(!refused.applied)
        #expect(refused.conflicts.map(\.id) == ["P-1"])
        #expect(refused.conflicts[0].cause == .changedInZamin(
            actor: "planner:x", requestID: filed.id, zoneChangeID: nil, at: try #require(try await store.request(id: filed.id)).updatedAt))
        #expect(refused.conflicts[0].fileWould.contains("floors 4 → 2"))
        #expect(try await store.allParcels()[1].address == nil)  // nothing written, not even P-2's address

        let kept = try await store.syncDataset(dataset, actor: "import:test", prefer: .store, dryRun: false)
        #expect(kept.applied && kept.parcels == counts(changed: 1, kept: 1))
        let afterKeep = try await store.allParcels()
        #expect(afterKeep[0] == approved && afterKeep[1].address == "renamed")

        let replaced = try await store.syncDataset(dataset, actor: "import:test", prefer: .file, dryRun: false)
        #expect(replaced.applied && replaced.parcels == counts(changed: 1, unchanged: 1))
        #expect(try await store.allParcels()[0].floors == 2)
        let last = try await Self.rows(
            store, "SELECT floors, next_floors, request_id, reason FROM parcel_history WHERE parcel_id = 'P-1' ORDER BY change_id")
        #expect(last.count == 2)
        #expect(last[0][0...2] == ["2", "4", "\(filed.id.rawValue)"])  // the approval's row still names its request
        #expect(last[1][0...2] == ["4", "2", nil])
        #expect(last[1][3]?.contains("request \(filed.id)") == true)
        // Now the file's values are the store's: no conflict left.
        let settled = try await store.syncDataset(dataset, actor: "import:test", prefer: nil, dryRun: false)
        #expect(settled.conflicts.isEmpty && !settled.applied)
    }

    @Test("an open request conflicts with a reshape or a removal of its parcel, not with an attribute change")
    func openRequestConflict() async throws {
        let store = try await City.store()
        _ = try await store.fileRequest(City.filing("P-1", code: "ZM-O"), actor: "public")
        let floorsOnly = try await Self.file { parcels in parcels[0].floors = 7 }
        let attributes = try await store.syncDataset(floorsOnly, actor: "import:test", prefer: nil, dryRun: true)
        #expect(attributes.conflicts.isEmpty && attributes.parcels == counts(changed: 1, unchanged: 1))

        let reshaped = try await Self.file { parcels in parcels[0].geometry = City.square(51.4002, 35.70) }
        let reshape = try await store.syncDataset(reshaped, actor: "import:test", prefer: nil, dryRun: false)
        #expect(reshape.conflicts.map(\.id) == ["P-1"] && !reshape.applied)
        #expect(reshape.conflicts[0].fileWould == "reshape the outline")

        let removed = try await Self.file { parcels in parcels.remove(at: 0) }
        let removal = try await store.syncDataset(removed, actor: "import:test", prefer: nil, dryRun: false)
        #expect(removal.conflicts.map(\.fileWould) == ["remove it"] && !removal.applied)
        #expect(try await store.allParcels().count == 2)
    }

    @Test("--replace is refused once the database holds requests or history, naming --sync")
    func replaceRefused() async throws {
        let store = try await City.store()
        let dataset = try await Self.file()
        try await store.importDataset(dataset, source: "test", replace: true, actor: "test")  // no history yet: allowed
        _ = try await store.fileRequest(City.filing("P-2", code: "ZM-R"), actor: "public")
        await #expect(throws: StoreError.replaceWouldLoseHistory(requests: 1, historyRows: 0)) {
            try await store.importDataset(dataset, source: "test", replace: true, actor: "test")
        }
        #expect(StoreError.replaceWouldLoseHistory(requests: 1, historyRows: 0).description.contains("--sync"))
        #expect(try await store.request(trackingCode: TrackingCode("ZM-R")) != nil)
    }
}

private func counts(added: Int = 0, changed: Int = 0, removed: Int = 0, unchanged: Int = 0, kept: Int = 0) -> SyncCounts {
    var counts = SyncCounts()
    counts.added = added
    counts.changed = changed
    counts.removed = removed
    counts.unchanged = unchanged
    counts.kept = kept
    return counts
}
