import Hummingbird
import GeoFormats
import LandModel
import LandService

/// Subdivisions (تفکیک) and mergers (تجمیع) by planners and admins, issue 16 point 4:
/// - `POST /parcels/{parcel}/subdivide` with `{"children": [{"geometry": <GeoJSON Polygon>,
///   "properties": {…}}, …], "reason": "…"}` → 201 `{"parent": …, "children": ["new id", …], …}`.
///   Each child takes the parent's values where it gives none; the children must tile the
///   parent (no overlap, no gap, nothing outside it: within 0.01 m² each) and each be at least
///   its zone's minimum parcel area — the 400 names the child and the rule, in both languages.
/// - `POST /parcels/merge` with `{"parcels": ["id", …], "reason": "…", "properties": {…}}` →
///   201 `{"id": "new id", "parents": […], …}`: parcels that share edges become one, with the
///   first parcel's values where `properties` gives none.
/// A parcel with an open request is neither subdivided nor merged (409: decide the request
/// first). New ids follow the dataset's scheme; the lineage is kept (`/changes` lists it).
struct CadastreController: Sendable {
    let services: LandServices
    static let bodyLimit = 1024 * 1024

    var endpoints: [Endpoint] {
        [
            Endpoint(
                method: .post, path: "/parcels/{parcel}/subdivide",
                summary: "Subdivide a parcel (تفکیک) into children that tile it (planners, admins)", tag: "planners",
                access: .role(.planner), parameters: [.path("parcel", "The dataset id of the parcel"), .lang],
                body: Self.subdivisionBody,
                responses: [
                    EndpointResponse(status: 201, description: "Subdivided: the children's new ids", mediaTypes: [MediaType.json]),
                    .error(404, "No parcel with that id"), .error(409, "The parcel has an open request, or a child's id was just taken"),
                ],
                handler: { request, context, input in try await subdivide(request, context, holder: input.keyHolder!) }),
            Endpoint(
                method: .post, path: "/parcels/merge",
                summary: "Merge parcels that share edges (تجمیع) into one (planners, admins)", tag: "planners",
                access: .role(.planner), parameters: [.lang], body: Self.mergerBody,
                responses: [
                    EndpointResponse(status: 201, description: "Merged: the new parcel's id", mediaTypes: [MediaType.json]),
                    .error(404, "A parcel named does not exist"), .error(409, "A parcel has an open request, or the new id was just taken"),
                ],
                handler: { request, context, input in try await merge(request, holder: input.keyHolder!) }),
        ]
    }

    /// `children` of a subdivision (here and in a citizen's request).
    static let childrenSchema: JSONValue = .object([
        "type": "array", "minItems": 2, "maxItems": 100,
        "description": "The children, which must tile the parcel",
        "items": .object([
            "type": "object", "additionalProperties": .bool(false), "required": .array(["geometry"]),
            "properties": .object([
                "geometry": .object([
                    "type": "object", "required": .array(["type", "coordinates"]),
                    "description": "A GeoJSON Polygon or MultiPolygon (RFC 7946, WGS 84) inside the parcel",
                    "properties": .object([
                        "type": RequestSchemas.oneOf(["Polygon", "MultiPolygon"], "The geometry type"),
                        "coordinates": .object(["type": "array"]),
                    ]),
                ]),
                "properties": .object(["type": "object", "description": "zone_code, current_use, floors, address…; the parent's where absent"]),
            ]),
        ]),
    ])

    /// `parcels` of a merger (here and in a citizen's request).
    static let parcelsSchema: JSONValue = .object([
        "type": "array", "minItems": 2, "maxItems": 100, "uniqueItems": .bool(true),
        "description": "Parcels that share edges",
        "items": RequestSchemas.string(maxLength: 200, "A parcel's id"),
    ])

    static let subdivisionBody = EndpointBody(
        schema: [
            "type": "object", "additionalProperties": .bool(false), "required": .array(["children", "reason"]),
            "properties": .object([
                "children": childrenSchema,
                "reason": RequestSchemas.string(maxLength: 2000, "Why (e.g. the registration office's subdivision decision)"),
            ]),
        ], example: nil, maxBytes: bodyLimit)

    static let mergerBody = EndpointBody(
        schema: [
            "type": "object", "additionalProperties": .bool(false), "required": .array(["parcels", "reason"]),
            "properties": .object([
                "parcels": parcelsSchema,
                "reason": RequestSchemas.string(maxLength: 2000, "Why"),
                "properties": .object(["type": "object", "description": "The new parcel's values; the first parcel's where absent"]),
            ]),
        ], example: nil, maxBytes: bodyLimit)

