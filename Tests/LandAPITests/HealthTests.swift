import Foundation
import Hummingbird
import HummingbirdTesting
import LandAPI
import NIOCore
import NIOFoundationCompat
import Testing
import TestSupport

@Suite("Health and errors over HTTP (HummingbirdTesting)")
struct HealthTests {
    @Test("/health counts the layers of the imported GeoJSON")
    func healthCounts() async throws {
        let services = try await TestCity.services()
        let folder = Fixtures.dataset("tehran")
        let expected = (
            parcels: try Fixtures.foundationFeatures(folder.appending(path: "parcels.geojson")).count,
            zones: try Fixtures.foundationFeatures(folder.appending(path: "zones.geojson")).count,
            facilities: try Fixtures.foundationFeatures(folder.appending(path: "facilities.geojson")).count)
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
            #expect(body["status"] as? String == "ok")
            #expect(body["parcels"] as? Int == expected.parcels)
            #expect(body["zones"] as? Int == expected.zones)
            #expect(body["facilities"] as? Int == expected.facilities)
        }
    }

    /// RFC 9110 §9.3.2: the same status and header fields as GET, no content.
    @Test("HEAD answers every GET resource with GET's status, ETag and length, and no body")
    func headLikeGet() async throws {
        let services = try await TestCity.services()
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            for uri in ["/health", "/collections", "/collections/parcels/items?limit=3", "/api", "/lookup?lon=51.41&lat=35.7",
                        "/lookup?lon=999&lat=35.7", "/no/such/path", "/collections/nothing/items"] {
                let get = try await client.execute(uri: uri, method: .get)
                let head = try await client.execute(uri: uri, method: .head)
                #expect(head.status == get.status, "\(uri)")
                #expect(head.body.readableBytes == 0, "\(uri)")
                #expect(get.body.readableBytes > 0, "\(uri)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(uri)")
                #expect(head.headers[.eTag] == get.headers[.eTag], "\(uri)")
            }
        }
    }

    @Test("an unknown path is a 404 with a JSON body, in Persian by default and English on request")
    func unknownPath() async throws {
        let services = try await TestCity.services()
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            let persian = try await client.execute(uri: "/no/such/path", method: .get)
            #expect(persian.status == .notFound)
            let body = try JSONSerialization.jsonObject(with: Data(buffer: persian.body)) as! [String: Any]
            #expect(body["code"] as? String == "NotFound")
            #expect((body["description"] as? String)?.contains("منبع") == true)
            let english = try await client.execute(uri: "/no/such/path?lang=en", method: .get)
            let englishBody = try JSONSerialization.jsonObject(with: Data(buffer: english.body)) as! [String: Any]
            #expect(englishBody["description"] as? String == "There is no resource at this path.")
        }
    }
}
