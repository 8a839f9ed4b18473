package import LandModel
import CSQLite
import GeoFormats
package import FoundationEssentials

/// Change requests, decisions and the parcel history they write. Every write is one
/// BEGIN IMMEDIATE … COMMIT on the single writer connection, audit record included.
extension LandStore {
    /// Stores a new request (status `submitted`) and its audit record; returns it with its id.
    package func fileRequest(_ filing: NewChangeRequest, actor: String) async throws(StoreError) -> ChangeRequest {
        try await writer.fileRequest(filing, actor: actor)
    }

    /// Applies a decision. The status check-and-set, the parcel update, its history row and the
    /// audit record are one transaction. `afterCommit` runs on the writer, in commit order, before
    /// the next write starts: the place to publish the next in-memory snapshot.
    /// The approval of a subdivision or merger makes `plan` (its children's values read from the
    /// request's proposal by the caller; ids chosen by `newIDs` inside the transaction).
    package func decide(
        request id: RequestID, decision: Decision, reason: String?, actor: String,
        plan: CadastralPlan? = nil, newIDs: @Sendable ([Parcel]) -> [Parcel] = { $0 },
        afterCommit: @Sendable (DecisionOutcome) -> Void
    ) async throws(StoreError) -> DecisionOutcome {
        try await writer.decide(
            request: id, decision: decision, reason: reason, actor: actor, plan: plan, newIDs: newIDs, afterCommit: afterCommit)
    }

    package func request(trackingCode: TrackingCode) async throws(StoreError) -> ChangeRequest? {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.requestByTrackingCode, name: "requestByTrackingCode")
                .bind(trackingCode.rawValue, at: 1).all(Self.changeRequest).first
        }
    }

    package func request(id: RequestID) async throws(StoreError) -> ChangeRequest? {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.requestByID, name: "requestByID").bind(id.rawValue, at: 1).all(Self.changeRequest).first
        }
    }

    /// Requests by id, only those of `status` when given.
    package func requests(status: RequestStatus?) async throws(StoreError) -> [ChangeRequest] {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.requestsByStatus, name: "requestsByStatus").bind(status?.rawValue, at: 1)
                .all(Self.changeRequest)
        }
    }

    /// Parcel changes made in [from, to], oldest first, since the current dataset was imported.
    package func parcelChanges(from: String, to: String) async throws(StoreError) -> [ParcelChange] {
        let importedAt = try await datasetInfo()?.importedAt ?? ""
        return try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.parcelChangesBetween, name: "parcelChangesBetween")
                .bind(from, at: 1).bind(to, at: 2).bind(importedAt, at: 3).all(Self.parcelChange)
        }
    }

    /// The newest audit records first, within [from, to] when given.
    package func auditRecords(from: String?, to: String?, limit: Int) async throws(StoreError) -> [AuditRecord] {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.auditPage, name: "auditPage").bind(from, at: 1).bind(to, at: 2).bind(limit, at: 3)
                .all { row in
                    AuditRecord(
                        id: row.int(0) ?? 0, at: row.string(1) ?? "", actor: row.string(2) ?? "", action: row.string(3) ?? "",
                        target: row.string(4), before: row.string(5), after: row.string(6), version: row.int(7) ?? 0)
                }
        }
    }

    static func changeRequest(_ row: Statement) throws(StoreError) -> ChangeRequest {
        guard let kind = RequestKind(rawValue: row.string(4) ?? ""),
            let status = RequestStatus(rawValue: row.string(13) ?? ""),
            let nationalID = NationalID(row.string(10) ?? ""), let phone = MobileNumber(row.string(11) ?? "")
        else {
            throw StoreError.sqlite(code: 0, statement: "changeRequest", message: "a stored request does not decode")
        }
        let filing = NewChangeRequest(
            trackingCode: TrackingCode(row.string(1) ?? ""), parcelID: ParcelID(row.string(2) ?? ""),
            zoneCode: row.string(3).map(ZoneCode.init), kind: kind, requestedUse: LandUse(row.string(5) ?? ""),
            requestedFloors: row.int(6), requestedZoneCode: row.string(7).map(ZoneCode.init), description: row.string(8) ?? "",
            applicant: Applicant(name: row.string(9) ?? "", nationalID: nationalID, phone: phone),
            zoningCheckJSON: row.string(12) ?? "{}", proposalJSON: row.string(18))
        return ChangeRequest(
            id: RequestID(row.int(0) ?? 0), filing: filing, status: status, submittedAt: row.string(14) ?? "",
            updatedAt: row.string(15) ?? "", decidedBy: row.string(16), decisionReason: row.string(17))
    }

    static func parcelChange(_ row: Statement) -> ParcelChange {
        ParcelChange(
            id: row.int(0) ?? 0, parcelID: ParcelID(row.string(1) ?? ""), validFrom: row.string(2) ?? "",
            at: row.string(3) ?? "", requestID: row.int(4).map(RequestID.init), zoneChangeID: row.int(11),
            before: ParcelAttributes(zoneCode: row.string(5).map(ZoneCode.init), currentUse: row.string(6).map(LandUse.init), floors: row.int(7)),
            after: ParcelAttributes(zoneCode: row.string(8).map(ZoneCode.init), currentUse: row.string(9).map(LandUse.init), floors: row.int(10)),
            isRemoval: row.string(12) == "removal", reason: row.string(13))
    }
}

