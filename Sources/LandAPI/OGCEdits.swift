import GeoCore
import GeoFormats
import Hummingbird
import LandModel
import LandService

/// OGC API – Features Part 4 (OGC 20-002, Create, Replace, Update and Delete; draft) on the
/// parcels, zones and facilities collections, for planner and admin keys:
/// - `POST …/items` with a GeoJSON Feature → 201, `Location` and the feature as stored; its id is
///   the body's (`id` member or `properties.id`), else the next of the dataset's scheme;
/// - `PUT …/items/{featureId}` → 200 and the feature; `PATCH` with an RFC 7396 merge patch of the
///   feature as GET answers it (`null` removes an optional property; the id cannot change);
///   `DELETE` → 204. Each requires `If-Match` with the ETag of the version the client read (428
///   without it, 412 when the feature changed since: RFC 9110 §13.1.1, checked inside the write's
///   transaction); `OPTIONS` lists the methods (EndpointTable).
/// A body is read and checked as the importer checks a file's features; a parcel may not overlap
/// another by more than 0.5 m² (409 naming them). The answer's `ETag` is the new version's.
extension OGCController {
    static let part4ConformanceClasses = [
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    ]

    func editEndpoints(_ collection: FeatureCollectionID) -> [Endpoint] {
        let base = "/collections/\(collection.rawValue)"
        let item = base + "/items/{featureId}"
        let featureID = EndpointParameter.path("featureId", "The dataset id of the feature")
        // Required by the server (428 without it, RFC 6585 §3), so declared required.
        var ifMatchHeader = EndpointParameter.header(
            "If-Match", "The ETag of the version you read (any of its representations), or *", required: true)
        // RFC 9110 §13.1.1: "*" or a list of entity tags, weak ones never matching.
        ifMatchHeader.pattern = #"^(\*|[ \t]*(W/)?"[\u0021\u0023-\u007e]*"([ \t]*,[ \t]*(W/)?"[\u0021\u0023-\u007e]*")*[ \t]*)$"#
        let ifMatch = EndpointResponse.error(428, "No If-Match: send the ETag of the version you read")
        let stale = EndpointResponse.error(412, "If-Match does not name the current version: read the feature again")
        let feature = EndpointBody(
            schema: Self.featureSchema(collection), example: nil, mediaTypes: [MediaType.geoJSON, MediaType.json],
            maxBytes: Self.bodyLimit)
        let conflict = EndpointResponse.error(409, collection == .parcels ? "The id is taken, or the parcel would overlap others by more than 0.5 m²" : "The id is taken")
        let changeConflict = EndpointResponse.error(
            409, collection == .parcels
                ? "The parcel would overlap others by more than 0.5 m², or an open request is about it and the outline would change"
                : "The id is taken")
        return [
            Endpoint(
                method: .post, path: base + "/items", summary: "Add a feature to \(collection.rawValue) (planners, admins)", tag: "ogc",
                access: .role(.planner), parameters: [.lang], body: feature,
                queryBody: EndpointQueryBody(
                    mediaType: MediaType.queryCQLJSON,
                    // OGC 21-065 Annex B (cql2.json): a filter is an expression object or a literal boolean.
                    schema: ["oneOf": .array([.object(["type": "object"]), .object(["type": "boolean"])])],
                    example: .object(["op": "=", "args": .array([.object(["property": "id"]), .string(collection == .parcels ? "P-000001" : "x")])]),
                    maxBytes: FilterParameter.maximumBodyBytes,
                    parameters: OGCController.itemsQueryParameters(collection).filter { $0.name != "filter" && $0.name != "filter-lang" },
                    responses: [Self.success(MediaType.geoJSON)],
                    handler: { request, context, input in
                        let bytes = try await JSONBody.bytes(request, limitBytes: FilterParameter.maximumBodyBytes)
                        return try await items(collection, request, context, input.query, filterBody: String(decoding: bytes, as: UTF8.self))
                    }),
                responses: [
                    EndpointResponse(
                        status: 201, description: "Created; Location names the new feature", mediaTypes: [MediaType.geoJSON],
                        headers: ["Location": "The new feature's URI", "ETag": "The new version's entity tag"]),
                    conflict,
                ],
                handler: { request, context, input in try await create(collection, request, context, holder: input.keyHolder!) }),
            Endpoint(
                method: .put, path: item, summary: "Replace a feature of \(collection.rawValue) (planners, admins)", tag: "ogc",
                access: .role(.planner), parameters: [featureID, ifMatchHeader, .lang], body: feature,
                responses: [
                    EndpointResponse(status: 200, description: "Replaced", mediaTypes: [MediaType.geoJSON], headers: ["ETag": "The new version's entity tag"]),
                    .error(404, "No feature with that id"), changeConflict, stale, ifMatch,
                ],
                handler: { request, context, input in try await replace(collection, request, context, holder: input.keyHolder!) }),
            Endpoint(
                method: .patch, path: item, summary: "Change some values of a feature of \(collection.rawValue) (planners, admins)", tag: "ogc",
                access: .role(.planner), parameters: [featureID, ifMatchHeader, .lang],
                body: EndpointBody(schema: ["type": "object"], example: nil, mediaTypes: [MediaType.mergePatch], maxBytes: Self.bodyLimit),
                responses: [
                    EndpointResponse(status: 200, description: "Changed", mediaTypes: [MediaType.geoJSON], headers: ["ETag": "The new version's entity tag"]),
                    .error(404, "No feature with that id"), changeConflict, stale, ifMatch,
                ],
                handler: { request, context, input in try await patch(collection, request, context, holder: input.keyHolder!) }),
            Endpoint(
                method: .delete, path: item, summary: "Remove a feature of \(collection.rawValue) (planners, admins)", tag: "ogc",
                access: .role(.planner), parameters: [featureID, ifMatchHeader, .lang],
                responses: [
                    EndpointResponse(status: 204, description: "Removed (its versions stay in the history)", mediaTypes: []),
                    .error(404, "No feature with that id"), stale, ifMatch,
                ] + (collection == .parcels ? [.error(409, "An open request is about the parcel: decide it first")] : []),
                handler: { request, context, input in try await delete(collection, request, context, holder: input.keyHolder!) }),
        ]
    }

