import GeoFormats
import LandService

/// The OpenAPI 3.0 definition served at `/api` (OGC 17-069r4 §7.3 and §7.11 `/req/oas30/*`):
/// every endpoint and every query parameter, so a client (and OGC's test suite) can tell an
/// unknown parameter from a known one (`/req/core/query-param-unknown`).
///
/// To document a new endpoint, add one `OpenAPIOperation` to `zamin(serverURL:)`:
///
///     OpenAPIOperation(.get, "/stats/land-use", tag: "planners", summary: "Count and area per current use",
///                      parameters: [.query("zone", .string, "Zone code"), .bbox], responseType: "application/json")
struct OpenAPIDocument: Sendable {
    var title: String
    var version: String
    var serverURL: String
    var paths: [OpenAPIOperation]

    static func zamin(serverURL: String) -> OpenAPIDocument {
        var operations: [OpenAPIOperation] = [
            OpenAPIOperation(.get, "/", tag: "ogc", summary: "Landing page", parameters: [.format, .lang], responseType: "application/json"),
            OpenAPIOperation(
                .get, "/conformance", tag: "ogc", summary: "Conformance classes", parameters: [.format, .lang],
                responseType: "application/json"),
            OpenAPIOperation(
                .get, "/api", tag: "ogc", summary: "This API definition", parameters: [.format, .lang],
                responseType: "application/vnd.oai.openapi+json;version=3.0"),
            OpenAPIOperation(
                .get, "/collections", tag: "ogc", summary: "Feature collections", parameters: [.format, .lang],
                responseType: "application/json"),
        ]
        for collection in FeatureCollectionID.allCases {
            let base = "/collections/\(collection.rawValue)"
            let filters = collection.queryables.map { property in
                OpenAPIParameter.query(
                    property.rawValue, property.valueType == .integer ? .integer : .string,
                    "Only features whose \(property.rawValue) equals this value")
            }
            operations += [
                OpenAPIOperation(
                    .get, base, tag: "ogc", summary: "The \(collection.rawValue) collection", parameters: [.format, .lang],
                    responseType: "application/json"),
                OpenAPIOperation(
                    .get, base + "/items", tag: "ogc", summary: "Features of \(collection.rawValue)",
                    parameters: [.format, .lang, .bbox, .bboxCRS, .crs, .limit, .offset, .datetime] + filters,
                    responseType: "application/geo+json"),
                OpenAPIOperation(
                    .get, base + "/items/{featureId}", tag: "ogc", summary: "One feature of \(collection.rawValue)",
                    parameters: [.path("featureId", "The dataset id of the feature"), .format, .lang, .crs, .datetime],
                    responseType: "application/geo+json"),
                OpenAPIOperation(
                    .get, base + "/queryables", tag: "ogc", summary: "Queryable properties of \(collection.rawValue)",
                    parameters: [.format, .lang], responseType: "application/schema+json"),
            ]
        }
        // Domain endpoints (citizens, planners, operations). Add a new endpoint here as one block.
        operations += [
            OpenAPIOperation(.get, "/health", tag: "operations", summary: "Liveness and layer sizes", parameters: [], responseType: "application/json"),
            OpenAPIOperation(
                .get, "/lookup", tag: "citizens", summary: "The parcel at a point (or by id), its zone and rules",
                parameters: [
                    .query("lon", .number, "Longitude, WGS 84"), .query("lat", .number, "Latitude, WGS 84"),
                    .query("parcel", .string, "Parcel id instead of a point"),
                    .query("datetime", .string, "RFC 3339 date-time: the plot as the city was then"), .lang,
                ], responseType: "application/geo+json"),
            OpenAPIOperation(
                .get, "/nearest", tag: "citizens", summary: "The k nearest facilities with geodesic distances",
                parameters: [
                    .query("lon", .number, "Longitude, WGS 84"), .query("lat", .number, "Latitude, WGS 84"),
                    .query("k", .integer, "How many facilities"), .query("category", .string, "Comma-separated categories"),
                    .query("max_distance_m", .number, "Maximum distance in metres"), .lang,
                ], responseType: "application/geo+json"),
            OpenAPIOperation(
                .get, "/zoning-check", tag: "citizens", summary: "May this use and height be built on the parcel",
                parameters: [
                    .query("parcel", .string, "Parcel id"), .query("use", .string, "Proposed land use"),
                    .query("floors", .integer, "Proposed floors"), .query("coverage_pct", .number, "Proposed ground coverage in percent"),
                    .lang,
                ], responseType: "application/json"),
            OpenAPIOperation(
                .get, "/search", tag: "citizens", summary: "Facilities by name (Persian or English)",
                parameters: [
                    .query("q", .string, "Search text"), .query("category", .string, "Facility category"),
                    .query("use", .string, "Parcels of this land use (with bbox)"), .query("zone", .string, "Parcels of this zone code (with bbox)"),
                    .query("bbox", .string, "minLon,minLat,maxLon,maxLat"), .query("limit", .integer, "Maximum results"), .lang,
                ], responseType: "application/json"),
            OpenAPIOperation(.post, "/requests", tag: "citizens", summary: "File a land-use change or permit request", parameters: [.lang], responseType: "application/json"),
            OpenAPIOperation(
                .get, "/requests", tag: "planners", summary: "The request queue",
                parameters: [.query("status", .string, "Request status"), .query("bbox", .string, "minLon,minLat,maxLon,maxLat"), .query("zone", .string, "Zone code"), .lang],
                responseType: "application/json"),
            OpenAPIOperation(
                .get, "/requests/{trackingCode}", tag: "citizens", summary: "Status and decision of a request",
                parameters: [.path("trackingCode", "The tracking code given when the request was filed"), .lang], responseType: "application/json"),
            OpenAPIOperation(
                .post, "/requests/{id}/decision", tag: "planners", summary: "Review, approve or reject a request",
                parameters: [.path("id", "Request id"), .lang], responseType: "application/json"),
            OpenAPIOperation(
                .get, "/stats/land-use", tag: "planners", summary: "Count and area per current use",
                parameters: [.query("zone", .string, "Zone code"), .query("bbox", .string, "minLon,minLat,maxLon,maxLat"), .query("datetime", .string, "RFC 3339 instant: statistics as the city was then"), .lang], responseType: "application/json"),
            OpenAPIOperation(
                .get, "/stats/non-conforming", tag: "planners", summary: "Parcels whose use the zone does not allow",
                parameters: [.query("zone", .string, "Zone code"), .query("bbox", .string, "minLon,minLat,maxLon,maxLat"), .query("datetime", .string, "RFC 3339 instant: statistics as the city was then"), .lang], responseType: "application/json"),
            OpenAPIOperation(
                .get, "/changes", tag: "planners", summary: "Changes in an area and period, before and after",
                parameters: [
                    .query("bbox", .string, "minLon,minLat,maxLon,maxLat"), .query("from", .string, "RFC 3339 start"),
                    .query("to", .string, "RFC 3339 end"), .lang,
                ], responseType: "application/json"),
            OpenAPIOperation(
                .post, "/zones/{zoneId}/rezone", tag: "planners",
                summary: "Give a zone another code of the zoning rules catalogue (planners, admins); its parcels follow",
                parameters: [.path("zoneId", "The dataset id of the zone"), .lang], responseType: "application/json",
                requestSchema: [
                    "type": .string("object"), "required": .array([.string("code"), .string("reason")]),
                    "additionalProperties": .bool(false),
                    "properties": .object([
                        "code": .object(["type": .string("string"), "description": .string("A zone code with rules in the catalogue")]),
                        "reason": .object([
                            "type": .string("string"), "maxLength": .number(2000), "description": .string("Why (e.g. the resolution)"),
                        ]),
                    ]),
                ],
                errors: [("401", "No valid API key"), ("403", "The key's role may not do this"), ("409", "The zone already has this code")]),
            OpenAPIOperation(
                .get, "/audit", tag: "operations", summary: "Audit log (administrators)",
                parameters: [.query("from", .string, "RFC 3339 start"), .query("to", .string, "RFC 3339 end"), .query("limit", .integer, "Maximum records"), .lang],
                responseType: "application/json"),
            OpenAPIOperation(.get, "/ui/strings", tag: "web map", summary: "The web map's texts and vocabularies", parameters: [.lang], responseType: "application/json"),
        ]
        return OpenAPIDocument(title: "Zamin", version: "1.0.0", serverURL: serverURL, paths: operations)
    }

