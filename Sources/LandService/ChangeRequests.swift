package import LandModel
import LandStore
package import GeoCore
import GeoFormats
import Logging

/// A request as the API validated it: typed values only (the national id checksum and the phone
/// format are in the types). What remains to check needs the city: the parcel, the vocabulary.
package struct RequestFiling: Sendable {
    package var parcelID: ParcelID
    package var kind: RequestKind
    /// Required but for subdivisions and mergers (their requests keep the parcel's use).
    package var requestedUse: LandUse?
    package var requestedFloors: Int?
    package var requestedZoneCode: ZoneCode?
    package var description: String
    package var applicant: Applicant
    /// What a subdivision or merger proposes (nil for the other kinds).
    package var proposal: CadastralProposal?

    package init(
        parcelID: ParcelID, kind: RequestKind, requestedUse: LandUse?, requestedFloors: Int?, requestedZoneCode: ZoneCode?,
        description: String, applicant: Applicant, proposal: CadastralProposal? = nil
    ) {
        self.proposal = proposal
        self.parcelID = parcelID
        self.kind = kind
        self.requestedUse = requestedUse
        self.requestedFloors = requestedFloors
        self.requestedZoneCode = requestedZoneCode
        self.description = description
        self.applicant = applicant
    }
}

/// A filed request and the zoning check run on it.
package struct FiledRequest: Sendable {
    package var request: ChangeRequest
    package var verdict: ZoningVerdict
}

extension LandServices {
    /// Checks the request against the city (parcel exists, use in the vocabulary, zone code in the
    /// catalogue), runs the zoning check and stores the request. Filed by `actor` (`public`).
    package func fileRequest(_ filing: RequestFiling, actor: String = "public") async throws(ServiceError) -> FiledRequest {
        let snapshot = snapshots.snapshot
        guard let position = snapshot.parcelPosition[filing.parcelID] else { throw .unknownParcel(filing.parcelID) }
        let parcel = snapshot.parcels[Int(position)]
        // A subdivision or merger keeps the parcel's use; it is checked as its approval would make
        // it (children read and measured, the geometry by the store, open requests), and the
        // zoning verdict kept is the parcel's own.
        let requestedUse: LandUse
        if filing.kind.isCadastral {
            guard let proposal = filing.proposal else { throw .cadastral(filing.kind == .merger ? [.tooFewParcels] : [.tooFewChildren]) }
            let problems: [CadastralProblem]
            let plan = try plan(proposal, parcel: filing.parcelID)
            do { problems = try await store.problems(of: plan) } catch { throw .store(error) }
            guard problems.isEmpty else { throw .cadastral(problems) }
            requestedUse = parcel.currentUse ?? LandUse("")
        } else {
            guard let use = filing.requestedUse, snapshot.landUses.contains(use) else {
                throw .unknownLandUse(filing.requestedUse ?? LandUse(""), valid: snapshot.landUses)
            }
            requestedUse = use
        }
        let proposal = ZoningProposal(
            use: requestedUse, floors: filing.requestedFloors ?? parcel.floors ?? 1, coveragePercent: nil)
        let verdict: ZoningVerdict?
        if let code = filing.requestedZoneCode, !filing.kind.isCadastral {
            // A rezoning is checked against the rules it asks for: the parcel alone, in that zone.
            guard let rule = snapshot.rules[code] else { throw .unknownZoneCode(code, valid: snapshot.rules.keys.sorted()) }
            var rezoned = parcel
            rezoned.zoneCode = code
            verdict = CitySnapshot(parcels: [rezoned], zones: [], facilities: [], rules: [rule])
                .checkZoning(parcelAt: 0, proposal: proposal)
        } else {
            verdict = snapshot.checkZoning(parcelAt: position, proposal: proposal)
        }
        guard let verdict else { throw .noZoningRules }
        let new = NewChangeRequest(
            trackingCode: Self.newTrackingCode(), parcelID: filing.parcelID,
            zoneCode: snapshot.zoneCode(ofParcelAt: position), kind: filing.kind, requestedUse: requestedUse,
            requestedFloors: filing.kind.isCadastral ? nil : filing.requestedFloors,
            requestedZoneCode: filing.kind.isCadastral ? nil : filing.requestedZoneCode,
            description: filing.description, applicant: filing.applicant, zoningCheckJSON: verdict.json,
            proposalJSON: filing.proposal?.json)
        do {
            let stored = try await storeWrites.time(.fileRequest) { () async throws(StoreError) in
                try await store.fileRequest(new, actor: actor)
            }
            logger.info("request filed", metadata: ["request_id": "\(stored.id)", "parcel_id": "\(filing.parcelID)"])
            return FiledRequest(request: stored, verdict: verdict)
        } catch {
            throw .store(error)
        }
    }