    // MARK: - handlers

    func create(_ collection: FeatureCollectionID, _ request: Request, _ context: ZaminRequestContext, holder: APIKeys.Holder) async throws -> Response {
        let body = try await Self.body(request)
        let edited: FeatureEdited
        do { edited = try await services.createFeature(collection.layer, body: body, actor: holder.name) } catch { throw APIError(error) }
        let base = origin.base(for: request, context: context)
        var response = try answer(collection, edited, status: .created)
        response.headers[.location] = "\(base)/collections/\(collection.rawValue)/items/\(QueryParameters.percentEncodedSegment(edited.id))"
        return response
    }

    func replace(_ collection: FeatureCollectionID, _ request: Request, _ context: ZaminRequestContext, holder: APIKeys.Holder) async throws -> Response {
        let id = Self.featureID(context)
        let precondition = try Self.precondition(request)
        let body = try await Self.body(request)
        let edited: FeatureEdited
        do {
            edited = try await services.replaceFeature(collection.layer, id: id, body: body, precondition: precondition, actor: holder.name)
        } catch {
            throw APIError(error)
        }
        return try answer(collection, edited, status: .ok)
    }

    /// RFC 7396 over the feature as GET answers it (CRS84), then a replace: one writer, one set of checks.
    func patch(_ collection: FeatureCollectionID, _ request: Request, _ context: ZaminRequestContext, holder: APIKeys.Holder) async throws -> Response {
        let id = Self.featureID(context)
        guard JSONBody.mediaType(of: request) == MediaType.mergePatch else {
            throw APIError(status: .unsupportedMediaType, code: "UnsupportedMediaType", message: .unsupportedPatchType)
        }
        let precondition = try Self.precondition(request)
        let patchBytes = try await Self.body(request)
        // RFC 7396 takes any JSON, but only an object can leave a Feature a Feature.
        guard case .object(let changes)? = try? JSONParser.parse(patchBytes) else {
            throw APIError(status: .badRequest, code: "InvalidParameterValue", message: .bodyNotJSONObject)
        }
        let snapshot = services.snapshots.snapshot
        guard let position = snapshot.position(of: id, in: collection) else { throw APIError.notFound(.unknownFeature) }
        // The patch applies to the stored version: its outline exactly (the answer's 7 decimals
        // would move a vertex by up to half a centimetre on every PATCH of a value, and make a
        // PATCH of floors a reshape).
        var current = try JSONParser.parse(Self.featureJSON(collection, snapshot: snapshot, position: Int(position))).objectValue ?? JSONObject()
        current["geometry"] = Self.exactGeometry(OGCFeatureWriter.geometry(snapshot: snapshot, collection: collection, position: Int(position)))
        var writer = JSONWriter()
        writer.value(Self.mergePatch(.object(current), .object(changes)))
        let edited: FeatureEdited
        do {
            // The patch applies to the version the client names: the one this server holds must be it.
            edited = try await services.replaceFeature(
                collection.layer, id: id, body: writer.bytes, precondition: precondition, actor: holder.name, action: "feature.update",
                mergedOnto: snapshot.versionTag(of: collection, at: position))
        } catch {
            throw APIError(error)
        }
        return try answer(collection, edited, status: .ok)
    }

