package import LandModel
import GeoFormats

/// `zamin import --sync`: the dataset folder compared with the store, what differs applied as
/// edits through the one writer of each layer (Versions+Store.swift), all in one transaction.
///
/// The comparison runs inside the write transaction (BEGIN IMMEDIATE holds SQLite's write
/// lock), so a planner's edit or an approval either committed before it — and the sync sees it,
/// as a conflict when the file would change it — or waits until the sync has committed: no
/// change made meanwhile is overwritten unseen.

extension LandStore {
    /// Compares `dataset` with the store and, unless `dryRun`, applies the differences as edits
    /// by `actor` (`import:<source>`). With conflicts and no `prefer`, nothing is written and the
    /// report lists them. Throws `notFound` when the store holds no dataset to sync with.
    package func syncDataset(
        _ dataset: Dataset, actor: String, prefer: SyncPreference?, dryRun: Bool
    ) async throws(StoreError) -> SyncReport {
        try await writer.syncDataset(dataset, actor: actor, prefer: prefer, dryRun: dryRun)
    }
}

extension StoreWriter {
    func syncDataset(_ dataset: Dataset, actor: String, prefer: SyncPreference?, dryRun: Bool) throws(StoreError) -> SyncReport {
        try connection.transaction { () throws(StoreError) -> SyncReport in
            guard let info = try connection.cached(SQL.datasetInfo, name: "datasetInfo").all({ $0.string(0) }).first else {
                throw StoreError.notFound(what: "a dataset to sync with (import one first)")
            }
            var report = SyncReport()
            let zaminChanges = try lastChangesMadeInZamin()
            let openRequests = try openRequestsByParcel()

            // Parcels: an edit made in Zamin the file would undo, or an open request whose
            // parcel the file would reshape or remove (issue 16 point 1).
            let parcelEdits = Self.compare(
                file: dataset.parcels, stored: try LandStore.parcels(connection), id: \.id, layer: .parcel, prefer: prefer,
                counts: &report.parcels, conflicts: &report.conflicts, differences: Self.differences
            ) { stored, file in
                zaminChanges.parcels[stored.id.rawValue]
                    ?? openRequests[stored.id].flatMap { file == nil || file?.geometry != stored.geometry ? .openRequest($0) : nil }
            }
            // Zones: a rezoning made in Zamin is a decision the file must not silently undo.
            let zoneEdits = Self.compare(
                file: dataset.zones, stored: try LandStore.zones(connection), id: \.id, layer: .zone, prefer: prefer,
                counts: &report.zones, conflicts: &report.conflicts, differences: Self.differences
            ) { stored, _ in zaminChanges.zones[stored.id.rawValue] }
            // Facilities: an edit made in Zamin (OGC API – Features Part 4).
            let facilityEdits = Self.compare(
                file: dataset.facilities, stored: try LandStore.facilities(connection), id: \.id, layer: .facility, prefer: prefer,
                counts: &report.facilities, conflicts: &report.conflicts, differences: { _, _ in "change it" }
            ) { stored, _ in zaminChanges.facilities[stored.id.rawValue] }

            // Streets and rules have no history (no answer reads them at an instant): rows are
            // replaced, and the audit record counts them.
            let storedStreets = Dictionary(uniqueKeysWithValues: try streets().map { ($0.id, $0) })
            let fileStreets = Dictionary(dataset.streets.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for street in dataset.streets {
                if let stored = storedStreets[street.id] {
                    if stored == street { report.streets.unchanged += 1 } else { report.streets.changed += 1 }
                } else {
                    report.streets.added += 1
                }
            }
            report.streets.removed = storedStreets.keys.filter { fileStreets[$0] == nil }.count
            let storedRules = Dictionary(uniqueKeysWithValues: try LandStore.rules(connection).map { ($0.code, $0) })
            let fileRules = Dictionary(dataset.rules.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
            for rule in dataset.rules {
                if let stored = storedRules[rule.code] {
                    if stored == rule { report.rules.unchanged += 1 } else { report.rules.changed += 1 }
                } else {
                    report.rules.added += 1
                }
            }
            report.rules.removed = storedRules.keys.filter { fileRules[$0] == nil }.count

            report.conflicts.sort { ($0.layer.rawValue, $0.id) < ($1.layer.rawValue, $1.id) }
            guard !dryRun, report.conflicts.isEmpty || prefer != nil, report.changesAnything else { return report }

            let now = Timestamp.now()
            for (id, next, reason) in parcelEdits {
                try writeParcelVersion(id, next: next, at: now, actor: actor, reason: reason ?? "sync")
            }
            for (id, next, reason) in zoneEdits {
                try writeZoneVersion(id, next: next, at: now, actor: actor, reason: reason ?? "sync")
            }
            for (id, next, reason) in facilityEdits {
                try writeFacilityVersion(id, next: next, at: now, actor: actor, reason: reason ?? "sync")
            }
            if !report.streets.isEmpty {
                try connection.execute("DELETE FROM street", name: "deleteStreets")
                for street in dataset.streets { try insert(street) }
            }
            if !report.rules.isEmpty {
                try connection.execute("DELETE FROM zoning_rule", name: "deleteRules")
                for rule in dataset.rules { try insert(rule) }
            }
            report.cityVersion = try bumpCityVersion(at: now).number
            try markReshaped(at: now)
            try audit(
                at: now, actor: actor, action: "import.sync", target: info ?? dataset.name, before: nil,
                after: Self.summary(report, dataset: dataset.name, prefer: prefer))
            report.applied = true
            return report
        }
    }

    /// One layer compared: the edits that bring the store to the file (nil: remove), in file
    /// order then removals by id, each with the reason its history row gives; counts and
    /// conflicts added to the report's. `conflict` says, for a stored feature the file would
    /// change (`file`) or remove (nil), why that needs the user's choice; with `prefer == .store`
    /// such a feature is kept as stored.
    private static func compare<Feature: Equatable, ID: Hashable & Comparable & CustomStringConvertible>(
        file: [Feature], stored: [Feature], id: KeyPath<Feature, ID>, layer: SyncConflict.Layer, prefer: SyncPreference?,
        counts: inout SyncCounts, conflicts: inout [SyncConflict], differences: (Feature, Feature) -> String,
        conflict: (_ stored: Feature, _ file: Feature?) -> SyncConflict.Cause?
    ) -> [(ID, Feature?, reason: String?)] {
        let storedByID = Dictionary(uniqueKeysWithValues: stored.map { ($0[keyPath: id], $0) })
        var edits: [(ID, Feature?, reason: String?)] = []
        func change(_ key: ID, from old: Feature, to new: Feature?) {
            let cause = conflict(old, new)
            if let cause {
                conflicts.append(
                    SyncConflict(layer: layer, id: key.description, cause: cause, fileWould: new.map { differences(old, $0) } ?? "remove it"))
                if prefer == .store { counts.kept += 1; return }
            }
            if new == nil { counts.removed += 1 } else { counts.changed += 1 }
            edits.append((key, new, cause.map(Self.overriding)))
        }
        for feature in file {
            let key = feature[keyPath: id]
            guard let old = storedByID[key] else {
                counts.added += 1
                edits.append((key, feature, nil))
                continue
            }
            if old == feature { counts.unchanged += 1 } else { change(key, from: old, to: feature) }
        }
        let inFile = Set(file.map { $0[keyPath: id] })
        for key in storedByID.keys.sorted() where !inFile.contains(key) { change(key, from: storedByID[key]!, to: nil) }
        return edits
    }

    /// The reason a history row gives when the file replaced a change made in Zamin.
    private static func overriding(_ cause: SyncConflict.Cause) -> String {
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
    private func lastChangesMadeInZamin() throws(StoreError) -> (
        parcels: [String: SyncConflict.Cause], zones: [String: SyncConflict.Cause], facilities: [String: SyncConflict.Cause]
    ) {
        let importedAt = try importedAt()
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

    private func openRequestsByParcel() throws(StoreError) -> [ParcelID: RequestID] {
        let rows = try connection.cached(SQL.openRequests, name: "openRequests").all { row in
            (ParcelID(row.string(0) ?? ""), RequestID(row.int(1) ?? 0))
        }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    private func streets() throws(StoreError) -> [Street] {
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
