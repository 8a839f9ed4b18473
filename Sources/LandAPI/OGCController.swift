import GeoCore
import GeoFormats
import Hummingbird
import LandModel
import HTTPTypes
import LandService

/// OGC API – Features Part 1 (OGC 17-069r4) and Part 2 (OGC 18-058r1) over the in-memory
/// snapshot: landing page, conformance, API definition, collections, items, one feature,
/// queryables (OGC 19-079r2 Part 3). JSON and HTML by `f=` or `Accept`; paths match with or
/// without a trailing slash (Hummingbird ignores empty path segments).
struct OGCController: Sendable {
    let services: LandServices
    /// The table this controller's endpoints are part of, for `/api` (set once it is built).
    let table: EndpointTableReference
    /// A browser's `GET /` gets the web map rather than the HTML landing page.
    let webMap: WebMap
    /// The base of every link (PublicURL.swift).
    let origin: PublicOrigin

    /// Declared per collection (`/collections/parcels/items`, …): each collection has its own
    /// queryables, so its items take their own parameters, and `/api` lists them as such.
    var endpoints: [Endpoint] {
        let plain: [EndpointParameter] = [.format, .lang]
        func page(_ path: String, _ summary: String, json: String, _ handler: @escaping Endpoint.Handler) -> Endpoint {
            Endpoint(
                method: .get, path: path, summary: summary, tag: "ogc", parameters: plain,
                responses: [Self.success(json), Self.notModified], handler: handler)
        }
        // The web map's own page parameters (read by map.js): a background tile layer and its attribution.
        let mapPage: [EndpointParameter] = [
            .query("tiles", .text(maxLength: 2000), "Web map only: a tile URL template ({z}/{x}/{y}) for a background layer"),
            .query("tiles_attribution", .text(minLength: 0, maxLength: 2000), "Web map only: the background layer's attribution"),
        ]
        var endpoints = [
            Endpoint(
                method: .get, path: "/", summary: "Landing page (a browser's request gets the web map)", tag: "ogc",
                parameters: plain + mapPage, responses: [Self.success(MediaType.json), Self.notModified], handler: landingPage),
            page("/conformance", "Conformance classes", json: MediaType.json, conformance),
            page("/api", "This API definition (OpenAPI 3.0)", json: MediaType.openAPI, apiDefinition),
            page("/collections", "Feature collections", json: MediaType.json, collections),
        ]
        for collection in FeatureCollectionID.allCases {
            let base = "/collections/\(collection.rawValue)"
            endpoints += [
                Endpoint(
                    method: .get, path: base, summary: "The \(collection.rawValue) collection", tag: "ogc", parameters: plain,
                    responses: [Self.success(MediaType.json), Self.notModified],
                    handler: { request, context, input in try collectionPage(collection, request, context, input.query) }),
                Endpoint(
                    method: .get, path: base + "/items", summary: "Features of \(collection.rawValue)", tag: "ogc",
                    parameters: Self.itemsQueryParameters(collection),
                    responses: [Self.success(MediaType.geoJSON), Self.notModified],
                    handler: { request, context, input in try await items(collection, request, context, input.query) }),
                Endpoint(
                    method: .get, path: base + "/items/{featureId}", summary: "One feature of \(collection.rawValue)", tag: "ogc",
                    parameters: [.path("featureId", "The dataset id of the feature")] + plain + [Self.crsParameter, Self.datetimeParameter],
                    responses: [Self.success(MediaType.geoJSON), Self.notModified, .error(404, "No feature with that id")],
                    handler: { request, context, input in try await feature(collection, request, context, input.query) }),
                Endpoint(
                    method: .get, path: base + "/queryables", summary: "Queryable properties of \(collection.rawValue)", tag: "ogc",
                    parameters: plain, responses: [Self.success(MediaType.schemaJSON), Self.notModified],
                    handler: { request, context, input in try queryables(collection, request, context, input.query) }),
            ] + editEndpoints(collection)
        }
        return endpoints
    }

    /// What `GET …/items` takes: the representation and language, OGC's items parameters and
    /// `name=value` for each of the collection's equality queryables.
    static func itemsQueryParameters(_ collection: FeatureCollectionID) -> [EndpointParameter] {
        let filters = collection.equalityQueryables.map { property in
            EndpointParameter.query(
                property.rawValue, property.valueType == .integer ? .integer(minimum: Int.min, maximum: Int.max) : .text(minLength: 0),
                "Only features whose \(property.rawValue) equals this value")
        }
        return [.format, .lang] + itemsParameters + filters
    }

