import GeoFormats
import Hummingbird
import LandModel
import LandService

/// One endpoint of the API, declared once: method, path template, parameters (type, range, enum,
/// default), request body, responses (statuses and media types, HTML included) and who may call
/// it. Everything else is derived from these declarations (`EndpointTable`): the router's routes,
/// the citizen answers written in the channel pipeline (`InlineRoutes`), the unknown/repeated
/// parameter check and the validation of values (`QueryReader`), 405 with `Allow` and OPTIONS,
/// and the OpenAPI document at `/api` (`OpenAPIDocument`) — so none of them can disagree with another.
struct Endpoint: Sendable {
    typealias Handler = @Sendable (Request, ZaminRequestContext, EndpointInput) async throws -> Response
    /// An answer computed synchronously from the in-memory snapshot; nil hands the request to the router.
    typealias InlineHandler = @Sendable (Request, QueryReader) throws(APIError) -> JSONAnswer?

    var method: HTTPRequest.Method
    /// OpenAPI path template (`/requests/{request}/decision`); the router's path replaces `{name}`
    /// by `:name`. A parameter at one position has one name across endpoints (the router's trie
    /// keeps one parameter node per position).
    var path: String
    var summary: String
    var tag: String
    var access: Access = .everyone
    var parameters: [EndpointParameter] = []
    var body: EndpointBody?
    /// A body that asks instead of changing, taken on the same method and path when the request
    /// comes in its media type (`POST …/items` with a CQL2-JSON filter beside Part 4's create).
    var queryBody: EndpointQueryBody?
    /// Success and domain-specific answers; `EndpointTable` adds those every endpoint can give
    /// (400 for a query parameter, 401/403 for keys, 406, 415, 503…).
    var responses: [EndpointResponse]
    /// The shape of this endpoint's errors: OGC API's `{"code", "description"}`, or Open311
    /// GeoReport v2's list of `{code, description}` in the format the path names.
    var errorFormat: ErrorFormat = .ogc
    var handler: Handler
    var inline: InlineHandler?

    enum ErrorFormat: Sendable { case ogc, open311 }

    enum Access: Sendable, Equatable {
        case everyone
        /// `Authorization: Bearer KEY` of this role or higher (RFC 6750 §2.1).
        case role(KeyRole)
    }

    /// The query parameters taken with either body: the endpoint's own and its query body's, each
    /// name once. Both are validated against the union, so a parameter `/api` lists is never
    /// refused for the body it does not apply to (it is then unused).
    var allParameters: [EndpointParameter] {
        guard let queryBody else { return parameters }
        let names = Set(parameters.map(\.name))
        return parameters + queryBody.parameters.filter { !names.contains($0.name) }
    }

    /// `collections/:collectionId/items`, the form Hummingbird's router takes.
    var routerPath: String { Self.routerPath(of: path) }

    static func routerPath(of path: String) -> String {
        let segments = path.split(separator: "/").map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }
        return segments.isEmpty ? "/" : segments.joined(separator: "/")
    }

    /// True when `segments` (a request path split at `/`, empty segments dropped as the router
    /// does) is an instance of this endpoint's template.
    func matches(pathSegments segments: [Substring]) -> Bool {
        let template = path.split(separator: "/")
        guard template.count == segments.count else { return false }
        return zip(template, segments).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern == segment }
    }
}

/// What an endpoint's handler is given besides the request: its query, validated against the
/// declaration, and the key holder when the endpoint needs a role.
struct EndpointInput: Sendable {
    var query: QueryReader
    var keyHolder: APIKeys.Holder?
}

/// A query, path or header parameter as declared (OpenAPI 3.0 §4.7.12); `QueryReader` validates
/// the query's, the handler reads a header's (`If-Match`: OGCEdits.swift).
struct EndpointParameter: Sendable {
    enum Location: String, Sendable { case query, path, header }

    /// The value's type and bounds: what `/api` says and what a request is held to.
    enum Value: Sendable {
        /// Free text of at least `minLength` characters.
        case text(minLength: Int = 1, maxLength: Int? = nil)
        /// A whole number; `maximum` nil with `clampsAbove` for OGC `limit` (larger values are reduced).
        case integer(minimum: Int, maximum: Int?)
        /// A finite decimal number within the bounds (`exclusiveMinimum`: strictly above `minimum`).
        case number(minimum: Double, maximum: Double?, exclusiveMinimum: Bool = false)
        /// One of these values, exactly (an OpenAPI `enum`).
        case oneOf([String])
        /// Comma-separated values, each one of these (an array, `style: form`, `explode: false`).
        case listOf([String])
        /// `minLon,minLat,maxLon,maxLat` (and with heights, 6 numbers, when allowed).
        case boundingBox(allowsHeights: Bool)
        /// An RFC 3339 §5.6 date-time.
        case dateTime
        /// OGC 17-069r4 §7.15.4: a date-time or an interval `start/end` (`..` or empty for an open end).
        case dateTimeOrInterval
        /// OGC 18-058r1: a CRS we serve. `/api` lists the OGC URIs; the short (`EPSG:3857`) and
        /// URN forms that clients send are understood as well.
        case crs
    }

