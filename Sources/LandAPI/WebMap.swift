import Foundation
import GeoCore
import GeoFormats
import HTTPTypes
import Hummingbird
import LandModel
import LandService

/// The web map for citizens and planners: the page at `/` for browsers, its files under `/web/`
/// and its texts at `/ui/strings`. Every file comes from the binary's own resources (no CDN, no
/// external font), so the map works offline.
struct WebMap: Sendable {
    let services: LandServices
    let assets: WebAssets
    /// `Web/index.html` with its `{{text:…}}`, `{{lang}}` and `{{dir}}` filled in for each
    /// language, split where the per-request configuration goes (`{{config}}`).
    private let pageParts: [Language: (head: [UInt8], tail: [UInt8])]

    init(services: LandServices, assets: WebAssets = .loadBundled()) {
        self.services = services
        self.assets = assets
        var parts: [Language: (head: [UInt8], tail: [UInt8])] = [:]
        if let template = assets.files["index.html"] {
            let source = String(decoding: template.bytes, as: UTF8.self)
            for language in Language.allCases {
                let filled = Self.fill(source, in: language)
                let halves = filled.split(separator: "{{config}}", maxSplits: 1, omittingEmptySubsequences: false)
                parts[language] = (Array(halves[0].utf8), halves.count > 1 ? Array(halves[1].utf8) : [])
            }
        }
        pageParts = parts
    }

    /// The map page when the client asks for HTML, nil when it wants JSON (the OGC landing page).
    /// HTML means `?f=html`, or, without `f`, an `Accept` header listing `text/html` (or XHTML)
    /// at a quality above zero and not below that of any JSON type. `*/*` alone, a missing
    /// `Accept` and `?f=json` are JSON: OGC clients and `curl` get the landing document.
    /// The page is Persian unless `?lang=en`: a browser's Accept-Language does not switch it,
    /// so every citizen sees the same page first, and the switch on the page sets `lang`.
    func page(for request: Request) -> Response? {
        guard Self.prefersHTML(request) else { return nil }
        let language = request.uri.queryParameters["lang"].flatMap { Language(rawValue: String($0).lowercased()) } ?? .fa
        guard let parts = pageParts[language] else { return nil }
        var body = parts.head
        body += Self.scriptSafe(configuration(in: language))
        body += parts.tail
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentLanguage] = language.rawValue
        headers[.cacheControl] = "no-cache"
        headers[.vary] = "Accept"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `GET /web/<path>`: a file of the page, with an entity tag so a browser revalidates cheaply.
    func asset(_ path: String, request: Request) -> Response? {
        guard let asset = assets.files[path] else { return nil }
        var headers = Self.securityHeaders
        headers[.contentType] = asset.contentType
        headers[.eTag] = asset.entityTag
        headers[.cacheControl] = "no-cache"
        if request.headers[.ifNoneMatch] == asset.entityTag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    /// The page's catalogue and the city it shows: `{"lang", "dir", "texts": {key: text},
    /// "uses": [{code, name}], "categories": [{code, name}], "extent": [minLon, minLat, maxLon, maxLat]}`.
    /// Served at `/ui/strings` and embedded in the page, so the first paint needs no second request.
    func configuration(in language: Language) -> [UInt8] {
        let snapshot = services.snapshots.snapshot
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("lang")
        writer.string(language.rawValue)
        writer.key("dir")
        writer.string(language.direction)
        writer.key("texts")
        writer.beginObject()
        for text in UIText.allCases {
            writer.key(text.rawValue)
            writer.string(text.text(in: language))
        }
        writer.endObject()
        writer.key("uses")
        writer.beginArray()
        for use in snapshot.landUses {
            writer.beginObject()
            writer.key("code")
            writer.string(use.rawValue)
            writer.key("name")
            writer.string(UIText.landUse(use.rawValue)?.text(in: language) ?? use.rawValue)
            writer.endObject()
        }
        writer.endArray()
        writer.key("categories")
        writer.beginArray()
        let persianCategoryNames = Self.persianCategoryNames(snapshot.facilities)
        for category in snapshot.categories {
            writer.beginObject()
            writer.key("code")
            writer.string(category.rawValue)
            writer.key("name")
            switch language {
            case .fa: writer.string(persianCategoryNames[category] ?? Self.readable(category.rawValue))
            case .en: writer.string(Self.readable(category.rawValue))
            }
            writer.endObject()
        }
        writer.endArray()
        // Issue 21 point 5: the search groups, with both names (the page shows the one of its language).
        writer.key("search_groups")
        writer.beginArray()
        for group in SearchGroup.allCases {
            writer.beginObject()
            writer.key("code"); writer.string(group.rawValue)
            writer.key("name"); writer.string(language == .fa ? group.nameFa : group.nameEn)
            writer.key("name_fa"); writer.string(group.nameFa)
            writer.key("name_en"); writer.string(group.nameEn)
            writer.key("categories")
            writer.beginArray()
            for category in snapshot.categories where group.contains(category) { writer.string(category.rawValue) }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        if let extent = Self.extent(of: snapshot) {
            writer.key("extent")
            writer.beginArray()
            for value in [extent.minLon, extent.minLat, extent.maxLon, extent.maxLat] {
                writer.number(value, decimals: 7)
            }
            writer.endArray()
        }
        writer.endObject()
        return writer.takeBytes()
    }

    // MARK: - Helpers

    static func prefersHTML(_ request: Request) -> Bool {
        if let format = request.uri.queryParameters["f"] { return format == "html" }
        guard let accept = request.headers[.accept] else { return false }
        var htmlQuality = 0.0
        var jsonQuality = 0.0
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";")
            guard let type = parts.first?.trimmingSpaces.lowercased() else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmingSpaces.lowercased()
                if pair.hasPrefix("q=") { quality = Double(pair.dropFirst(2)) ?? 0 }
            }
            switch type {
            case "text/html", "application/xhtml+xml": htmlQuality = max(htmlQuality, quality)
            case "application/json", "application/geo+json", "application/schema+json", "application/vnd.oai.openapi+json":
                jsonQuality = max(jsonQuality, quality)
            default: break
            }
        }
        return htmlQuality > 0 && htmlQuality >= jsonQuality
    }

    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    /// Same-origin scripts, styles and data; images may also come from a tile server the user
    /// names with `?tiles=` (the only thing the page may load from elsewhere).
    static var securityHeaders: HTTPFields {
        var headers: HTTPFields = [:]
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https: http:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[Self.referrerPolicy] = "no-referrer"
        return headers
    }

    /// Fills `{{lang}}`, `{{dir}}`, `{{otherLang}}` and `{{text:key}}`; leaves `{{config}}` for `page(for:)`.
    /// An unknown placeholder is left as it is, which the tests catch.
    static func fill(_ template: String, in language: Language) -> String {
        var output = ""
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            output += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound]
            switch name {
            case "lang": output += language.rawValue
            case "dir": output += language.direction
            case "otherLang": output += (language == .fa ? Language.en : Language.fa).rawValue
            default:
                if name.hasPrefix("text:"), let text = UIText(rawValue: String(name.dropFirst(5))) {
                    output += OGCHTML.escape(text.text(in: language))
                } else {
                    output += rest[open.lowerBound..<close.upperBound]
                }
            }
            rest = rest[close.upperBound...]
        }
        return output + rest
    }


    /// JSON inside `<script type="application/json">`: `</` would end the element early.
    static func scriptSafe(_ json: [UInt8]) -> [UInt8] {
        var safe: [UInt8] = []
        safe.reserveCapacity(json.count)
        for (index, byte) in json.enumerated() {
            if byte == UInt8(ascii: "/"), index > 0, json[index - 1] == UInt8(ascii: "<") {
                safe.append(UInt8(ascii: "\\"))
            }
            safe.append(byte)
        }
        return safe
    }

    /// `metro_station` → `Metro station`.
    static func readable(_ code: String) -> String {
        let spaced = code.replacingUnderscoresWithSpaces
        return spaced.prefix(1).uppercased() + spaced.dropFirst()
    }

    static func persianCategoryNames(_ facilities: [Facility]) -> [FacilityCategory: String] {
        var names: [FacilityCategory: String] = [:]
        for facility in facilities where names[facility.category] == nil {
            if let name = facility.categoryFa, !name.isEmpty { names[facility.category] = name }
        }
        return names
    }

    /// The zones' extent (where the city's plan is), else the parcels', else the facilities'.
    static func extent(of snapshot: CitySnapshot) -> BoundingBox? {
        snapshot.extent(of: .zones) ?? snapshot.extent(of: .parcels) ?? snapshot.extent(of: .facilities)
    }
}