    /// 200 in JSON (or GeoJSON…) and, by `f=html` or a browser's `Accept`, HTML.
    static func success(_ json: String) -> EndpointResponse {
        EndpointResponse(status: 200, description: "Success (HTML with f=html or Accept: text/html)", mediaTypes: [json, MediaType.html])
    }

    /// OGC 17-069r4 §7.8 `/rec/core/etag`: every answer carries an ETag; a matching `If-None-Match` gets 304.
    static let notModified = EndpointResponse(status: 304, description: "Not modified (If-None-Match matched the ETag)", mediaTypes: [])

    static let crsParameter = EndpointParameter.query(
        "crs", .crs, "CRS of the response geometry (OGC 18-058r1)")
    /// OGC 17-069r4 §7.15.4; `datetime` is also taken on one feature (the same grammar).
    static let datetimeParameter = EndpointParameter.query(
        "datetime", .dateTimeOrInterval,
        "RFC 3339 date-time (the features as they were then) or interval start/end ('..' or empty for an open end): "
            + "features with a version valid within it, each in its latest such version, with valid_from and valid_to. A bare date is a 400.")
    /// OGC 17-069r4 §7.15.2–7.15.3, OGC 18-058r1 §7.
    static let itemsParameters: [EndpointParameter] = [
        .query("bbox", .boundingBox(allowsHeights: true), "Lower and upper corner (4 numbers, or 6 with heights) in bbox-crs, CRS84 by default"),
        .query("bbox-crs", .crs, "CRS of bbox (OGC 18-058r1)"),
        crsParameter,
        .query(
            "limit", .integer(minimum: 1, maximum: nil), "Page size; values above \(OGCItemsQuery.maximumLimit) are reduced to it",
            default: .number(Double(OGCItemsQuery.defaultLimit))),
        .query("offset", .integer(minimum: 0, maximum: nil), "Index of the first feature of the page", default: .number(0)),
        datetimeParameter,
    ] + FilterParameter.parameters

    // MARK: - landing, conformance, API

    /// OGC 17-069r4 §7.2 `/req/core/root-success`: links to the API definition, conformance and data.
    /// A browser (HTML preferred, no `f`) gets the web map (`WebMap.page(for:)`); the page links
    /// the API's HTML views (`/collections?f=html`, `/api?f=html`, `/conformance?f=html`).
    @Sendable func landingPage(_ request: Request, context: ZaminRequestContext, input: EndpointInput) async throws -> Response {
        if let page = webMap.page(for: request) { return page }
        let format = OGCFormat(request, query: input.query)
        let language = Language.of(request)
        let base = origin.base(for: request, context: context)
        let links = [
            OGCLink(base + "/?f=json", rel: format == .json ? "self" : "alternate", type: "application/json", title: "JSON"),
            OGCLink(base + "/?f=html", rel: format == .html ? "self" : "alternate", type: "text/html", title: "HTML"),
            OGCLink(base + "/api", rel: "service-desc", type: OGC.openAPIMediaType, title: "OpenAPI 3.0"),
            OGCLink(base + "/api?f=html", rel: "service-doc", type: "text/html", title: "API"),
            OGCLink(base + "/conformance", rel: "conformance", type: "application/json", title: "Conformance"),
            OGCLink(base + "/collections", rel: "data", type: "application/json", title: "Collections"),
        ]
        let title = Message.ogcServiceTitle.text(in: language)
        let description = Message.ogcServiceDescription.text(in: language)
        if format == .html {
            return OGCHTML.page(
                request, base: base, title: title, language: language,
                body: "<p>\(OGCHTML.escape(description))</p>" + OGCHTML.linkList(links))
        }
        var json = JSONWriter()
        json.beginObject()
        json.key("title")
        json.string(title)
        json.key("description")
        json.string(description)
        json.key("links")
        OGCLink.write(links, to: &json)
        json.endObject()
        return OGCResponse.make(request, body: json.bytes, contentType: "application/json", language: language, links: links)
    }

