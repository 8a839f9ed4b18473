import Hummingbird
import GeoCore
import GeoFormats
import LandModel
import LandService

/// Citizen services: what is on my plot and what may I build (`/lookup`, `/zoning-check`),
/// what is nearest (`/nearest`), and search (`/search`). Answers come from the in-memory
/// snapshot: no SQL on these paths.
struct CitizenController: Sendable {
    let services: LandServices
    let facilityTexts: FacilityTexts

    init(services: LandServices) {
        self.services = services
        facilityTexts = FacilityTexts(services.snapshots.snapshot)
    }

    /// The four citizen GETs. Each has an inline answer (`InlineAnswerHandler` answers it on the
    /// event loop that read it) and the router's, which is the same function; `/lookup` of a past
    /// city (`datetime=`) reads history from the store, which is async, so only the router answers it.
    var endpoints: [Endpoint] {
        let snapshot = services.snapshots.snapshot
        let categories = snapshot.categories.map(\.rawValue)
        let uses = snapshot.landUses.map(\.rawValue)
        let zoneCodes = snapshot.rules.keys.sorted().map(\.rawValue)
        let lon = EndpointParameter.query("lon", .number(minimum: -180, maximum: 180), "Longitude, WGS 84 degrees")
        let lat = EndpointParameter.query("lat", .number(minimum: -90, maximum: 90), "Latitude, WGS 84 degrees")
        let categoryList = EndpointParameter.query("category", .listOf(categories), "Facility categories, comma-separated")
        // The inspection feed's grades, best first, as the city was at start-up (as the
        // categories are); NYC's letters when it has no feed.
        let feedGrades = snapshot.information.inspections.gradesBestFirst
        let grades = feedGrades.isEmpty ? ["A", "B", "C"] : feedGrades
        return [
            Endpoint(
                method: .get, path: "/lookup", summary: "The parcel at a point (or by id), its zone, rules, conformity and nearest amenities",
                tag: "citizens",
                parameters: [
                    lon, lat, .query("parcel", .text(maxLength: 200), "A parcel id instead of a point (then no lon and lat)"),
                    .query("datetime", .dateTime, "RFC 3339 date-time: the plot as the city was then"), .lang,
                ],
                responses: [
                    .ok(MediaType.json, description: "Success; with a planner's key (Authorization: Bearer), also the zone's open problem reports"),
                    .error(401, "An Authorization header with a key that is not valid"), .error(403, "A key below the planner role"),
                    .error(404, "No parcel with that id"),
                ],
                handler: { request, _, input in
                    let snapshot = try await services.snapshot(at: input.query.instant("datetime"))
                    // A planner's key adds the open problem reports of the zone (issue 20 point 7).
                    guard request.headers[.authorization] != nil else { return try lookUp(input.query, of: request, in: snapshot).response }
                    _ = try await Authenticator(services: services).require(.planner, request)
                    let zone = try place(input.query, in: snapshot).zoneCode
                    let reports = try await openReports(in: zone)
                    return try lookUp(input.query, of: request, in: snapshot, openReports: reports).response
                },
                inline: { request, query throws(APIError) in
                    guard query.string("datetime") == nil, request.headers[.authorization] == nil else { return nil }
                    return try inCurrentCity { snapshot throws(APIError) in try lookUp(query, of: request, in: snapshot) }
                }),
            Endpoint(
                method: .get, path: "/nearest", summary: "The k nearest facilities with geodesic distances", tag: "citizens",
                parameters: [
                    lon.required, lat.required,
                    .query("k", .integer(minimum: 1, maximum: 100), "How many facilities", default: .number(5)),
                    categoryList,
                    .query("max_distance_m", .number(minimum: 0, maximum: nil, exclusiveMinimum: true), "Maximum distance in metres"),
                    .query(
                        "min_grade", .oneOf(grades),
                        "Only inspected facilities whose latest grade is this or better (A, B, C with NYC letters; else the feed's legend)"),
                    .lang,
                ],
                responses: [.ok(MediaType.geoJSON)],
                handler: { request, _, input in
                    try inCurrentCity { snapshot throws(APIError) in try nearest(input.query, of: request, in: snapshot) }.response
                },
                inline: { request, query throws(APIError) in
                    try inCurrentCity { snapshot throws(APIError) in try nearest(query, of: request, in: snapshot) }
                }),
            Endpoint(
                method: .get, path: "/zoning-check", summary: "May this use and height be built on the parcel", tag: "citizens",
                parameters: [
                    .query("parcel", .text(maxLength: 200), "Parcel id", required: true),
                    .query("use", .oneOf(uses), "Proposed land use", required: true),
                    .query("floors", .integer(minimum: 0, maximum: 200), "Proposed floors", required: true),
                    .query("coverage_pct", .number(minimum: 0, maximum: 100, exclusiveMinimum: true), "Proposed ground coverage in percent"),
                    .lang,
                ],
                responses: [
                    .ok(MediaType.json), .error(404, "No parcel with that id"),
                    .error(422, "The parcel lies in no zone with rules"),
                ],
                handler: { request, _, input in
                    try inCurrentCity { snapshot throws(APIError) in try zoningCheck(input.query, of: request, in: snapshot) }.response
                },
                inline: { request, query throws(APIError) in
                    try inCurrentCity { snapshot throws(APIError) in try zoningCheck(query, of: request, in: snapshot) }
                }),
            Endpoint(
                method: .get, path: "/search",
                summary: "Facilities by name (Persian or English) and parcels by id or address; or parcels of a use or zone", tag: "citizens",
                parameters: [
                    .query("q", .text(maxLength: 200), "Search text"), categoryList,
                    .query(
                        "group", .oneOf(SearchGroup.allCases.map(\.rawValue) + [Self.businessOpportunities]),
                        "Facilities of a search group (hotels_lodging, restaurants, historic_places, recreation, trade_guilds, health_medical), "
                            + "or business_opportunities: tenders taking bids and vacant parcels whose zone allows commercial use"),
                    .query("use", .oneOf(uses), "Parcels of this land use"),
                    .query("zone", .oneOf(zoneCodes), "Parcels of this zone code"),
                    .query("bbox", .boundingBox(allowsHeights: false), "minLon,minLat,maxLon,maxLat (WGS 84)"),
                    .query("limit", .integer(minimum: 1, maximum: 1000), "Maximum results", default: .number(20)), .lang,
                ],
                responses: [.ok(MediaType.geoJSON)],
                handler: { request, _, input in
                    // Business opportunities read the open tenders from the store: the router's answer only.
                    if input.query.string("group") == Self.businessOpportunities {
                        let tenders: [Tender]
                        do throws(ServiceError) { tenders = try await services.tenders(openOnly: true) } catch { throw APIError(error) }
                        return try inCurrentCity { snapshot throws(APIError) in
                            try businessOpportunities(input.query, of: request, in: snapshot, tenders: tenders)
                        }.response
                    }
                    return try inCurrentCity { snapshot throws(APIError) in try search(input.query, of: request, in: snapshot) }.response
                },
                inline: { request, query throws(APIError) in
                    guard query.string("group") != Self.businessOpportunities else { return nil }
                    return try inCurrentCity { snapshot throws(APIError) in try search(query, of: request, in: snapshot) }
                }),
        ]
    }

