/// What a citizen asks for. The effect of an approval is fixed by the kind:
/// - `constructionPermit`: the parcel gets the requested use and number of floors;
/// - `landUseChange`: the parcel gets the requested use, the requested floors when given, and,
///   when `requestedZoneCode` is given, that zone code (a rezoning of this one parcel: the
///   parcel's own `zone_code`, which governs it before any zone polygon does).
package enum RequestKind: String, Sendable, CaseIterable {
    case landUseChange = "land_use_change"
    case constructionPermit = "construction_permit"
    /// تفکیک: the parcel into the proposed children (issue 16 point 4).
    case subdivision
    /// تجمیع: the proposed parcels, this one among them, into one.
    case merger

    /// A subdivision or merger: its approval reshapes parcels rather than editing one's values.
    package var isCadastral: Bool { self == .subdivision || self == .merger }
}

/// submitted → under_review → approved | rejected; approve and reject also straight from submitted.
package enum RequestStatus: String, Sendable, CaseIterable {
    case submitted
    case underReview = "under_review"
    case approved
    case rejected

    package var isDecided: Bool { self == .approved || self == .rejected }
}

/// A planner's decision on a request.
package enum Decision: String, Sendable, CaseIterable {
    case review, approve, reject

    /// The status the decision leads to.
    package var resultingStatus: RequestStatus {
        switch self {
        case .review: return .underReview
        case .approve: return .approved
        case .reject: return .rejected
        }
    }

    /// The statuses a request may be in for this decision to apply.
    package var allowedFrom: [RequestStatus] {
        switch self {
        case .review: return [.submitted]
        case .approve, .reject: return [.submitted, .underReview]
        }
    }
}

package struct RequestID: Hashable, Comparable, Sendable, CustomStringConvertible {
    package let rawValue: Int
    package init(_ rawValue: Int) { self.rawValue = rawValue }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    package var description: String { String(rawValue) }
}

/// The code an applicant keeps to follow a request (not personal data, not guessable).
package struct TrackingCode: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: String
    package init(_ rawValue: String) { self.rawValue = rawValue }
    package var description: String { rawValue }
}

/// Who filed a request. Personal data: shown to planners and admins only, never logged.
/// `description` is redacted so that string interpolation cannot leak it into a log line.
package struct Applicant: Sendable, Equatable, CustomStringConvertible {
    package var name: String
    package var nationalID: NationalID
    package var phone: MobileNumber

    package init(name: String, nationalID: NationalID, phone: MobileNumber) {
        self.name = name
        self.nationalID = nationalID
        self.phone = phone
    }

    package var description: String { "Applicant(redacted)" }
}

/// The land attributes a request can change, as one version of a parcel.
package struct ParcelAttributes: Sendable, Equatable {
    package var zoneCode: ZoneCode?
    package var currentUse: LandUse?
    package var floors: Int?

    package init(zoneCode: ZoneCode?, currentUse: LandUse?, floors: Int?) {
        self.zoneCode = zoneCode
        self.currentUse = currentUse
        self.floors = floors
    }
}

/// A request as filed, before the store gives it an id.
package struct NewChangeRequest: Sendable {
    package var trackingCode: TrackingCode
    package var parcelID: ParcelID
    /// The zone code that governed the parcel when the request was filed.
    package var zoneCode: ZoneCode?
    package var kind: RequestKind
    package var requestedUse: LandUse
    package var requestedFloors: Int?
    package var requestedZoneCode: ZoneCode?
    package var description: String
    package var applicant: Applicant
    /// The zoning check's result at filing, as JSON (see `ZoningVerdict.json`).
    package var zoningCheckJSON: String
    /// A subdivision's children or a merger's parcels as proposed, a versioned JSON record
    /// (LandService's `CadastralProposal`); nil for the other kinds.
    package var proposalJSON: String?

    package init(
        trackingCode: TrackingCode, parcelID: ParcelID, zoneCode: ZoneCode?, kind: RequestKind, requestedUse: LandUse,
        requestedFloors: Int?, requestedZoneCode: ZoneCode?, description: String, applicant: Applicant,
        zoningCheckJSON: String, proposalJSON: String? = nil
    ) {
        self.proposalJSON = proposalJSON
        self.trackingCode = trackingCode
        self.parcelID = parcelID
        self.zoneCode = zoneCode
        self.kind = kind
        self.requestedUse = requestedUse
        self.requestedFloors = requestedFloors
        self.requestedZoneCode = requestedZoneCode
        self.description = description
        self.applicant = applicant
        self.zoningCheckJSON = zoningCheckJSON
    }

    /// What an approval writes onto the parcel whose attributes are `current` (see `RequestKind`).
    package func approvedAttributes(from current: ParcelAttributes) -> ParcelAttributes {
        var next = current
        next.currentUse = requestedUse
        if let requestedFloors { next.floors = requestedFloors }
        if kind == .landUseChange, let requestedZoneCode { next.zoneCode = requestedZoneCode }
        return next
    }
}