    /// OGC 17-069r4 §7.4 `/req/core/conformance-success`.
    @Sendable func conformance(_ request: Request, context: ZaminRequestContext, input: EndpointInput) async throws -> Response {
        let format = OGCFormat(request, query: input.query)
        let language = Language.of(request)
        if format == .html {
            let items = OGC.conformanceClasses.map { "<li>\(OGCHTML.escape($0))</li>" }.joined()
            return OGCHTML.page(
                request, base: origin.base(for: request, context: context), title: Message.ogcConformanceTitle.text(in: language),
                language: language, body: "<ul>\(items)</ul>")
        }
        var json = JSONWriter()
        json.beginObject()
        json.key("conformsTo")
        json.beginArray()
        for uri in OGC.conformanceClasses { json.string(uri) }
        json.endArray()
        json.endObject()
        return OGCResponse.make(request, body: json.bytes, contentType: "application/json")
    }

    /// OGC 17-069r4 §7.3 `/req/core/api-definition-success` and `/req/oas30/*`: OpenAPI 3.0 JSON;
    /// with `f=html` (the `service-doc`), a readable list of the same paths.
    @Sendable func apiDefinition(_ request: Request, context: ZaminRequestContext, input: EndpointInput) async throws -> Response {
        let format = OGCFormat(request, query: input.query)
        let language = Language.of(request)
        let document = OpenAPIDocument(table: table.value, serverURL: origin.base(for: request, context: context))
        if format == .html {
            return OGCHTML.page(request, base: document.serverURL, title: "OpenAPI", language: language, body: OGCHTML.apiSummary(document))
        }
        return OGCResponse.make(request, body: document.json(), contentType: OGC.openAPIMediaType)
    }

    // MARK: - collections

    @Sendable func collections(_ request: Request, context: ZaminRequestContext, input: EndpointInput) async throws -> Response {
        let format = OGCFormat(request, query: input.query)
        let language = Language.of(request)
        let snapshot = services.snapshots.snapshot
        let base = origin.base(for: request, context: context)
        let links = Self.selfLinks(base + "/collections", format: format, jsonType: "application/json")
        if format == .html {
            let rows = FeatureCollectionID.allCases.map { collection in
                "<li><a href=\"\(OGCHTML.escape(base))/collections/\(collection.rawValue)?f=html\">"
                    + "\(OGCHTML.escape(Self.title(collection, language)))</a> (\(snapshot.count(of: collection)))</li>"
            }
            return OGCHTML.page(
                request, base: base, title: Message.ogcCollectionsTitle.text(in: language), language: language,
                body: "<ul>\(rows.joined())</ul>")
        }
        var json = JSONWriter()
        json.beginObject()
        json.key("links")
        OGCLink.write(links, to: &json)
        json.key("collections")
        json.beginArray()
        for collection in FeatureCollectionID.allCases {
            writeCollection(collection, snapshot: snapshot, base: base, language: language, to: &json)
        }
        CityInformationController(services: services, origin: origin).describeAll(base: base, language: language, to: &json)
        json.endArray()
        // OGC 18-058r1 `/req/crs/fc-md-crs-list-global`: the global list the collections repeat.
        json.key("crs")
        json.beginArray()
        for crs in FeatureCRS.all { json.string(crs.uri) }
        json.endArray()
        json.endObject()
        return OGCResponse.make(request, body: json.bytes, contentType: "application/json", language: language, links: links)
    }

    func collectionPage(
        _ collection: FeatureCollectionID, _ request: Request, _ context: ZaminRequestContext, _ query: QueryReader
    ) throws -> Response {
        let format = OGCFormat(request, query: query)
        let language = Language.of(request)
        let snapshot = services.snapshots.snapshot
        let base = origin.base(for: request, context: context)
        if format == .html {
            let path = "\(base)/collections/\(collection.rawValue)"
            let body =
                "<p>\(snapshot.count(of: collection))</p><ul>"
                + "<li><a href=\"\(OGCHTML.escape(path))/items?f=html\">items</a></li>"
                + "<li><a href=\"\(OGCHTML.escape(path))/queryables?f=html\">queryables</a></li></ul>"
            return OGCHTML.page(request, base: base, title: Self.title(collection, language), language: language, body: body)
        }
        var json = JSONWriter()
        writeCollection(collection, snapshot: snapshot, base: base, language: language, to: &json)
        return OGCResponse.make(request, body: json.bytes, contentType: "application/json", language: language)
    }