/// What a decision did: the request after it, and the parcel change an approval made.
package struct DecisionOutcome: Sendable {
    package var request: ChangeRequest
    package var previousStatus: RequestStatus
    package var change: ParcelChange?
    /// What the approval of a subdivision or merger made.
    package var cadastral: CadastralChange?
    /// The city's version after an approval that changed a parcel (nil when the land did not change).
    package var cityVersion: CityVersion?
}

extension StoreWriter {
    func fileRequest(_ filing: NewChangeRequest, actor: String) throws(StoreError) -> ChangeRequest {
        try connection.transaction { () throws(StoreError) in
            let now = Timestamp.now()
            try connection.cached(SQL.insertRequest, name: "insertRequest")
                .bind(filing.trackingCode.rawValue, at: 1).bind(filing.parcelID.rawValue, at: 2)
                .bind(filing.zoneCode?.rawValue, at: 3).bind(filing.kind.rawValue, at: 4)
                .bind(filing.requestedUse.rawValue, at: 5).bind(filing.requestedFloors, at: 6)
                .bind(filing.requestedZoneCode?.rawValue, at: 7).bind(filing.description, at: 8)
                .bind(filing.applicant.name, at: 9).bind(filing.applicant.nationalID.digits, at: 10)
                .bind(filing.applicant.phone.digits, at: 11).bind(filing.zoningCheckJSON, at: 12).bind(now, at: 13)
                .bind(filing.proposalJSON, at: 14).run()
            let id = RequestID(Int(connection.lastInsertedRowID))
            // The audit keeps what was asked, never who asked (personal data stays in change_request).
            var after = JSONWriter()
            after.beginObject()
            after.key("parcel_id"); after.string(filing.parcelID.rawValue)
            after.key("kind"); after.string(filing.kind.rawValue)
            after.key("requested_use"); after.string(filing.requestedUse.rawValue)
            after.key("requested_floors"); if let floors = filing.requestedFloors { after.number(floors) } else { after.null() }
            after.key("requested_zone_code"); if let code = filing.requestedZoneCode { after.string(code.rawValue) } else { after.null() }
            after.key("status"); after.string(RequestStatus.submitted.rawValue)
            after.endObject()
            try audit(at: now, actor: actor, action: "request.file", target: "request:\(id)", before: nil, after: after.text)
            return ChangeRequest(
                id: id, filing: filing, status: .submitted, submittedAt: now, updatedAt: now, decidedBy: nil, decisionReason: nil)
        }
    }

