import Foundation
import Hummingbird
import HummingbirdTesting
import LandAPI
import NIOCore
import NIOFoundationCompat
import Testing
import TestSupport

@Suite("Zoning check: hand-worked cases from zoning_rules.json")
struct ZoningCheckTests {
    /// Runs the check and returns (allowed, needs_approval, [rule: ok]).
    func check(_ query: String) async throws -> (allowed: Bool, needsApproval: Bool, checks: [String: Bool], body: [String: Any]) {
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        return try await app.test(.router) { client in
            let response = try await client.execute(uri: "/zoning-check?\(query)", method: .get)
            #expect(response.status == .ok, "\(query)")
            let body = try json(response)
            let checks = body["checks"] as! [[String: Any]]
            return Frozen((
                allowed: body["allowed"] as! Bool, needsApproval: body["needs_approval"] as! Bool,
                checks: Dictionary(uniqueKeysWithValues: checks.map { ($0["rule"] as! String, $0["ok"] as! Bool) }), body: body
            ))
        }.value
    }

    // P-000100 lies in R121 (parcels.geojson), area 794.5 m². R121: allowed residential;
    // conditional education, health, religious, green, commercial, office; max 5 floors,
    // coverage 60 %, density 300 %, minimum parcel 300 m².

    @Test("residential, 5 floors at 60 % in R121: allowed (5 × 60 = 300 ≤ 300)")
    func allowedResidential() async throws {
        let result = try await check("parcel=P-000100&use=residential&floors=5&coverage_pct=60")
        #expect(result.allowed && !result.needsApproval)
        #expect(result.checks == ["use": true, "floors": true, "coverage": true, "density": true, "min_parcel_area": true])
    }

    @Test("commercial, 3 floors in R121: allowed only with approval (conditional use)")
    func conditionalCommercial() async throws {
        let result = try await check("parcel=P-000100&use=commercial&floors=3&lang=en")
        #expect(result.allowed && result.needsApproval)
        #expect(result.checks["use"] == true)
        // 3 × 60 (max coverage assumed) = 180 ≤ 300.
        #expect(result.checks["density"] == true)
        let use = (result.body["checks"] as! [[String: Any]]).first { $0["rule"] as? String == "use" }!
        #expect((use["message"] as! String).contains("approval"))
    }

    @Test("6 floors in R121: floors fail (6 > 5) and density fails (6 × 60 = 360 > 300)")
    func tooManyFloors() async throws {
        let result = try await check("parcel=P-000100&use=residential&floors=6")
        #expect(!result.allowed && !result.needsApproval)
        #expect(result.checks["floors"] == false && result.checks["density"] == false)
        let density = (result.body["checks"] as! [[String: Any]]).first { $0["rule"] as? String == "density" }!
        #expect(density["requested"] as? Double == 360 && density["limit"] as? Double == 300)
    }

    @Test("5 floors at 70 % coverage: coverage (70 > 60) and density (350 > 300) fail")
    func coverageTooHigh() async throws {
        let result = try await check("parcel=P-000100&use=residential&floors=5&coverage_pct=70")
        #expect(!result.allowed)
        #expect(result.checks["coverage"] == false && result.checks["density"] == false && result.checks["floors"] == true)
    }

    @Test("industrial in R121 is not allowed at all")
    func forbiddenUse() async throws {
        let result = try await check("parcel=P-000100&use=industrial&floors=1")
        #expect(!result.allowed)
        #expect(result.checks["use"] == false)
    }