    /// OGC 17-069r4 §7.14 collection description; OGC 18-058r1 §6.2 `crs` and `storageCrs`.
    private func writeCollection(
        _ collection: FeatureCollectionID, snapshot: CitySnapshot, base: String, language: Language,
        to json: inout JSONWriter
    ) {
        let path = "\(base)/collections/\(collection.rawValue)"
        json.beginObject()
        json.key("id")
        json.string(collection.rawValue)
        json.key("title")
        json.string(Self.title(collection, language))
        json.key("itemType")
        json.string("feature")
        json.key("links")
        OGCLink.write(
            [
                OGCLink(path, rel: "self", type: "application/json", title: nil),
                OGCLink(path + "?f=html", rel: "alternate", type: "text/html", title: nil),
                OGCLink(path + "/items", rel: "items", type: "application/geo+json", title: nil),
                OGCLink(path + "/items?f=html", rel: "items", type: "text/html", title: nil),
                OGCLink(path + "/queryables", rel: OGC.queryablesRel, type: "application/schema+json", title: nil),
            ], to: &json)
        if let extent = snapshot.extent(of: collection) { Self.writeExtent(extent, to: &json) }
        json.key("crs")
        json.beginArray()
        for crs in FeatureCRS.all { json.string(crs.uri) }
        json.endArray()
        json.key("storageCrs")
        json.string(FeatureCRS.crs84.uri)
        json.endObject()
    }

    /// OGC 17-069r4 §7.14 `extent`: the spatial extent in CRS84.
    static func writeExtent(_ extent: BoundingBox, to json: inout JSONWriter) {
        json.key("extent")
        json.beginObject()
        json.key("spatial")
        json.beginObject()
        json.key("bbox")
        json.beginArray()
        json.beginArray()
        for value in [extent.minLon, extent.minLat, extent.maxLon, extent.maxLat] { json.number(value, decimals: 7) }
        json.endArray()
        json.endArray()
        json.key("crs")
        json.string(FeatureCRS.crs84.uri)
        json.endObject()
        json.endObject()
    }

    // MARK: - items and features

