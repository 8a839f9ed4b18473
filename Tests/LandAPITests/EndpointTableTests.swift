import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import LandAPI
import LandService
import NIOCore
import NIOFoundationCompat
import Testing
import TestSupport

/// Issue 15 point 1: the router and `/api` come from one table, so they cannot disagree. This
/// walks both: every route the router has is in the document with its method, every operation
/// of the document is a route, every path answers OPTIONS, and a request of each documented
/// operation reaches a handler (not the router's 404 for an unknown path, not a 405).
@Suite("The router and /api list the same endpoints")
struct EndpointTableTests {
    @Test("every route is documented and every documented operation is routed")
    func routerEqualsDocument() async throws {
        let services = try await TestCity.shared("tehran")
        let built = ZaminRouter(services: services)
        let registered = built.registered.map { (method: $0.method, path: $0.path) }
        let app = Application(router: built.responder)
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/api", method: .get)
            let document = try jsonObject(response)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            func openAPIPath(_ routerPath: String) -> String {
                routerPath == "/" ? "/" : "/" + routerPath.split(separator: "/").map {
                    $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
                }.joined(separator: "/")
            }
            var routed = Set<String>()
            var optionsPaths = Set<String>()
            for route in registered {
                if route.method == .options {
                    optionsPaths.insert(openAPIPath(route.path))
                } else {
                    routed.insert("\(route.method.rawValue) \(openAPIPath(route.path))")
                }
            }
            #expect(routed.subtracting(documented).isEmpty, "routed, not documented: \(routed.subtracting(documented).sorted())")
            #expect(documented.subtracting(routed).isEmpty, "documented, not routed: \(documented.subtracting(routed).sorted())")
            #expect(optionsPaths == Set(paths.keys), "OPTIONS on every documented path")
            #expect(documented.count > 35)

            // Each documented operation reaches its handler: path parameters filled with a value
            // that names nothing, so the handler may say 404 NotFound, but never "no such path".
            for entry in documented.sorted() {
                let parts = entry.split(separator: " ", maxSplits: 1)
                let uri = parts[1].split(separator: "/").map { $0.hasPrefix("{") ? "nothing-here" : String($0) }.joined(separator: "/")
                let answer = try await client.execute(
                    uri: uri.isEmpty ? "/" : "/" + uri, method: HTTPRequest.Method(String(parts[0]))!)
                #expect(answer.status != .methodNotAllowed, "\(entry)")
                if answer.status == .notFound {
                    let body = String(buffer: answer.body)
                    #expect(!body.contains("There is no resource at this path") && !body.contains("در این نشانی منبعی وجود ندارد"), "\(entry)")
                }
            }
        }
    }
}

/// Issue 15 point 5: the HTTP details users expect.
@Suite("Link headers, Vary, 405 and OPTIONS")
struct HTTPDetailsTests {
    @Test("OGC answers repeat their body's links as RFC 8288 Link values; language-dependent answers say Vary: Accept-Language")
    func linkAndVary() async throws {
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/collections/parcels/items?limit=5&offset=5", method: .get)
            let body = try jsonObject(page)
            let links = try #require(body["links"] as? [[String: Any]])
            let header = try #require(page.headers[HTTPField.Name("Link")!])
            for rel in ["self", "alternate", "next", "prev", "collection"] {
                let href = try #require(links.first { $0["rel"] as? String == rel }?["href"] as? String, "\(rel)")
                #expect(header.contains("<\(href)>; rel=\"\(rel)\""), "\(rel) in \(header)")
            }
            #expect(page.headers[.accessControlExposeHeaders]?.contains("Link") == true)
            for uri in ["/lookup?lon=51.41&lat=35.70", "/nearest?lon=51.41&lat=35.70", "/lookup?lon=999&lat=0", "/ui/strings"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[.vary]?.contains("Accept-Language") == true, "\(uri)")
            }
        }
    }

    @Test("a method a path lacks is a 405 with Allow; OPTIONS answers every path with its methods; TRACE is refused")
    func methodsOfAPath() async throws {
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            for (method, uri, allow) in [
                (HTTPRequest.Method.post, "/lookup", "GET, HEAD, OPTIONS"),
                (.trace, "/nearest", "GET, HEAD, OPTIONS"),
                (.delete, "/requests/ZM-AAAA-BBBB-CCCC", "GET, HEAD, OPTIONS"),
                (.get, "/requests/12/decision", "POST, OPTIONS"),
                (.put, "/requests", "POST, GET, HEAD, OPTIONS"),
                (.post, "/collections/parcels/items/P-000001", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
                (.delete, "/collections/zones/items", "GET, POST, HEAD, OPTIONS"),
            ] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                #expect(try jsonObject(response)["code"] as? String == "MethodNotAllowed")
                let options = try await client.execute(uri: uri, method: .options)
                #expect(options.status == .noContent && options.headers[.allow] == allow, "OPTIONS \(uri)")
            }
            // A path that does not exist stays a 404, whatever the method.
            #expect(try await client.execute(uri: "/no/such/path", method: .post).status == .notFound)
        }
    }
}
