import CQL2
import LandModel
import LandService

extension Message {
    var english: String {
        switch self {
        case .noSuchPath: return "There is no resource at this path."
        case .methodNotAllowed: return "This method is not allowed on this resource."
        case .bodyTooLarge: return "The request body is too large."
        case .badRequest: return "The request is not valid."
        case .internalError: return "The server could not answer this request. Please try again later."
        case .storeUnavailable: return "The city's database cannot be reached just now. Please try again in a few seconds."
        case .invalidDataset: return "The dataset is not valid."
        case .invalidBoundingBox: return "bbox must be 4 (or 6) finite numbers separated by commas, each minimum no larger than its maximum, within the range of the CRS."
        case .invalidLimit: return "limit must be a whole number of at least 1."
        case .invalidOffset: return "offset must be a whole number of at least 0."
        case .invalidDatetime:
            return "datetime must be an RFC 3339 date-time with its time zone, such as 2026-01-05T10:00:00Z, or an interval of two of them (start/end, with '..' or nothing for an open end) that does not end before it starts. A date alone (2026-01-05) is not accepted: which instants it covers depends on the time zone."
        case .invalidFormat: return "f must be json or html."
        case .invalidFilterValue: return "This property takes a whole number."
        case .filter(let error): return Self.english(error)
        case .unknownCollection: return "There is no collection with this id."
        case .unknownFeature: return "There is no feature with this id in the collection."
        case .noSuchTile: return "There is no such tile: tileMatrix is 0 to 20, tileRow and tileCol below 2^tileMatrix."
        case .unknownCRS: return "This coordinate reference system is not supported (see the collection's crs list)."
        case .outsideCRSDomain: return "The coordinates cannot be expressed in this coordinate reference system."
        case .ogcServiceTitle: return "Zamin land information"
        case .ogcServiceDescription: return "Parcels, zones and facilities of the city as OGC API – Features."
        case .ogcConformanceTitle: return "Conformance classes"
        case .ogcCollectionsTitle: return "Collections"
        case .ogcParcelsTitle: return "Parcels"
        case .ogcZonesTitle: return "Land-use zones"
        case .ogcFacilitiesTitle: return "Facilities"
        case .unknownParameter(let name): return "Unknown query parameter '\(name)'."
        case .notOneOf(let name, let allowed):
            return "'\(name)' must be one of: \(allowed.prefix(60).joined(separator: ", "))\(allowed.count > 60 ? ", …" : "")."
        case .wholeNumberAtLeast(let name, let minimum): return "\(name) must be a whole number of at least \(minimum)."
        case .tooLong(let name, let limit): return "'\(name)' is longer than \(limit) characters."
        case .unsupportedLanguage: return Self.unsupportedLanguageInBoth
        case .unsupportedMediaType: return "The body must be JSON (Content-Type: application/json)."
        case .repeatedParameter(let name): return "The query parameter '\(name)' is given more than once."
        case .missingParameter(let name): return "The query parameter '\(name)' is required."
        case .notANumber(let name): return "'\(name)' must be a finite decimal number."
        case .notAWholeNumber(let name): return "'\(name)' must be a whole number."
        case .outOfRange(let name, let lower, let upper):
            return "'\(name)' must be between \(SentenceNumber.english(lower)) and \(SentenceNumber.english(upper))."
        case .mustBePositive(let name): return "'\(name)' must be greater than zero."
        case .invalidBBox(let name):
            return "'\(name)' must be four numbers minLon,minLat,maxLon,maxLat with min ≤ max, in WGS 84 degrees."
        case .parcelOrPoint: return "Give either 'parcel' or 'lon' and 'lat', not both."
        case .emptyQuery: return "The search needs a text 'q' (not blank) or a filter: category, use or zone."
        case .categoryWithParcelFilter: return "'category' searches facilities; 'use' and 'zone' search parcels: give one kind."
        case .unknownParcel(let id): return "There is no parcel with id '\(id)'."
        case .unknownUse(let use, let valid): return "Unknown land use '\(use)'. Valid uses: \(valid.joined(separator: ", "))."
        case .unknownCategory(let category, let valid):
            return "Unknown category '\(category)'. Valid categories: \(valid.joined(separator: ", "))."
        case .unknownZone(let zone, let valid): return "Unknown zone code '\(zone)'. Valid codes: \(valid.joined(separator: ", "))."
        case .parcelHasNoZone(let id): return "Parcel '\(id)' lies in no zone with rules, so there is nothing to check."
        case .landUse(let use): return Self.englishUse(use)
        case .conformity(let conformity, let use, let zone):
            let name = Self.englishUse(use)
            switch conformity {
            case .allowed: return "The current use (\(name)) is allowed in zone \(zone)."
            case .conditional: return "The current use (\(name)) is allowed in zone \(zone) only with a planner's approval."
            case .notAllowed: return "The current use (\(name)) is not allowed in zone \(zone)."
            }
        case .zoningSummary(let allowed, let needsApproval):
            if !allowed { return "Not allowed: at least one rule of the zone is not met." }
            return needsApproval ? "Allowed with a planner's approval (conditional use)." : "Allowed by the zone's rules."
        case .missingKey: return "An API key is required: send the header Authorization: Bearer KEY."
        case .invalidKey: return "The API key is not valid or has been revoked."
        case .roleNotAllowed: return "The role of this API key does not allow this action."
        case .tooManyRequests: return "Too many requests from this address. Please wait and try again."
        case .bodyNotJSONObject: return "The request body must be a JSON object."
        case .missingField: return "This field is required."
        case .invalidField: return "The value of this field is not valid."
        case .unknownField: return "This field is not known."
        case .invalidNationalID: return "The national id is not valid: it must be 10 digits with a correct check digit."
        case .invalidPhone: return "The mobile number is not valid: use the form 09xxxxxxxxx."
        case .floorsRequired: return "A construction permit needs the number of floors."
        case .zoneCodeOnlyForLandUseChange: return "A zone code may be requested only in a land-use change request."
        case .noZoningRules: return "No zoning rules govern this parcel, so the request cannot be checked."
        case .requestNotFound: return "There is no request with this tracking code or id."
        case .requestStatusConflict: return "The request's status does not allow this decision (it may already be decided)."
        case .keyNameTaken: return "A key with this name exists."
        case .keyNotFound: return "There is no active key with this name."
        case .unknownZoneID: return "There is no zone with this id."
        case .zoneCodeUnchanged: return "The zone already has this code."
        case .featureRule(let rule): return Self.englishRule(rule)
        case .featureExists(let id): return "A feature with id \(id) exists; change it with PUT or PATCH."
        case .parcelHasOpenRequest(let parcel, let request):
            return "Parcel \(parcel) has an open request (\(request)); decide it before the parcel is removed or its outline changed."
        case .preconditionRequired:
            return "If-Match is required: send the ETag of the version you read, so that nobody's change is overwritten unseen."
        case .preconditionFailed: return "The feature changed since you read it (If-Match does not name the current version); read it again."
        case .cadastral(let problems): return problems.map(Self.english).joined(separator: " ")
        case .reportProblem(let problem):
            switch problem {
            case .unknownService(let code): return "There is no service '\(code)' in the city's catalogue (see /open311/v2/services.json)."
            case .missingAttribute(let code): return "The service asks for '\(code)'; it is required."
            case .unknownAttribute(let code): return "The service has no attribute '\(code)'."
            case .invalidAttributeValue(let code): return "The answer to '\(code)' is not one the service takes."
            case .photoNotJPEGOrPNG(let index): return "Photo \(index + 1) is not a JPEG or PNG image."
            case .photoDamaged(let index): return "Photo \(index + 1) is damaged and cannot be read."
            case .tooManyPhotos: return "At most 3 photos may be sent with a report."
            case .outsideCity: return "The location is outside the city."
            case .unknownAddress: return "No parcel has this address."
            case .unknownParcel(let id): return "There is no parcel \(id)."
            }
        case .open311DateRange: return "start_date and end_date may be at most 90 days apart."
        case .open311LocationRequired: return "A location is required: lat and long, address_string or address_id."
        case .reportNotFound: return "There is no report with this tracking code or id."
        case .reportStatusConflict: return "The report's status does not allow this step."
        case .tenderProblem(let problem):
            switch problem {
            case .tenderNotFound: return "There is no tender with this id."
            case .closed: return "This tender takes no more bids or withdrawals: its opening time has come."
            case .amountOutOfRange(let kind, let reserve):
                return kind == .auction
                    ? "The amount must be a whole number of rials of at least \(reserve) (the auction's minimum)."
                    : "The amount must be a whole number of rials above 0 and at most \(reserve) (the procurement's maximum)."
            case .bidNotFound: return "There is no bid with this tracking code and national id."
            case .bidWithdrawn: return "This bid was already withdrawn."
            case .tooEarly(let opensAt): return "The bids cannot be opened before the opening time, \(opensAt)."
            case .alreadyOpened: return "This tender was already opened; its result stands."
            case .tooFewShares(let have, let need): return "The opening needs \(need) committee shares; \(have) were given."
            case .badShare(let position): return "Share \(position + 1) is not a share of this tender (mistyped, repeated or of another tender)."
            case .sharesDoNotMatch: return "The shares do not rebuild this tender's key: at least one of them is not genuine."
            case .invalidCommittee: return "The committee needs a threshold of at least 2 and at most its members (at most 255)."
            }
        case .photoNotFound: return "There is no photo with this name."
        case .photoTooLarge: return "A photo may be at most 5 MB, and a report with its photos at most 16 MB."
        case .notMultipart: return "The body is not valid multipart/form-data (RFC 7578): a boundary or a part's headers are missing, or it ends early."
        case .childRule(let index, let rule): return "Child \(index + 1): " + Self.englishRule(rule)
        case .parcelOverlaps(let overlaps):
            return "The parcel would overlap other parcels by more than 0.5 m²: "
                + overlaps.map { "\($0.id) (\(SentenceNumber.english($0.squareMeters)) m²)" }.joined(separator: ", ")
        case .unsupportedPatchType: return "PATCH takes an application/merge-patch+json body (RFC 7396) only."
        case .invalidIfMatch: return "If-Match must be * or a list of quoted entity tags (RFC 9110)."
        case .invalidInstant: return "The instant must be an RFC 3339 date-time such as 2026-01-31T12:00:00Z."
        case .invalidStatus: return "status must be submitted, under_review, approved or rejected."
        case .zoningCheck(let item): return Self.englishCheck(item)
        }
    }