    /// The request with this tracking code (what the applicant sees).
    package func request(trackingCode: TrackingCode) async throws(ServiceError) -> ChangeRequest {
        let found: ChangeRequest?
        do { found = try await store.request(trackingCode: trackingCode) } catch { throw .store(error) }
        guard let found else { throw .requestNotFound }
        return found
    }

    /// Requests by id for planners: of `status` when given, on parcels meeting `bbox`, in zone
    /// `zone` (the zone code that governed the parcel when the request was filed).
    package func requests(status: RequestStatus?, bbox: BoundingBox?, zone: ZoneCode?) async throws(ServiceError) -> [ChangeRequest] {
        let all: [ChangeRequest]
        do { all = try await store.requests(status: status) } catch { throw .store(error) }
        let snapshot = snapshots.snapshot
        return all.filter { request in
            if let zone, request.filing.zoneCode != zone { return false }
            if let bbox {
                guard let position = snapshot.parcelPosition[request.filing.parcelID],
                    snapshot.parcels[Int(position)].geometry.intersects(bbox)
                else { return false }
            }
            return true
        }
    }

    /// Applies a planner's decision. An approval changes the parcel in the same transaction, and
    /// the next snapshot is published before the writer takes the next write, so the very next
    /// request sees the change, and snapshots follow the commit order.
    /// Returns the request as decided.
    package func decide(request id: RequestID, decision: Decision, reason: String?, by actor: String) async throws(ServiceError) -> ChangeRequest {
        let holder = snapshots
        // A subdivision's or merger's approval makes what it proposed, read and checked against
        // the city now (a child may have become too small for a rezoned zone, say).
        var plan: CadastralPlan?
        if decision == .approve {
            let request: ChangeRequest?
            do { request = try await store.request(id: id) } catch { throw .store(error) }
            if let request, request.filing.kind.isCadastral, !request.status.isDecided,
                let proposal = request.filing.proposalJSON.flatMap(CadastralProposal.init(json:))
            {
                plan = try self.plan(proposal, parcel: request.filing.parcelID)
            }
        }
        do {
            let outcome = try await storeWrites.time(.decideRequest) { () async throws(StoreError) in
                try await store.decide(
                    request: id, decision: decision, reason: reason, actor: actor, plan: plan,
                    newIDs: { Self.withNewIDs($0, in: holder.snapshot) }
                ) { outcome in
                    if let made = outcome.cadastral {
                        holder.publishOwnChange({ $0.applying(made) }, cityVersion: outcome.cityVersion)
                        return
                    }
                    guard let change = outcome.change else { return }
                    holder.publishOwnChange({ $0.replacingAttributes([change.parcelID: change.after]) }, cityVersion: outcome.cityVersion)
                }
            }
            logger.info(
                "request decided",
                metadata: ["request_id": "\(id)", "decision": "\(decision.rawValue)", "by": "\(actor)"])
            return outcome.request
        } catch .cadastral(let problems) {
            throw .cadastral(problems)
        } catch .notFound {
            throw .requestNotFound
        } catch .conflict {
            let status = (try? await store.request(id: id))?.status ?? .approved
            throw .requestStatusConflict(status)
        } catch {
            throw .store(error)
        }
    }

    /// 12 symbols from a 32-letter alphabet without 0/O/1/I (60 random bits), as ZM-XXXX-XXXX-XXXX.
    static func newTrackingCode() -> TrackingCode {
        let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
        var generator = SystemRandomNumberGenerator()
        var code = "ZM"
        for _ in 0..<3 {
            code += "-"
            for _ in 0..<4 { code.append(alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))]) }
        }
        return TrackingCode(code)
    }
}