    /// `answer` on the current snapshot in place (`PublishedSnapshot.withSnapshot`: no copy). The
    /// closures name their error type: Swift 6.3 infers `any Error` for them otherwise.
    private func inCurrentCity(
        _ answer: (borrowing CitySnapshot) throws(APIError) -> JSONAnswer
    ) throws(APIError) -> JSONAnswer {
        try services.snapshots.published.withSnapshot(answer)
    }

    // MARK: - /lookup

    /// What the query asks about: a parcel by id, or the point.
    private func place(_ query: QueryReader, in snapshot: borrowing CitySnapshot) throws(APIError) -> LookupAnswer {
        if let parcelID = query.string("parcel") {
            guard query.string("lon") == nil, query.string("lat") == nil else {
                throw APIError.invalidParameter("parcel", .parcelOrPoint)
            }
            return snapshot.lookUp(parcelAt: try position(of: parcelID, in: snapshot))
        }
        return snapshot.lookUp(at: try query.coordinate())
    }

    /// The open and in-progress problem reports at points of zone code `zone`, newest first (none without a zone).
    private func openReports(in zone: ZoneCode?) async throws -> [ProblemReport] {
        guard let zone else { return [] }
        do {
            // One pass over the zone's reports for both open statuses (the store query reads them all either way).
            let zoneReports = try await services.reports(ReportFilter(zone: zone), limit: Int(Int32.max))
            return Array(zoneReports.filter(\.status.isOpen).sorted { $0.id > $1.id }.prefix(2000))
        } catch {
            throw APIError(error)
        }
    }