    /// OGC 17-069r4 §7.15–7.16: a page of features, `numberMatched` exact, `next`/`prev` repeating
    /// every other parameter; OGC 18-058r1 §7: `crs`, `bbox-crs`, `Content-Crs`.
    /// `filterBody`: the CQL2-JSON text of a `POST …/items` with `application/query-cql-json`
    /// (in place of `filter`; its next and previous links are GETs that carry it as `filter`
    /// when it fits a URL, and are left out when it does not).
    func items(
        _ collection: FeatureCollectionID, _ request: Request, _ context: ZaminRequestContext, _ reader: QueryReader,
        filterBody: String? = nil
    ) async throws -> Response {
        var query = QueryParameters(pairs: reader.pairs)
        var parsed = try OGCItemsQuery(reader, collection: collection)
        var linksPage = true
        if let filterBody {
            let crs = try OGCItemsQuery.crs(reader.string("filter-crs"), parameter: "filter-crs")
            parsed.filter = try FilterParameter.compile(filterBody, language: "cql2-json", crs: crs, collection: collection)
            linksPage = filterBody.utf8.count <= FilterParameter.maximumQueryLength
            query = QueryParameters(pairs: query.pairs + [("filter", filterBody), ("filter-lang", "cql2-json")])
        }
        let format = OGCFormat(request, query: reader)
        let language = Language.of(request)
        let found = try await select(collection, bbox: parsed.bbox, filters: parsed.filters, filter: parsed.filter, datetime: parsed.datetime)
        let (snapshot, selection) = (found.snapshot, found.selection)
        let page = selection.page(offset: parsed.offset, limit: parsed.limit)
        let base = origin.base(for: request, context: context)
        let path = "\(base)/collections/\(collection.rawValue)/items"
        var links = [
            OGCLink(path + query.replacing("f", with: "json"), rel: format == .json ? "self" : "alternate", type: "application/geo+json", title: nil),
            OGCLink(path + query.replacing("f", with: "html"), rel: format == .html ? "self" : "alternate", type: "text/html", title: nil),
        ]
        let formatName = format == .json ? "json" : "html"
        let withFormat = QueryParameters(pairs: query.pairs.filter { $0.name != "f" } + [("f", formatName)])
        if linksPage, parsed.offset + page.count < selection.count {
            let next = QueryParameters(pairs: withFormat.pairs.filter { $0.name != "offset" } + [("offset", String(parsed.offset + page.count))])
            links.append(OGCLink(path + next.encoded, rel: "next", type: format == .json ? "application/geo+json" : "text/html", title: nil))
        }
        if linksPage, parsed.offset > 0 {
            let previous = QueryParameters(
                pairs: withFormat.pairs.filter { $0.name != "offset" } + [("offset", String(max(0, parsed.offset - parsed.limit)))])
            links.append(OGCLink(path + previous.encoded, rel: "prev", type: format == .json ? "application/geo+json" : "text/html", title: nil))
        }
        links.append(OGCLink(String(path.dropLast("/items".count)), rel: "collection", type: "application/json", title: nil))

        if format == .html {
            return OGCHTML.itemsPage(
                request, base: base, title: Self.title(collection, language), language: language, snapshot: snapshot,
                collection: collection, positions: page, matched: selection.count, links: links, validity: found.validity)
        }
        var writer = GeoJSONWriter(decimals: parsed.crs.fractionDigits, reservingCapacity: 1024 + page.count * 768)
        writer.json.beginObject()
        writer.json.key("type")
        writer.json.string("FeatureCollection")
        writer.json.key("numberMatched")
        writer.json.number(selection.count)
        writer.json.key("numberReturned")
        writer.json.number(page.count)
        writer.json.key("features")
        writer.json.beginArray()
        do {
            for position in page {
                try OGCFeatureWriter.feature(
                    &writer, snapshot: snapshot, collection: collection, position: Int(position), crs: parsed.crs,
                    validity: found.validity(position))
            }
        } catch {
            throw APIError.invalidParameter("crs", .outsideCRSDomain)
        }
        writer.json.endArray()
        writer.json.key("links")
        OGCLink.write(links, to: &writer.json)
        // `timeStamp` comes last, outside the ETag: the same page of the same data has one tag.
        var trailer = Array(",\"timeStamp\":\"".utf8)
        trailer += Array(Timestamp.nowRFC3339().utf8)
        trailer += Array("\"}".utf8)
        return OGCResponse.make(
            request, body: writer.bytes, trailer: trailer, contentType: "application/geo+json", contentCRS: parsed.crs,
            language: language, links: links)
    }

