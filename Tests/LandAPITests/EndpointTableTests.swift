import Foundation
import Hummingbird
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
