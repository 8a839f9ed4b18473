import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LandAPI
import Testing
import TestSupport

/// CQL2 `filter` on items (OGC 19-079r2 Part 3 §8, OGC 21-065) through HTTP, against brute force
/// over the GeoJSON files read with Foundation (not through Zamin's reader). The full comparison
/// with an independent evaluator (PyPI `cql2`, shapely) is Tests/e2e/test_cql2.py.
@Suite("OGC API – Features Part 3: CQL2 filter")
struct OGCFilterTests {
    /// Form-encoded as browsers and Python's `urlencode` send it: space as `+`.
    private func encoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~ ")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: " ", with: "+")
    }

    private func ids(_ client: any TestClientProtocol, _ collection: String, _ filter: String, lang: String? = nil) async throws -> [String] {
        var uri = "/collections/\(collection)/items?limit=10000&filter=\(encoded(filter))"
        if let lang { uri += "&filter-lang=\(lang)" }
        let response = try await client.execute(uri: uri, method: .get)
        #expect(response.status == .ok, "\(filter)")
        let body = try jsonObject(response)
        let found = featureIDs(body)
        #expect(body["numberMatched"] as? Int == found.count)
        return found
    }

    @Test("comparisons, AND/OR/NOT, LIKE, BETWEEN, IN, arithmetic: the ids brute force selects")
    func attributes() async throws {
        let parcels = try SourceLayers.parcels.get()
        func floors(_ feature: SourceFeature) -> Int? { feature.properties["floors"] as? Int }
        func use(_ feature: SourceFeature) -> String? { feature.properties["current_use"] as? String }
        let cases: [(String, (SourceFeature) -> Bool)] = [
            ("floors > 3 AND current_use = 'commercial'", { (floors($0) ?? 0) > 3 && use($0) == "commercial" }),
            ("floors BETWEEN 2 AND 4 OR current_use IN ('park', 'education')", {
                (floors($0).map { 2...4 ~= $0 } ?? false) || ["park", "education"].contains(use($0) ?? "") }),
            ("NOT (floors < 5) AND current_use LIKE 'res%'", { (floors($0).map { $0 >= 5 } ?? false) && (use($0)?.hasPrefix("res") ?? false) }),
            ("floors * 2 - 1 >= 7 AND floors % 2 = 0", { floors($0).map { $0 * 2 - 1 >= 7 && $0 % 2 == 0 } ?? false }),
            ("CASEI(current_use) = CASEI('COMMERCIAL')", { use($0) == "commercial" }),
            // Ids are read per candidate, not coded: prefixes, order and equality.
            ("id LIKE 'P-00001%' OR id = 'P-000123' OR (id > 'P-0030' AND id < 'P-00305')", {
                $0.id.hasPrefix("P-00001") || $0.id == "P-000123" || ($0.id > "P-0030" && $0.id < "P-00305") }),
        ]
        let expectations = cases.map { ($0.0, SourceFeature.sortedIDs(parcels.filter($0.1))) }
        let total = parcels.count
        try await OGCTestCity.withClient { client in
            for (filter, expected) in expectations {
                #expect(!expected.isEmpty && expected.count < total, "\(filter) should select some parcels, not all")
                let got = try await ids(client, "parcels", filter)
                #expect(got == expected, "\(filter)")
            }
        }
    }

    @Test("S_INTERSECTS with a BBOX and a polygon: the windows brute force selects")
    func spatial() async throws {
        let facilities = try SourceLayers.facilities.get()
        let parcels = try SourceLayers.parcels.get()
        try await OGCTestCity.withClient { client in
            // Facilities in a box: a point is in the closed box.
            let (minLon, minLat, maxLon, maxLat) = (51.405, 35.695, 51.42, 35.71)
            let inBox = facilities.filter { $0.intersects(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat) }
            #expect(!inBox.isEmpty)
            let got = try await ids(client, "facilities", "S_INTERSECTS(geometry, BBOX(\(minLon), \(minLat), \(maxLon), \(maxLat)))")
            #expect(got == SourceFeature.sortedIDs(inBox))
            // The same box as a polygon literal, for parcels: a parcel meets the box exactly when it
            // meets the closed rectangle.
            let rectangle = "POLYGON((\(minLon) \(minLat), \(maxLon) \(minLat), \(maxLon) \(maxLat), \(minLon) \(maxLat), \(minLon) \(minLat)))"
            let parcelsInBox = parcels.filter { $0.intersects(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat) }
            #expect(!parcelsInBox.isEmpty)
            let gotParcels = try await ids(client, "parcels", "S_INTERSECTS(geometry, \(rectangle))")
            #expect(gotParcels == SourceFeature.sortedIDs(parcelsInBox))
            // With a property as well: both apply.
            let commercial = parcelsInBox.filter { $0.properties["current_use"] as? String == "commercial" }
            let gotCommercial = try await ids(client, "parcels", "S_INTERSECTS(geometry, \(rectangle)) AND current_use = 'commercial'")
            #expect(!commercial.isEmpty)
            #expect(gotCommercial == SourceFeature.sortedIDs(commercial))
        }
    }

    /// A zone's `allowed_uses` and `conditional_uses` are its code's in zoning_rules.json (read
    /// here with Foundation): the array functions against brute force over sets.
    @Test("A_CONTAINS, A_OVERLAPS, A_CONTAINEDBY, A_EQUALS over a zone's uses by its rule")
    func arrays() async throws {
        let zones = try SourceLayers.zones.get()
        let rulesData = try Data(contentsOf: Fixtures.dataset("tehran").appending(path: "zoning_rules.json"))
        let rules = try #require((try JSONSerialization.jsonObject(with: rulesData) as? [String: Any])?["zones"] as? [String: [String: Any]])
        func uses(_ zone: SourceFeature, _ key: String) -> Set<String> {
            Set((rules[zone.properties["code"] as? String ?? ""]?[key] as? [String]) ?? [])
        }
        let cases: [(String, (SourceFeature) -> Bool)] = [
            ("A_CONTAINS(allowed_uses, ('commercial'))", { uses($0, "allowed_uses").contains("commercial") }),
            ("A_CONTAINS(conditional_uses, ('religious', 'green'))", { uses($0, "conditional_uses").isSuperset(of: ["religious", "green"]) }),
            ("A_OVERLAPS(allowed_uses, ('health', 'green'))", { !uses($0, "allowed_uses").isDisjoint(with: ["health", "green"]) }),
            ("A_CONTAINEDBY(allowed_uses, ('residential', 'commercial', 'office'))", { uses($0, "allowed_uses").isSubset(of: ["residential", "commercial", "office"]) }),
            ("A_EQUALS(allowed_uses, ('green')) OR NOT A_OVERLAPS(allowed_uses, ('residential'))", {
                uses($0, "allowed_uses") == ["green"] || !uses($0, "allowed_uses").contains("residential") }),
        ]
        let expectations = cases.map { ($0.0, SourceFeature.sortedIDs(zones.filter($0.1))) }
        let total = zones.count
        try await OGCTestCity.withClient { client in
            for (filter, expected) in expectations {
                #expect(!expected.isEmpty && expected.count < total, "\(filter) should select some zones, not all")
                let got = try await ids(client, "zones", filter)
                #expect(got == expected, "\(filter)")
            }
            // The uses are derived: in the items, and listed as array queryables.
            let queryables = try jsonObject(try await client.execute(uri: "/collections/zones/queryables", method: .get))
            let properties = try #require(queryables["properties"] as? [String: [String: Any]])
            #expect(properties["allowed_uses"]?["type"] as? String == "array")
        }
    }

    @Test("cql2-json gives what cql2-text gives")
    func jsonEncoding() async throws {
        try await OGCTestCity.withClient { client in
            let text = try await ids(client, "parcels", "floors >= 4 AND current_use <> 'residential'")
            let json = try await ids(
                client, "parcels",
                #"{"op":"and","args":[{"op":">=","args":[{"property":"floors"},4]},{"op":"<>","args":[{"property":"current_use"},"residential"]}]}"#,
                lang: "cql2-json")
            #expect(!text.isEmpty)
            #expect(text == json)
        }
    }

    @Test("POST …/items with application/query-cql-json: the GET's answer without a key; other bodies still need one")
    func postedFilter() async throws {
        let parcels = try SourceLayers.parcels.get()
        let expected = SourceFeature.sortedIDs(parcels.filter { ($0.properties["floors"] as? Int ?? 0) >= 3 })
        let body = #"{"op":">=","args":[{"property":"floors"},3]}"#
        try await OGCTestCity.withClient { client in
            func post(_ uri: String, _ text: String, type: String = "application/query-cql-json") async throws -> TestResponse {
                var headers = HTTPFields()
                headers[.contentType] = type
                return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: text))
            }
            let all = try await post("/collections/parcels/items?limit=10000", body)
            #expect(all.status == .ok)
            #expect(all.headers[.contentType]?.hasPrefix("application/geo+json") == true)
            let answer = try jsonObject(all)
            #expect(featureIDs(answer) == expected && !expected.isEmpty)
            #expect(answer["numberMatched"] as? Int == expected.count)
            // A page: its next link is a GET carrying the filter, which answers the next page.
            let first = try jsonObject(try await post("/collections/parcels/items?limit=5&lang=en", body))
            #expect(featureIDs(first) == Array(expected.prefix(5)))
            let links = try #require(first["links"] as? [[String: Any]])
            let next = try #require(links.first { $0["rel"] as? String == "next" }?["href"] as? String)
            let parts = next.components(separatedBy: "/collections/")
            #expect(parts.count == 2, "\(next)")
            let path = "/collections/" + parts.dropFirst().joined(separator: "/collections/")
            let second = try jsonObject(try await client.execute(uri: path, method: .get))
            #expect(featureIDs(second) == Array(expected.dropFirst(5).prefix(5)))
            // Faults: the body's syntax names filter; a filter in the query as well is unknown there.
            let broken = try await post("/collections/parcels/items", #"{"op":">=","args":[{"property":"floors"}"#)
            #expect(broken.status == .badRequest)
            #expect(try jsonObject(broken)["parameter"] as? String == "filter")
            #expect(try await post("/collections/parcels/items?filter=floors>1", body).status == .badRequest)
            #expect(try await post("/collections/parcels/items", String(repeating: " ", count: 300 * 1024) + body).status == .contentTooLarge)
            // A feature to create is still Part 4's, for planners: no key, 401.
            #expect(try await post("/collections/parcels/items", #"{"type":"Feature"}"#, type: "application/geo+json").status == .unauthorized)
        }
    }

    @Test("faults are 400s naming filter, in both languages, with the place")
    func faults() async throws {
        try await OGCTestCity.withClient { client in
            let cases: [(String, String)] = [
                ("floors >", "character 8"),
                ("nosuch = 1", "Queryables: geometry, id, zone_code, current_use, floors"),
                ("floors = 'high'", "= cannot take operands of type number, string"),
                ("S_WITHIN(geometry, GEOMETRYCOLLECTION(POINT(51.4 35.7), LINESTRING(51.4 35.7, 51.5 35.8)))", "takes a geometry of one kind"),
                (String(repeating: "(", count: 2_500) + "floors = 1" + String(repeating: ")", count: 2_500), "nested more than"),
            ]
            for (filter, english) in cases {
                let response = try await client.execute(uri: "/collections/parcels/items?lang=en&filter=\(encoded(filter))", method: .get)
                #expect(response.status == .badRequest, "\(filter.prefix(40))")
                let body = try jsonObject(response)
                #expect(body["code"] as? String == "InvalidParameterValue")
                #expect(body["parameter"] as? String == "filter")
                #expect((body["description"] as? String)?.contains(english) == true, "\(body["description"] ?? "")")
                let persian = try jsonObject(try await client.execute(uri: "/collections/parcels/items?lang=fa&filter=\(encoded(filter))", method: .get))
                #expect((persian["description"] as? String)?.contains("پالایه") == true)
            }
            let language = try await client.execute(uri: "/collections/parcels/items?filter=floors+%3E+1&filter-lang=cql2-xml", method: .get)
            #expect(language.status == .badRequest)
        }
    }

    @Test("conformance declares Part 3's filter and every CQL2 class")
    func conformance() async throws {
        try await OGCTestCity.withClient { client in
            let body = try jsonObject(try await client.execute(uri: "/conformance", method: .get))
            let classes = try #require(body["conformsTo"] as? [String])
            #expect(classes.contains("http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"))
            #expect(classes.contains("http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2"))
            #expect(classes.contains("http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions"))
            #expect(classes.contains("http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions"))
        }
    }
}