    /// OGC 17-069r4 §7.16 `/req/core/f-success`; links `self`, `alternate` and `collection` (`/req/core/f-links`).
    /// §7.16 defines no `datetime` here; we take it as on the items (§7.15.4, the same grammar):
    /// the feature in the version valid at the instant, or the latest within the interval, with
    /// that version's `valid_from` and `valid_to` (see `LandServices.selectFeatures(in:…during:)`).
    func feature(
        _ collection: FeatureCollectionID, _ request: Request, _ context: ZaminRequestContext, _ reader: QueryReader
    ) async throws -> Response {
        let query = QueryParameters(pairs: reader.pairs)
        let crs = try OGCItemsQuery.crs(reader.string("crs"), parameter: "crs")
        let datetime = try reader.string("datetime").map(DatetimeParameter.parse)
        let format = OGCFormat(request, query: reader)
        let language = Language.of(request)
        let rawID = context.parameters.get("featureId") ?? ""
        let featureID = QueryParameters.percentDecoded(rawID)
        var snapshot = services.snapshots.snapshot
        let position: Int32
        var validity: Validity?
        if let datetime {
            // The feature as it was then: one that exists no more (a subdivided parcel) is found
            // at an instant it existed, one made since is not.
            let found = try await select(collection, bbox: nil, filters: [PropertyEquals(.id, .text(featureID))], datetime: datetime)
            guard found.selection.count == 1, let selected = found.selection.page(offset: 0, limit: 1).first else {
                throw APIError.notFound(.unknownFeature)
            }
            snapshot = found.snapshot
            position = selected
            validity = found.validity(position)
        } else {
            guard let today = snapshot.position(of: featureID, in: collection) else { throw APIError.notFound(.unknownFeature) }
            position = today
        }
        let base = origin.base(for: request, context: context)
        let path = "\(base)/collections/\(collection.rawValue)/items/\(QueryParameters.percentEncodedSegment(featureID))"
        let links = [
            OGCLink(path + query.replacing("f", with: "json"), rel: format == .json ? "self" : "alternate", type: "application/geo+json", title: nil),
            OGCLink(path + query.replacing("f", with: "html"), rel: format == .html ? "self" : "alternate", type: "text/html", title: nil),
            OGCLink("\(base)/collections/\(collection.rawValue)", rel: "collection", type: "application/json", title: nil),
        ]
        if format == .html {
            return OGCHTML.itemsPage(
                request, base: base, title: featureID, language: language, snapshot: snapshot, collection: collection,
                positions: [position], matched: nil, links: links, validity: { _ in validity })
        }
        var writer = GeoJSONWriter(decimals: crs.fractionDigits, reservingCapacity: 2048)
        do {
            let geometry = try crs.project(OGCFeatureWriter.geometry(snapshot: snapshot, collection: collection, position: Int(position)))
            writer.beginFeature(id: featureID)
            OGCFeatureWriter.properties(
                &writer.json, snapshot: snapshot, collection: collection, position: Int(position), validity: validity)
            writer.json.endObject()
            writer.json.key("geometry")
            writer.geometry(geometry)
        } catch {
            throw APIError.invalidParameter("crs", .outsideCRSDomain)
        }
        writer.json.key("links")
        OGCLink.write(links, to: &writer.json)
        writer.json.endObject()
        return OGCResponse.make(
            request, body: writer.bytes, contentType: "application/geo+json", contentCRS: crs, language: language, links: links,
            version: snapshot.versionTag(of: collection, at: position))
    }

    /// OGC 19-079r2 §6.2 `/req/queryables/get-queryables-response`: JSON Schema 2020-12, `$id`
    /// the URI without query, `type: object`, a `type` for every non-spatial property.
    func queryables(
        _ collection: FeatureCollectionID, _ request: Request, _ context: ZaminRequestContext, _ query: QueryReader
    ) throws -> Response {
        let format = OGCFormat(request, query: query)
        let language = Language.of(request)
        let base = origin.base(for: request, context: context)
        let id = "\(base)/collections/\(collection.rawValue)/queryables"
        if format == .html {
            let rows = collection.queryables.map { "<li><code>\($0.rawValue)</code>: \($0.valueType.rawValue)</li>" }
            return OGCHTML.page(request, base: base, title: Self.title(collection, language), language: language, body: "<ul>\(rows.joined())</ul>")
        }
        var json = JSONWriter()
        json.beginObject()
        json.key("$schema")
        json.string("https://json-schema.org/draft/2020-12/schema")
        json.key("$id")
        json.string(id)
        json.key("type")
        json.string("object")
        json.key("title")
        json.string(Self.title(collection, language))
        json.key("properties")
        json.beginObject()
        json.key("geometry")
        json.beginObject()
        json.key("format")
        json.string(collection.isPointLayer ? "geometry-point" : "geometry-any")
        json.key("x-ogc-role")
        json.string("primary-geometry")
        json.endObject()
        for property in collection.queryables {
            json.key(property.rawValue)
            json.beginObject()
            json.key("title")
            json.string(property.rawValue)
            json.key("type")
            json.string(property.valueType == .timestamp ? "string" : property.valueType.rawValue)
            if property.valueType == .timestamp {
                json.key("format")
                json.string("date-time")
            }
            if property.valueType == .array {
                json.key("items")
                json.beginObject()
                json.key("type")
                json.string("string")
                json.endObject()
            }
            if property == .id {
                json.key("x-ogc-role")
                json.string("id")
            }
            json.endObject()
        }
        json.endObject()
        json.key("additionalProperties")
        json.bool(false)
        json.endObject()
        return OGCResponse.make(request, body: json.bytes, contentType: "application/schema+json", language: language)
    }

    // MARK: - helpers