    func delete(_ collection: FeatureCollectionID, _ request: Request, _ context: ZaminRequestContext, holder: APIKeys.Holder) async throws -> Response {
        let id = Self.featureID(context)
        let precondition = try Self.precondition(request)
        do {
            _ = try await services.deleteFeature(collection.layer, id: id, precondition: precondition, actor: holder.name)
        } catch {
            throw APIError(error)
        }
        var headers: HTTPFields = [:]
        headers[.accessControlAllowOrigin] = "*"
        return Response(status: .noContent, headers: headers)
    }

    // MARK: - pieces

    /// The feature as stored, in GeoJSON (CRS84), with its version's ETag.
    private func answer(_ collection: FeatureCollectionID, _ edited: FeatureEdited, status: HTTPResponse.Status) throws -> Response {
        guard let position = edited.snapshot.position(of: edited.id, in: collection) else { throw APIError.notFound(.unknownFeature) }
        let body = Self.featureJSON(collection, snapshot: edited.snapshot, position: Int(position))
        var headers: HTTPFields = [:]
        headers[.contentType] = MediaType.geoJSON
        headers[.eTag] = OGCResponse.featureETag(edited.snapshot.versionTag(of: collection, at: position), body: body)
        headers[.accessControlAllowOrigin] = "*"
        headers[.accessControlExposeHeaders] = "ETag, Location"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `{"type":"Feature","id":…,"properties":{…},"geometry":{…}}` as an item GET writes it, without links.
    static func featureJSON(_ collection: FeatureCollectionID, snapshot: CitySnapshot, position: Int) -> [UInt8] {
        var writer = GeoJSONWriter(decimals: FeatureCRS.crs84.fractionDigits, reservingCapacity: 2048)
        writer.beginFeature(id: OGCFeatureWriter.id(snapshot: snapshot, collection: collection, position: position))
        OGCFeatureWriter.properties(&writer.json, snapshot: snapshot, collection: collection, position: position, validity: nil)
        writer.json.endObject()
        writer.json.key("geometry")
        writer.geometry(OGCFeatureWriter.geometry(snapshot: snapshot, collection: collection, position: position))
        writer.json.endObject()
        return writer.bytes
    }

    /// A geometry as JSON with every coordinate in its shortest round-trip form: read back, the
    /// same doubles.
    static func exactGeometry(_ geometry: Geometry) -> JSONValue {
        func ring(_ ring: Ring) -> JSONValue {
            .array(stride(from: 0, to: ring.xy.count - 1, by: 2).map { .array([.number(ring.xy[$0]), .number(ring.xy[$0 + 1])]) })
        }
        func polygon(_ polygon: Polygon) -> JSONValue { .array(([polygon.exterior] + polygon.holes).map(ring)) }
        switch geometry {
        case .point(let point):
            return .object(["type": "Point", "coordinates": .array([.number(point.lon), .number(point.lat)])])
        case .polygonal(let polygonal) where polygonal.isMulti:
            return .object(["type": "MultiPolygon", "coordinates": .array(polygonal.parts.map(polygon))])
        case .polygonal(let polygonal):
            return .object(["type": "Polygon", "coordinates": polygon(polygonal.parts[0])])
        case .lineString, .multiLineString:
            return .null  // no editable layer has lines
        }
    }

    private static func featureID(_ context: ZaminRequestContext) -> String {
        QueryParameters.percentDecoded(context.parameters.get("featureId") ?? "")
    }

    /// A zone's outline can hold thousands of positions: larger than the other bodies' 64 KiB.
    static let bodyLimit = 1024 * 1024

    private static func body(_ request: Request) async throws -> [UInt8] {
        try await JSONBody.bytes(request, limitBytes: bodyLimit)
    }

    /// `If-Match` (RFC 9110 §13.1.1): `*`, or entity tags compared strongly — a weak tag never
    /// matches, and a tag is compared by the version it starts with (`OGCResponse.featureETag`),
    /// so the ETag of any representation of the version the client read (a `crs`, a language)
    /// names that version. None → 428 (RFC 6585 §3); a field that is not `*` or a list of
    /// entity tags (RFC 9110 §8.8.3) → 400 naming `If-Match`.
    static func precondition(_ request: Request) throws -> VersionPrecondition {
        let fields = request.headers[values: .ifMatch]
        guard !fields.isEmpty else {
            throw APIError(status: .preconditionRequired, code: "PreconditionRequired", message: .preconditionRequired)
        }
        if fields.count == 1, fields[0][...].trimmingSpaces == "*" { return .anyVersion }
        var tags: [VersionTag] = []
        for field in fields {
            guard let listed = Self.entityTags(field) else {
                throw APIError(status: .badRequest, code: "InvalidParameterValue", message: .invalidIfMatch, parameter: "If-Match")
            }
            for (opaque, weak) in listed where !weak {
                if let version = VersionTag(opaque.prefix { $0 != "-" }) { tags.append(version) }
            }
        }
        return .oneOf(tags)
    }

    /// RFC 9110 §8.8.3 and §5.6.1: `1#entity-tag` with optional whitespace around the commas;
    /// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E (obs-text is not
    /// taken). The opaque tags and whether each is weak; nil when the field is not such a list.
    static func entityTags(_ field: String) -> [(opaque: Substring, weak: Bool)]? {
        let text = Substring(field)
        var index = text.startIndex
        var tags: [(opaque: Substring, weak: Bool)] = []
        func skipWhitespace() { while index < text.endIndex, text[index] == " " || text[index] == "\t" { index = text.index(after: index) } }
        while true {
            skipWhitespace()
            var weak = false
            if text[index...].hasPrefix("W/") { weak = true; index = text.index(index, offsetBy: 2) }
            guard index < text.endIndex, text[index] == "\"" else { return nil }
            let start = text.index(after: index)
            var end = start
            while end < text.endIndex, text[end] != "\"" {
                guard let scalar = text[end].unicodeScalars.first, text[end].unicodeScalars.count == 1,
                    scalar.value == 0x21 || (0x23...0x7E).contains(scalar.value)
                else { return nil }
                end = text.index(after: end)
            }
            guard end < text.endIndex else { return nil }
            tags.append((text[start..<end], weak))
            index = text.index(after: end)
            skipWhitespace()
            if index == text.endIndex { return tags }
            guard text[index] == "," else { return nil }
            index = text.index(after: index)
        }
    }

    /// RFC 7396 §2: members of an object patch replace the target's, `null` removes one, anything
    /// but an object replaces the whole target.
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        var result = target.objectValue ?? JSONObject()
        for change in changes.members {
            if let index = result.members.lastIndex(where: { $0.key == change.key }) {
                if change.value.isNull {
                    result.members.remove(at: index)
                } else {
                    result.members[index].value = mergePatch(result.members[index].value, change.value)
                }
            } else if !change.value.isNull {
                result.members.append(JSONMember(key: change.key, value: mergePatch(.null, change.value)))
            }
        }
        return .object(result)
    }

