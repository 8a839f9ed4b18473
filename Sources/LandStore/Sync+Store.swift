package import LandModel
import GeoFormats

/// `zamin import --sync`: the dataset folder compared with the store, what differs applied as
/// edits through the one writer of each layer (Versions+Store.swift), all in one transaction.
///
/// Two steps, so that the folder streams through without holding the write lock for the time it
/// takes to read (issue 16 point 8): the folder's features are compared one by one with the
/// stored rows in a read transaction (`compareDataset`, each stored feature read by id, only
/// the differences kept), then the plan is applied in a write transaction (`applySync`) only if
/// the city's version is still the one the comparison read. A planner's edit or an approval
/// committed in between makes the write refuse (`cityChangedDuringSync`) and the caller compares
/// again, so no change made meanwhile is overwritten unseen.

extension LandStore {
    /// Compares the features `body` feeds to the comparison with the store, in one read
    /// transaction; nil plan when `body` answers `proceed: false` (the folder had a problem).
    /// Throws `notFound` when the store holds no dataset to sync with.
    package func compareDataset<Outcome: Sendable>(
        rules: [ZoningRule], prefer: SyncPreference?,
        body: (SyncComparison) throws(StoreError) -> (proceed: Bool, outcome: Outcome)
    ) async throws(StoreError) -> (plan: SyncPlan?, outcome: Outcome) {
        try await readers.read { (connection) throws(StoreError) in
            try connection.readTransaction { () throws(StoreError) -> (plan: SyncPlan?, outcome: Outcome) in
                let comparison = try SyncComparison(connection, prefer: prefer)
                let (proceed, outcome) = try body(comparison)
                guard proceed else { return (nil, outcome) }
                return (try comparison.plan(rules: rules), outcome)
            }
        }
    }

    /// Applies a plan and the folder's `texts` in one transaction unless `dryRun`, nothing
    /// changes, or there are conflicts and no `prefer`; throws `cityChangedDuringSync` when the
    /// city changed since the plan was made.
    package func applySync(
        _ plan: SyncPlan, texts: DatasetTexts = DatasetTexts(), actor: String, prefer: SyncPreference?, dryRun: Bool
    ) async throws(StoreError) -> SyncReport {
        try await writer.applySync(plan, texts: texts, actor: actor, prefer: prefer, dryRun: dryRun)
    }

    /// A dataset held in memory compared and applied (tests; the same path as a folder's).
    package func syncDataset(
        _ dataset: Dataset, texts: DatasetTexts = DatasetTexts(), actor: String, prefer: SyncPreference?, dryRun: Bool
    ) async throws(StoreError) -> SyncReport {
        let (plan, _) = try await compareDataset(rules: dataset.rules, prefer: prefer) { (comparison) throws(StoreError) in
            for parcel in dataset.parcels { try comparison.compare(parcel) }
            for zone in dataset.zones { try comparison.compare(zone) }
            for facility in dataset.facilities { try comparison.compare(facility) }
            for street in dataset.streets { comparison.add(street) }
            return (true, ())
        }
        return try await applySync(plan!, texts: texts, actor: actor, prefer: prefer, dryRun: dryRun)
    }
}

/// What a comparison found: the report and the edits that bring the store to the folder, and
/// the city's version it was made against.
package struct SyncPlan: Sendable {
    package var report: SyncReport
    let datasetName: String
    let version: Int
    let parcelEdits: [(ParcelID, Parcel?, reason: String?)]
    let zoneEdits: [(ZoneID, Zone?, reason: String?)]
    let facilityEdits: [(FacilityID, Facility?, reason: String?)]
    let streets: [Street]
    let rules: [ZoningRule]
}

