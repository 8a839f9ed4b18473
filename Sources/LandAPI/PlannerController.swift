import Hummingbird
import GeoCore
import GeoFormats
import LandModel
import LandService
import FoundationEssentials

/// What planners ask of the land, and the audit log:
/// - `GET /changes?bbox=&from=&to=` (public: land, not people): parcel and zone changes in an
///   area and period with the values before and after, each marked with its `layer`;
/// - `GET /stats/land-use?zone=&bbox=&datetime=`: count and area (m²) per current use;
/// - `GET /stats/non-conforming?zone=&bbox=&datetime=`: parcels whose current use their zone
///   does not allow (a conditional use counts as conforming and is listed apart);
/// - `GET /audit?from=&to=&limit=` (admin): every write, newest first.
/// `zone` is a zone code (R121, M111…), matched against the code that governs each parcel.
struct PlannerController: Sendable {
    let services: LandServices

    var endpoints: [Endpoint] {
        let bbox = EndpointParameter.query("bbox", .boundingBox(allowsHeights: false), "minLon,minLat,maxLon,maxLat (WGS 84)")
        let zone = EndpointParameter.query("zone", .text(maxLength: 100), "Zone code that governs the parcels")
        let datetime = EndpointParameter.query("datetime", .dateTime, "RFC 3339 instant: statistics as the city was then")
        return [
            Endpoint(
                method: .get, path: "/changes", summary: "Changes of parcels and zones in an area and period, before and after", tag: "planners",
                parameters: [
                    bbox, .query("from", .dateTime, "RFC 3339 start"), .query("to", .dateTime, "RFC 3339 end"), .lang,
                ],
                responses: [.ok(MediaType.json)], handler: { _, _, input in try await changes(input.query) }),
            Endpoint(
                method: .get, path: "/stats/land-use", summary: "Count and area per current use", tag: "planners",
                parameters: [zone, bbox, datetime, .lang], responses: [.ok(MediaType.json)],
                handler: { _, _, input in try await landUse(input.query) }),
            Endpoint(
                method: .get, path: "/stats/non-conforming", summary: "Parcels whose use the zone does not allow", tag: "planners",
                parameters: [zone, bbox, datetime, .lang], responses: [.ok(MediaType.json)],
                handler: { _, _, input in try await nonConforming(input.query) }),
            Endpoint(
                method: .get, path: "/audit", summary: "Audit log, newest first (administrators)", tag: "operations", access: .role(.admin),
                parameters: [
                    .query("from", .dateTime, "RFC 3339 start"), .query("to", .dateTime, "RFC 3339 end"),
                    .query("limit", .integer(minimum: 1, maximum: 1000), "Maximum records", default: 100), .lang,
                ],
                responses: [.ok(MediaType.json)], handler: { _, _, input in try await audit(input.query) }),
        ]
    }