    /// A GeoJSON Feature of the collection, for `/api` (the values are checked by the server as the importer checks them).
    static func featureSchema(_ collection: FeatureCollectionID) -> JSONObject {
        func property(_ type: String, nullable: Bool = true, _ extra: JSONObject = [:]) -> JSONValue {
            var schema: JSONObject = ["type": .string(type)]
            if nullable { schema["nullable"] = .bool(true) }
            for member in extra.members { schema[member.key] = member.value }
            return .object(schema)
        }
        // RFC 7946 §3.1: positions of two numbers in WGS 84 ranges; a ring of at least four
        // positions. (That a ring closes and has an area no JSON Schema says: the server does.)
        let position: JSONValue = .object([
            "type": "array", "minItems": 2, "maxItems": 2,
            "items": .object(["type": "number", "minimum": -180, "maximum": 180]),
        ])
        let ring: JSONValue = .object(["type": "array", "minItems": 4, "items": position])
        let polygon: JSONValue = .object(["type": "array", "minItems": 1, "items": ring])
        func geometryOf(_ type: String, _ coordinates: JSONValue) -> JSONValue {
            .object([
                "type": "object", "required": ["type", "coordinates"],
                "properties": .object(["type": .object(["type": "string", "enum": .array([.string(type)])]), "coordinates": coordinates]),
            ])
        }
        let geometry: JSONValue =
            collection == .facilities
            ? geometryOf("Point", position)
            : .object(["oneOf": [geometryOf("Polygon", polygon), geometryOf("MultiPolygon", .object(["type": "array", "minItems": 1, "items": polygon]))]])
        let properties: JSONObject =
            switch collection {
            case .parcels:
                [
                    "zone_code": property("string"), "current_use": property("string"),
                    "floors": property("integer", ["minimum": 0, "maximum": 999]), "address": property("string"),
                ]
            case .zones: ["code": property("string", nullable: false, ["minLength": 1]), "name_fa": property("string"), "name_en": property("string")]
            case .facilities:
                [
                    "category": property("string", nullable: false, ["minLength": 1]), "category_fa": property("string"),
                    "name_fa": property("string"), "name_en": property("string"),
                ]
            }
        return [
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": .object([
                "type": property("string", nullable: false, ["enum": ["Feature"]]),
                "id": property(
                    "string",
                    [
                        "minLength": 1, "maxLength": 100, "pattern": "^[^\\s\\u0000-\\u001f\\u007f-\\u009f]([^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f])?$",
                        "description": "Optional on POST (absent or null: the next id of the dataset's scheme); on PUT the path's",
                    ]),
                "geometry": geometry,
                "properties": .object(["type": "object", "properties": .object(properties)]),
            ]),
        ]
    }
}

extension FeatureCollectionID {
    var layer: VersionedLayer {
        switch self {
        case .parcels: .parcel
        case .zones: .zone
        case .facilities: .facility
        }
    }
}

extension CitySnapshot {
    /// The version tag of the feature at `position` (what its GET's ETag starts with).
    func versionTag(of collection: FeatureCollectionID, at position: Int32) -> VersionTag {
        switch collection {
        case .parcels: parcels[Int(position)].versionTag
        case .zones: zones[Int(position)].versionTag
        case .facilities: facilities[Int(position)].versionTag
        }
    }
}