    private func lookUp(
        _ query: QueryReader, of request: Request, in snapshot: borrowing CitySnapshot, openReports: [ProblemReport]? = nil
    ) throws(APIError) -> JSONAnswer {
        let language = query.language(of: request)
        let answer = try place(query, in: snapshot)
        var out = GeoJSONWriter(decimals: 7, reservingCapacity: 4096)
        out.json.beginObject()
        out.json.key("parcel")
        if let position = answer.parcel {
            FeatureJSON.parcel(at: Int(position), of: snapshot, language: language, into: &out)
        } else {
            out.json.null()
        }
        out.json.key("zone")
        if let zonePosition = answer.zones.first(where: { snapshot.zones[Int($0)].code == answer.zoneCode }) ?? answer.zones.first {
            FeatureJSON.zoneSummary(snapshot.zones[Int(zonePosition)], language: language, into: &out.json)
        } else if let code = answer.zoneCode {
            out.json.beginObject()
            out.json.key("code")
            out.json.string(code.rawValue)
            out.json.endObject()
        } else {
            out.json.null()
        }
        out.json.key("district")
        CityInformationController.writeDistrict(answer.district, into: &out.json)
        out.json.key("rules")
        if let rule = answer.rule { FeatureJSON.rule(rule, language: language, into: &out.json) } else { out.json.null() }
        out.json.key("conformity")
        if let conformity = answer.conformity, let position = answer.parcel, let use = snapshot.parcels.values[Int(position)].currentUse {
            out.json.beginObject()
            out.json.key("conforms")
            out.json.bool(conformity != .notAllowed)
            out.json.key("status")
            out.json.string(conformity.rawValue)
            out.json.key("message")
            out.json.string(Message.conformity(conformity, use: use, zone: answer.zoneCode?.rawValue ?? "").text(in: language))
            out.json.endObject()
        } else {
            out.json.null()
        }
        out.json.key("nearest")
        out.json.beginObject()
        for (category, found) in answer.nearest {
            out.json.key(category.rawValue)
            if let found {
                facilitySummary(at: Int(found.position), of: snapshot, distanceMeters: found.distanceMeters, language: language, into: &out.json)
            } else {
                out.json.null()
            }
        }
        out.json.endObject()
        if let openReports {
            // For planners only (the handler checked the key): what citizens report in the zone, without who.
            out.json.key("open_reports")
            out.json.beginArray()
            for report in openReports {
                out.json.beginObject()
                out.json.key("id"); out.json.number(report.id)
                out.json.key("service_code"); out.json.string(report.serviceCode.rawValue)
                out.json.key("status"); out.json.string(report.status.rawValue)
                out.json.key("lon"); out.json.number(report.longitude, decimals: 7)
                out.json.key("lat"); out.json.number(report.latitude, decimals: 7)
                out.json.key("parcel_id"); if let parcel = report.parcelID { out.json.string(parcel.rawValue) } else { out.json.null() }
                out.json.key("submitted_at"); out.json.string(report.submittedAt)
                out.json.key("confirmations"); out.json.number(report.confirmations)
                out.json.endObject()
            }
            out.json.endArray()
        }
        out.json.endObject()
        return JSONAnswer(contentType: "application/json", language: language, bytes: out.takeBytes())
    }

    /// `FeatureJSON.facilitySummary` from the pre-rendered properties when they are valid.
    private func facilitySummary(
        at position: Int, of snapshot: CitySnapshot, distanceMeters: Double, language: Language, into json: inout JSONWriter
    ) {
        guard facilityTexts.matches(snapshot) else {
            FeatureJSON.facilitySummary(
                snapshot.facilities[position], distanceMeters: distanceMeters, language: language,
                inspection: snapshot.information.inspections.latest(for: snapshot.facilities[position].id), into: &json)
            return
        }
        json.beginObject()
        facilityTexts.writeProperties(of: position, language: language, into: &json)
        FeatureJSON.inspection(snapshot.information.inspections.latest(for: snapshot.facilities[position].id), into: &json)
        FeatureJSON.summaryTail(distanceMeters: distanceMeters, location: snapshot.facilities[position].location, into: &json)
        json.endObject()
    }

