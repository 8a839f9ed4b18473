package import LandModel
import GeoFormats

/// Problem reports (issue 20): the service catalogue, reports, their public status history and
/// photos. Every write is one transaction on the writer with its audit record; the audit keeps
/// what happened to a report, never who reported it or what they wrote.
extension LandStore {
    /// The stored catalogue's text; nil when no folder with one was imported.
    package func serviceCatalogueText() async throws(StoreError) -> String? {
        try await readers.read { (connection) throws(StoreError) in try Self.serviceCatalogueText(connection) }
    }

    static func serviceCatalogueText(_ connection: Connection) throws(StoreError) -> String? {
        try connection.cached(SQL.serviceCatalogue, name: "serviceCatalogue").all { $0.string(0) }.first ?? nil
    }

    /// Stores a new report (status `open`), its photos and first history entry; returns it with its id.
    package func fileReport(_ report: NewProblemReport, actor: String) async throws(StoreError) -> ProblemReport {
        try await writer.fileReport(report, actor: actor)
    }

    /// Applies a step to report `id` (or the one with `trackingCode`): a check-and-set on its
    /// status in one transaction, so two operators cannot both move it. `notFound` without such a
    /// report, `conflict` when its status does not allow the step.
    package func applyReportStep(
        _ step: ReportStep, toReport id: Int?, trackingCode: TrackingCode? = nil, actor: String, now: String = Timestamp.now()
    ) async throws(StoreError) -> ProblemReport {
        try await writer.applyReportStep(step, id: id, trackingCode: trackingCode, actor: actor, now: now)
    }

    package func report(id: Int) async throws(StoreError) -> ProblemReport? {
        try await readers.read { (connection) throws(StoreError) in
            try Self.reports(connection, SQL.reportByID, name: "reportByID", history: true) { $0.bind(id, at: 1) }.first
        }
    }

    package func report(trackingCode: TrackingCode) async throws(StoreError) -> ProblemReport? {
        try await readers.read { (connection) throws(StoreError) in
            try Self.reports(connection, SQL.reportByTrackingCode, name: "reportByTrackingCode", history: true) {
                $0.bind(trackingCode.rawValue, at: 1)
            }.first
        }
    }

    /// Reports submitted in [from, to] (RFC 3339 UTC), newest first, at most `limit`; with their history when asked.
    package func reports(submittedFrom from: String, to: String, limit: Int, history: Bool) async throws(StoreError) -> [ProblemReport] {
        try await readers.read { (connection) throws(StoreError) in
            try Self.reports(connection, SQL.reportsSubmittedBetween, name: "reportsSubmittedBetween", history: history) {
                $0.bind(from, at: 1).bind(to, at: 2).bind(limit, at: 3)
            }
        }
    }

    /// Reports changed at or after `since` (every report when nil), oldest change first: what a
    /// node's index of open reports has not seen yet.
    package func reportsChanged(since: String?) async throws(StoreError) -> [ProblemReport] {
        try await readers.read { (connection) throws(StoreError) in
            try Self.reports(connection, SQL.reportsChangedSince, name: "reportsChangedSince", history: false) {
                $0.bind(since ?? "", at: 1)
            }
        }
    }