    var name: String
    var location: Location = .query
    var value: Value
    var isRequired = false
    var description: String
    /// Shown as the schema's `default`.
    var defaultValue: JSONValue?
    /// A regular expression the value matches (a header's syntax), shown as the schema's `pattern`.
    var pattern: String?

    static func query(
        _ name: String, _ value: Value, _ description: String, required: Bool = false, default defaultValue: JSONValue? = nil
    ) -> EndpointParameter {
        EndpointParameter(name: name, value: value, isRequired: required, description: description, defaultValue: defaultValue)
    }

    /// This parameter, required.
    var required: EndpointParameter {
        var copy = self
        copy.isRequired = true
        return copy
    }

    static func path(_ name: String, _ description: String) -> EndpointParameter {
        EndpointParameter(name: name, location: .path, value: .text(), isRequired: true, description: description)
    }

    /// A request header the endpoint reads (OpenAPI `in: header`).
    static func header(_ name: String, _ description: String, required: Bool) -> EndpointParameter {
        EndpointParameter(name: name, location: .header, value: .text(), isRequired: required, description: description)
    }

    /// `lang=fa|en` (Persian the default): every endpoint takes it.
    static let lang = query("lang", .oneOf(Language.allCases.map(\.rawValue)), "Language of texts: fa (default) or en; else Accept-Language")
    /// `f=json|html` on the resources that have an HTML view (OGC 17-069r4 §7.8).
    static let format = query("f", .oneOf(OGCFormat.names), "Representation: json or html (else the Accept header)")
}

/// A JSON request body: its JSON Schema, which the handler's `JSONBody` reading enforces.
struct EndpointBody: Sendable {
    var schema: JSONObject
    /// An example the API definition shows (and clients such as schemathesis start from).
    var example: JSONValue?
    /// The media types the body may come in (the first is the one documents lead with).
    var mediaTypes: [String] = [MediaType.json]
    /// The largest body taken (413 beyond it); the handler reads the body with this limit.
    var maxBytes: Int = EndpointBody.defaultMaxBytes
    /// A media type whose body has another shape than `schema` (a form's fields and files).
    var schemasByMediaType: [String: JSONObject] = [:]

    static let defaultMaxBytes = 64 * 1024
}

/// A request body that asks rather than changes, chosen by its media type on an endpoint whose
/// other body changes: it needs no key, and has its own parameters, answers and handler. OGC
/// 19-079r2 Part 3 leaves a POSTed filter to the API; pygeoapi takes `POST …/items` with
/// `Content-Type: application/query-cql-json`, so a district's outline need not fit in a URL.
struct EndpointQueryBody: Sendable {
    var mediaType: String
    var schema: JSONObject
    var example: JSONValue?
    var maxBytes: Int
    var parameters: [EndpointParameter]
    var responses: [EndpointResponse]
    var handler: Endpoint.Handler

    /// Whether `request` comes with this body (its `Content-Type`, parameters aside).
    func isChosen(by request: Request) -> Bool {
        JSONBody.mediaType(of: request) == mediaType
    }
}

/// One response of an endpoint: status, media types and, for errors, the error body.
struct EndpointResponse: Sendable {
    var status: Int
    var description: String
    /// Empty: no content (204, 304).
    var mediaTypes: [String]
    var headers: [String: String] = [:]
    /// OpenAPI links (§4.7.20) from this response to other operations: name → (operationId, parameter → expression).
    var links: [(name: String, operationID: String, parameters: [String: String])] = []

    static func ok(_ mediaTypes: String..., description: String = "Success") -> EndpointResponse {
        EndpointResponse(status: 200, description: description, mediaTypes: mediaTypes)
    }

    static func error(_ status: Int, _ description: String) -> EndpointResponse {
        EndpointResponse(status: status, description: description, mediaTypes: [MediaType.json])
    }
}

/// The media types the API answers with.
enum MediaType {
    static let json = "application/json"
    static let geoJSON = "application/geo+json"
    /// A CQL2-JSON filter as a request body (OGC 21-065 Annex; the type pygeoapi takes).
    static let queryCQLJSON = "application/query-cql-json"
    /// RFC 7396, PATCH bodies of OGC API – Features Part 4.
    static let mergePatch = "application/merge-patch+json"
    static let html = "text/html"
    static let schemaJSON = "application/schema+json"
    static let openAPI = "application/vnd.oai.openapi+json;version=3.0"
    /// RFC 7578: a form with files (a report with photos).
    static let multipartForm = "multipart/form-data"
    /// WHATWG URL §5: a form without files (Open311 GeoReport v2 POSTs).
    static let urlEncodedForm = "application/x-www-form-urlencoded"
    static let xml = "text/xml"
}
