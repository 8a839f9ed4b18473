import Foundation
import HTTPTypes
import HummingbirdTesting
import LandAPI
import Testing
import TestSupport

@Suite("OGC API – Features items (OGC 17-069r4 §7.15) against the GeoJSON files")
struct OGCItemsTests {
    @Test("items without parameters: exact numberMatched, 10 features, the first 10 ids in id order")
    func defaultPage() async throws {
        let source = try SourceLayers.parcels.get()
        try await OGCTestCity.withClient { client in
            let response = try await client.execute(uri: "/collections/parcels/items", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/geo+json")
            #expect(response.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
            let body = try jsonObject(response)
            #expect(body["type"] as? String == "FeatureCollection")
            #expect(body["numberMatched"] as? Int == source.count)
            #expect(body["numberReturned"] as? Int == 10)
            #expect(featureIDs(body) == Array(SourceFeature.sortedIDs(source).prefix(10)))
            let timeStamp = try #require(body["timeStamp"] as? String)
            #expect(ISO8601DateFormatter().date(from: timeStamp) != nil)
            #expect(link(body, rel: "next") != nil)
            #expect(link(body, rel: "prev") == nil)
        }
    }

    @Test("following next links over facilities visits every feature once, in id order, keeping the other parameters")
    func pagingVisitsEverything() async throws {
        let source = try SourceLayers.facilities.get()
        try await OGCTestCity.withClient { client in
            var uri = "/collections/facilities/items?limit=97&lang=en"
            var seen: [String] = []
            var pages = 0
            while true {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok)
                let body = try jsonObject(response)
                #expect(body["numberMatched"] as? Int == source.count)
                let ids = featureIDs(body)
                #expect(body["numberReturned"] as? Int == ids.count)
                seen += ids
                pages += 1
                guard let next = link(body, rel: "next") else { break }
                #expect(next.contains("limit=97") && next.contains("lang=en"))
                uri = pathAndQuery(next)
                if pages > 100 { break }
            }
            #expect(seen == SourceFeature.sortedIDs(source))
            #expect(pages == (source.count + 96) / 97)
        }
    }

    @Test("prev goes back one page and keeps the parameters")
    func previousPage() async throws {
        try await OGCTestCity.withClient { client in
            let second = try jsonObject(try await client.execute(uri: "/collections/parcels/items?limit=5&offset=5&current_use=residential", method: .get))
            let previous = try #require(link(second, rel: "prev"))
            #expect(previous.contains("current_use=residential"))
            let first = try jsonObject(try await client.execute(uri: pathAndQuery(previous), method: .get))
            let direct = try jsonObject(try await client.execute(uri: "/collections/parcels/items?limit=5&current_use=residential", method: .get))
            #expect(featureIDs(first) == featureIDs(direct))
            #expect(featureIDs(first).count == 5)
        }
    }

    @Test("bbox returns exactly the features a brute-force scan finds (polygon–box test, no index)", arguments: [
        (51.40, 35.69, 51.41, 35.70),
        (51.3, 35.6, 51.6, 35.8),
        (51.4052, 35.6950, 51.4058, 35.6953),
        (0.0, 0.0, 1.0, 1.0),
        // Inside P-000001's bounding box but right of its slanted east edge (in P-000002): only the
        // exact polygon test leaves P-000001 out.
        (51.40039, 35.69287, 51.400395, 35.692875),
    ])
    func bboxMatchesBruteForce(box: (Double, Double, Double, Double)) async throws {
        let layers = [("parcels", try SourceLayers.parcels.get()), ("zones", try SourceLayers.zones.get()), ("facilities", try SourceLayers.facilities.get())]
        try await OGCTestCity.withClient { client in
            for (name, features) in layers {
                let expected = SourceFeature.sortedIDs(
                    features.filter { $0.intersects(minLon: box.0, minLat: box.1, maxLon: box.2, maxLat: box.3) })
                let response = try await client.execute(
                    uri: "/collections/\(name)/items?bbox=\(box.0),\(box.1),\(box.2),\(box.3)&limit=10000", method: .get)
                #expect(response.status == .ok)
                let body = try jsonObject(response)
                #expect(body["numberMatched"] as? Int == expected.count, "\(name) \(box)")
                #expect(featureIDs(body) == expected, "\(name) \(box)")
            }
        }
    }