/// A stored request with its status and decision.
package struct ChangeRequest: Sendable {
    package var id: RequestID
    package var filing: NewChangeRequest
    package var status: RequestStatus
    /// RFC 3339, UTC.
    package var submittedAt: String
    package var updatedAt: String
    /// The key name of the planner who last decided.
    package var decidedBy: String?
    package var decisionReason: String?

    package init(
        id: RequestID, filing: NewChangeRequest, status: RequestStatus, submittedAt: String, updatedAt: String,
        decidedBy: String?, decisionReason: String?
    ) {
        self.id = id
        self.filing = filing
        self.status = status
        self.submittedAt = submittedAt
        self.updatedAt = updatedAt
        self.decidedBy = decidedBy
        self.decisionReason = decisionReason
    }
}

/// One edit of a parcel: the version valid in [validFrom, at) and the one that replaced it at `at`.
/// Caused by an approved request (`requestID`), by the rezoning of the zone the parcel lies in
/// (`zoneChangeID`, the `ZoneChange.id`), or by a file sync (`reason`); a removal ended the
/// parcel (`after` is then empty).
package struct ParcelChange: Sendable, Equatable {
    package var id: Int
    package var parcelID: ParcelID
    package var validFrom: String
    package var at: String
    package var requestID: RequestID?
    package var zoneChangeID: Int?
    package var before: ParcelAttributes
    package var after: ParcelAttributes
    package var isRemoval: Bool
    package var reason: String?

    package init(
        id: Int, parcelID: ParcelID, validFrom: String, at: String, requestID: RequestID?, zoneChangeID: Int? = nil,
        before: ParcelAttributes, after: ParcelAttributes, isRemoval: Bool = false, reason: String? = nil
    ) {
        self.isRemoval = isRemoval
        self.reason = reason
        self.id = id
        self.parcelID = parcelID
        self.validFrom = validFrom
        self.at = at
        self.requestID = requestID
        self.zoneChangeID = zoneChangeID
        self.before = before
        self.after = after
    }
}

/// The attributes of a zone that a rezoning changes, as one version of the zone.
package struct ZoneAttributes: Sendable, Equatable {
    package var code: ZoneCode
    package var nameFa: String?
    package var nameEn: String?

    package init(code: ZoneCode, nameFa: String?, nameEn: String?) {
        self.code = code
        self.nameFa = nameFa
        self.nameEn = nameEn
    }
}

/// One edit of a zone (a rezoning): the version valid in [validFrom, at), the one that replaced
/// it at `at`, why, and the key name of who made it.
package struct ZoneChange: Sendable, Equatable {
    package var id: Int
    package var zoneID: ZoneID
    package var validFrom: String
    package var at: String
    package var before: ZoneAttributes
    package var after: ZoneAttributes
    package var reason: String?
    package var actor: String

    package init(
        id: Int, zoneID: ZoneID, validFrom: String, at: String, before: ZoneAttributes, after: ZoneAttributes,
        reason: String?, actor: String
    ) {
        self.id = id
        self.zoneID = zoneID
        self.validFrom = validFrom
        self.at = at
        self.before = before
        self.after = after
        self.reason = reason
        self.actor = actor
    }
}

/// Roles of API keys: a planner decides requests; an admin may also read the audit log.
/// Roles in one order, each allowed what the ones below it are: a third-party reporting app
/// (Open311 `api_key`), an operator of problem reports, a planner, an admin.
package enum KeyRole: String, Sendable, CaseIterable, Comparable {
    case reporterApp = "reporter_app", `operator`, planner, admin

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// One audit record: who (a key name, `public`, or `cli:…`), when, what, before and after (JSON).
/// `before` and `after` have the shape of their `action` in their `version`: 0 for the rows
/// written before records were versioned, `currentVersion` for those written now.
package struct AuditRecord: Sendable, Equatable {
    package static let currentVersion = 1

    package var id: Int
    package var at: String
    package var actor: String
    package var action: String
    package var target: String?
    package var before: String?
    package var after: String?
    package var version: Int

    package init(
        id: Int, at: String, actor: String, action: String, target: String?, before: String?, after: String?, version: Int
    ) {
        self.version = version
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.before = before
        self.after = after
    }
}

extension Parcel {
    /// The values a request or a rezoning edits.
    package var attributes: ParcelAttributes { ParcelAttributes(zoneCode: zoneCode, currentUse: currentUse, floors: floors) }
}

extension Zone {
    /// The values a rezoning edits.
    package var attributes: ZoneAttributes { ZoneAttributes(code: code, nameFa: nameFa, nameEn: nameEn) }
}