    // MARK: - /nearest

    /// `snapshot` is borrowed from `SnapshotHolder.published` (no copy of the struct).
    private func nearest(_ query: QueryReader, of request: Request, in snapshot: borrowing CitySnapshot) throws(APIError) -> JSONAnswer {
        let language = query.language(of: request)
        let point = try query.coordinate()
        let k = query.int("k") ?? 5
        let categories = categorySet(query)
        let maxDistance = query.double("max_distance_m") ?? .infinity
        let found: [NearbyFacility]
        if let grade = query.string("min_grade") {
            // Only facilities whose latest scored inspection has this grade or a better one.
            // A grade of the declared list that the current feed does not grade by (no feed, or
            // a feed synced since start-up) admits no facility.
            found = snapshot.nearestInspected(to: point, k: k, categories: categories, minimumGrade: grade, maxDistanceMeters: maxDistance)
        } else {
            found = snapshot.nearestFacilities(to: point, k: k, categories: categories, maxDistanceMeters: maxDistance)
        }
        var out = GeoJSONWriter(decimals: 7, reservingCapacity: 512 * found.count + 256)
        out.beginFeatureCollection()
        let rendered = facilityTexts.matches(snapshot)
        for (rank, item) in found.enumerated() {
            let position = Int(item.position)
            out.beginFeature(id: snapshot.facilities[position].id.rawValue)
            if rendered {
                facilityTexts.writeProperties(of: position, language: language, into: &out.json)
            } else {
                FeatureJSON.facilityProperties(snapshot.facilities[position], options: .domain(language), into: &out.json)
            }
            FeatureJSON.inspection(snapshot.information.inspections.latest(for: snapshot.facilities[position].id), into: &out.json)
            out.json.key("distance_m")
            out.json.number(item.distanceMeters, decimals: 2)
            out.json.key("rank")
            out.json.number(rank + 1)
            if rendered {
                out.endFeature(geometryOf: position, in: facilityTexts.points)
            } else {
                out.endFeature(geometry: .point(snapshot.facilities[position].location))
            }
        }
        out.json.endArray()
        out.json.key("numberReturned")
        out.json.number(found.count)
        out.json.key("query")
        out.json.beginObject()
        out.json.key("lon")
        out.json.number(point.lon, decimals: 7)
        out.json.key("lat")
        out.json.number(point.lat, decimals: 7)
        out.json.key("k")
        out.json.number(k)
        out.json.endObject()
        out.json.endObject()
        return JSONAnswer(contentType: "application/geo+json", language: language, bytes: out.takeBytes())
    }

    // MARK: - /zoning-check

    private func zoningCheck(_ query: QueryReader, of request: Request, in snapshot: borrowing CitySnapshot) throws(APIError) -> JSONAnswer {
        let language = query.language(of: request)
        // All three are declared required and valid (`use` one of the catalogue's uses).
        let position = try position(of: query.string("parcel") ?? "", in: snapshot)
        let use = LandUse(query.string("use") ?? "")
        let floors = query.int("floors") ?? 0
        let coverage = query.double("coverage_pct")
        guard let verdict = snapshot.checkZoning(parcelAt: position, proposal: ZoningProposal(use: use, floors: floors, coveragePercent: coverage))
        else {
            throw APIError(status: .unprocessableContent, code: "NoZone", message: .parcelHasNoZone(snapshot.parcels.values[Int(position)].id.rawValue))
        }
        var json = JSONWriter(reservingCapacity: 2048)
        FeatureJSON.verdict(parcelID: verdict.parcelID, ZoningVerdictRecord(verdict), language: language, into: &json)
        return JSONAnswer(contentType: "application/json", language: language, bytes: json.takeBytes())
    }

    // MARK: - /search