    func decide(
        request id: RequestID, decision: Decision, reason: String?, actor: String, plan: CadastralPlan?,
        newIDs: ([Parcel]) -> [Parcel], afterCommit: @Sendable (DecisionOutcome) -> Void
    ) throws(StoreError) -> DecisionOutcome {
        let outcome = try connection.transaction { () throws(StoreError) -> DecisionOutcome in
            guard let current = try connection.cached(SQL.requestByID, name: "requestByID").bind(id.rawValue, at: 1)
                .all(LandStore.changeRequest).first
            else { throw StoreError.notFound(what: "request \(id)") }
            let now = Timestamp.now()
            let allowed = decision.allowedFrom
            try connection.cached(SQL.decideRequest, name: "decideRequest")
                .bind(id.rawValue, at: 1).bind(decision.resultingStatus.rawValue, at: 2)
                .bind(allowed[0].rawValue, at: 3).bind(allowed[allowed.count - 1].rawValue, at: 4)
                .bind(now, at: 5).bind(actor, at: 6).bind(reason, at: 7).run()
            guard connection.changes == 1 else {
                throw StoreError.conflict(what: "request \(id) is \(current.status.rawValue)")
            }
            var change: ParcelChange?
            var cadastral: CadastralChange?
            var cityVersion: CityVersion?
            if decision == .approve && current.filing.kind.isCadastral {
                guard let plan else { throw StoreError.conflict(what: "request \(id) proposes no subdivision or merger") }
                let made = try apply(plan, reason: reason, actor: actor, requestID: id, newIDs: newIDs)
                cadastral = made.change
                cityVersion = made.cityVersion
            } else if decision == .approve {
                change = try applyApproval(of: current, at: now, actor: actor)
                cityVersion = try bumpCityVersion(at: now)
            }
            var before = JSONWriter()
            before.beginObject()
            before.key("status"); before.string(current.status.rawValue)
            if let change { before.key("parcel"); Self.write(change.before, to: &before) }
            before.endObject()
            var after = JSONWriter()
            after.beginObject()
            after.key("status"); after.string(decision.resultingStatus.rawValue)
            if let change { after.key("parcel"); Self.write(change.after, to: &after) }
            after.endObject()
            try audit(
                at: now, actor: actor, action: "request.\(decision.rawValue)", target: "request:\(id)",
                before: before.text, after: after.text)
            var decided = current
            decided.status = decision.resultingStatus
            decided.updatedAt = now
            decided.decidedBy = actor
            decided.decisionReason = reason
            return DecisionOutcome(
                request: decided, previousStatus: current.status, change: change, cadastral: cadastral, cityVersion: cityVersion)
        }
        afterCommit(outcome)
        return outcome
    }

    /// Writes the approved attributes onto the parcel and closes its previous version in the history.
    private func applyApproval(of request: ChangeRequest, at now: String, actor: String) throws(StoreError) -> ParcelChange {
        let parcelID = request.filing.parcelID
        guard let before = try parcelAttributes(parcelID) else { throw StoreError.notFound(what: "parcel \(parcelID)") }
        let after = request.filing.approvedAttributes(from: before)
        return try changeParcel(parcelID, to: after, at: now, requestID: request.id, zoneChangeID: nil, actor: actor)
    }

    /// The parcel's stored attributes, nil when there is no such parcel.
    func parcelAttributes(_ id: ParcelID) throws(StoreError) -> ParcelAttributes? {
        try connection.cached(SQL.parcelAttributes, name: "parcelAttributes").bind(id.rawValue, at: 1)
            .all({ row in
                ParcelAttributes(zoneCode: row.string(0).map(ZoneCode.init), currentUse: row.string(1).map(LandUse.init), floors: row.int(2))
            }).first
    }

    /// Writes `after` onto the parcel's attributes, through the one writer of parcel versions
    /// (Versions+Store.swift). Runs inside the caller's transaction.
    func changeParcel(
        _ parcelID: ParcelID, to after: ParcelAttributes, at now: String, requestID: RequestID?, zoneChangeID: Int?, actor: String
    ) throws(StoreError) -> ParcelChange {
        guard var next = try storedParcel(parcelID)?.parcel else { throw StoreError.notFound(what: "parcel \(parcelID)") }
        next.zoneCode = after.zoneCode
        next.currentUse = after.currentUse
        next.floors = after.floors
        guard let change = try writeParcelVersion(parcelID, next: next, at: now, actor: actor, requestID: requestID, zoneChangeID: zoneChangeID)
        else { throw StoreError.notFound(what: "parcel \(parcelID)") }
        return change
    }

    /// When the current dataset was imported (the start of every first version).
    func importedAt() throws(StoreError) -> String { try Self.importedAt(connection) }

    static func importedAt(_ connection: Connection) throws(StoreError) -> String {
        try connection.cached(SQL.datasetInfo, name: "datasetInfo").all { $0.string(1) }.first.flatMap { $0 } ?? ""
    }

    func audit(at: String, actor: String, action: String, target: String?, before: String?, after: String?) throws(StoreError) {
        try connection.cached(SQL.insertAudit, name: "insertAudit")
            .bind(at, at: 1).bind(actor, at: 2).bind(action, at: 3).bind(target, at: 4).bind(before, at: 5).bind(after, at: 6)
            .bind(AuditRecord.currentVersion, at: 7)
            .run()
    }

    static func write(_ attributes: ParcelAttributes, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("zone_code"); if let code = attributes.zoneCode { writer.string(code.rawValue) } else { writer.null() }
        writer.key("current_use"); if let use = attributes.currentUse { writer.string(use.rawValue) } else { writer.null() }
        writer.key("floors"); if let floors = attributes.floors { writer.number(floors) } else { writer.null() }
        writer.endObject()
    }
}

extension JSONWriter {
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

extension Connection {
    var lastInsertedRowID: Int64 { lastInsertRowID }
}
