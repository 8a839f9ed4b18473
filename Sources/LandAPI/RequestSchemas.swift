import GeoFormats
import LandModel

/// JSON Schemas (OpenAPI 3.0 Schema Objects) of the request bodies, as `JSONBody` reads them:
/// `additionalProperties: false` because an unknown field is a 400 naming it.
enum RequestSchemas {
    static func string(maxLength: Int, minLength: Int = 1, _ description: String) -> JSONValue {
        .object(["type": "string", "minLength": .number(Double(minLength)), "maxLength": .number(Double(maxLength)), "description": .string(description)])
    }

    static func oneOf(_ values: [String], _ description: String, nullable: Bool = false) -> JSONValue {
        var schema: JSONObject = ["type": "string", "enum": .array(values.map(JSONValue.string)), "description": .string(description)]
        if nullable { schema["nullable"] = .bool(true) }
        return .object(schema)
    }

    /// `POST /requests`. What no schema here says is checked on filing (400 naming the field):
    /// the parcel exists, the national id's check digit, an Iranian mobile number, and a
    /// construction permit names its floors and no zone code. (A `oneOf` per kind would say the
    /// last; schemathesis 4.32 fails on it, so the rule is in the description.)
    static func filing(uses: [String], zoneCodes: [String]) -> EndpointBody {
        let applicant: JSONValue = .object([
            "type": "object", "additionalProperties": .bool(false),
            "required": .array(["name", "national_id", "phone"]),
            "description": "Who files it: shown to planners and admins only, never in a public answer",
            "properties": .object([
                "name": string(maxLength: 200, "Full name"),
                "national_id": string(maxLength: 40, "Iranian national id: ten digits (ASCII, Persian or Arabic-Indic) with a valid check digit"),
                "phone": string(maxLength: 40, "Iranian mobile number: 09…, +989… or 00989…"),
            ]),
        ])
        let properties: JSONObject = [
            "parcel_id": string(maxLength: 200, "The parcel's id"),
            "kind": oneOf(
                RequestKind.allCases.map(\.rawValue),
                "construction_permit (needs requested_use and requested_floors, no requested_zone_code), land_use_change "
                    + "(needs requested_use), subdivision (needs children, no requested_*) or merger (needs parcels, no requested_*)"),
            "requested_use": oneOf(uses, "The land use asked for (not with subdivision or merger)"),
            "children": CadastreController.childrenSchema,
            "parcels": CadastreController.parcelsSchema,
            "properties": .object(["type": "object", "description": "With merger: the merged parcel's values; the first parcel's where absent"]),
            "requested_floors": .object(["type": "integer", "minimum": 0, "maximum": 200, "nullable": .bool(true)]),
            "requested_zone_code": oneOf(zoneCodes, "With a land-use change only: the zone code asked for", nullable: true),
            "description": string(maxLength: 2000, minLength: 0, "Free text (planners only)"),
            "applicant": applicant,
        ]
        let schema: JSONObject = [
            "type": "object", "additionalProperties": .bool(false), "properties": .object(properties),
            "required": .array(["parcel_id", "kind", "applicant"]),
        ]
        return EndpointBody(schema: schema, example: nil, maxBytes: filingMaxBytes)
    }

    /// A subdivision's children are outlines: more than the 64 KiB of other bodies.
    static let filingMaxBytes = 256 * 1024

    /// `POST /requests/{request}/decision`.
    static let decision = EndpointBody(
        schema: [
            "type": "object", "additionalProperties": .bool(false), "required": .array(["decision"]),
            "properties": .object([
                "decision": oneOf(Decision.allCases.map(\.rawValue), "review (submitted → under_review), approve or reject"),
                "reason": .object(["type": "string", "maxLength": 2000, "nullable": .bool(true), "description": "Why (shown publicly)"]),
            ]),
        ], example: nil)

    /// `POST /zones/{zone}/rezone`.
    static func rezoning(zoneCodes: [String]) -> EndpointBody {
        EndpointBody(
            schema: [
                "type": "object", "additionalProperties": .bool(false), "required": .array(["code", "reason"]),
                "properties": .object([
                    "code": oneOf(zoneCodes, "A zone code with rules in the catalogue"),
                    "reason": string(maxLength: 2000, "Why (e.g. the resolution of the Article 5 Commission)"),
                ]),
            ], example: nil)
    }
}
