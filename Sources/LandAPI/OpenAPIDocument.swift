import GeoFormats
import HTTPTypes
import LandModel
import LandService

/// The OpenAPI 3.0 definition served at `/api` (OGC 17-069r4 §7.3 and §7.11 `/req/oas30/*`),
/// written from the endpoint table: every endpoint, parameter (with its type, bounds, enum and
/// default), request body and response the server has, and nothing it has not. To document an
/// endpoint, declare it (`Endpoint`): there is nothing to add here.
struct OpenAPIDocument: Sendable {
    var table: EndpointTable
    var serverURL: String

    /// OpenAPI 3.0.3 JSON: `paths` grouped by path, one operation per method.
    func json() -> [UInt8] {
        var json = JSONWriter(reservingCapacity: 64 * 1024)
        json.beginObject()
        json.key("openapi")
        json.string("3.0.3")
        json.key("info")
        json.object([
            "title": "Zamin", "version": "1.0.0",
            "description": "Land and property information: OGC API – Features (Parts 1, 2 and 3 queryables) and citizen and planner services.",
            "license": .object(["name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"]),
        ])
        json.key("servers")
        json.value(.array([.object(["url": .string(serverURL)])]))
        json.key("paths")
        json.beginObject()
        for (path, _) in table.methodsByPath {
            json.key(path)
            json.beginObject()
            for endpoint in table.endpoints where endpoint.path == path {
                json.key(endpoint.method.rawValue.lowercased())
                json.object(operation(endpoint))
            }
            json.endObject()
        }
        json.endObject()
        json.key("components")
        json.object([
            "securitySchemes": .object([
                // RFC 6750 §2.1: `Authorization: Bearer KEY`, keys made with `zamin keys create`.
                "apiKey": .object(["type": "http", "scheme": "bearer", "description": "A key of the role the operation names (zamin keys create)"])
            ]),
            "schemas": .object(["Error": Self.errorSchema, "Open311Errors": Self.open311ErrorsSchema]),
        ])
        json.endObject()
        return json.bytes
    }