    private func search(_ query: QueryReader, of request: Request, in snapshot: borrowing CitySnapshot) throws(APIError) -> JSONAnswer {
        let language = query.language(of: request)
        let text = query.string("q")
        if let text, isBlankSearchText(text) { throw APIError.invalidParameter("q", .emptyQuery) }
        var categories = categorySet(query)
        if let group = query.string("group").flatMap(SearchGroup.init(rawValue:)) {
            // A group's categories of this dataset, and of `category` too when both are given.
            let inGroup = Set(snapshot.categories.filter(group.contains))
            categories = categories.map { $0.intersection(inGroup) } ?? inGroup
        }
        // `use` and `zone` are declared as the catalogue's values (checked on reading the query).
        let use = query.string("use").map(LandUse.init)
        let zoneCode = query.string("zone").map(ZoneCode.init)
        guard text != nil || categories != nil || use != nil || zoneCode != nil else {
            throw APIError.invalidParameter("q", .emptyQuery)
        }
        if categories != nil, use != nil || zoneCode != nil {
            throw APIError.invalidParameter(query.string("category") == nil ? "group" : "category", .categoryWithParcelFilter)
        }
        let limit = query.int("limit") ?? 20
        let result = snapshot.search(
            SearchQuery(text: text, categories: categories, landUse: use, zoneCode: zoneCode, bbox: query.bbox(), limit: limit))
        var out = GeoJSONWriter(decimals: 7, reservingCapacity: 1024 * result.hits.count + 256)
        out.beginFeatureCollection()
        for hit in result.hits {
            switch hit.kind {
            case .facility:
                let facility = snapshot.facilities[Int(hit.position)]
                out.beginFeature(id: facility.id.rawValue)
                out.json.key("kind")
                out.json.string("facility")
                out.json.key("match")
                out.json.string(text == nil ? "filter" : searchMatchNames[hit.rank])
                FeatureJSON.facilityProperties(facility, options: .domain(language), into: &out.json)
                out.endFeature(geometry: .point(facility.location))
            case .parcel:
                let parcel = snapshot.parcels.values[Int(hit.position)]
                out.beginFeature(id: parcel.id.rawValue)
                out.json.key("kind")
                out.json.string("parcel")
                out.json.key("match")
                out.json.string(text == nil ? "filter" : searchMatchNames[hit.rank])
                FeatureJSON.parcelProperties(parcel, zoneCode: snapshot.zoneCode(ofParcelAt: hit.position), options: .domain(language), into: &out.json)
                FeatureJSON.parcelGeometry(at: Int(hit.position), of: snapshot, into: &out)
            }
        }
        out.json.endArray()
        out.json.key("numberMatched")
        out.json.number(result.total)
        out.json.key("numberReturned")
        out.json.number(result.hits.count)
        // Issue 21 point 5: what every match counts, per search group and per category.
        out.json.key("facets")
        out.json.beginObject()
        out.json.key("groups")
        out.json.beginArray()
        for (group, count) in result.groups {
            out.json.beginObject()
            out.json.key("id"); out.json.string(group.rawValue)
            out.json.key("name"); out.json.string(language == .fa ? group.nameFa : group.nameEn)
            out.json.key("count"); out.json.number(count)
            out.json.endObject()
        }
        out.json.endArray()
        out.json.key("categories")
        out.json.beginObject()
        for category in result.facilitiesByCategory.keys.sorted() {
            out.json.key(category.rawValue)
            out.json.number(result.facilitiesByCategory[category]!)
        }
        out.json.endObject()
        out.json.key("parcels"); out.json.number(result.parcels)
        out.json.endObject()
        out.json.endObject()
        return JSONAnswer(contentType: "application/geo+json", language: language, bytes: out.takeBytes())
    }


    /// The `group` of tenders taking bids and vacant commercial parcels (issue 21 point 3).
    static let businessOpportunities = "business_opportunities"