/// The zoning check kept with a request: what the verdict said when the request was filed,
/// without the rule it was checked against (the catalogue may change after). Stored as a
/// versioned JSON record, so a row written today still reads after the shape changes: each
/// version the server ever wrote is read by `init?(json:)`.
///
/// - unversioned (until issue 15): `{"zone_code","allowed","needs_approval","checks":[{"rule","ok","outcome","limit","requested"}]}`
/// - version 1: the same members with `"version": 1`.
package struct ZoningVerdictRecord: Sendable, Equatable {
    package static let currentVersion = 1

    package var zoneCode: ZoneCode
    package var isAllowed: Bool
    package var needsApproval: Bool
    package var checks: [ZoningCheckItem]

    package init(_ verdict: ZoningVerdict) {
        zoneCode = verdict.zoneCode
        isAllowed = verdict.isAllowed
        needsApproval = verdict.needsApproval
        checks = verdict.checks
    }

    /// The record as stored, in the current version.
    package var json: String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("version"); writer.number(Self.currentVersion)
        writer.key("zone_code"); writer.string(zoneCode.rawValue)
        writer.key("allowed"); writer.bool(isAllowed)
        writer.key("needs_approval"); writer.bool(needsApproval)
        writer.key("checks")
        writer.beginArray()
        for check in checks {
            writer.beginObject()
            writer.key("rule"); writer.string(check.rule.rawValue)
            writer.key("ok"); writer.bool(check.isOK)
            writer.key("outcome"); writer.string(check.outcome.word)
            writer.key("limit")
            switch check.limit {
            case .number(let value): writer.number(value)
            case .none: writer.null()
            case .uses(let allowed, let conditional):
                writer.beginObject()
                writer.key("allowed"); writer.beginArray(); for use in allowed { writer.string(use.rawValue) }; writer.endArray()
                writer.key("conditional"); writer.beginArray(); for use in conditional { writer.string(use.rawValue) }; writer.endArray()
                writer.endObject()
            }
            writer.key("requested")
            switch check.requested {
            case .number(let value): writer.number(value)
            case .use(let use): writer.string(use.rawValue)
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Reads a stored record of any version written so far; nil for one that is not a record
    /// (never written by Zamin) or of a version newer than this server knows.
    package init?(json: String) {
        guard case .object(let object)? = try? JSONParser.parse(Array(json.utf8)) else { return nil }
        if let version = object["version"] {
            guard let number = version.numberValue, number >= 1, number <= Double(Self.currentVersion) else { return nil }
        }
        guard let code = object["zone_code"]?.stringValue, let allowed = object["allowed"]?.boolValue,
            let needsApproval = object["needs_approval"]?.boolValue, let items = object["checks"]?.arrayValue
        else { return nil }
        var checks: [ZoningCheckItem] = []
        for item in items {
            guard case .object(let check) = item, let rule = check["rule"]?.stringValue.flatMap(ZoningCheckItem.Rule.init(rawValue:)),
                let ok = check["ok"]?.boolValue, let outcome = check["outcome"]?.stringValue.flatMap(ZoningCheckItem.Outcome.init(word:))
            else { return nil }
            let limit: ZoningCheckItem.Limit
            switch check["limit"] {
            case .number(let value)?: limit = .number(value)
            case .object(let uses)?:
                let names: (String) -> [LandUse] = { key in (uses[key]?.arrayValue ?? []).compactMap(\.stringValue).map(LandUse.init) }
                limit = .uses(allowed: names("allowed"), conditional: names("conditional"))
            default: limit = .none
            }
            let requested: ZoningCheckItem.Requested
            switch check["requested"] {
            case .number(let value)?: requested = .number(value)
            case .string(let use)?: requested = .use(LandUse(use))
            default: return nil
            }
            checks.append(ZoningCheckItem(rule: rule, limit: limit, requested: requested, isOK: ok, outcome: outcome))
        }
        zoneCode = ZoneCode(code)
        isAllowed = allowed
        self.needsApproval = needsApproval
        self.checks = checks
    }
}

extension ZoningVerdict {
    /// The verdict as stored with a request (`ZoningVerdictRecord`, current version).
    package var json: String { ZoningVerdictRecord(self).json }
}

extension ZoningCheckItem.Outcome {
    init?(word: String) {
        guard let outcome = Self.all.first(where: { $0.word == word }) else { return nil }
        self = outcome
    }

    static let all: [Self] = [
        .useAllowed, .useConditional, .useNotAllowed, .withinLimit, .exceedsLimit, .withinLimitAssumingMaxCoverage,
        .exceedsLimitAssumingMaxCoverage, .parcelLargeEnough, .parcelTooSmall, .noLimit,
    ]

    package var word: String {
        switch self {
        case .useAllowed: return "use_allowed"
        case .useConditional: return "use_conditional"
        case .useNotAllowed: return "use_not_allowed"
        case .withinLimit: return "within_limit"
        case .exceedsLimit: return "exceeds_limit"
        case .withinLimitAssumingMaxCoverage: return "within_limit_assuming_max_coverage"
        case .exceedsLimitAssumingMaxCoverage: return "exceeds_limit_assuming_max_coverage"
        case .parcelLargeEnough: return "parcel_large_enough"
        case .parcelTooSmall: return "parcel_too_small"
        case .noLimit: return "no_limit"
        }
    }
}