    /// The operation id of an endpoint: method and path words (`getRequestsRequest`).
    static func operationID(_ endpoint: Endpoint) -> String {
        let words = endpoint.path.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        return endpoint.method.rawValue.lowercased() + words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    private func operation(_ endpoint: Endpoint) -> JSONObject {
        var operation: JSONObject = [
            "operationId": .string(Self.operationID(endpoint)),
            "summary": .string(endpoint.summary),
            "tags": .array([.string(endpoint.tag)]),
            "parameters": .array(endpoint.allParameters.map(Self.parameter)),
        ]
        if case .role(let role) = endpoint.access {
            if let ask = endpoint.queryBody {
                // The key is optional: a query body needs none (OpenAPI 3.0 §4.7.10.19, `{}`).
                operation["security"] = .array([.object([:]), .object(["apiKey": .array([])])])
                operation["description"] = .string(
                    "Needs an API key of role \(role.rawValue) or higher, except with a \(ask.mediaType) body, which asks "
                        + "and needs no key (the query parameters other than lang apply to that body only).")
            } else {
                operation["security"] = .array([.object(["apiKey": .array([])])])
                operation["description"] = .string("Needs an API key of role \(role.rawValue) or higher.")
            }
        }
        if let body = endpoint.body {
            var media: JSONObject = ["schema": .object(body.schema)]
            if let example = body.example { media["example"] = example }
            var content = JSONObject(
                body.mediaTypes.map { type in
                    guard let own = body.schemasByMediaType[type] else { return JSONMember(key: type, value: .object(media)) }
                    return JSONMember(key: type, value: .object(["schema": .object(own)]))
                })
            if let ask = endpoint.queryBody {
                var asked: JSONObject = ["schema": .object(ask.schema)]
                if let example = ask.example { asked["example"] = example }
                content[ask.mediaType] = .object(asked)
            }
            operation["requestBody"] = .object(["required": true, "content": .object(content)])
        }
        var responses = JSONObject()
        for response in table.responses(of: endpoint) {
            responses[String(response.status)] = .object(Self.response(response, errorFormat: endpoint.errorFormat))
        }
        operation["responses"] = .object(responses)
        return operation
    }

    private static func response(_ response: EndpointResponse, errorFormat: Endpoint.ErrorFormat) -> JSONObject {
        var object: JSONObject = ["description": .string(response.description)]
        if !response.mediaTypes.isEmpty {
            var content = JSONObject()
            for type in response.mediaTypes {
                guard response.status >= 400 else {
                    content[type] = .object([:])
                    continue
                }
                switch (errorFormat, type) {
                case (.ogc, _): content[type] = .object(["schema": .object(["$ref": "#/components/schemas/Error"])])
                case (.open311, MediaType.json): content[type] = .object(["schema": .object(["$ref": "#/components/schemas/Open311Errors"])])
                case (.open311, _): content[type] = .object(["schema": .object(["type": "string", "description": "<errors><error><code/><description/></error></errors>"])])
                }
            }
            object["content"] = .object(content)
        }
        if !response.headers.isEmpty {
            var headers = JSONObject()
            for (name, description) in response.headers.sorted(by: { $0.key < $1.key }) {
                headers[name] = .object(["description": .string(description), "schema": .object(["type": "string"])])
            }
            object["headers"] = .object(headers)
        }
        if !response.links.isEmpty {
            var links = JSONObject()
            for link in response.links {
                var parameters = JSONObject()
                for (name, expression) in link.parameters.sorted(by: { $0.key < $1.key }) { parameters[name] = .string(expression) }
                links[link.name] = .object(["operationId": .string(link.operationID), "parameters": .object(parameters)])
            }
            object["links"] = .object(links)
        }
        return object
    }

    private static func parameter(_ parameter: EndpointParameter) -> JSONValue {
        var object: JSONObject = [
            "name": .string(parameter.name), "in": .string(parameter.location.rawValue),
            "required": .bool(parameter.isRequired), "description": .string(parameter.description),
        ]
        var schema: JSONObject
        switch parameter.value {
        case .text(let minLength, let maxLength):
            schema = ["type": "string", "minLength": .number(Double(minLength))]
            if let maxLength { schema["maxLength"] = .number(Double(maxLength)) }
        case .integer(let minimum, let maximum):
            schema = ["type": "integer"]
            if minimum == Int.min, maximum == Int.max {
                schema["format"] = "int64"
            } else {
                schema["minimum"] = .number(Double(minimum))
                if let maximum { schema["maximum"] = .number(Double(maximum)) }
            }
        case .number(let minimum, let maximum, let exclusiveMinimum):
            schema = ["type": "number", "minimum": .number(minimum)]
            if exclusiveMinimum { schema["exclusiveMinimum"] = true }
            if let maximum { schema["maximum"] = .number(maximum) }
        case .oneOf(let values):
            schema = ["type": "string", "enum": .array(values.map(JSONValue.string))]
        case .listOf(let values):
            // OGC 17-069r4's style for lists: comma-separated (form, not exploded).
            schema = ["type": "array", "minItems": 1, "items": .object(["type": "string", "enum": .array(values.map(JSONValue.string))])]
            object["style"] = "form"
            object["explode"] = false
        case .boundingBox(let allowsHeights):
            // OGC 17-069r4 §7.15.3, as its `parameters/bbox.yaml`: 4 numbers, or 6 with heights.
            let corners: (Int) -> JSONValue = { count in
                .object(["minItems": .number(Double(count)), "maxItems": .number(Double(count))])
            }
            schema = ["type": "array", "items": .object(["type": "number"])]
            if allowsHeights {
                schema["oneOf"] = .array([corners(4), corners(6)])
            } else {
                schema["minItems"] = 4
                schema["maxItems"] = 4
            }
            object["style"] = "form"
            object["explode"] = false
        case .dateTime:
            schema = ["type": "string", "format": "date-time"]
        case .dateTimeOrInterval:
            schema = ["type": "string", "minLength": 1]
        case .crs:
            schema = ["type": "string", "format": "uri", "enum": .array(FeatureCRS.all.map { .string($0.uri) })]
        }
        if let defaultValue = parameter.defaultValue { schema["default"] = defaultValue }
        if let pattern = parameter.pattern { schema["pattern"] = .string(pattern) }
        object["schema"] = .object(schema)
        return .object(object)
    }

    /// OGC 17-069r4 §7.5.1's exception shape, with the parameter at fault when there is one.
    /// GeoReport v2's error document: a list of `{code, description}`, `code` the HTTP status.
    static let open311ErrorsSchema: JSONValue = .object([
        "type": "array",
        "items": .object([
            "type": "object", "required": ["code", "description"],
            "properties": .object([
                "code": .object(["type": "integer", "description": "The HTTP status"]),
                "description": .object(["type": "string", "description": "What was wrong, in the request's language"]),
            ]),
        ]),
    ])

    static let errorSchema: JSONValue = .object([
        "type": "object", "required": ["code", "description"],
        "properties": .object([
            "code": .object(["type": "string", "description": "OGC exception code (InvalidParameterValue, NotFound, …)"]),
            "description": .object(["type": "string", "description": "What was wrong, in the request's language"]),
            "parameter": .object(["type": "string", "description": "The query parameter or body field at fault"]),
        ]),
    ])
}