    private static func english(_ problem: CadastralProblem) -> String {
        let n = SentenceNumber.english
        switch problem {
        case .tooFewChildren: return "A subdivision needs at least two children."
        case .tooFewParcels: return "A merger needs at least two different parcels."
        case .unknownParcel(let id): return "There is no parcel \(id)."
        case .openRequest(let parcel, let request):
            return "Parcel \(parcel) has an open request (\(request.rawValue)); decide it before the parcel is subdivided or merged."
        case .childrenOverlap(let first, let second, let area):
            return "Children \(first + 1) and \(second + 1) overlap by \(n(area)) m²."
        case .childNotValid(let child): return "Child \(child + 1)'s outline is not a valid polygon (it crosses itself?)."
        case .childOutsideParent(let child, let area): return "Child \(child + 1) reaches \(n(area)) m² outside the parcel."
        case .parentNotCovered(let area): return "The children leave \(n(area)) m² of the parcel uncovered."
        case .childTooSmall(let child, let area, let minimum, let zone):
            return "Child \(child + 1) has \(n(area)) m², less than zone \(zone)'s minimum parcel area of \(n(minimum)) m²."
        case .notAdjacent: return "The parcels do not form one piece: each must share an edge with another."
        }
    }

    private static func englishRule(_ rule: FeatureRule) -> String {
        switch rule {
        case .geometryType(let layer, let expected): return "A \(layer)'s geometry must be a \(expected)."
        case .unknownZoneCode(let code, _): return "Zone code \(code) is not in the zoning rules."
        case .noArea: return "The polygon has no area."
        case .missing(_, _, let property): return "The property \(property) is required."
        case .floors(let property): return "\(property) must be a whole number from 0 to 999."
        case .notText(let property): return "\(property) must be text or null."
        case .notAFeature(let detail): return "The body is not a valid GeoJSON Feature: \(detail)"
        case .idChanged: return "A feature's id cannot change."
        case .invalidID: return "An id is 1 to 100 characters, without control characters or spaces at its ends."
        }
    }