/// The folder's features compared one at a time with the stored rows of a read transaction;
/// keeps only what differs. Used on one thread, for the length of the comparison.
package final class SyncComparison {
    private let datasetName: String
    private let version: Int
    private let connection: Connection
    private var parcels: LayerComparison<Parcel, ParcelID>
    private var zones: LayerComparison<Zone, ZoneID>
    private var facilities: LayerComparison<Facility, FacilityID>
    private var streets: [Street] = []

    init(_ connection: Connection, prefer: SyncPreference?) throws(StoreError) {
        self.connection = connection
        guard let info = try connection.cached(SQL.datasetInfo, name: "datasetInfo").all({ $0.string(0) }).first else {
            throw StoreError.notFound(what: "a dataset to sync with (import one first)")
        }
        datasetName = info ?? ""
        version = try StoreWriter.cityVersion(connection).number
        let changes = try StoreWriter.lastChangesMadeInZamin(connection)
        let requests = try StoreWriter.openRequestsByParcel(connection)
        parcels = LayerComparison(
            layer: .parcel, prefer: prefer,
            stored: { (id) throws(StoreError) in
                try connection.cached(SQL.parcelByID, name: "parcelByID").bind(id.rawValue, at: 1).all(LandStore.parcel).first
            },
            storedIDs: { () throws(StoreError) in try connection.cached(SQL.parcelIDs, name: "parcelIDs").all { ParcelID($0.string(0) ?? "") } },
            differences: StoreWriter.differences
        ) { stored, file in
            // An edit made in Zamin the file would undo, or an open request whose parcel the
            // file would reshape or remove (issue 16 point 1).
            changes.parcels[stored.id.rawValue]
                ?? requests[stored.id].flatMap { file == nil || file?.geometry != stored.geometry ? .openRequest($0) : nil }
        }
        // A rezoning made in Zamin is a decision the file must not silently undo.
        zones = LayerComparison(
            layer: .zone, prefer: prefer,
            stored: { (id) throws(StoreError) in
                try connection.cached(SQL.zoneByID, name: "zoneByID").bind(id.rawValue, at: 1).all(LandStore.zone).first
            },
            storedIDs: { () throws(StoreError) in try connection.cached(SQL.zoneIDs, name: "zoneIDs").all { ZoneID($0.string(0) ?? "") } },
            differences: StoreWriter.differences
        ) { stored, _ in changes.zones[stored.id.rawValue] }
        // An edit made in Zamin (OGC API – Features Part 4).
        facilities = LayerComparison(
            layer: .facility, prefer: prefer,
            stored: { (id) throws(StoreError) in
                try connection.cached(SQL.facilityByID, name: "facilityByID").bind(id.rawValue, at: 1).all(LandStore.facility).first
            },
            storedIDs: { () throws(StoreError) in
                try connection.cached(SQL.facilityIDs, name: "facilityIDs").all { FacilityID($0.string(0) ?? "") }
            },
            differences: { _, _ in "change it" }
        ) { stored, _ in changes.facilities[stored.id.rawValue] }
    }

    package func compare(_ parcel: Parcel) throws(StoreError) { try parcels.take(parcel, id: parcel.id) }
    package func compare(_ zone: Zone) throws(StoreError) { try zones.take(zone, id: zone.id) }
    package func compare(_ facility: Facility) throws(StoreError) { try facilities.take(facility, id: facility.id) }

    /// Streets have no history: the folder's replace the stored ones when they differ.
    package func add(_ street: Street) { streets.append(street) }

    /// The stored features the folder no longer has, the streets and rules, and the plan.
    func plan(rules: [ZoningRule]) throws(StoreError) -> SyncPlan {
        try parcels.removeUnseen()
        try zones.removeUnseen()
        try facilities.removeUnseen()
        var report = SyncReport()
        report.parcels = parcels.counts
        report.zones = zones.counts
        report.facilities = facilities.counts
        // Streets and rules have no history (no answer reads them at an instant): rows are
        // replaced, and the audit record counts them.
        report.streets = Self.replacementCounts(file: streets, stored: try StoreWriter.streets(connection), key: \.id)
        report.rules = Self.replacementCounts(file: rules, stored: try LandStore.rules(connection), key: \.code)
        report.conflicts = (parcels.conflicts + zones.conflicts + facilities.conflicts)
            .sorted { ($0.layer.rawValue, $0.id) < ($1.layer.rawValue, $1.id) }
        return SyncPlan(
            report: report, datasetName: datasetName, version: version, parcelEdits: parcels.edits, zoneEdits: zones.edits,
            facilityEdits: facilities.edits, streets: streets, rules: rules)
    }
}

extension SyncComparison {
    /// Added, changed, removed and unchanged rows of a table a sync replaces whole.
    static func replacementCounts<Row: Equatable, Key: Hashable>(file: [Row], stored: [Row], key: (Row) -> Key) -> SyncCounts {
        var counts = SyncCounts()
        let storedByKey = Dictionary(stored.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let fileKeys = Set(file.map(key))
        for row in file {
            if let old = storedByKey[key(row)] {
                if old == row { counts.unchanged += 1 } else { counts.changed += 1 }
            } else {
                counts.added += 1
            }
        }
        counts.removed = storedByKey.keys.filter { !fileKeys.contains($0) }.count
        return counts
    }
}

/// One layer compared feature by feature: the edits that bring the store to the file (nil:
/// remove), in file order then removals by id, each with the reason its history row gives.
/// `conflict` says, for a stored feature the file would change (`file`) or remove (nil), why
/// that needs the user's choice; with `prefer == .store` such a feature is kept as stored.
struct LayerComparison<Feature: Equatable, ID: Hashable & Comparable & CustomStringConvertible> {
    let layer: SyncConflict.Layer
    let prefer: SyncPreference?
    /// The stored feature of an id, and every stored id.
    let stored: (ID) throws(StoreError) -> Feature?
    let storedIDs: () throws(StoreError) -> [ID]
    /// The fields the file would change, for a conflict's line.
    let differences: (Feature, Feature) -> String
    let conflict: (_ stored: Feature, _ file: Feature?) -> SyncConflict.Cause?
    private(set) var edits: [(ID, Feature?, reason: String?)] = []
    private(set) var seen = Set<ID>()
    private(set) var counts = SyncCounts()
    private(set) var conflicts: [SyncConflict] = []