    func changes(_ query: QueryReader) async throws -> Response {
        let bbox = query.bbox()
        let from = query.instant("from")
        let to = query.instant("to")
        let found: [LandChange]
        let links: [LineageLink]
        do {
            found = try await services.changes(in: bbox, from: from, to: to)
            links = try await services.lineage(from: from, to: to)
        } catch {
            throw APIError(error)
        }
        /// A subdivision's or merger's links of parcel `id` at `at`: its children (it ended) or its parents (it began).
        func lineage(children id: ParcelID, at: String, to writer: inout JSONWriter) {
            let made = links.filter { $0.parent == id && $0.at == at }
            guard let kind = made.first?.kind else { return }
            writer.key("lineage"); writer.string(kind.rawValue)
            writer.key("children"); ZonesController.write(made.map(\.child), to: &writer)
        }
        func lineage(parents id: ParcelID, at: String, to writer: inout JSONWriter) {
            let made = links.filter { $0.child == id && $0.at == at }
            guard let kind = made.first?.kind else { return }
            writer.key("lineage"); writer.string(kind.rawValue)
            writer.key("parents"); ZonesController.write(made.map(\.parent), to: &writer)
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("changes")
        writer.beginArray()
        for change in found {
            writer.beginObject()
            switch change {
            case .parcel(let change, let outlineChanged):
                writer.key("layer"); writer.string("parcel")
                writer.key("parcel_id"); writer.string(change.parcelID.rawValue)
                writer.key("at"); writer.string(change.at)
                writer.key("valid_from"); writer.string(change.validFrom)
                writer.key("request_id"); if let id = change.requestID { writer.number(id.rawValue) } else { writer.null() }
                // Set when the parcel's zone code followed a rezoning of its zone (that zone entry's id).
                writer.key("zone_change_id"); if let id = change.zoneChangeID { writer.number(id) } else { writer.null() }
                // "change", "removal" (the parcel ended then), or "creation" (below).
                writer.key("event"); writer.string(change.isRemoval ? "removal" : "change")
                writer.key("outline_changed"); writer.bool(outlineChanged)
                writer.key("reason"); if let reason = change.reason { writer.string(reason) } else { writer.null() }
                writer.key("before"); ChangeJSON.write(change.before, to: &writer)
                writer.key("after"); if change.isRemoval { writer.null() } else { ChangeJSON.write(change.after, to: &writer) }
                if change.isRemoval { lineage(children: change.parcelID, at: change.at, to: &writer) }
            case .zone(let change, let outlineChanged, let isRemoval):
                writer.key("layer"); writer.string("zone")
                writer.key("zone_id"); writer.string(change.zoneID.rawValue)
                writer.key("at"); writer.string(change.at)
                writer.key("valid_from"); writer.string(change.validFrom)
                writer.key("zone_change_id"); writer.number(change.id)
                writer.key("event"); writer.string(isRemoval ? "removal" : "change")
                writer.key("outline_changed"); writer.bool(outlineChanged)
                // Public like a decision's reason; who made it (a key name) is not.
                writer.key("reason"); if let reason = change.reason { writer.string(reason) } else { writer.null() }
                writer.key("before"); ChangeJSON.write(change.before, to: &writer)
                writer.key("after"); if isRemoval { writer.null() } else { ChangeJSON.write(change.after, to: &writer) }
            case .creation(let creation):
                switch creation {
                case .parcel: writer.key("layer"); writer.string("parcel"); writer.key("parcel_id")
                case .zone: writer.key("layer"); writer.string("zone"); writer.key("zone_id")
                }
                writer.string(creation.id)
                writer.key("at"); writer.string(creation.at)
                writer.key("valid_from"); writer.string(creation.at)
                writer.key("event"); writer.string("creation")
                writer.key("outline_changed"); writer.bool(true)
                writer.key("before"); writer.null()
                writer.key("after")
                switch creation {
                case .parcel(let parcel, let at):
                    ChangeJSON.write(parcel.attributes, to: &writer)
                    lineage(parents: parcel.id, at: at, to: &writer)
                case .zone(let zone, _):
                    ChangeJSON.write(zone.attributes, to: &writer)
                }
            }
            writer.endObject()
        }
        writer.endArray()
        writer.key("count"); writer.number(found.count)
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: "application/json")
    }

    func landUse(_ query: QueryReader) async throws -> Response {
        let (zone, bbox) = (query.zone(), query.bbox())
        let snapshot = try await services.snapshot(at: query.instant("datetime"))
        let statistics = snapshot.landUseStatistics(zone: zone, bbox: bbox)
        var writer = JSONWriter()
        writer.beginObject()
        Self.writeArea(zone: zone, bbox: bbox, to: &writer)
        writer.key("parcels"); writer.number(statistics.total.count)
        writer.key("area_m2"); writer.number(statistics.total.areaSquareMeters, decimals: 2)
        writer.key("uses")
        writer.beginArray()
        for entry in statistics.byUse {
            writer.beginObject()
            writer.key("use"); if let use = entry.use { writer.string(use.rawValue) } else { writer.null() }
            writer.key("parcels"); writer.number(entry.tally.count)
            writer.key("area_m2"); writer.number(entry.tally.areaSquareMeters, decimals: 2)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: "application/json")
    }

