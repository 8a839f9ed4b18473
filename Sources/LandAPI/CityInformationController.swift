import Hummingbird
import GeoCore
import GeoFormats
import LandModel
import LandService
import Inspections

/// The city's information layers (issue 21 points 2 and 4):
/// - `districts` and `projects` as OGC API – Features collections (OGC 17-069r4 §7.14–7.16:
///   description, items with `bbox`, `limit` and `offset`, one feature, queryables of OGC
///   19-079r2 Part 3), in CRS84 only: small reference layers, not edited through the API;
/// - `GET /projects?status=&bbox=`, the citizens' list of the city's projects;
/// - `GET /stats/districts`: per district, the area of each land use, green space per parcel
///   area, facilities per category and open problem reports;
/// - `GET /sensitive-sites?bbox=` for planner and admin keys only. Nothing public reads that
///   layer: it is in no collection, tile, search, lookup, nearest answer or statistic.
struct CityInformationController: Sendable {
    let services: LandServices
    let origin: PublicOrigin

    /// The collections, in the order `/collections` lists them after the cadastre's.
    enum Collection: String, CaseIterable, Sendable {
        case districts, projects

        var queryables: [(name: String, type: String, values: [String]?)] {
            switch self {
            case .districts: [("id", "string", nil), ("name_fa", "string", nil), ("name_en", "string", nil)]
            case .projects:
                [
                    ("id", "string", nil), ("name_fa", "string", nil), ("name_en", "string", nil),
                    ("status", "string", ProjectStatus.allCases.map(\.rawValue)), ("budget", "number", nil), ("start_date", "string", nil),
                    ("end_date", "string", nil), ("contractor", "string", nil), ("progress_pct", "number", nil),
                ]
            }
        }

        func title(_ language: Language) -> String {
            switch (self, language) {
            case (.districts, .fa): "مناطق شهری"
            case (.districts, .en): "Districts"
            case (.projects, .fa): "پروژه‌های شهری"
            case (.projects, .en): "City projects"
            }
        }
    }

    static let bbox = EndpointParameter.query("bbox", .boundingBox(allowsHeights: false), "minLon,minLat,maxLon,maxLat (WGS 84)")
    static let status = EndpointParameter.query("status", .oneOf(ProjectStatus.allCases.map(\.rawValue)), "Only projects of this status")