    /// The features of a request: today's, or with `datetime` the versions it selects (and their validity).
    private func select(
        _ collection: FeatureCollectionID, bbox: BoundingBox?, filters: [PropertyEquals], filter: FeatureFilter? = nil,
        datetime: TimeFilter?
    ) async throws(APIError) -> SelectedFeatures {
        guard let datetime else {
            // A filter on the validity reads today's versions' from the history (cached per snapshot).
            var (snapshot, validities) = (services.snapshots.snapshot, ValidityColumns.none)
            if filter?.readsValidity == true {
                do { (snapshot, validities) = try await services.currentValidities(of: collection) } catch { throw APIError(error) }
            }
            return SelectedFeatures(
                snapshot: snapshot,
                selection: snapshot.selectFeatures(in: collection, bbox: bbox, filters: filters, filter: filter, validities: validities),
                temporal: nil)
        }
        do {
            let temporal = try await services.selectFeatures(in: collection, bbox: bbox, filters: filters, during: datetime)
            // The filter is applied to the versions `datetime` chose (their properties, outlines and validity).
            let selection =
                filter.map { filter in
                    let validities = ValidityColumns(count: temporal.snapshot.count(of: collection), validities: temporal.validities)
                    return temporal.selection.filtered(by: filter, in: temporal.snapshot, validities: validities)
                } ?? temporal.selection
            return SelectedFeatures(snapshot: temporal.snapshot, selection: selection, temporal: temporal)
        } catch {
            throw APIError(error)
        }
    }

    static func title(_ collection: FeatureCollectionID, _ language: Language) -> String {
        switch collection {
        case .parcels: Message.ogcParcelsTitle.text(in: language)
        case .zones: Message.ogcZonesTitle.text(in: language)
        case .facilities: Message.ogcFacilitiesTitle.text(in: language)
        }
    }

    static func selfLinks(_ url: String, format: OGCFormat, jsonType: String) -> [OGCLink] {
        [
            OGCLink(url + "?f=json", rel: format == .json ? "self" : "alternate", type: jsonType, title: nil),
            OGCLink(url + "?f=html", rel: format == .html ? "self" : "alternate", type: "text/html", title: nil),
        ]
    }
}

/// What an items or feature request answers from: the snapshot to write features from, the
/// selection, and with `datetime` each feature's validity.
struct SelectedFeatures: Sendable {
    let snapshot: CitySnapshot
    let selection: FeatureSelection
    let temporal: TemporalSelection?

    /// nil without `datetime`: no validity properties are written then.
    func validity(_ position: Int32) -> Validity? { temporal?.validity(at: position) }
}

/// A link object (OGC 17-069r4 §7.2, `/req/core/fc-rel-type`: every link has `rel` and `type`).
struct OGCLink: Sendable {
    var href: String
    var rel: String
    var type: String
    var title: String?

    init(_ href: String, rel: String, type: String, title: String?) {
        self.href = href
        self.rel = rel
        self.type = type
        self.title = title
    }

    static func write(_ links: [OGCLink], to json: inout JSONWriter) {
        json.beginArray()
        for link in links {
            json.beginObject()
            json.key("href")
            json.string(link.href)
            json.key("rel")
            json.string(link.rel)
            json.key("type")
            json.string(link.type)
            if let title = link.title {
                json.key("title")
                json.string(title)
            }
            json.endObject()
        }
        json.endArray()
    }
}

/// Constants of the OGC API resources (outside the generic controller, which cannot hold them).
enum OGC {
    /// Conformance classes we pass (OGC 17-069r4 §7.4, 18-058r1 §6, 19-079r2 §6); nothing more.
    static let conformanceClasses = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        // OGC 19-079r2 Part 3 §8: `filter`, `filter-lang`, `filter-crs` on every items resource.
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    ] + OGCController.part4ConformanceClasses + cql2ConformanceClasses + TilesController.conformanceClasses

    /// The CQL2 classes (OGC 21-065 Annex A) whose tests pass against the PyPI `cql2` evaluator
    /// and shapely (Tests/e2e/test_cql2.py): every class of the standard.
    static let cql2ConformanceClasses = [
        "cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators", "case-insensitive-comparison",
        "accent-insensitive-comparison", "basic-spatial-functions", "basic-spatial-functions-plus", "property-property", "arithmetic",
        "array-functions", "temporal-functions", "spatial-functions",
    ].map { "http://www.opengis.net/spec/cql2/1.0/conf/" + $0 }

    static let queryablesRel = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
    static let openAPIMediaType = MediaType.openAPI
}
