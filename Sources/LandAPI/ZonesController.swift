import Hummingbird
import GeoFormats
import LandModel
import LandService

/// Zone edits by planners and admins:
/// - `POST /zones/{id}/rezone` with `{"code": "R122", "reason": "…"}`: the zone's code becomes a
///   code of the zoning rules catalogue, in one transaction with its history and the audit
///   record; the parcels of the zone that carried its code follow (see `LandServices.rezone`),
///   and every parcel of the zone is checked against the rules that govern it now.
///   No key → 401, a planner's role too low → 403, unknown zone → 404, bad body → 400 naming the
///   field, a code not in the catalogue → 400 naming `code`, the zone's own code → 409.
struct ZonesController: Sendable {
    let services: LandServices

    var endpoints: [Endpoint] {
        let zoneCodes = services.snapshots.snapshot.rules.keys.sorted().map(\.rawValue)
        return [
            Endpoint(
                method: .post, path: "/zones/{zone}/rezone",
                summary: "Give a zone another code of the zoning rules catalogue (planners, admins); its parcels follow", tag: "planners",
                access: .role(.planner), parameters: [.path("zone", "The dataset id of the zone"), .lang],
                body: RequestSchemas.rezoning(zoneCodes: zoneCodes),
                responses: [.ok(MediaType.json), .error(404, "No zone with that id"), .error(409, "The zone already has this code")],
                handler: { request, context, input in try await rezone(request, context, holder: input.keyHolder!) }),
        ]
    }

    func rezone(_ request: Request, _ context: ZaminRequestContext, holder: APIKeys.Holder) async throws -> Response {
        // Ids like Helsinki's `way/8035238` come percent-encoded in one path segment.
        let zoneID = ZoneID(QueryParameters.percentDecoded(try context.parameters.require("zone")))
        let body = try await JSONBody.read(request)
        try body.onlyKnown(["code", "reason"])
        let code = ZoneCode(try body.requiredString("code", maxLength: 100))
        // A rezoning changes what may be built on every parcel of the zone: it must say why
        // (Tehran: the Article 5 Commission's resolution).
        let reason = try body.requiredString("reason", maxLength: 2000)
        let done: Rezoning
        do {
            done = try await services.rezone(zone: zoneID, to: code, reason: reason, by: holder.name)
        } catch .unknownZoneCode(let code, let valid) {
            throw APIError.invalidParameter("code", .unknownZone(code.rawValue, valid: valid.map(\.rawValue)))
        } catch {
            throw APIError(error)
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("zone_id"); writer.string(done.change.zoneID.rawValue)
        writer.key("zone_change_id"); writer.number(done.change.id)
        writer.key("at"); writer.string(done.change.at)
        writer.key("valid_from"); writer.string(done.change.validFrom)
        writer.key("reason"); if let reason = done.change.reason { writer.string(reason) } else { writer.null() }
        writer.key("decided_by"); writer.string(done.change.actor)
        writer.key("before"); ChangeJSON.write(done.change.before, to: &writer)
        writer.key("after"); ChangeJSON.write(done.change.after, to: &writer)
        writer.key("parcels")
        writer.beginObject()
        writer.key("rezoned"); Self.write(done.parcelsRezoned, to: &writer)
        writer.key("own_code_kept"); Self.write(done.parcelsWithOwnCode, to: &writer)
        // The conformity check of every parcel in the zone, as /stats/non-conforming words it.
        writer.key("examined"); writer.number(done.conformity.examined)
        writer.key("unclassified"); writer.number(done.conformity.unclassified)
        writer.key("non_conforming"); ChangeJSON.writeParcels(done.conformity.nonConforming, of: done.snapshot, to: &writer)
        writer.key("conditional"); ChangeJSON.writeParcels(done.conformity.conditional, of: done.snapshot, to: &writer)
        writer.endObject()
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: "application/json")
    }

    static func write(_ ids: [ParcelID], to writer: inout JSONWriter) {
        writer.beginArray()
        for id in ids { writer.string(id.rawValue) }
        writer.endArray()
    }
}