extension String {
    fileprivate var replacingUnderscoresWithSpaces: String {
        String(map { $0 == "_" ? " " : $0 })
    }
}

/// The web map's files and texts, each an endpoint of its own (`/web/map.js`, …).
struct WebMapController: Sendable {
    let webMap: WebMap

    var endpoints: [Endpoint] {
        var endpoints = [
            Endpoint(
                method: .get, path: "/ui/strings", summary: "The web map's texts and vocabularies", tag: "web map", parameters: [.lang],
                responses: [.ok(MediaType.json)], handler: { request, _, input in strings(request, input.query) })
        ]
        for path in webMap.assets.files.keys.sorted() where path != "index.html" {
            endpoints.append(
                Endpoint(
                    method: .get, path: "/web/" + path, summary: "A file of the web map", tag: "web map",
                    responses: [
                        .ok(webMap.assets.files[path]!.contentType),
                        EndpointResponse(status: 304, description: "Not modified (If-None-Match matched the ETag)", mediaTypes: []),
                    ],
                    handler: { request, _, _ in
                        guard let response = webMap.asset(path, request: request) else { throw APIError.notFound(.noSuchPath) }
                        return response
                    }))
        }
        return endpoints
    }

    /// `GET /ui/strings?lang=fa|en`: the page's catalogue as JSON (see `WebMap.configuration`).
    func strings(_ request: Request, _ query: QueryReader) -> Response {
        let language = query.language(of: request)
        var response = JSONResponse.make(webMap.configuration(in: language), contentType: "application/json; charset=utf-8")
        response.headers[.contentLanguage] = language.rawValue
        response.headers[.vary] = "Accept-Language"
        return response
    }
}