    /// A stored photo: its type and bytes.
    package func photo(hash: String) async throws(StoreError) -> (mediaType: String, bytes: [UInt8])? {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.photoByHash, name: "photoByHash").bind(hash, at: 1)
                .all { ($0.string(0) ?? "application/octet-stream", $0.blob(1) ?? []) }.first
        }
    }

    static func reports(
        _ connection: Connection, _ sql: String, name: String, history: Bool, bind: (Statement) -> Statement
    ) throws(StoreError) -> [ProblemReport] {
        var found = try bind(try connection.cached(sql, name: name)).all(Self.problemReport)
        for index in found.indices {
            found[index].photos = try connection.cached(SQL.reportPhotos, name: "reportPhotos").bind(found[index].id, at: 1)
                .all { StoredPhoto(hash: $0.string(0) ?? "", mediaType: $0.string(1) ?? "") }
            if history {
                found[index].history = try Self.history(ofReport: found[index].id, connection)
            }
        }
        return found
    }

    /// A report's public history, oldest first.
    static func history(ofReport id: Int, _ connection: Connection) throws(StoreError) -> [ReportStatusEntry] {
        try connection.cached(SQL.reportHistory, name: "reportHistory").bind(id, at: 1).all { row in
            ReportStatusEntry(at: row.string(0) ?? "", status: ReportStatus(rawValue: row.string(1) ?? "") ?? .open, note: row.string(2))
        }
    }

    static func problemReport(_ row: Statement) throws(StoreError) -> ProblemReport {
        guard let status = ReportStatus(rawValue: row.string(10) ?? "") else {
            throw StoreError.sqlite(code: 0, statement: "problemReport", message: "a stored report does not decode")
        }
        let content = ReportContent(
            serviceCode: ServiceCode(row.string(2) ?? ""), longitude: row.double(3) ?? 0, latitude: row.double(4) ?? 0,
            address: row.string(5), parcelID: row.string(6).map(ParcelID.init), zoneCode: row.string(7).map(ZoneCode.init),
            description: row.string(8) ?? "", attributes: Self.attributes(fromJSON: row.string(9) ?? "{}"),
            contact: ReporterContact(name: row.string(17), email: row.string(18), phone: row.string(19)), source: row.string(20) ?? "",
            mediaURL: row.string(21))
        return ProblemReport(
            id: row.int(0) ?? 0, trackingCode: TrackingCode(row.string(1) ?? ""), content: content, photos: [], status: status,
            submittedAt: row.string(11) ?? "", updatedAt: row.string(12) ?? "", closedAt: row.string(13), duplicateOf: row.int(14),
            confirmations: row.int(15) ?? 0, assignedTo: row.string(16))
    }

    /// `{"code": ["value", …]}`, codes in the order written.
    static func attributesJSON(_ attributes: [(code: String, values: [String])]) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        for attribute in attributes {
            writer.key(attribute.code)
            writer.beginArray()
            for value in attribute.values { writer.string(value) }
            writer.endArray()
        }
        writer.endObject()
        return writer.text
    }

    static func attributes(fromJSON text: String) -> [(code: String, values: [String])] {
        guard case .object(let object)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return object.members.map { member in (member.key, member.value.arrayValue?.compactMap(\.stringValue) ?? []) }
    }
}

extension StoreWriter {
    func fileReport(_ report: NewProblemReport, actor: String) throws(StoreError) -> ProblemReport {
        try connection.transaction { () throws(StoreError) -> ProblemReport in
            let now = Timestamp.now()
            try connection.cached(SQL.insertReport, name: "insertReport")
                .bind(report.trackingCode.rawValue, at: 1).bind(report.serviceCode.rawValue, at: 2)
                .bind(report.longitude, at: 3).bind(report.latitude, at: 4).bind(report.address, at: 5)
                .bind(report.parcelID?.rawValue, at: 6).bind(report.zoneCode?.rawValue, at: 7).bind(report.description, at: 8)
                .bind(LandStore.attributesJSON(report.attributes), at: 9).bind(now, at: 10)
                .bind(report.contact.name, at: 11).bind(report.contact.email, at: 12).bind(report.contact.phone, at: 13)
                .bind(report.source, at: 14).bind(report.mediaURL, at: 15).run()
            let id = Int(connection.lastInsertedRowID)
            try connection.cached(SQL.insertReportStatus, name: "insertReportStatus")
                .bind(id, at: 1).bind(now, at: 2).bind(ReportStatus.open.rawValue, at: 3).bind(nil as String?, at: 4).run()
            // A photo already kept (the same picture sent twice) is stored once.
            for (position, photo) in report.photos.enumerated() {
                try connection.cached(SQL.insertPhoto, name: "insertPhoto")
                    .bind(photo.photo.hash, at: 1).bind(photo.photo.mediaType, at: 2).bind(photo.bytes.count, at: 3)
                    .bind(blob: photo.bytes, at: 4).bind(now, at: 5).run()
                try connection.cached(SQL.insertReportPhoto, name: "insertReportPhoto")
                    .bind(id, at: 1).bind(photo.photo.hash, at: 2).bind(position, at: 3).run()
            }
            var after = JSONWriter()
            after.beginObject()
            after.key("service_code"); after.string(report.serviceCode.rawValue)
            after.key("status"); after.string(ReportStatus.open.rawValue)
            after.key("parcel_id"); if let parcel = report.parcelID { after.string(parcel.rawValue) } else { after.null() }
            after.key("photos"); after.number(report.photos.count)
            after.endObject()
            try audit(at: now, actor: actor, action: "report.file", target: "report:\(id)", before: nil, after: after.text)
            return ProblemReport(
                id: id, trackingCode: report.trackingCode, content: report.content, photos: report.photos.map(\.photo), status: .open,
                submittedAt: now, updatedAt: now, closedAt: nil, duplicateOf: nil, confirmations: 0, assignedTo: nil,
                history: [ReportStatusEntry(at: now, status: .open, note: nil)])
        }
    }