    var endpoints: [Endpoint] {
        var endpoints: [Endpoint] = []
        for collection in Collection.allCases {
            let base = "/collections/\(collection.rawValue)"
            endpoints += [
                Endpoint(
                    method: .get, path: base, summary: "The \(collection.rawValue) collection", tag: "ogc", parameters: [.lang],
                    responses: [.ok(MediaType.json), OGCController.notModified],
                    handler: { request, context, input in
                        var json = JSONWriter()
                        describe(collection, base: origin.base(for: request, context: context), language: input.query.language(of: request), to: &json)
                        return OGCResponse.make(request, body: json.bytes, contentType: MediaType.json, language: input.query.language(of: request))
                    }),
                Endpoint(
                    method: .get, path: base + "/items", summary: "Features of \(collection.rawValue)", tag: "ogc",
                    parameters: [
                        Self.bbox,
                        .query("limit", .integer(minimum: 1, maximum: nil), "Page size; values above 1000 are reduced to it", default: .number(100)),
                        .query("offset", .integer(minimum: 0, maximum: nil), "Index of the first feature of the page", default: .number(0)), .lang,
                    ] + (collection == .projects ? [Self.status] : []),
                    responses: [.ok(MediaType.geoJSON), OGCController.notModified],
                    handler: { request, context, input in items(collection, request, context, input.query) }),
                Endpoint(
                    method: .get, path: base + "/items/{featureId}", summary: "One feature of \(collection.rawValue)", tag: "ogc",
                    parameters: [.path("featureId", "The dataset id of the feature"), .lang],
                    responses: [.ok(MediaType.geoJSON), OGCController.notModified, .error(404, "No feature with that id")],
                    handler: { request, context, input in try feature(collection, request, context, input.query) }),
                Endpoint(
                    method: .get, path: base + "/queryables", summary: "Queryable properties of \(collection.rawValue)", tag: "ogc",
                    parameters: [.lang], responses: [.ok(MediaType.schemaJSON), OGCController.notModified],
                    handler: { request, context, _ in queryables(collection, request, context) }),
            ]
        }
        endpoints += [
            Endpoint(
                method: .get, path: "/projects", summary: "The city's projects: planned, under construction, done", tag: "citizens",
                parameters: [Self.status, Self.bbox, .lang], responses: [.ok(MediaType.geoJSON), OGCController.notModified],
                handler: { request, _, input in
                    let layers = services.snapshots.snapshot.information
                    let found = layers.projects(status: input.query.string("status").flatMap(ProjectStatus.init(rawValue:)), meeting: input.query.bbox())
                    var out = GeoJSONWriter()
                    out.beginFeatureCollection()
                    for project in found { Self.write(project, into: &out) }
                    out.endFeatureCollection(members: ["numberReturned": .number(Double(found.count))])
                    return OGCResponse.make(request, body: out.takeBytes(), contentType: MediaType.geoJSON, language: input.query.language(of: request))
                }),
            Endpoint(
                method: .get, path: "/facilities/{facility}/inspections",
                summary: "Every inspection of a facility (LIVES feed), newest first, with its violations", tag: "citizens",
                parameters: [.path("facility", "The facility's id"), .lang],
                responses: [.ok(MediaType.json), .error(404, "No facility with that id")],
                handler: { request, context, input in try inspections(request, context, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "/stats/districts",
                summary: "Per district: area of each land use, green space per parcel area, facilities per category, open reports",
                tag: "citizens", parameters: [.lang], responses: [.ok(MediaType.json)],
                handler: { request, _, input in try await districtStatistics(request, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "/sensitive-sites", summary: "Sensitive sites (critical infrastructure): planners and administrators only",
                tag: "planners", access: .role(.planner), parameters: [Self.bbox, .lang], responses: [.ok(MediaType.geoJSON)],
                handler: { request, _, input in
                    let sites = services.snapshots.snapshot.information.sensitiveSites(meeting: input.query.bbox())
                    var out = GeoJSONWriter()
                    out.beginFeatureCollection()
                    for site in sites {
                        out.beginFeature(id: site.id)
                        out.json.key("id"); out.json.string(site.id)
                        out.json.key("name_fa"); out.json.string(site.nameFa)
                        out.json.key("name_en"); out.json.string(site.nameEn)
                        out.json.key("kind"); out.json.string(site.kind)
                        out.endFeature(geometry: site.geometry)
                    }
                    out.endFeatureCollection(members: ["numberReturned": .number(Double(sites.count))])
                    // Never cached by a shared cache: the answer is for this key's holder alone.
                    return OGCResponse.make(
                        request, body: out.takeBytes(), contentType: MediaType.geoJSON, language: input.query.language(of: request),
                        cacheControl: "private, no-store")
                }),
        ]
        return endpoints
    }

    // MARK: - OGC

    private func describe(_ collection: Collection, base: String, language: Language, to json: inout JSONWriter) {
        let path = "\(base)/collections/\(collection.rawValue)"
        json.beginObject()
        json.key("id"); json.string(collection.rawValue)
        json.key("title"); json.string(collection.title(language))
        json.key("itemType"); json.string("feature")
        json.key("links")
        OGCLink.write(
            [
                OGCLink(path, rel: "self", type: MediaType.json, title: nil),
                OGCLink(path + "/items", rel: "items", type: MediaType.geoJSON, title: nil),
                OGCLink(path + "/queryables", rel: OGC.queryablesRel, type: MediaType.schemaJSON, title: nil),
            ], to: &json)
        let layers = services.snapshots.snapshot.information
        let boxes = collection == .districts ? layers.districts.map(\.geometry.bbox) : layers.projects.map(\.geometry.bbox)
        if let first = boxes.first {
            OGCController.writeExtent(boxes.dropFirst().reduce(first) { $0.union($1) }, to: &json)
        }
        // OGC 18-058r1 §6.2: these collections are offered in CRS84 alone.
        json.key("crs")
        json.beginArray()
        json.string(FeatureCRS.crs84.uri)
        json.endArray()
        json.key("storageCrs"); json.string(FeatureCRS.crs84.uri)
        json.endObject()
    }

    /// Writes the collections' descriptions into `/collections`' array.
    func describeAll(base: String, language: Language, to json: inout JSONWriter) {
        for collection in Collection.allCases { describe(collection, base: base, language: language, to: &json) }
    }

    private func features(_ collection: Collection, bbox: BoundingBox?, status: ProjectStatus?) -> [(id: String, write: (inout GeoJSONWriter) -> Void)] {
        let layers = services.snapshots.snapshot.information
        switch collection {
        case .districts:
            return layers.districts.filter { bbox == nil || $0.geometry.bbox.intersects(bbox!) }.map { district in
                (district.id, { Self.write(district, into: &$0) })
            }
        case .projects:
            return layers.projects(status: status, meeting: bbox).map { project in (project.id, { Self.write(project, into: &$0) }) }
        }
    }

    /// OGC 17-069r4 §7.15: a page, `numberMatched` exact, `next` and `prev` links repeating the query.
    private func items(_ collection: Collection, _ request: Request, _ context: ZaminRequestContext, _ query: QueryReader) -> Response {
        let language = query.language(of: request)
        let matched = features(collection, bbox: query.bbox(), status: query.string("status").flatMap(ProjectStatus.init(rawValue:)))
        let limit = min(query.int("limit") ?? 100, 1000)
        let offset = query.int("offset") ?? 0
        let page = matched.dropFirst(offset).prefix(limit)
        let base = origin.base(for: request, context: context) + "/collections/\(collection.rawValue)/items"
        let kept = query.pairs.filter { $0.0 != "offset" && $0.0 != "limit" }
        func link(offset: Int) -> String {
            base + QueryParameters.encode(kept + [("limit", String(limit)), ("offset", String(offset))])
        }
        var links = [OGCLink(link(offset: offset), rel: "self", type: MediaType.geoJSON, title: nil)]
        if offset + limit < matched.count { links.append(OGCLink(link(offset: offset + limit), rel: "next", type: MediaType.geoJSON, title: nil)) }
        if offset > 0 { links.append(OGCLink(link(offset: max(0, offset - limit)), rel: "prev", type: MediaType.geoJSON, title: nil)) }
        var out = GeoJSONWriter()
        out.beginFeatureCollection()
        for feature in page { feature.write(&out) }
        out.json.endArray()
        out.json.key("numberMatched"); out.json.number(matched.count)
        out.json.key("numberReturned"); out.json.number(page.count)
        out.json.key("links"); OGCLink.write(links, to: &out.json)
        out.json.endObject()
        return OGCResponse.make(request, body: out.takeBytes(), contentType: MediaType.geoJSON, language: language, links: links)
    }

    private func feature(_ collection: Collection, _ request: Request, _ context: ZaminRequestContext, _ query: QueryReader) throws -> Response {
        let id = context.parameters.get("featureId") ?? ""
        guard let found = features(collection, bbox: nil, status: nil).first(where: { $0.id == id }) else {
            throw APIError.notFound(.unknownFeature)
        }
        var out = GeoJSONWriter()
        found.write(&out)
        return OGCResponse.make(request, body: out.takeBytes(), contentType: MediaType.geoJSON, language: query.language(of: request))
    }

    /// OGC 19-079r2 Part 3 §6.2: a JSON Schema of the properties.
    private func queryables(_ collection: Collection, _ request: Request, _ context: ZaminRequestContext) -> Response {
        var json = JSONWriter()
        json.beginObject()
        json.key("$schema"); json.string("https://json-schema.org/draft/2020-12/schema")
        json.key("$id"); json.string(origin.base(for: request, context: context) + "/collections/\(collection.rawValue)/queryables")
        json.key("type"); json.string("object")
        json.key("title"); json.string(collection.rawValue)
        json.key("properties")
        json.beginObject()
        json.key("geometry")
        json.beginObject()
        json.key("format"); json.string(collection == .districts ? "geometry-polygon-or-multipolygon" : "geometry-any")
        json.endObject()
        for queryable in collection.queryables {
            json.key(queryable.name)
            json.beginObject()
            json.key("type"); json.string(queryable.type)
            if let values = queryable.values {
                json.key("enum")
                json.beginArray()
                for value in values { json.string(value) }
                json.endArray()
            }
            json.endObject()
        }
        json.endObject()
        json.key("additionalProperties"); json.bool(false)
        json.endObject()
        return OGCResponse.make(request, body: json.bytes, contentType: MediaType.schemaJSON)
    }

    // MARK: - features

    static func write(_ district: District, into out: inout GeoJSONWriter) {
        out.beginFeature(id: district.id)
        out.json.key("id"); out.json.string(district.id)
        out.json.key("name_fa"); out.json.string(district.nameFa)
        out.json.key("name_en"); out.json.string(district.nameEn)
        out.endFeature(geometry: .polygonal(district.geometry))
    }

    static func write(_ project: CityProject, into out: inout GeoJSONWriter) {
        out.beginFeature(id: project.id)
        out.json.key("id"); out.json.string(project.id)
        out.json.key("name_fa"); out.json.string(project.nameFa)
        out.json.key("name_en"); out.json.string(project.nameEn)
        out.json.key("status"); out.json.string(project.status.rawValue)
        out.json.key("budget"); if let budget = project.budget { out.json.number(budget) } else { out.json.null() }
        out.json.key("start_date"); if let date = project.startDate { out.json.string(date) } else { out.json.null() }
        out.json.key("end_date"); if let date = project.endDate { out.json.string(date) } else { out.json.null() }
        out.json.key("contractor"); if let contractor = project.contractor { out.json.string(contractor) } else { out.json.null() }
        out.json.key("progress_pct"); if let progress = project.progressPercent { out.json.number(progress) } else { out.json.null() }
        out.endFeature(geometry: project.geometry)
    }

    /// "Your district" of `/lookup`: its id and both names, or null.
    static func writeDistrict(_ district: District?, into json: inout JSONWriter) {
        guard let district else { return json.null() }
        json.beginObject()
        json.key("id"); json.string(district.id)
        json.key("name_fa"); json.string(district.nameFa)
        json.key("name_en"); json.string(district.nameEn)
        json.endObject()
    }

    // MARK: - inspections

    private func inspections(_ request: Request, _ context: ZaminRequestContext, language: Language) throws -> Response {
        let snapshot = services.snapshots.snapshot
        let id = FacilityID(try context.parameters.require("facility"))
        guard let position = snapshot.facilityPosition[id] else { throw APIError.notFound(.unknownFeature) }
        let facility = snapshot.facilities[Int(position)]
        let feed = snapshot.information.inspections
        var json = JSONWriter()
        json.beginObject()
        json.key("facility"); json.string(id.rawValue)
        json.key("name"); if let name = language == .fa ? facility.nameFa ?? facility.nameEn : facility.nameEn ?? facility.nameFa { json.string(name) } else { json.null() }
        json.key("category"); json.string(facility.category.rawValue)
        json.key("grades"); json.beginArray(); for grade in feed.gradesBestFirst { json.string(grade) }; json.endArray()
        json.key("stale_after_days"); json.number(FacilityInspections.staleDays)
        json.key("latest")
        if let latest = feed.latest(for: id) {
            FeatureJSON.inspectionValue(latest, into: &json)
        } else {
            json.null()
        }
        json.key("inspections")
        json.beginArray()
        for inspection in feed.inspections(of: id) {
            json.beginObject()
            json.key("date"); json.string(inspection.date.iso8601)
            json.key("score"); if let score = inspection.score { json.number(score) } else { json.null() }
            json.key("grade"); if let grade = inspection.score.flatMap({ feed.feed?.scheme.grade(forScore: $0) }) { json.string(grade) } else { json.null() }
            json.key("type"); if let type = inspection.type { json.string(type) } else { json.null() }
            json.key("description"); if let text = inspection.description { json.string(text) } else { json.null() }
            json.key("violations")
            json.beginArray()
            for violation in inspection.violations {
                json.beginObject()
                json.key("code"); if let code = violation.code { json.string(code) } else { json.null() }
                json.key("description"); if let text = violation.description { json.string(text) } else { json.null() }
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return OGCResponse.make(request, body: json.bytes, contentType: MediaType.json, language: language)
    }

    // MARK: - statistics

    private func districtStatistics(_ request: Request, language: Language) async throws -> Response {
        let figures: [DistrictFigures]
        do { figures = try await services.districtFigures() } catch { throw APIError(error) }
        var json = JSONWriter()
        json.beginObject()
        json.key("districts")
        json.beginArray()
        for figure in figures {
            json.beginObject()
            json.key("id"); json.string(figure.district.id)
            json.key("name_fa"); json.string(figure.district.nameFa)
            json.key("name_en"); json.string(figure.district.nameEn)
            json.key("parcels"); json.number(figure.parcels)
            json.key("parcel_area_m2"); json.number(figure.parcelAreaSquareMeters, decimals: 1)
            json.key("area_by_use_m2")
            json.beginObject()
            for (use, area) in figure.areaByUse {
                json.key(use.rawValue)
                json.number(area, decimals: 1)
            }
            json.endObject()
            json.key("green_area_m2"); json.number(figure.greenAreaSquareMeters, decimals: 1)
            json.key("green_share"); if let share = figure.greenShare { json.number(share, decimals: 6) } else { json.null() }
            json.key("facilities")
            json.beginObject()
            for (category, count) in figure.facilitiesByCategory {
                json.key(category.rawValue)
                json.number(count)
            }
            json.endObject()
            json.key("open_reports"); json.number(figure.openReports)
            json.endObject()
        }
        json.endArray()
        json.key("green_uses")
        json.beginArray()
        for use in DistrictFigures.greenUses.sorted() { json.string(use.rawValue) }
        json.endArray()
        json.endObject()
        return OGCResponse.make(request, body: json.bytes, contentType: MediaType.json, language: language, cacheControl: "no-cache")
    }
}