    @Test("every parcel's check agrees with the rules computed here from the JSON files")
    func everyParcelAgainstRules() async throws {
        let folder = Fixtures.dataset("tehran")
        let rules = Frozen((try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appending(path: "zoning_rules.json"))) as! [String: Any])["zones"] as! [String: [String: Any]])
        let parcels = Frozen(try Fixtures.foundationFeatures(folder.appending(path: "parcels.geojson")))
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        let uses = ["residential", "commercial", "office", "mixed", "green", "education", "health", "religious", "industrial"]
        try await app.test(.router) { client in
            var random = SeededRandom(seed: SeededRandom.seed(default: 64))
            for _ in 0..<200 {
                let properties = parcels.value.randomElement(using: &random)!["properties"] as! [String: Any]
                let id = properties["id"] as! String, area = properties["area_m2"] as! Double
                let rule = rules.value[properties["zone_code"] as! String]!
                let use = uses.randomElement(using: &random)!
                let floors = Int.random(in: 0...9, using: &random)
                let coverage = Bool.random(using: &random) ? Double(Int.random(in: 10...90, using: &random)) : nil
                let maxFloors = rule["max_floors"] as! Int
                let maxCoverage = (rule["max_coverage_pct"] as! NSNumber).doubleValue
                let maxDensity = (rule["max_density_pct"] as! NSNumber).doubleValue
                let minArea = (rule["min_parcel_area_m2"] as! NSNumber).doubleValue
                let allowedUse = (rule["allowed_uses"] as! [String]).contains(use)
                let conditional = (rule["conditional_uses"] as! [String]).contains(use)
                let expectedAllowed = (allowedUse || conditional) && floors <= maxFloors
                    && (coverage ?? 0) <= maxCoverage && Double(floors) * (coverage ?? maxCoverage) <= maxDensity && area >= minArea
                let uri = "/zoning-check?parcel=\(id)&use=\(use)&floors=\(floors)" + (coverage.map { "&coverage_pct=\(Int($0))" } ?? "")
                let body = try json(try await client.execute(uri: uri, method: .get))
                #expect(body["allowed"] as? Bool == expectedAllowed, "seed \(random.seed) \(uri)")
                #expect(body["needs_approval"] as? Bool == (expectedAllowed && !allowedUse && conditional), "\(uri)")
            }
        }
    }
}

@Suite("Search with Persian normalisation")
struct SearchTests {
    func search(_ query: String) async throws -> (status: HTTPResponse.Status, body: [String: Any]) {
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        return try await app.test(.router) { client in
            let response = try await client.execute(uri: "/search?\(query)", method: .get)
            return Frozen((status: response.status, body: try json(response)))
        }.value
    }

    func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }

    @Test("a name typed with Arabic yeh and kaf finds the Persian spelling, exact match first")
    func arabicKeyboard() async throws {
        // facilities.geojson: place names are stored with Persian ی/ک (tehran/README.md).
        let persian = try await search("q=\(encoded("بیمارستان صدر"))")
        let arabic = try await search("q=\(encoded("بيمارستان صدر"))")
        let persianIDs = (persian.body["features"] as! [[String: Any]]).map { $0["id"] as! String }
        let arabicIDs = (arabic.body["features"] as! [[String: Any]]).map { $0["id"] as! String }
        #expect(!persianIDs.isEmpty)
        #expect(persianIDs == arabicIDs)
        let first = (arabic.body["features"] as! [[String: Any]])[0]["properties"] as! [String: Any]
        #expect(first["name_fa"] as? String == "بیمارستان صدر")
        #expect(first["match"] as? String == "exact")
    }

    @Test("Persian and Arabic-Indic digits in a parcel id search find the ASCII id")
    func digits() async throws {
        let result = try await search("q=\(encoded("P-۰۰۰۱۰۰"))")
        let features = result.body["features"] as! [[String: Any]]
        #expect(features.first?["id"] as? String == "P-000100")
        let arabicIndic = try await search("q=\(encoded("P-٠٠٠١٠٠"))")
        #expect((arabicIndic.body["features"] as! [[String: Any]]).first?["id"] as? String == "P-000100")
    }

    @Test("ranking is exact, then prefix, then contains")
    func ranking() async throws {
        let result = try await search("q=\(encoded("بیمارستان"))&category=hospital&limit=200")
        let matches = (result.body["features"] as! [[String: Any]]).map { ($0["properties"] as! [String: Any])["match"] as! String }
        let order = ["exact": 0, "prefix": 1, "contains": 2]
        #expect(matches.map { order[$0]! } == matches.map { order[$0]! }.sorted())
        #expect(matches.contains("prefix"))
    }

    @Test("property search: every commercial parcel in a box, checked against the file")
    func commercialInBox() async throws {
        let parcels = try Fixtures.foundationFeatures(Fixtures.dataset("tehran").appending(path: "parcels.geojson"))
        let (minLon, minLat, maxLon, maxLat) = (51.405, 35.695, 51.412, 35.702)
        // A parcel is in the box when any vertex is inside; parcels here are small quadrilaterals
        // and the box is far larger, so vertex-in-box equals polygon-intersects-box except on the edge.
        let expected = parcels.compactMap { feature -> String? in
            let properties = feature["properties"] as! [String: Any]
            guard properties["current_use"] as? String == "commercial" else { return nil }
            let ring = ((feature["geometry"] as! [String: Any])["coordinates"] as! [[[Double]]])[0]
            let inside = ring.contains { $0[0] >= minLon && $0[0] <= maxLon && $0[1] >= minLat && $0[1] <= maxLat }
            return inside ? properties["id"] as? String : nil
        }
        let result = try await search("use=commercial&bbox=\(minLon),\(minLat),\(maxLon),\(maxLat)&limit=1000")
        let ids = (result.body["features"] as! [[String: Any]]).map { $0["id"] as! String }
        #expect(Set(expected).isSubset(of: Set(ids)))
        #expect(ids.count - expected.count <= 10, "only parcels crossing the box edge without a vertex inside may be extra")
        #expect(ids == ids.sorted())
    }
}