    func applyReportStep(
        _ step: ReportStep, id: Int?, trackingCode: TrackingCode?, actor: String, now: String
    ) throws(StoreError) -> ProblemReport {
        try connection.transaction { () throws(StoreError) -> ProblemReport in
            let found: ProblemReport?
            if let trackingCode {
                found = try LandStore.reports(connection, SQL.reportByTrackingCode, name: "reportByTrackingCode", history: false) {
                    $0.bind(trackingCode.rawValue, at: 1)
                }.first
            } else {
                found = try LandStore.reports(connection, SQL.reportByID, name: "reportByID", history: false) { $0.bind(id ?? 0, at: 1) }.first
            }
            guard let current = found else { throw StoreError.notFound(what: "report") }
            var next = current
            next.updatedAt = now
            var note: String?
            var entersHistory = true
            let action: String
            switch step {
            case .move(let status, let text):
                guard current.status.mayMove(to: status), status != .duplicate else {
                    throw StoreError.conflict(what: "report \(current.id) is \(current.status.rawValue)")
                }
                next.status = status
                next.closedAt = status == .closed ? now : nil
                note = text
                action = "report.\(status.rawValue)"
            case .markDuplicate(let other, let text):
                guard current.status.mayMove(to: .duplicate), other != current.id else {
                    throw StoreError.conflict(what: "report \(current.id) is \(current.status.rawValue)")
                }
                guard let original = try LandStore.reports(connection, SQL.reportByID, name: "reportByID", history: false, bind: { $0.bind(other, at: 1) }).first
                else { throw StoreError.notFound(what: "report \(other)") }
                // A chain of duplicates would hide the report people follow: point at its root.
                next.duplicateOf = original.duplicateOf ?? original.id
                next.status = .duplicate
                next.closedAt = now
                note = text
                action = "report.duplicate"
            case .assign(let assignee):
                guard current.status.isOpen else { throw StoreError.conflict(what: "report \(current.id) is \(current.status.rawValue)") }
                next.assignedTo = assignee
                entersHistory = false
                action = "report.assign"
            case .reopen(let text):
                guard current.status == .closed, let closedAt = current.closedAt,
                    let closed = RFC3339.milliseconds(closedAt), let at = RFC3339.milliseconds(now),
                    at - closed <= Int64(ReportStep.reopenWindowDays) * 86_400_000
                else { throw StoreError.conflict(what: "report \(current.id) cannot be reopened") }
                next.status = .open
                next.closedAt = nil
                note = text
                action = "report.reopen"
            case .confirm:
                guard current.status.isOpen else { throw StoreError.conflict(what: "report \(current.id) is \(current.status.rawValue)") }
                next.confirmations += 1
                entersHistory = false
                action = "report.confirm"
            }
            try connection.cached(SQL.updateReport, name: "updateReport")
                .bind(current.id, at: 1).bind(next.status.rawValue, at: 2).bind(now, at: 3).bind(next.closedAt, at: 4)
                .bind(next.duplicateOf, at: 5).bind(next.confirmations, at: 6).bind(next.assignedTo, at: 7)
                .bind(current.status.rawValue, at: 8).bind(current.confirmations, at: 9).run()
            guard connection.changes == 1 else { throw StoreError.conflict(what: "report \(current.id) changed meanwhile") }
            if entersHistory {
                try connection.cached(SQL.insertReportStatus, name: "insertReportStatus")
                    .bind(current.id, at: 1).bind(now, at: 2).bind(next.status.rawValue, at: 3).bind(note, at: 4).run()
            }
            var before = JSONWriter()
            before.beginObject()
            before.key("status"); before.string(current.status.rawValue)
            before.key("assigned_to"); if let name = current.assignedTo { before.string(name) } else { before.null() }
            before.key("confirmations"); before.number(current.confirmations)
            before.endObject()
            var after = JSONWriter()
            after.beginObject()
            after.key("status"); after.string(next.status.rawValue)
            after.key("assigned_to"); if let name = next.assignedTo { after.string(name) } else { after.null() }
            after.key("confirmations"); after.number(next.confirmations)
            after.key("duplicate_of"); if let other = next.duplicateOf { after.number(other) } else { after.null() }
            after.key("note"); if let note { after.string(note) } else { after.null() }
            after.endObject()
            try audit(at: now, actor: actor, action: action, target: "report:\(current.id)", before: before.text, after: after.text)
            next.history = try LandStore.history(ofReport: current.id, connection)
            return next
        }
    }
}