    func subdivide(_ request: Request, _ context: ZaminRequestContext, holder: APIKeys.Holder) async throws -> Response {
        let parent = ParcelID(QueryParameters.percentDecoded(try context.parameters.require("parcel")))
        let body = try await JSONBody.read(request, limitBytes: Self.bodyLimit)
        try body.onlyKnown(["children", "reason"])
        let reason = try body.requiredString("reason", maxLength: 2000)
        let children = try Self.proposedChildren(body)
        let outcome: CadastralChange
        do {
            outcome = try await services.subdivide(parent, into: children, reason: reason, actor: holder.name)
        } catch {
            throw APIError(error)
        }
        return Self.answer(outcome, reason: reason)
    }

    func merge(_ request: Request, holder: APIKeys.Holder) async throws -> Response {
        let body = try await JSONBody.read(request, limitBytes: Self.bodyLimit)
        try body.onlyKnown(["parcels", "reason", "properties"])
        let reason = try body.requiredString("reason", maxLength: 2000)
        let parcels = try Self.parcelIDs(body)
        let values = try Self.properties(body.object["properties"], name: "properties")
        let outcome: CadastralChange
        do {
            outcome = try await services.merge(parcels, values: values, reason: reason, actor: holder.name)
        } catch {
            throw APIError(error)
        }
        return Self.answer(outcome, reason: reason)
    }

    // MARK: - reading (shared with subdivision and merger requests)

    /// `children`: 2 to 100 objects with a `geometry` object and optional `properties`.
    static func proposedChildren(_ body: JSONBody) throws -> [ProposedParcel] {
        guard let value = body.object["children"] else { throw APIError.invalidParameter("children", .missingField) }
        guard case .array(let items) = value, (2...100).contains(items.count) else {
            throw APIError.invalidParameter("children", .invalidField)
        }
        return try items.enumerated().map { index, item in
            let name = "children[\(index)]"
            guard case .object(let child) = item else { throw APIError.invalidParameter(name, .invalidField) }
            for member in child.members where member.key != "geometry" && member.key != "properties" {
                throw APIError.invalidParameter("\(name).\(member.key)", .unknownField)
            }
            guard case .object? = child["geometry"], let geometry = child["geometry"] else {
                throw APIError.invalidParameter("\(name).geometry", child["geometry"] == nil ? .missingField : .invalidField)
            }
            return ProposedParcel(geometry: geometry, properties: try properties(child["properties"], name: "\(name).properties"))
        }
    }

    /// `parcels`: 2 to 100 parcel ids.
    static func parcelIDs(_ body: JSONBody) throws -> [ParcelID] {
        guard let value = body.object["parcels"] else { throw APIError.invalidParameter("parcels", .missingField) }
        guard case .array(let items) = value, (2...100).contains(items.count) else {
            throw APIError.invalidParameter("parcels", .invalidField)
        }
        return try items.enumerated().map { index, item in
            guard case .string(let id) = item, (1...200).contains(id.count) else {
                throw APIError.invalidParameter("parcels[\(index)]", .invalidField)
            }
            return ParcelID(id)
        }
    }

    static func properties(_ value: JSONValue?, name: String) throws -> JSONObject {
        switch value {
        case nil, .null?: return JSONObject()
        case .object(let object)?: return object
        default: throw APIError.invalidParameter(name, .invalidField)
        }
    }

    // MARK: - answering

    static func answer(_ outcome: CadastralChange, reason: String) -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("kind"); writer.string(outcome.kind.rawValue)
        switch outcome.kind {
        case .subdivision:
            writer.key("parent"); writer.string(outcome.parents[0].id.rawValue)
            writer.key("children"); ZonesController.write(outcome.children.map(\.id), to: &writer)
        case .merger:
            writer.key("id"); writer.string(outcome.children[0].id.rawValue)
            writer.key("parents"); ZonesController.write(outcome.parents.map(\.id), to: &writer)
        }
        writer.key("at"); writer.string(outcome.at)
        writer.key("reason"); writer.string(reason)
        writer.key("areas_m2")
        writer.beginObject()
        for parcel in outcome.parents + outcome.children {
            writer.key(parcel.id.rawValue); writer.number(parcel.areaSquareMeters, decimals: 2)
        }
        writer.endObject()
        writer.endObject()
        return JSONResponse.make(writer.bytes, status: .created, contentType: "application/json")
    }
}
