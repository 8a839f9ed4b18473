import Hummingbird
import GeoFormats
import LandModel
import LandService
import NIOCore

/// Change requests: citizens file and follow them; planners list and decide them.
///
/// - `POST /requests` (public, rate-limited per client address) → 201 with id, tracking code,
///   status and the zoning check.
/// - `GET /requests/{tracking_code}` (public): status and decision, without personal data or
///   the free-text description.
/// - `GET /requests?status=&bbox=&zone=` (planner, admin): full requests, applicant included.
/// - `POST /requests/{id}/decision` (planner, admin): `{"decision": "review"|"approve"|"reject",
///   "reason"}`; 409 when the status does not allow it.
struct RequestsController: Sendable {
    let services: LandServices
    let limiter: RateLimiter
    /// The client address behind a trusted proxy, and the base of `Location`.
    let origin: PublicOrigin

    var endpoints: [Endpoint] {
        let snapshot = services.snapshots.snapshot
        let uses = snapshot.landUses.map(\.rawValue)
        let zoneCodes = snapshot.rules.keys.sorted().map(\.rawValue)
        // One parameter name at each position (`{request}`): the router keeps one trie node per position.
        let trackingCode = EndpointParameter.path("request", "The tracking code given when the request was filed")
        let requestID = EndpointParameter.path("request", "The request's number (`id`)")
        let toTrackingPage = (name: "TrackingPage", operationID: "getRequestsRequest", parameters: ["request": "$response.body#/tracking_code"])
        let toDecision = (name: "Decision", operationID: "postRequestsRequestDecision", parameters: ["request": "$response.body#/id"])
        return [
            Endpoint(
                method: .post, path: "/requests",
                summary: "File a land-use change, construction-permit, subdivision or merger request", tag: "citizens",
                parameters: [.lang], body: RequestSchemas.filing(uses: uses, zoneCodes: zoneCodes),
                responses: [
                    EndpointResponse(
                        status: 201, description: "Filed: id, tracking code, status and the zoning check", mediaTypes: [MediaType.json],
                        headers: ["Location": "The request's tracking page"], links: [toTrackingPage, toDecision]),
                    .error(404, "A merger names a parcel that does not exist"),
                    .error(409, "A subdivision's or merger's parcel has another request open"),
                    .error(429, "Too many requests from this address (Retry-After says when to try again)"),
                ],
                handler: { request, context, input in try await file(request, context, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "/requests", summary: "The request queue (planners, admins)", tag: "planners", access: .role(.planner),
                parameters: [
                    .query("status", .oneOf(RequestStatus.allCases.map(\.rawValue)), "Request status"),
                    .query("bbox", .boundingBox(allowsHeights: false), "minLon,minLat,maxLon,maxLat (WGS 84)"),
                    .query("zone", .text(maxLength: 100), "Zone code"), .lang,
                ],
                responses: [.ok(MediaType.json)],
                handler: { request, _, input in try await list(input.query, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "/requests/{request}", summary: "Status and decision of a request (no personal data)", tag: "citizens",
                parameters: [trackingCode, .lang],
                responses: [.ok(MediaType.json), .error(404, "No request with that tracking code")],
                handler: { request, context, input in try await show(context, language: input.query.language(of: request)) }),
            Endpoint(
                method: .post, path: "/requests/{request}/decision", summary: "Review, approve or reject a request (planners, admins)",
                tag: "planners", access: .role(.planner), parameters: [requestID, .lang], body: RequestSchemas.decision,
                responses: [
                    .ok(MediaType.json), .error(404, "No request with that number"),
                    .error(409, "The request's status does not allow this decision"),
                ],
                handler: { request, context, input in
                    try await decide(request, context, holder: input.keyHolder!, language: input.query.language(of: request))
                }),
        ]
    }

    func file(_ request: Request, _ context: ZaminRequestContext, language: Language) async throws -> Response {
        try limiter.admit(origin.clientAddress(for: request, context: context))
        let body = try await JSONBody.read(request, limitBytes: RequestSchemas.filingMaxBytes)
        try body.onlyKnown([
            "parcel_id", "kind", "requested_use", "requested_floors", "requested_zone_code", "description", "applicant",
            "children", "parcels", "properties",
        ])
        let parcelID = ParcelID(try body.requiredString("parcel_id"))
        guard let kind = RequestKind(rawValue: try body.requiredString("kind")) else {
            throw APIError.invalidParameter("kind", .invalidField)
        }
        // A subdivision proposes `children` (as POST /parcels/{id}/subdivide), a merger `parcels`,
        // this one among them, and optionally the merged parcel's `properties` (as POST
        // /parcels/merge); neither asks for a use, floors or a zone code.
        var proposal: CadastralProposal?
        switch kind {
        case .subdivision:
            for name in ["requested_use", "requested_floors", "requested_zone_code", "parcels", "properties"] where body.object[name] != nil {
                throw APIError.invalidParameter(name, .unknownField)
            }
            proposal = .subdivision(try CadastreController.proposedChildren(body))
        case .merger:
            for name in ["requested_use", "requested_floors", "requested_zone_code", "children"] where body.object[name] != nil {
                throw APIError.invalidParameter(name, .unknownField)
            }
            let parcels = try CadastreController.parcelIDs(body)
            guard parcels.contains(parcelID) else { throw APIError.invalidParameter("parcels", .invalidField) }
            proposal = .merger(parcels, values: try CadastreController.properties(body.object["properties"], name: "properties"))
        case .landUseChange, .constructionPermit:
            for name in ["children", "parcels", "properties"] where body.object[name] != nil {
                throw APIError.invalidParameter(name, .unknownField)
            }
        }
        let use = kind.isCadastral ? nil : LandUse(try body.requiredString("requested_use"))
        let floors = try body.integer("requested_floors", in: 0...200)
        let zoneCode = try body.string("requested_zone_code").map(ZoneCode.init)
        if kind == .constructionPermit {
            guard floors != nil else { throw APIError.invalidParameter("requested_floors", .floorsRequired) }
            guard zoneCode == nil else {
                throw APIError.invalidParameter("requested_zone_code", .zoneCodeOnlyForLandUseChange)
            }
        }
        let description = try body.string("description", maxLength: 2000) ?? ""
        let person = try body.requiredObject("applicant")
        try person.onlyKnown(["name", "national_id", "phone"])
        let name = try person.requiredString("name")
        guard let nationalID = NationalID(try person.requiredString("national_id", maxLength: 40)) else {
            throw APIError.invalidParameter("applicant.national_id", .invalidNationalID)
        }
        guard let phone = MobileNumber(try person.requiredString("phone", maxLength: 40)) else {
            throw APIError.invalidParameter("applicant.phone", .invalidPhone)
        }
        let filing = RequestFiling(
            parcelID: parcelID, kind: kind, requestedUse: use, requestedFloors: floors, requestedZoneCode: zoneCode,
            description: description, applicant: Applicant(name: name, nationalID: nationalID, phone: phone), proposal: proposal)
        let filed: FiledRequest
        do { filed = try await services.fileRequest(filing) } catch { throw APIError(error) }
        var writer = JSONWriter()
        RequestJSON.write(filed.request, personal: false, language: language, to: &writer)
        var response = JSONResponse.make(writer.bytes, status: .created, contentType: "application/json", language: language)
        response.headers[.location] = origin.base(for: request, context: context) + "/requests/\(filed.request.filing.trackingCode)"
        return response
    }

    func show(_ context: ZaminRequestContext, language: Language) async throws -> Response {
        let code = TrackingCode(try context.parameters.require("request"))
        let found: ChangeRequest
        do { found = try await services.request(trackingCode: code) } catch { throw APIError(error) }
        var writer = JSONWriter()
        RequestJSON.write(found, personal: false, language: language, to: &writer)
        return JSONResponse.make(writer.bytes, contentType: "application/json", language: language)
    }

    func list(_ query: QueryReader, language: Language) async throws -> Response {
        let found: [ChangeRequest]
        do {
            found = try await services.requests(status: query.status(), bbox: query.bbox(), zone: query.zone())
        } catch {
            throw APIError(error)
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("requests")
        writer.beginArray()
        for item in found { RequestJSON.write(item, personal: true, language: language, to: &writer) }
        writer.endArray()
        writer.key("count")
        writer.number(found.count)
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: "application/json", language: language)
    }

    func decide(_ request: Request, _ context: ZaminRequestContext, holder: APIKeys.Holder, language: Language) async throws -> Response {
        guard let number = Int(try context.parameters.require("request")), number > 0 else {
            throw APIError.notFound(.requestNotFound)
        }
        let body = try await JSONBody.read(request)
        try body.onlyKnown(["decision", "reason"])
        guard let decision = Decision(rawValue: try body.requiredString("decision")) else {
            throw APIError.invalidParameter("decision", .invalidField)
        }
        let reason = try body.string("reason", maxLength: 2000)
        let decided: ChangeRequest
        do {
            decided = try await services.decide(request: RequestID(number), decision: decision, reason: reason, by: holder.name)
        } catch {
            throw APIError(error)
        }
        var writer = JSONWriter()
        RequestJSON.write(decided, personal: true, language: language, to: &writer)
        return JSONResponse.make(writer.bytes, contentType: "application/json", language: language)
    }
}

/// One request as JSON. `personal` adds the applicant and the free-text description, for
/// planners and admins only.
enum RequestJSON {
    static func write(_ request: ChangeRequest, personal: Bool, language: Language, to writer: inout JSONWriter) {
        let filing = request.filing
        writer.beginObject()
        writer.key("id"); writer.number(request.id.rawValue)
        writer.key("tracking_code"); writer.string(filing.trackingCode.rawValue)
        writer.key("parcel_id"); writer.string(filing.parcelID.rawValue)
        writer.key("kind"); writer.string(filing.kind.rawValue)
        writer.key("requested_use"); writer.string(filing.requestedUse.rawValue)
        writer.key("requested_floors"); if let floors = filing.requestedFloors { writer.number(floors) } else { writer.null() }
        writer.key("requested_zone_code")
        if let code = filing.requestedZoneCode { writer.string(code.rawValue) } else { writer.null() }
        writer.key("status"); writer.string(request.status.rawValue)
        writer.key("submitted_at"); writer.string(request.submittedAt)
        writer.key("updated_at"); writer.string(request.updatedAt)
        writer.key("decision_reason")
        if let reason = request.decisionReason { writer.string(reason) } else { writer.null() }
        // What a subdivision or merger proposes (outlines and values: land, not people).
        if let proposal = filing.proposalJSON, let value = try? JSONParser.parse(Array(proposal.utf8)) {
            writer.key("proposal"); writer.value(value)
        }
        writer.key("zoning_check")
        // The stored record (any version) through the one verdict writer `/zoning-check` uses.
        if let record = ZoningVerdictRecord(json: filing.zoningCheckJSON) {
            FeatureJSON.verdict(parcelID: filing.parcelID, record, language: language, into: &writer)
        } else {
            writer.null()
        }
        if personal {
            writer.key("zone_code"); if let code = filing.zoneCode { writer.string(code.rawValue) } else { writer.null() }
            writer.key("description"); writer.string(filing.description)
            writer.key("decided_by"); if let name = request.decidedBy { writer.string(name) } else { writer.null() }
            writer.key("applicant")
            writer.beginObject()
            writer.key("name"); writer.string(filing.applicant.name)
            writer.key("national_id"); writer.string(filing.applicant.nationalID.digits)
            writer.key("phone"); writer.string(filing.applicant.phone.digits)
            writer.endObject()
        }
        writer.endObject()
    }
}
