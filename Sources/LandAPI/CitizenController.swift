import Hummingbird
import GeoCore
import GeoFormats
import LandModel
import LandService

/// Citizen services: what is on my plot and what may I build (`/lookup`, `/zoning-check`),
/// what is nearest (`/nearest`), and search (`/search`). Answers come from the in-memory
/// snapshot: no SQL on these paths.
struct CitizenController<Context: RequestContext>: Sendable {
    let services: LandServices
    let facilityTexts: FacilityTexts

    init(services: LandServices) {
        self.services = services
        facilityTexts = FacilityTexts(services.snapshots.snapshot.facilities)
    }

    var routes: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .get("lookup") { request, _ in
                let query = try QueryReader(request, allowed: Self.lookUpParameters)
                // `datetime=`: the city as it was at that instant (LandServices.snapshot(asOf:)).
                let snapshot = try await services.snapshot(at: try query.instant("datetime"))
                return try lookUp(query, of: request, in: snapshot).response
            }
            .get("nearest") { request, _ in
                try inCurrentCity { snapshot throws(APIError) in try nearest(request, in: snapshot) }.response
            }
            .get("zoning-check") { request, _ in
                try inCurrentCity { snapshot throws(APIError) in try zoningCheck(request, in: snapshot) }.response
            }
            .get("search") { request, _ in
                try inCurrentCity { snapshot throws(APIError) in try search(request, in: snapshot) }.response
            }
    }

    /// The same four GETs for `InlineAnswerHandler`, which answers them on the event loop that read
    /// them. nil hands the request to the router: a `/lookup` of a past city (`datetime=`) reads
    /// history from the store, which is async.
    var inlineRoutes: InlineRoutes {
        InlineRoutes([
            "/lookup": { request in
                let query = try QueryReader(request, allowed: Self.lookUpParameters)
                guard query.string("datetime") == nil else { return nil }
                return try inCurrentCity { snapshot throws(APIError) in
                    try lookUp(query, of: request, in: snapshot)
                }
            },
            "/nearest": { request in
                try inCurrentCity { snapshot throws(APIError) in try nearest(request, in: snapshot) }
            },
            "/zoning-check": { request in
                try inCurrentCity { snapshot throws(APIError) in try zoningCheck(request, in: snapshot) }
            },
            "/search": { request in
                try inCurrentCity { snapshot throws(APIError) in try search(request, in: snapshot) }
            },
        ])
    }

    /// `answer` on the current snapshot in place (`PublishedSnapshot.withSnapshot`: no copy). The
    /// closures name their error type: Swift 6.3 infers `any Error` for them otherwise.
    private func inCurrentCity(
        _ answer: (borrowing CitySnapshot) throws(APIError) -> JSONAnswer
    ) throws(APIError) -> JSONAnswer {
        try services.snapshots.published.withSnapshot(answer)
    }

    // MARK: - /lookup

    private static var lookUpParameters: [String] { ["lon", "lat", "parcel", "datetime"] }

    private func lookUp(_ query: QueryReader, of request: Request, in snapshot: borrowing CitySnapshot) throws(APIError) -> JSONAnswer {
        let language = query.language(of: request)
        let answer: LookupAnswer
        if let parcelID = query.string("parcel") {
            guard query.string("lon") == nil, query.string("lat") == nil else {
                throw APIError.invalidParameter("parcel", .parcelOrPoint)
            }
            answer = snapshot.lookUp(parcelAt: try position(of: parcelID, in: snapshot))
        } else {
            answer = snapshot.lookUp(at: try query.coordinate())
        }
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
        out.json.key("rules")
        if let rule = answer.rule { FeatureJSON.rule(rule, language: language, into: &out.json) } else { out.json.null() }
        out.json.key("conformity")
        if let conformity = answer.conformity, let position = answer.parcel, let use = snapshot.parcels[Int(position)].currentUse {
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
        out.json.endObject()
        return JSONAnswer(contentType: "application/json", language: language, bytes: out.takeBytes())
    }

    /// `FeatureJSON.facilitySummary` from the pre-rendered properties when they are valid.
    private func facilitySummary(
        at position: Int, of snapshot: CitySnapshot, distanceMeters: Double, language: Language, into json: inout JSONWriter
    ) {
        guard facilityTexts.matches(snapshot.facilities) else {
            FeatureJSON.facilitySummary(snapshot.facilities[position], distanceMeters: distanceMeters, language: language, into: &json)
            return
        }
        json.beginObject()
        facilityTexts.writeProperties(of: position, language: language, into: &json)
        FeatureJSON.summaryTail(distanceMeters: distanceMeters, location: snapshot.facilities[position].location, into: &json)
        json.endObject()
    }

    // MARK: - /nearest

    /// `snapshot` is borrowed from `SnapshotHolder.published` (no copy of the struct).
    private func nearest(_ request: Request, in snapshot: borrowing CitySnapshot) throws(APIError) -> JSONAnswer {
        let query = try QueryReader(request, allowed: ["lon", "lat", "k", "category", "max_distance_m"])
        let language = query.language(of: request)
        let point = try query.coordinate()
        let k = try query.int("k", in: 1...100) ?? 5
        let categories = try categorySet(query, snapshot: snapshot)
        var maxDistance = Double.infinity
        if let value = try query.double("max_distance_m") {
            guard value > 0 else { throw APIError.invalidParameter("max_distance_m", .mustBePositive("max_distance_m")) }
            maxDistance = value
        }
        let found = snapshot.nearestFacilities(to: point, k: k, categories: categories, maxDistanceMeters: maxDistance)
        var out = GeoJSONWriter(decimals: 7, reservingCapacity: 512 * found.count + 256)
        out.beginFeatureCollection()
        let rendered = facilityTexts.matches(snapshot.facilities)
        for (rank, item) in found.enumerated() {
            let position = Int(item.position)
            out.beginFeature(id: snapshot.facilities[position].id.rawValue)
            if rendered {
                facilityTexts.writeProperties(of: position, language: language, into: &out.json)
            } else {
                FeatureJSON.facilityProperties(snapshot.facilities[position], language: language, into: &out.json)
            }
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

    private func zoningCheck(_ request: Request, in snapshot: borrowing CitySnapshot) throws(APIError) -> JSONAnswer {
        let query = try QueryReader(request, allowed: ["parcel", "use", "floors", "coverage_pct"])
        let language = query.language(of: request)
        let position = try position(of: try query.requiredString("parcel"), in: snapshot)
        let use = LandUse(try query.requiredString("use"))
        guard snapshot.landUses.contains(use) else {
            throw APIError.invalidParameter("use", .unknownUse(use.rawValue, valid: snapshot.landUses.map(\.rawValue)))
        }
        guard let floors = try query.int("floors", in: 0...200) else {
            throw APIError.invalidParameter("floors", .missingParameter("floors"))
        }
        var coverage: Double?
        if let value = try query.double("coverage_pct") {
            guard value > 0, value <= 100 else {
                throw APIError.invalidParameter("coverage_pct", .outOfRange("coverage_pct", lower: 0, upper: 100))
            }
            coverage = value
        }
        guard let verdict = snapshot.checkZoning(parcelAt: position, proposal: ZoningProposal(use: use, floors: floors, coveragePercent: coverage))
        else {
            throw APIError(status: .unprocessableContent, code: "NoZone", message: .parcelHasNoZone(snapshot.parcels[Int(position)].id.rawValue))
        }
        var json = JSONWriter(reservingCapacity: 2048)
        FeatureJSON.verdict(verdict, language: language, into: &json)
        return JSONAnswer(contentType: "application/json", language: language, bytes: json.takeBytes())
    }

    // MARK: - /search

    private func search(_ request: Request, in snapshot: borrowing CitySnapshot) throws(APIError) -> JSONAnswer {
        let query = try QueryReader(request, allowed: ["q", "category", "use", "zone", "bbox", "limit"])
        let language = query.language(of: request)
        let text = query.string("q")
        if let text, isBlankSearchText(text) { throw APIError.invalidParameter("q", .emptyQuery) }
        let categories = try categorySet(query, snapshot: snapshot)
        var use: LandUse?
        if let value = query.string("use") {
            use = LandUse(value)
            guard snapshot.landUses.contains(use!) else {
                throw APIError.invalidParameter("use", .unknownUse(value, valid: snapshot.landUses.map(\.rawValue)))
            }
        }
        var zoneCode: ZoneCode?
        if let value = query.string("zone") {
            zoneCode = ZoneCode(value)
            guard snapshot.rules[zoneCode!] != nil else {
                throw APIError.invalidParameter("zone", .unknownZone(value, valid: snapshot.rules.keys.sorted().map(\.rawValue)))
            }
        }
        guard text != nil || categories != nil || use != nil || zoneCode != nil else {
            throw APIError.invalidParameter("q", .emptyQuery)
        }
        if categories != nil, use != nil || zoneCode != nil {
            throw APIError.invalidParameter("category", .categoryWithParcelFilter)
        }
        let limit = try query.int("limit", in: 1...1000) ?? 20
        let result = snapshot.search(
            SearchQuery(text: text, categories: categories, landUse: use, zoneCode: zoneCode, bbox: try query.bbox(), limit: limit),
            catalog: services.searchCatalog)
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
                FeatureJSON.facilityProperties(facility, language: language, into: &out.json)
                out.endFeature(geometry: .point(facility.location))
            case .parcel:
                let parcel = snapshot.parcels[Int(hit.position)]
                out.beginFeature(id: parcel.id.rawValue)
                out.json.key("kind")
                out.json.string("parcel")
                out.json.key("match")
                out.json.string(text == nil ? "filter" : searchMatchNames[hit.rank])
                FeatureJSON.parcelProperties(parcel, zoneCode: snapshot.zoneCode(ofParcelAt: hit.position), language: language, into: &out.json)
                FeatureJSON.parcelGeometry(at: Int(hit.position), of: snapshot, into: &out)
            }
        }
        out.json.endArray()
        out.json.key("numberMatched")
        out.json.number(result.total)
        out.json.key("numberReturned")
        out.json.number(result.hits.count)
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

    /// `category=hospital,school`: each must be in the dataset's vocabulary.
    private func categorySet(_ query: QueryReader, snapshot: CitySnapshot) throws(APIError) -> Set<FacilityCategory>? {
        guard let names = query.list("category") else { return nil }
        guard !names.isEmpty else { throw APIError.invalidParameter("category", .missingParameter("category")) }
        var categories = Set<FacilityCategory>()
        for name in names {
            let category = FacilityCategory(name)
            guard snapshot.facilityIndexByCategory[category] != nil else {
                throw APIError.invalidParameter(
                    "category", .unknownCategory(name, valid: snapshot.categories.map(\.rawValue)))
            }
            categories.insert(category)
        }
        return categories
    }
}

/// How a search hit matched, by rank (0 exact, 1 prefix, 2 contains).
private let searchMatchNames = ["exact", "prefix", "contains"]

/// True when the text has nothing searchable once normalised (blank, only joiners or marks).
private func isBlankSearchText(_ text: String) -> Bool {
    SearchText.normalized(text).isEmpty
}