    /// The file's feature `id`, compared with the stored one.
    mutating func take(_ feature: Feature, id: ID) throws(StoreError) {
        seen.insert(id)
        guard let old = try stored(id) else {
            counts.added += 1
            edits.append((id, feature, nil))
            return
        }
        if old == feature { counts.unchanged += 1 } else { change(id, from: old, to: feature) }
    }

    /// The stored features the file did not have, removed (by id).
    mutating func removeUnseen() throws(StoreError) {
        for id in try storedIDs() where !seen.contains(id) {
            guard let old = try stored(id) else { continue }
            change(id, from: old, to: nil)
        }
    }

    private mutating func change(_ id: ID, from old: Feature, to new: Feature?) {
        let cause = conflict(old, new)
        if let cause {
            conflicts.append(
                SyncConflict(layer: layer, id: id.description, cause: cause, fileWould: new.map { differences(old, $0) } ?? "remove it"))
            if prefer == .store { counts.kept += 1; return }
        }
        if new == nil { counts.removed += 1 } else { counts.changed += 1 }
        edits.append((id, new, cause.map(StoreWriter.overriding)))
    }
}

extension StoreWriter {
    func applySync(
        _ plan: SyncPlan, texts: DatasetTexts, actor: String, prefer: SyncPreference?, dryRun: Bool
    ) throws(StoreError) -> SyncReport {
        var report = plan.report
        guard !dryRun, report.conflicts.isEmpty || prefer != nil else {
            report.texts = try datasetTextChanges(texts)  // what a sync would replace
            return report
        }
        return try connection.transaction { () throws(StoreError) -> SyncReport in
            report.texts = try datasetTextChanges(texts)
            guard report.changesAnything else { return report }
            guard try cityVersion().number == plan.version else { throw StoreError.cityChangedDuringSync }
            let now = Timestamp.now()
            if report.changesFeatures { try writeFeatureEdits(plan, report: report, at: now, actor: actor, prefer: prefer) }
            try writeDatasetTexts(texts, changes: report.texts, at: now, actor: actor)
            report.cityVersion = try bumpCityVersion(at: now).number
            report.applied = true
            return report
        }
    }

    /// The plan's edits, streets and rules, audited as one sync.
    private func writeFeatureEdits(_ plan: SyncPlan, report: SyncReport, at now: String, actor: String, prefer: SyncPreference?) throws(StoreError) {
        for (id, next, reason) in plan.parcelEdits {
            try writeParcelVersion(id, next: next, at: now, actor: actor, reason: reason ?? "sync")
        }
        for (id, next, reason) in plan.zoneEdits {
            try writeZoneVersion(id, next: next, at: now, actor: actor, reason: reason ?? "sync")
        }
        for (id, next, reason) in plan.facilityEdits {
            try writeFacilityVersion(id, next: next, at: now, actor: actor, reason: reason ?? "sync")
        }
        if !report.streets.isEmpty {
            try connection.execute("DELETE FROM street", name: "deleteStreets")
            for street in plan.streets { try insert(street) }
        }
        if !report.rules.isEmpty {
            try connection.execute("DELETE FROM zoning_rule", name: "deleteRules")
            for rule in plan.rules { try insert(rule) }
        }
        // Features added, removed or reshaped reach other processes as features (`cityChanges`,
        // each in its history); streets and rules have no history, so those reload the city.
        // Every sync reloaded it once: 7 s of each node's CPU on a 1M-parcel city.
        if !report.streets.isEmpty || !report.rules.isEmpty { try markReshaped(at: now) }
        try audit(
            at: now, actor: actor, action: "import.sync", target: plan.datasetName, before: nil,
            after: Self.summary(report, dataset: plan.datasetName, prefer: prefer))
    }

    /// The reason a history row gives when the file replaced a change made in Zamin.
    static func overriding(_ cause: SyncConflict.Cause) -> String {
        switch cause {
        case .changedInZamin(_, let requestID?, _, _): "sync --prefer file: the file replaced the values of request \(requestID)"
        case .changedInZamin(_, _, let zoneChangeID?, _): "sync --prefer file: the file replaced zone change \(zoneChangeID)"
        case .changedInZamin(_, _, _, let at): "sync --prefer file: the file replaced an edit made at \(at)"
        case .openRequest(let id): "sync --prefer file: the file changed the parcel of open request \(id)"
        }
    }