    /// OpenAPI 3.0.3 JSON: `paths` grouped by path, one operation per method.
    func json() -> [UInt8] {
        var json = JSONWriter(reservingCapacity: 32 * 1024)
        json.beginObject()
        json.key("openapi")
        json.string("3.0.3")
        json.key("info")
        json.beginObject()
        json.key("title")
        json.string(title)
        json.key("version")
        json.string(version)
        json.key("description")
        json.string("Land and property information: OGC API – Features (Parts 1, 2 and 3 queryables) and citizen and planner services.")
        json.key("license")
        json.beginObject()
        json.key("name")
        json.string("Open source")
        json.endObject()
        json.endObject()
        json.key("servers")
        json.beginArray()
        json.beginObject()
        json.key("url")
        json.string(serverURL)
        json.endObject()
        json.endArray()
        json.key("paths")
        json.beginObject()
        var seen: [String] = []
        for operation in paths where !seen.contains(operation.path) {
            seen.append(operation.path)
            json.key(operation.path)
            json.beginObject()
            for sameOperation in paths where sameOperation.path == operation.path {
                sameOperation.write(to: &json)
            }
            json.endObject()
        }
        json.endObject()
        json.endObject()
        return json.bytes
    }
}

struct OpenAPIOperation: Sendable {
    enum Method: String, Sendable { case get, post, put, delete, patch }