    private static func englishUse(_ use: LandUse) -> String {
        switch use.rawValue {
        case "residential": return "residential"
        case "commercial": return "commercial"
        case "office": return "office"
        case "mixed": return "mixed use"
        case "green": return "green space"
        case "education": return "education"
        case "health": return "health"
        case "religious": return "religious"
        case "vacant": return "vacant land"
        case "industrial": return "industrial"
        default: return use.rawValue
        }
    }

    private static func englishCheck(_ item: ZoningCheckItem) -> String {
        let limit: String
        switch item.limit {
        case .number(let value): limit = SentenceNumber.english(value)
        case .uses, .none: limit = ""
        }
        let requested: String
        switch item.requested {
        case .number(let value): requested = SentenceNumber.english(value)
        case .use(let use): requested = englishUse(use)
        }
        switch (item.rule, item.outcome) {
        case (.use, .useAllowed): return "The use \(requested) is allowed in this zone."
        case (.use, .useConditional): return "The use \(requested) is allowed here only with a planner's approval."
        case (.use, _): return "The use \(requested) is not allowed in this zone."
        case (_, .noLimit): return "The zone sets no limit for this."
        case (.floors, .withinLimit): return "\(requested) floors is within the limit of \(limit)."
        case (.floors, _): return "\(requested) floors exceeds the limit of \(limit)."
        case (.coverage, .withinLimit): return "A ground coverage of \(requested)% is within the limit of \(limit)%."
        case (.coverage, _): return "A ground coverage of \(requested)% exceeds the limit of \(limit)%."
        case (.density, .withinLimit): return "A building density of \(requested)% is within the limit of \(limit)%."
        case (.density, .withinLimitAssumingMaxCoverage):
            return "At the zone's maximum ground coverage, the density would be \(requested)%, within the limit of \(limit)%."
        case (.density, .exceedsLimitAssumingMaxCoverage):
            return "At the zone's maximum ground coverage, the density would be \(requested)%, above the limit of \(limit)%; a smaller coverage may fit."
        case (.density, _): return "A building density of \(requested)% exceeds the limit of \(limit)%."
        case (.minParcelArea, .parcelLargeEnough): return "The parcel (\(requested) m²) meets the minimum area of \(limit) m²."
        case (.minParcelArea, _): return "The parcel (\(requested) m²) is smaller than the minimum area of \(limit) m²."
        }
    }

