import Foundation
import Hummingbird
import HummingbirdTesting
import LandAPI
import NIOCore
import NIOFoundationCompat
import Testing
import TestSupport

@Suite("Web map over HTTP: negotiation at /, files from the binary's resources, texts")
struct WebMapTests {
    static let browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

    func get(_ uri: String, accept: String? = nil, extra: HTTPFields = [:], _ check: @escaping @Sendable (TestResponse) throws -> Void) async throws {
        let services = try await TestCity.services()
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            var headers = extra
            if let accept { headers[.accept] = accept }
            let response = try await client.execute(uri: uri, method: .get, headers: headers)
            try check(response)
        }
    }

    static func isHTML(_ response: TestResponse) -> Bool {
        response.headers[.contentType]?.hasPrefix("text/html") == true
    }

    @Test("a browser asking for / gets the Persian map page, right-to-left, every placeholder filled")
    func browserGetsPersianPage() async throws {
        try await get("/", accept: Self.browserAccept) { response in
            #expect(response.status == .ok)
            #expect(Self.isHTML(response))
            #expect(response.headers[.contentLanguage] == "fa")
            let html = String(buffer: response.body)
            #expect(html.contains("<html lang=\"fa\" dir=\"rtl\">"))
            #expect(html.contains("<title>زمین — نقشهٔ زمین و ملک شهر</title>"))
            #expect(!html.contains("{{"), "a placeholder of index.html has no text in the catalogue")
            #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
        }
    }

    @Test("?lang=en gives the English page, left-to-right; a browser's Accept-Language does not switch it")
    func englishOnlyOnRequest() async throws {
        try await get("/?lang=en", accept: Self.browserAccept) { response in
            let html = String(buffer: response.body)
            #expect(html.contains("<html lang=\"en\" dir=\"ltr\">"))
            #expect(html.contains("href=\"?lang=fa\""))
        }
        try await get("/", accept: Self.browserAccept, extra: [.acceptLanguage: "en-US,en;q=0.9"]) { response in
            #expect(String(buffer: response.body).contains("<html lang=\"fa\" dir=\"rtl\">"))
        }
    }

    @Test(
        "JSON and OGC clients never get the HTML page at /",
        arguments: [nil, "*/*", "application/json", "application/json, text/html;q=0.5", "text/html;q=0"])
    func jsonClientsGetNoHTML(accept: String?) async throws {
        try await get("/", accept: accept) { response in
            #expect(!Self.isHTML(response))
        }
    }

    @Test("only / is the page: other paths answer a browser as they answer anyone")
    func otherPathsUntouched() async throws {
        try await get("/health", accept: Self.browserAccept) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test("?f= decides over Accept: f=json is JSON even for a browser, f=html is the page for anyone")
    func formatParameterWins() async throws {
        try await get("/?f=json", accept: Self.browserAccept) { response in
            #expect(!Self.isHTML(response))
        }
        try await get("/?f=html", accept: "application/json") { response in
            #expect(Self.isHTML(response))
        }
    }

    @Test("every file the page and Leaflet's stylesheet refer to is served from the resources with its type")
    func everyReferencedFileIsServed() async throws {
        let services = try await TestCity.services()
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/?f=html", method: .get)
            let html = String(buffer: page.body)
            // Relative to the page (at the root), so the page works under a proxy's path prefix too.
            var paths = Self.matches(of: #"(?:src|href)="(web/[^"]+)""#, in: html).map { "/" + $0 }
            #expect(paths.count >= 4)
            let css = try await client.execute(uri: "/web/vendor/leaflet/leaflet.css", method: .get)
            paths += Self.matches(of: #"url\((images/[^)]+)\)"#, in: String(buffer: css.body)).map { "/web/vendor/leaflet/" + $0 }
            let expectedTypes = ["js": "text/javascript", "css": "text/css", "png": "image/png"]
            for path in paths {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                let suffix = String(path.split(separator: ".").last ?? "")
                #expect(response.headers[.contentType]?.hasPrefix(expectedTypes[suffix] ?? "?") == true, "\(path)")
                #expect(response.body.readableBytes > 0, "\(path)")
            }
            let license = try await client.execute(uri: "/web/vendor/leaflet/LICENSE", method: .get)
            #expect(String(buffer: license.body).contains("BSD 2-Clause"))
            #expect(try await client.execute(uri: "/web/../Package.swift", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/web/no-such-file.js", method: .get).status == .notFound)
        }
    }

    @Test("an asset's entity tag answers a revalidation with 304 and no body")
    func revalidationIsNotModified() async throws {
        let services = try await TestCity.services()
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/web/map.js", method: .get)
            let tag = try #require(first.headers[.eTag])
            let second = try await client.execute(uri: "/web/map.js", method: .get, headers: [.ifNoneMatch: tag])
            #expect(second.status == .notModified)
            #expect(second.body.readableBytes == 0)
        }
    }

    @Test("/ui/strings has every text in both languages, the API's words where they overlap, and the city's vocabulary")
    func catalogueInBothLanguages() async throws {
        let services = try await TestCity.services()
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            var catalogues: [String: [String: Any]] = [:]
            for language in ["fa", "en"] {
                let response = try await client.execute(uri: "/ui/strings?lang=\(language)", method: .get)
                #expect(response.status == .ok)
                catalogues[language] = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
            }
            let persian = try #require(catalogues["fa"]), english = try #require(catalogues["en"])
            #expect(persian["dir"] as? String == "rtl")
            #expect(english["dir"] as? String == "ltr")
            let persianTexts = try #require(persian["texts"] as? [String: String])
            let englishTexts = try #require(english["texts"] as? [String: String])
            #expect(Set(persianTexts.keys) == Set(englishTexts.keys))
            #expect(persianTexts.count > 50)
            for (key, text) in persianTexts {
                #expect(!text.isEmpty && text != englishTexts[key], "\(key) is missing or untranslated")
            }
            // Shared with the API: the page's server-error text is the API's 500 description.
            let notFound = try await client.execute(uri: "/no/such/path?lang=en", method: .get)
            #expect(notFound.status == .notFound)
            #expect(englishTexts["serverError"] == "The server could not answer this request. Please try again later.")
            // The city's vocabulary: every category of facilities.geojson, with its Persian name.
            let categories = try #require(persian["categories"] as? [[String: String]])
            let expected = try Set(Fixtures.foundationFeatures(Fixtures.dataset("tehran").appending(path: "facilities.geojson"))
                .compactMap { ($0["properties"] as? [String: Any])?["category"] as? String })
            #expect(Set(categories.compactMap { $0["code"] }) == expected)
            #expect(categories.contains { $0["code"] == "hospital" && $0["name"] == "بیمارستان" })
            let uses = try #require(english["uses"] as? [[String: String]])
            #expect(uses.contains { $0["code"] == "residential" && $0["name"] == "Residential" })
            let extent = try #require(persian["extent"] as? [Double])
            #expect(extent.count == 4 && extent[0] < extent[2] && extent[1] < extent[3])
        }
    }

    static func matches(of pattern: String, in text: String) -> [String] {
        let expression = try! NSRegularExpression(pattern: pattern)
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