    var method: Method
    var path: String
    var tag: String
    var summary: String
    var parameters: [OpenAPIParameter]
    var responseType: String
    /// The JSON Schema of a JSON request body, when the operation takes one.
    var requestSchema: JSONObject?
    /// Error statuses besides 400, 404 and 500, with their descriptions.
    var errors: [(status: String, description: String)]

    init(
        _ method: Method, _ path: String, tag: String, summary: String, parameters: [OpenAPIParameter], responseType: String,
        requestSchema: JSONObject? = nil, errors: [(status: String, description: String)] = []
    ) {
        self.method = method
        self.path = path
        self.tag = tag
        self.summary = summary
        self.parameters = parameters
        self.responseType = responseType
        self.requestSchema = requestSchema
        self.errors = errors
    }

    var operationID: String {
        let words = path.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        return method.rawValue + words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    func write(to json: inout JSONWriter) {
        json.key(method.rawValue)
        json.beginObject()
        json.key("operationId")
        json.string(operationID)
        json.key("summary")
        json.string(summary)
        json.key("tags")
        json.beginArray()
        json.string(tag)
        json.endArray()
        json.key("parameters")
        json.beginArray()
        for parameter in parameters { parameter.write(to: &json) }
        json.endArray()
        if let requestSchema {
            json.key("requestBody")
            json.beginObject()
            json.key("required")
            json.bool(true)
            json.key("content")
            json.beginObject()
            json.key("application/json")
            json.beginObject()
            json.key("schema")
            json.object(requestSchema)
            json.endObject()
            json.endObject()
            json.endObject()
        }
        json.key("responses")
        json.beginObject()
        var responses = [("200", "Success", responseType), ("400", "Invalid parameter", "application/json"), ("404", "Not found", "application/json")]
        responses += errors.map { ($0.status, $0.description, "application/json") }
        responses.append(("500", "Server error", "application/json"))
        for (status, description, type) in responses {
            json.key(status)
            json.beginObject()
            json.key("description")
            json.string(description)
            json.key("content")
            json.beginObject()
            json.key(type)
            json.beginObject()
            json.endObject()
            json.endObject()
            json.endObject()
        }
        json.endObject()
        json.endObject()
    }
}

struct OpenAPIParameter: Sendable {
    enum Location: String, Sendable { case query, path }
    enum ValueType: String, Sendable { case string, integer, number }