    static func englishExpected(_ word: String) -> String {
        switch word {
        case CQL2SyntaxError.operand: "a property, a literal or '('"
        case CQL2SyntaxError.number: "a number"
        case CQL2SyntaxError.geometry: "a geometry"
        case CQL2SyntaxError.end: "the end of the filter"
        case CQL2SyntaxError.quotedText: "a quoted text"
        default: "'\(word)'"
        }
    }

    /// The filter's fault with its place (a character offset from 0) and what would have been valid.
    static func english(_ error: FilterError) -> String {
        switch error {
        case .syntax(let syntax):
            let place = "filter: at character \(syntax.offset): "
            switch syntax.problem {
            case .unexpected(let found, let expected):
                return place + "found \(found.map { "'\($0)'" } ?? "the end of the filter"), expected \(expected.map(Self.englishExpected).joined(separator: " or "))."
            case .unterminatedString: return place + "a quoted text or name is not closed."
            case .invalidNumber(let text): return place + "'\(text)' is not a finite number."
            case .invalidGeometry(let fault):
                let reason = switch fault {
                case .shortLine: "a LINESTRING has at least 2 positions"
                case .openRing: "a polygon ring is closed and has at least 4 positions"
                case .not2D: "only 2D positions (x y) are supported"
                case .bboxCount: "BBOX takes 4 or 6 numbers"
                case .unknownType(let type): "unknown geometry type '\(type)'"
                }
                return place + "invalid geometry: \(reason)."
            case .invalidJSON: return place + "not valid JSON (filter-lang=cql2-json)."
            case .invalidJSONMember(let path): return "filter: \(path) is not a CQL2-JSON expression (OGC 21-065 §9)."
            case .tooDeep(let limit): return "filter: nested more than \(limit) levels deep."
            case .tooManyNodes(let limit): return "filter: more than \(limit) terms."
            case .tooManyPositions(let limit): return "filter: geometries with more than \(limit) positions in all."
            case .tooLong(let limit): return "filter: longer than \(limit) bytes."
            }
        case .unknownProperty(let name, let queryables):
            return "filter: unknown property '\(name)'. Queryables: \(queryables.joined(separator: ", "))."
        case .typeMismatch(let op, let found):
            return "filter: \(op) cannot take operands of type \(found.joined(separator: ", "))."
        case .unsupported(let name):
            return "filter: \(name) is not supported by this server (see /conformance)."
        case .invalidLiteral(let what):
            return "filter: \(what) is not valid (outside the filter CRS or not a valid instant)."
        case .mixedDimensions(let op):
            return "filter: \(op) takes a geometry of one kind (points, lines or polygons), not a GEOMETRYCOLLECTION mixing them."
        }
    }
}