    @Test("equality filters on queryables match a scan of the source properties")
    func propertyFilters() async throws {
        let parcels = try SourceLayers.parcels.get()
        let facilities = try SourceLayers.facilities.get()
        try await OGCTestCity.withClient { client in
            let commercial = SourceFeature.sortedIDs(parcels.filter {
                $0.properties["current_use"] as? String == "commercial" && $0.properties["zone_code"] as? String == "R121"
            })
            let body = try jsonObject(try await client.execute(
                uri: "/collections/parcels/items?current_use=commercial&zone_code=R121&limit=10000", method: .get))
            #expect(body["numberMatched"] as? Int == commercial.count)
            #expect(featureIDs(body) == commercial)

            let fourFloors = SourceFeature.sortedIDs(parcels.filter { ($0.properties["floors"] as? Int) == 4 })
            let floorsBody = try jsonObject(try await client.execute(uri: "/collections/parcels/items?floors=4&limit=10000", method: .get))
            #expect(floorsBody["numberMatched"] as? Int == fourFloors.count)
            #expect(featureIDs(floorsBody) == fourFloors)

            let hospitals = SourceFeature.sortedIDs(facilities.filter { $0.properties["category"] as? String == "hospital" })
            #expect(!hospitals.isEmpty)
            let hospitalBody = try jsonObject(try await client.execute(uri: "/collections/facilities/items?category=hospital&limit=10000", method: .get))
            #expect(featureIDs(hospitalBody) == hospitals)

            // bbox AND a filter.
            let box = (51.38, 35.68, 51.45, 35.72)
            let both = SourceFeature.sortedIDs(parcels.filter {
                $0.properties["current_use"] as? String == "residential" && $0.intersects(minLon: box.0, minLat: box.1, maxLon: box.2, maxLat: box.3)
            })
            let bothBody = try jsonObject(try await client.execute(
                uri: "/collections/parcels/items?bbox=\(box.0),\(box.1),\(box.2),\(box.3)&current_use=residential&limit=10000", method: .get))
            #expect(featureIDs(bothBody) == both)
            #expect(bothBody["numberMatched"] as? Int == both.count)
        }
    }