    var name: String
    var location: Location
    var required: Bool
    var description: String
    /// The schema, written as given (JSON).
    var schema: JSONObject
    var style: String?
    var explode: Bool?

    static func query(_ name: String, _ type: ValueType, _ description: String) -> OpenAPIParameter {
        OpenAPIParameter(name: name, location: .query, required: false, description: description, schema: ["type": .string(type.rawValue)])
    }

    static func path(_ name: String, _ description: String) -> OpenAPIParameter {
        OpenAPIParameter(name: name, location: .path, required: true, description: description, schema: ["type": .string("string")])
    }

    static let format = OpenAPIParameter(
        name: "f", location: .query, required: false, description: "Representation: json or html (else the Accept header)",
        schema: ["type": .string("string"), "enum": .array([.string("json"), .string("html")])])
    static let lang = OpenAPIParameter(
        name: "lang", location: .query, required: false, description: "Language of texts: fa (default) or en",
        schema: ["type": .string("string"), "enum": .array([.string("fa"), .string("en")])])
    /// OGC 17-069r4 §7.15.3, as in its `parameters/bbox.yaml`.
    static let bbox = OpenAPIParameter(
        name: "bbox", location: .query, required: false,
        description: "Lower and upper corner (4 numbers, or 6 with heights) in bbox-crs, CRS84 by default",
        schema: [
            "type": .string("array"), "minItems": .number(4), "maxItems": .number(6),
            "items": .object(["type": .string("number")]),
        ], style: "form", explode: false)
    static let bboxCRS = OpenAPIParameter(
        name: "bbox-crs", location: .query, required: false, description: "CRS of bbox (OGC 18-058r1)",
        schema: ["type": .string("string"), "format": .string("uri"), "enum": .array(FeatureCRS.all.map { .string($0.uri) })])
    static let crs = OpenAPIParameter(
        name: "crs", location: .query, required: false, description: "CRS of the response geometry (OGC 18-058r1)",
        schema: ["type": .string("string"), "format": .string("uri"), "enum": .array(FeatureCRS.all.map { .string($0.uri) })])
    /// OGC 17-069r4 §7.15.2, as in its `parameters/limit.yaml`.
    static let limit = OpenAPIParameter(
        name: "limit", location: .query, required: false, description: "Page size; larger values are reduced to the maximum",
        schema: ["type": .string("integer"), "minimum": .number(1), "maximum": .number(10_000), "default": .number(10)],
        style: "form", explode: false)
    static let offset = OpenAPIParameter(
        name: "offset", location: .query, required: false, description: "Index of the first feature of the page",
        schema: ["type": .string("integer"), "minimum": .number(0), "default": .number(0)])
    static let datetime = OpenAPIParameter(
        name: "datetime", location: .query, required: false,
        description:
            "RFC 3339 date-time (the features as they were then) or interval start/end ('..' or empty for an open end): "
            + "features with a version valid within it, each in its latest such version, with valid_from and valid_to. A bare date is a 400.",
        schema: ["type": .string("string")], style: "form", explode: false)

    init(
        name: String, location: Location, required: Bool, description: String, schema: JSONObject, style: String? = nil,
        explode: Bool? = nil
    ) {
        self.name = name
        self.location = location
        self.required = required
        self.description = description
        self.schema = schema
        self.style = style
        self.explode = explode
    }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("name")
        json.string(name)
        json.key("in")
        json.string(location.rawValue)
        json.key("required")
        json.bool(required)
        json.key("description")
        json.string(description)
        json.key("schema")
        json.object(schema)
        if let style {
            json.key("style")
            json.string(style)
        }
        if let explode {
            json.key("explode")
            json.bool(explode)
        }
        json.endObject()
    }
}