    /// The fields the file would change, for a conflict's line.
    static func differences(_ stored: Parcel, _ file: Parcel) -> String {
        var fields: [String] = []
        func text(_ value: (some CustomStringConvertible)?) -> String { value.map(\.description) ?? "none" }
        if stored.zoneCode != file.zoneCode { fields.append("set zone_code \(text(stored.zoneCode)) → \(text(file.zoneCode))") }
        if stored.currentUse != file.currentUse { fields.append("set current_use \(text(stored.currentUse)) → \(text(file.currentUse))") }
        if stored.floors != file.floors { fields.append("set floors \(text(stored.floors)) → \(text(file.floors))") }
        if stored.address != file.address { fields.append("change the address") }
        if stored.geometry != file.geometry { fields.append("reshape the outline") }
        if stored.extraPropertiesJSON != file.extraPropertiesJSON { fields.append("change other properties") }
        return fields.isEmpty ? "change it" : fields.joined(separator: ", ")
    }

    static func differences(_ stored: Zone, _ file: Zone) -> String {
        var fields: [String] = []
        if stored.code != file.code { fields.append("set code \(stored.code) → \(file.code)") }
        if stored.nameFa != file.nameFa || stored.nameEn != file.nameEn { fields.append("rename it") }
        if stored.geometry != file.geometry { fields.append("reshape the outline") }
        if stored.extraPropertiesJSON != file.extraPropertiesJSON { fields.append("change other properties") }
        return fields.isEmpty ? "change it" : fields.joined(separator: ", ")
    }

    /// For each feature whose current version was made in Zamin (an approval, a rezoning, an edit:
    /// any actor but a file's `import:…`), who made it. Only changes since the dataset was
    /// imported count (older rows belong to a dataset that was replaced).
    static func lastChangesMadeInZamin(_ connection: Connection) throws(StoreError) -> (
        parcels: [String: SyncConflict.Cause], zones: [String: SyncConflict.Cause], facilities: [String: SyncConflict.Cause]
    ) {
        let importedAt = try importedAt(connection)
        func read(_ sql: String, name: String) throws(StoreError) -> [String: SyncConflict.Cause] {
            let rows = try connection.cached(sql, name: name).bind(importedAt, at: 1).all { row in
                (row.string(0) ?? "", row.string(1) ?? "", row.int(2).map(RequestID.init), row.int(3), row.string(4) ?? "")
            }
            var causes: [String: SyncConflict.Cause] = [:]
            for (id, actor, requestID, zoneChangeID, at) in rows where !actor.hasPrefix("import:") {
                causes[id] = .changedInZamin(actor: actor, requestID: requestID, zoneChangeID: zoneChangeID, at: at)
            }
            return causes
        }
        return (
            try read(SQL.lastParcelChanges, name: "lastParcelChanges"), try read(SQL.lastZoneChanges, name: "lastZoneChanges"),
            try read(SQL.lastFacilityChanges, name: "lastFacilityChanges")
        )
    }

    static func openRequestsByParcel(_ connection: Connection) throws(StoreError) -> [ParcelID: RequestID] {
        let rows = try connection.cached(SQL.openRequests, name: "openRequests").all { row in
            (ParcelID(row.string(0) ?? ""), RequestID(row.int(1) ?? 0))
        }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    static func streets(_ connection: Connection) throws(StoreError) -> [Street] {
        try connection.cached(SQL.allStreets, name: "allStreets").all { (row) throws(StoreError) in
            guard let wkb = row.blob(3), let geometry = try? WKB.decode(wkb) else {
                throw StoreError.sqlite(code: 0, statement: "allStreets", message: "street geometry is unreadable")
            }
            return Street(id: row.string(0) ?? "", geometry: geometry, name: row.string(1), extraPropertiesJSON: row.string(2) ?? "{}")
        }
    }

    private static func summary(_ report: SyncReport, dataset: String, prefer: SyncPreference?) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("dataset"); writer.string(dataset)
        for (name, counts) in report.layers {
            writer.key(name)
            writer.beginObject()
            writer.key("added"); writer.number(counts.added)
            writer.key("changed"); writer.number(counts.changed)
            writer.key("removed"); writer.number(counts.removed)
            writer.key("unchanged"); writer.number(counts.unchanged)
            writer.key("kept"); writer.number(counts.kept)
            writer.endObject()
        }
        writer.key("conflicts"); writer.number(report.conflicts.count)
        writer.key("prefer"); if let prefer { writer.string(prefer.rawValue) } else { writer.null() }
        writer.endObject()
        return writer.text
    }
}
