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
struct RequestsController<Context: RemoteAddressRequestContext>: Sendable {
    let services: LandServices
    let limiter: RateLimiter
    /// The client address behind a trusted proxy, and the base of `Location`.
    let origin: PublicOrigin

    var auth: Authenticator { Authenticator(services: services) }

    var routes: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post("requests", use: file)
            .get("requests", use: list)
            // One parameter name at this position: the router keeps one trie node per position.
            .get("requests/:request", use: show)
            .post("requests/:request/decision", use: decide)
    }

    @Sendable func file(_ request: Request, context: Context) async throws -> Response {
        try limiter.admit(origin.clientAddress(for: request, context: context))
        _ = try QueryReader(request, allowed: [])
        let body = try await JSONBody.read(request)
        try body.onlyKnown([
            "parcel_id", "kind", "requested_use", "requested_floors", "requested_zone_code", "description", "applicant",
        ])
        let parcelID = ParcelID(try body.requiredString("parcel_id"))
        guard let kind = RequestKind(rawValue: try body.requiredString("kind")) else {
            throw APIError.invalidParameter("kind", .invalidField)
        }
        let use = LandUse(try body.requiredString("requested_use"))
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
            description: description, applicant: Applicant(name: name, nationalID: nationalID, phone: phone))
        let filed: FiledRequest
        do { filed = try await services.fileRequest(filing) } catch { throw APIError(error) }
        var writer = JSONWriter()
        RequestJSON.write(filed.request, personal: false, to: &writer)
        var response = JSONResponse.make(writer.bytes, status: .created, contentType: "application/json")
        response.headers[.location] = origin.base(for: request, context: context) + "/requests/\(filed.request.filing.trackingCode)"
        return response
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        _ = try QueryReader(request, allowed: [])
        let code = TrackingCode(try context.parameters.require("request"))
        let found: ChangeRequest
        do { found = try await services.request(trackingCode: code) } catch { throw APIError(error) }
        var writer = JSONWriter()
        RequestJSON.write(found, personal: false, to: &writer)
        return JSONResponse.make(writer.bytes, contentType: "application/json")
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        _ = try await auth.require(.planner, request)
        let query = try QueryReader(request, allowed: ["status", "bbox", "zone"])
        let found: [ChangeRequest]
        do {
            found = try await services.requests(status: try query.status(), bbox: try query.bbox(), zone: try query.zone())
        } catch let error as ServiceError {
            throw APIError(error)
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("requests")
        writer.beginArray()
        for item in found { RequestJSON.write(item, personal: true, to: &writer) }
        writer.endArray()
        writer.key("count")
        writer.number(found.count)
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: "application/json")
    }

    @Sendable func decide(_ request: Request, context: Context) async throws -> Response {
        let holder = try await auth.require(.planner, request)
        _ = try QueryReader(request, allowed: [])
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
        RequestJSON.write(decided, personal: true, to: &writer)
        return JSONResponse.make(writer.bytes, contentType: "application/json")
    }
}

/// One request as JSON. `personal` adds the applicant and the free-text description, for
/// planners and admins only.
enum RequestJSON {
    static func write(_ request: ChangeRequest, personal: Bool, to writer: inout JSONWriter) {
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
        writer.key("zoning_check")
        if let check = try? JSONParser.parse(Array(filing.zoningCheckJSON.utf8)) { writer.value(check) } else { writer.null() }
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