    /// Open tenders first (by opening time), then vacant parcels whose zone allows commercial use,
    /// each kept when `q` (folded as every search folds) is in a tender's title or the parcel's
    /// id or address, and a parcel when it meets `bbox`.
    private func businessOpportunities(
        _ query: QueryReader, of request: Request, in snapshot: borrowing CitySnapshot, tenders: [Tender]
    ) throws(APIError) -> JSONAnswer {
        let language = query.language(of: request)
        if let text = query.string("q"), isBlankSearchText(text) { throw APIError.invalidParameter("q", .emptyQuery) }
        for name in ["category", "use", "zone"] where query.string(name) != nil {
            throw APIError.invalidParameter(name, .categoryWithParcelFilter)
        }
        let needle = query.string("q").map(SearchText.normalized)
        func matches(_ texts: [String?]) -> Bool {
            guard let needle else { return true }
            return texts.contains { $0.map { SearchText.normalized($0).contains(needle) } ?? false }
        }
        let open = tenders.filter { matches([$0.notice.title.fa, $0.notice.title.en]) }.sorted { ($0.notice.opensAt, $0.id) < ($1.notice.opensAt, $1.id) }
        var parcels: [Int32] = []
        for position in snapshot.vacantCommercialParcels(bbox: query.bbox()) {
            let parcel = snapshot.parcels.values[Int(position)]
            if matches([parcel.id.rawValue, parcel.address]) { parcels.append(position) }
        }
        let limit = query.int("limit") ?? 20
        var out = GeoJSONWriter(decimals: 7, reservingCapacity: 4096)
        out.beginFeatureCollection()
        var written = 0
        for tender in open.prefix(limit) {
            out.beginFeature(id: tender.id.rawValue)
            out.json.key("kind"); out.json.string("tender")
            out.json.key("title"); out.json.string(language == .fa ? tender.notice.title.fa : tender.notice.title.en)
            out.json.key("tender_kind"); out.json.string(tender.notice.kind.rawValue)
            out.json.key("opens_at"); out.json.string(tender.notice.opensAt)
            out.json.key("reserve_price"); out.json.string(String(tender.notice.reservePrice))
            out.json.key("deposit"); out.json.string(String(tender.notice.deposit))
            out.json.key("parcels")
            out.json.beginArray()
            for parcel in tender.notice.parcels { out.json.string(parcel.rawValue) }
            out.json.endArray()
            // Located at its first parcel that still exists, else unlocated (RFC 7946 §3.2).
            var located: Int32?
            for parcel in tender.notice.parcels where located == nil { located = snapshot.parcelPosition[parcel] }
            if let located {
                FeatureJSON.parcelGeometry(at: Int(located), of: snapshot, into: &out)
            } else {
                out.endFeature(geometry: nil)
            }
            written += 1
        }
        for position in parcels.prefix(max(0, limit - written)) {
            let parcel = snapshot.parcels.values[Int(position)]
            out.beginFeature(id: parcel.id.rawValue)
            out.json.key("kind"); out.json.string("parcel")
            FeatureJSON.parcelProperties(parcel, zoneCode: snapshot.zoneCode(ofParcelAt: position), options: .domain(language), into: &out.json)
            FeatureJSON.parcelGeometry(at: Int(position), of: snapshot, into: &out)
            written += 1
        }
        out.json.endArray()
        out.json.key("numberMatched"); out.json.number(open.count + parcels.count)
        out.json.key("numberReturned"); out.json.number(written)
        out.json.key("facets")
        out.json.beginObject()
        out.json.key("tenders"); out.json.number(open.count)
        out.json.key("parcels"); out.json.number(parcels.count)
        out.json.endObject()
        out.json.endObject()
        return JSONAnswer(contentType: "application/geo+json", language: language, bytes: out.takeBytes())
    }

    // MARK: - shared parsing

    private func position(of parcelID: String, in snapshot: borrowing CitySnapshot) throws(APIError) -> Int32 {
        guard let position = snapshot.parcelPosition[ParcelID(parcelID)] else {
            throw APIError(status: .notFound, code: "NotFound", message: .unknownParcel(parcelID), parameter: "parcel")
        }
        return position
    }

    /// `category=hospital,school`: declared as the dataset's categories (checked on reading the query).
    private func categorySet(_ query: QueryReader) -> Set<FacilityCategory>? {
        query.list("category").map { Set($0.map(FacilityCategory.init)) }
    }
}

/// How a search hit matched, by rank (0 exact, 1 prefix, 2 contains).
private let searchMatchNames = ["exact", "prefix", "contains"]

/// True when the text has nothing searchable once normalised (blank, only joiners or marks).
private func isBlankSearchText(_ text: String) -> Bool {
    SearchText.normalized(text).isEmpty
}