extension SQL {
    // MARK: problem reports (migration 9)
    static let serviceCatalogue = "SELECT catalogue FROM report_service_catalogue WHERE singleton = 1"
    static let upsertServiceCatalogue = """
        INSERT INTO report_service_catalogue (singleton, catalogue, imported_at) VALUES (1, ?1, ?2)
        ON CONFLICT (singleton) DO UPDATE SET catalogue = excluded.catalogue, imported_at = excluded.imported_at
        """
    static let reportColumns = """
        report_id, tracking_code, service_code, lon, lat, address, parcel_id, zone_code, description, attributes, status,
          submitted_at, updated_at, closed_at, duplicate_of, confirmations, assigned_to, reporter_name, reporter_email,
          reporter_phone, source, media_url
        """
    static let insertReport = """
        INSERT INTO problem_report (tracking_code, service_code, lon, lat, address, parcel_id, zone_code, description,
          attributes, status, submitted_at, updated_at, reporter_name, reporter_email, reporter_phone, source, media_url)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open', ?10, ?10, ?11, ?12, ?13, ?14, ?15)
        """
    static let insertReportStatus = "INSERT INTO problem_report_status (report_id, at, status, note) VALUES (?1, ?2, ?3, ?4)"
    static let insertPhoto = """
        INSERT INTO report_photo (sha256, media_type, size, bytes, stored_at) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (sha256) DO NOTHING
        """
    static let insertReportPhoto = "INSERT INTO problem_report_photo (report_id, sha256, position) VALUES (?1, ?2, ?3)"
    static let reportByID = "SELECT \(reportColumns) FROM problem_report WHERE report_id = ?1"
    static let reportByTrackingCode = "SELECT \(reportColumns) FROM problem_report WHERE tracking_code = ?1"
    static let reportsSubmittedBetween = """
        SELECT \(reportColumns) FROM problem_report WHERE submitted_at >= ?1 AND submitted_at <= ?2
        ORDER BY submitted_at DESC, report_id DESC LIMIT ?3
        """
    static let reportsChangedSince = """
        SELECT \(reportColumns) FROM problem_report WHERE updated_at >= ?1 ORDER BY updated_at, report_id
        """
    static let reportPhotos = """
        SELECT p.sha256, p.media_type FROM problem_report_photo AS l JOIN report_photo AS p ON p.sha256 = l.sha256
        WHERE l.report_id = ?1 ORDER BY l.position
        """
    static let reportHistory = "SELECT at, status, note FROM problem_report_status WHERE report_id = ?1 ORDER BY entry_id"
    static let photoByHash = "SELECT media_type, bytes FROM report_photo WHERE sha256 = ?1"
    /// The check-and-set of a step: the row changes only while its status and confirmations are
    /// what the step was decided on (?8, ?9).
    static let updateReport = """
        UPDATE problem_report SET status = ?2, updated_at = ?3, closed_at = ?4, duplicate_of = ?5, confirmations = ?6,
          assigned_to = ?7
        WHERE report_id = ?1 AND status = ?8 AND confirmations = ?9
        """
    static let reportsWithoutHistory = """
        SELECT r.report_id FROM problem_report AS r
        WHERE NOT EXISTS (SELECT 1 FROM problem_report_status AS s WHERE s.report_id = r.report_id) ORDER BY r.report_id
        """
    /// Photos no report shows (none should exist: a photo is stored with its report).
    static let orphanPhotos = """
        SELECT p.sha256 FROM report_photo AS p
        WHERE NOT EXISTS (SELECT 1 FROM problem_report_photo AS l WHERE l.sha256 = p.sha256) ORDER BY p.sha256
        """
}
