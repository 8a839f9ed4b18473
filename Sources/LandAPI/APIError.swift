import Hummingbird
import LandService
import LandModel
import GeoFormats
import Logging

/// The only error type that leaves the API. The body is OGC API's exception shape
/// (`{"code", "description"}`, OGC 17-069r4 §7.5.1, as pygeoapi's and pg_featureserv's):
/// `code` is the OGC exception code, `description` the message in the request's language,
/// `parameter` names the query parameter at fault when there is one.
struct APIError: HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: Message
    var parameter: String?
    var language: Language = .fa
    var extraHeaders: HTTPFields = [:]

    init(status: HTTPResponse.Status, code: String, message: Message, parameter: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter
    }

    static func invalidParameter(_ name: String, _ message: Message) -> APIError {
        APIError(status: .badRequest, code: "InvalidParameterValue", message: message, parameter: name)
    }

    static func notFound(_ message: Message) -> APIError {
        APIError(status: .notFound, code: "NotFound", message: message)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let language = Language.of(request)
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("code")
        writer.string(code)
        writer.key("description")
        writer.string(message.text(in: language))
        if let parameter {
            writer.key("parameter")
            writer.string(parameter)
        }
        writer.endObject()
        var headers = extraHeaders
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLanguage] = language.rawValue
        headers[.vary] = "Accept-Language"
        headers[.accessControlAllowOrigin] = "*"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }
}

extension APIError {
    /// What a 503 of an unreachable database asks the client to wait (RFC 9110 §10.2.3).
    static let storeRetryAfterSeconds = 5

    /// One exhaustive mapping of service errors: a new case must choose its status here.
    init(_ error: ServiceError) {
        switch error {
        case .invalidDataset:
            self.init(status: .badRequest, code: "InvalidParameterValue", message: .invalidDataset)
        case .store where error.isStoreUnavailable:
            // Issue 17 point 5: the database is down or restarting; nothing was written. Reads the
            // snapshot answers do not get here.
            self.init(status: .serviceUnavailable, code: "NoApplicableCode", message: .storeUnavailable)
            extraHeaders[.retryAfter] = String(Self.storeRetryAfterSeconds)
        case .store:
            self.init(status: .serviceUnavailable, code: "NoApplicableCode", message: .internalError)
        case .unknownParcel(let id):
            self.init(
                status: .badRequest, code: "InvalidParameterValue", message: .unknownParcel(id.rawValue), parameter: "parcel_id")
        case .unknownLandUse(let use, let valid):
            self.init(
                status: .badRequest, code: "InvalidParameterValue",
                message: .unknownUse(use.rawValue, valid: valid.map(\.rawValue)), parameter: "requested_use")
        case .unknownZoneCode(let code, let valid):
            self.init(
                status: .badRequest, code: "InvalidParameterValue",
                message: .unknownZone(code.rawValue, valid: valid.map(\.rawValue)), parameter: "requested_zone_code")
        case .noZoningRules:
            self.init(status: .unprocessableContent, code: "InvalidParameterValue", message: .noZoningRules, parameter: "parcel_id")
        case .requestNotFound:
            self.init(status: .notFound, code: "NotFound", message: .requestNotFound)
        case .requestStatusConflict:
            self.init(status: .conflict, code: "Conflict", message: .requestStatusConflict)
        case .keyNameTaken:
            self.init(status: .conflict, code: "Conflict", message: .keyNameTaken)
        case .keyNotFound:
            self.init(status: .notFound, code: "NotFound", message: .keyNotFound)
        case .zoneNotFound:
            self.init(status: .notFound, code: "NotFound", message: .unknownZoneID)
        case .zoneCodeUnchanged:
            self.init(status: .conflict, code: "Conflict", message: .zoneCodeUnchanged, parameter: "code")
        case .invalidFeature(let rules):
            let rule = rules.first ?? .notAFeature(detail: "")
            self.init(status: .badRequest, code: "InvalidParameterValue", message: .featureRule(rule), parameter: rule.field)
        case .featureNotFound:
            self.init(status: .notFound, code: "NotFound", message: .unknownFeature)
        case .featureExists(let id):
            self.init(status: .conflict, code: "Conflict", message: .featureExists(id), parameter: "id")
        case .versionMismatch:
            self.init(status: .preconditionFailed, code: "PreconditionFailed", message: .preconditionFailed)
        case .cadastral(let problems):
            // An open request is the parcel's state (409); a parcel that does not exist, 404.
            let open = problems.contains { if case .openRequest = $0 { true } else { false } }
            let unknown = problems.contains { if case .unknownParcel = $0 { true } else { false } }
            let (status, code): (HTTPResponse.Status, String) =
                open ? (.conflict, "Conflict") : unknown ? (.notFound, "NotFound") : (.badRequest, "InvalidParameterValue")
            self.init(status: status, code: code, message: .cadastral(problems), parameter: problems.first?.field)
        case .invalidChild(let index, let rules):
            let rule = rules.first ?? .notAFeature(detail: "")
            self.init(
                status: .badRequest, code: "InvalidParameterValue", message: .childRule(index: index, rule),
                parameter: "children[\(index)].\(rule.field)")
        case .parcelOverlaps(let overlaps):
            self.init(
                status: .conflict, code: "Conflict",
                message: .parcelOverlaps(overlaps.map { ($0.second.rawValue, $0.areaSquareMeters) }), parameter: "geometry")
        case .parcelHasOpenRequest(let parcel, let request):
            self.init(status: .conflict, code: "Conflict", message: .parcelHasOpenRequest(parcel.rawValue, request.rawValue), parameter: "id")
        case .report(let problem):
            // A photo that is not a JPEG or PNG by its bytes is of an unsupported type (RFC 9110 §15.5.16).
            let status: HTTPResponse.Status
            switch problem {
            case .photoNotJPEGOrPNG: status = .unsupportedMediaType
            case .outsideCity, .unknownAddress, .unknownParcel: status = .unprocessableContent
            default: status = .badRequest
            }
            self.init(status: status, code: "InvalidParameterValue", message: .reportProblem(problem), parameter: problem.field)
        case .reportNotFound:
            self.init(status: .notFound, code: "NotFound", message: .reportNotFound)
        case .reportStatusConflict:
            self.init(status: .conflict, code: "Conflict", message: .reportStatusConflict)
        case .photoNotFound:
            self.init(status: .notFound, code: "NotFound", message: .photoNotFound)
        case .tender(let problem):
            let (status, code, field): (HTTPResponse.Status, String, String?) =
                switch problem {
                case .tenderNotFound, .bidNotFound: (.notFound, "NotFound", nil)
                case .closed, .bidWithdrawn, .tooEarly, .alreadyOpened: (.conflict, "Conflict", nil)
                case .amountOutOfRange: (.unprocessableContent, "InvalidParameterValue", "amount")
                case .tooFewShares, .sharesDoNotMatch: (.unprocessableContent, "InvalidParameterValue", "shares")
                case .badShare(let position): (.unprocessableContent, "InvalidParameterValue", "shares[\(position)]")
                case .invalidCommittee: (.badRequest, "InvalidParameterValue", "committee")
                }
            self.init(status: status, code: code, message: .tenderProblem(problem), parameter: field)
        }
    }
}