    @Test("every parcel's and zone's geometry in items (CRS84) and in /lookup equals the source file's, to 7 decimals",
          arguments: ["parcels", "zones"])
    func geometriesEqualTheSource(collection: String) async throws {
        let source = try (collection == "parcels" ? SourceLayers.parcels : SourceLayers.zones).get()
        let byID = Dictionary(uniqueKeysWithValues: source.map { ($0.id, $0) })
        /// Type and the positions in order, nested structure flattened with ring and part markers.
        @Sendable func outline(_ geometry: [String: Any]) -> (type: String, numbers: [Double]) {
            func flatten(_ value: Any) -> [Double] {
                if let number = value as? Double { return [number] }
                if let array = value as? [Any] { return [Double.nan] + array.flatMap(flatten) }  // nan marks a nesting level
                return []
            }
            return (geometry["type"] as? String ?? "", flatten(geometry["coordinates"] ?? []))
        }
        @Sendable func sameOutline(_ served: [String: Any], _ original: [String: Any]) -> Bool {
            let a = outline(served), b = outline(original)
            guard a.type == b.type, a.numbers.count == b.numbers.count else { return false }
            return zip(a.numbers, b.numbers).allSatisfy { $0.isNaN ? $1.isNaN : abs($0 - $1) <= 5e-8 }
        }
        try await OGCTestCity.withClient { client in
            let body = try jsonObject(try await client.execute(uri: "/collections/\(collection)/items?limit=10000", method: .get))
            let features = body["features"] as? [[String: Any]] ?? []
            #expect(features.count == source.count)
            var mismatches: [String] = []
            for feature in features {
                let id = feature["id"] as? String ?? ""
                guard let original = byID[id] else { mismatches.append("unknown \(id)"); continue }
                if !sameOutline(feature["geometry"] as? [String: Any] ?? [:], original.geometry) { mismatches.append(id) }
            }
            // The citizen answer carries the parcel's outline too.
            if collection == "parcels" {
                for original in source.prefix(50) {
                    let lookup = try jsonObject(try await client.execute(uri: "/lookup?parcel=\(original.id)", method: .get))
                    let parcel = lookup["parcel"] as? [String: Any] ?? [:]
                    if !sameOutline(parcel["geometry"] as? [String: Any] ?? [:], original.geometry) { mismatches.append("lookup \(original.id)") }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        }
    }

    @Test("limit above 10,000 is clamped, not rejected")
    func limitClamped() async throws {
        let count = try SourceLayers.parcels.get().count
        try await OGCTestCity.withClient { client in
            for limit in ["10001", "20000", "99999999999999999999999"] {
                let response = try await client.execute(uri: "/collections/parcels/items?limit=\(limit)", method: .get)
                #expect(response.status == .ok)
                let body = try jsonObject(response)
                #expect(body["numberReturned"] as? Int == min(10_000, count))
            }
        }
    }

    @Test("offset past the end gives an empty page with the exact numberMatched and a prev link")
    func offsetPastEnd() async throws {
        let count = try SourceLayers.zones.get().count
        try await OGCTestCity.withClient { client in
            let body = try jsonObject(try await client.execute(uri: "/collections/zones/items?offset=1000", method: .get))
            #expect(body["numberMatched"] as? Int == count)
            #expect(body["numberReturned"] as? Int == 0)
            #expect(link(body, rel: "next") == nil)
            #expect(link(body, rel: "prev") != nil)
        }
    }

    @Test("valid datetime values are accepted and, the city being unedited, every feature matches")
    func datetimeAccepted() async throws {
        let count = try SourceLayers.zones.get().count
        try await OGCTestCity.withClient { client in
            for value in ["2024-02-29T12:00:00Z", "2018-02-12T00:00:00Z/2018-03-18T12:31:12Z", "../2020-01-01T00:00:00%2B03:30", "2019-01-01T00:00:00.5Z/.."] {
                let response = try await client.execute(uri: "/collections/zones/items?datetime=\(value)", method: .get)
                #expect(response.status == .ok, "\(value)")
                #expect(try jsonObject(response)["numberMatched"] as? Int == count)
            }
        }
    }

    @Test("datetime as one instant answers as the city was then (history); an open interval with its latest version, today's")
    func datetimeAsOf() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        let before = Date.now
        try await Task.sleep(for: .milliseconds(5))
        try await city.app.test(.router) { client in
            _ = try await client.call(.post, "/requests", json: permitBody(use: "commercial", floors: 2))
            #expect(try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": "approve"]).status == .ok)
            func parcel(_ query: String) async throws -> [String: Any] {
                let body = try jsonObject(try await client.execute(uri: "/collections/parcels/items?id=P-000002" + query, method: .get))
                #expect(body["numberMatched"] as? Int == 1)
                return try #require((body["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any])
            }
            // parcels.geojson: P-000002 is residential with 1 floor; the approval made it commercial, 2 floors.
            let now = try await parcel("")
            #expect(now["current_use"] as? String == "commercial" && now["floors"] as? Int == 2)
            let stamp = before.formatted(.iso8601)
            let then = try await parcel("&datetime=\(stamp)")
            #expect(then["current_use"] as? String == "residential" && then["floors"] as? Int == 1)
            let interval = try await parcel("&datetime=\(stamp)/..")
            #expect(interval["current_use"] as? String == "commercial")
            // Filters apply to the past values.
            let pastCommercial = try jsonObject(try await client.execute(
                uri: "/collections/parcels/items?id=P-000002&current_use=commercial&datetime=\(stamp)", method: .get))
            #expect(pastCommercial["numberMatched"] as? Int == 0)
        }
    }
}