@Suite("Bad input to the citizen endpoints")
struct CitizenBadInputTests {
    @Test(
        "each bad request is a 4xx JSON error naming the parameter, in the requested language",
        arguments: [
            ("/lookup", "lon"), ("/lookup?lon=51.4", "lat"), ("/lookup?lon=abc&lat=35", "lon"),
            ("/lookup?lon=nan&lat=35", "lon"), ("/lookup?lon=51&lat=91", "lat"), ("/lookup?lon=181&lat=35", "lon"),
            ("/lookup?lon=1e999&lat=35", "lon"), ("/lookup?parcel=P-999999", "parcel"), ("/lookup?lon=51&lat=35&x=1", "x"),
            ("/lookup?parcel=P-000001&lon=51&lat=35", "parcel"), ("/lookup?lon=51&lon=52&lat=35", "lon"),
            ("/nearest?lon=51.4&lat=35.7&k=0", "k"), ("/nearest?lon=51.4&lat=35.7&k=1000000", "k"),
            ("/nearest?lon=51.4&lat=35.7&k=2.5", "k"), ("/nearest?lon=51.4&lat=35.7&category=spaceport", "category"),
            ("/nearest?lon=51.4&lat=35.7&category=", "category"), ("/nearest?lon=51.4&lat=35.7&max_distance_m=-5", "max_distance_m"),
            ("/nearest?lat=35.7", "lon"),
            ("/zoning-check?parcel=P-000100&use=casino&floors=2", "use"), ("/zoning-check?parcel=P-999999&use=residential&floors=2", "parcel"),
            ("/zoning-check?parcel=P-000100&use=residential", "floors"), ("/zoning-check?parcel=P-000100&use=residential&floors=-1", "floors"),
            ("/zoning-check?parcel=P-000100&use=residential&floors=2&coverage_pct=150", "coverage_pct"),
            ("/zoning-check?use=residential&floors=2", "parcel"),
            ("/search", "q"), ("/search?q=", "q"), ("/search?q=%20%20", "q"), ("/search?q=x&limit=0", "limit"),
            ("/search?use=casino", "use"), ("/search?zone=X1", "zone"), ("/search?q=a&bbox=1,2,3", "bbox"),
            ("/search?q=a&bbox=3,2,1,4", "bbox"), ("/search?q=a&bbox=a,b,c,d", "bbox"),
        ])
    func badInput(uri: String, parameter: String) async throws {
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            for language in ["fa", "en"] {
                let separator = uri.contains("?") ? "&" : "?"
                let response = try await client.execute(uri: uri + separator + "lang=" + language, method: .get)
                #expect((400..<500).contains(response.status.code), "\(uri) → \(response.status)")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try json(response)
                #expect(body["parameter"] as? String == parameter, "\(uri)")
                let description = body["description"] as! String
                #expect(!description.isEmpty)
                let hasPersianLetters = description.unicodeScalars.contains { (0x0600...0x06FF).contains($0.value) }
                #expect(hasPersianLetters == (language == "fa") || parameter == "x", "\(uri) in \(language): \(description)")
            }
        }
    }
}