/// Turns every error into a JSON body: our APIError as it is, Hummingbird's own HTTPErrors
/// (404 for an unknown path, 405, 413…) into the same shape, anything else into a generic 500
/// that is logged with the request id and says nothing about internals.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let apiError: APIError
            switch error.status {
            case .notFound: apiError = .notFound(.noSuchPath)
            case .methodNotAllowed: apiError = APIError(status: .methodNotAllowed, code: "MethodNotAllowed", message: .methodNotAllowed)
            case .contentTooLarge: apiError = APIError(status: .contentTooLarge, code: "ContentTooLarge", message: .bodyTooLarge)
            default:
                apiError = APIError(
                    status: error.status, code: error.status.code < 500 ? "InvalidRequest" : "NoApplicableCode",
                    message: error.status.code < 500 ? .badRequest : .internalError)
            }
            return try apiError.response(from: request, context: context)
        } catch let error as ServiceError {
            return try APIError(error).response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error_type": "\(type(of: error))"])
            return try APIError(status: .internalServerError, code: "NoApplicableCode", message: .internalError)
                .response(from: request, context: context)
        }
    }
}

extension ReportProblem {
    /// The field at fault, as the reporter's form names it.
    var field: String {
        switch self {
        case .unknownService: "service_code"
        case .missingAttribute(let code), .unknownAttribute(let code), .invalidAttributeValue(let code): "attribute[\(code)]"
        case .photoNotJPEGOrPNG, .photoDamaged, .tooManyPhotos: "photo"
        case .outsideCity: "lat"
        case .unknownAddress: "address_string"
        case .unknownParcel: "address_id"
        }
    }
}