    func nonConforming(_ query: QueryReader) async throws -> Response {
        let (zone, bbox) = (query.zone(), query.bbox())
        let snapshot = try await services.snapshot(at: query.instant("datetime"))
        let report = snapshot.nonConformingParcels(zone: zone, bbox: bbox)
        var writer = JSONWriter()
        writer.beginObject()
        Self.writeArea(zone: zone, bbox: bbox, to: &writer)
        writer.key("examined"); writer.number(report.examined)
        writer.key("unclassified"); writer.number(report.unclassified)
        writer.key("conditional_counts_as_conforming"); writer.bool(true)
        writer.key("count"); writer.number(report.nonConforming.count)
        writer.key("parcels"); ChangeJSON.writeParcels(report.nonConforming, of: snapshot, to: &writer)
        writer.key("conditional_count"); writer.number(report.conditional.count)
        writer.key("conditional"); ChangeJSON.writeParcels(report.conditional, of: snapshot, to: &writer)
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: "application/json")
    }

    func audit(_ query: QueryReader) async throws -> Response {
        let (from, to, limit) = (query.instant("from"), query.instant("to"), query.int("limit") ?? 100)
        let records: [AuditRecord]
        do { records = try await services.auditRecords(from: from, to: to, limit: limit) } catch { throw APIError(error) }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("records")
        writer.beginArray()
        for record in records {
            writer.beginObject()
            writer.key("id"); writer.number(record.id)
            writer.key("at"); writer.string(record.at)
            writer.key("actor"); writer.string(record.actor)
            writer.key("action"); writer.string(record.action)
            writer.key("target"); if let target = record.target { writer.string(target) } else { writer.null() }
            writer.key("before"); Self.writeStoredJSON(record.before, to: &writer)
            writer.key("after"); Self.writeStoredJSON(record.after, to: &writer)
            writer.key("record_version"); writer.number(record.version)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: "application/json")
    }

    static func writeArea(zone: ZoneCode?, bbox: BoundingBox?, to writer: inout JSONWriter) {
        writer.key("zone"); if let zone { writer.string(zone.rawValue) } else { writer.null() }
        writer.key("bbox")
        if let bbox {
            writer.beginArray()
            for value in [bbox.minLon, bbox.minLat, bbox.maxLon, bbox.maxLat] { writer.number(value, decimals: 7) }
            writer.endArray()
        } else {
            writer.null()
        }
    }

    static func writeStoredJSON(_ text: String?, to writer: inout JSONWriter) {
        if let text, let value = try? JSONParser.parse(Array(text.utf8)) { writer.value(value) } else { writer.null() }
    }
}

/// JSON of land changes and parcel lists, shared by /changes, /stats and the rezoning answer.
enum ChangeJSON {
    static func write(_ attributes: ParcelAttributes, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("zone_code"); if let code = attributes.zoneCode { writer.string(code.rawValue) } else { writer.null() }
        writer.key("current_use"); if let use = attributes.currentUse { writer.string(use.rawValue) } else { writer.null() }
        writer.key("floors"); if let floors = attributes.floors { writer.number(floors) } else { writer.null() }
        writer.endObject()
    }

    static func write(_ attributes: ZoneAttributes, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("code"); writer.string(attributes.code.rawValue)
        writer.key("name_fa"); if let name = attributes.nameFa { writer.string(name) } else { writer.null() }
        writer.key("name_en"); if let name = attributes.nameEn { writer.string(name) } else { writer.null() }
        writer.endObject()
    }

    /// Parcels by position: id, the zone code that governs each, current use.
    static func writeParcels(_ positions: [Int32], of snapshot: CitySnapshot, to writer: inout JSONWriter) {
        writer.beginArray()
        for position in positions {
            let parcel = snapshot.parcels.values[Int(position)]
            writer.beginObject()
            writer.key("id"); writer.string(parcel.id.rawValue)
            writer.key("zone_code")
            if let code = snapshot.zoneCode(ofParcelAt: position) { writer.string(code.rawValue) } else { writer.null() }
            writer.key("current_use"); if let use = parcel.currentUse { writer.string(use.rawValue) } else { writer.null() }
            writer.endObject()
        }
        writer.endArray()
    }
}
