import Foundation
import GeoProjection
import Hummingbird
import HummingbirdTesting
import LandAPI
import LandService
import NIOCore
import NIOFoundationCompat
import Testing
import TestSupport

/// The GeoJSON of a dataset read by Foundation, with an even-odd point-in-polygon written here:
/// an oracle that shares no code with the server's index or geometry.
struct CityOracle: @unchecked Sendable {  // immutable after init, only read
    struct Facility { let id: String; let lon: Double; let lat: Double; let category: String; let properties: [String: Any] }
    struct Area { let id: String; let rings: [[[Double]]]; let properties: [String: Any] }

    let facilities: [Facility]
    let parcels: [Area]
    let zones: [Area]

    init(_ dataset: String, parcelID: String = "id", zoneID: String = "id", zonesFile: String = "zones.geojson") throws {
        let folder = Fixtures.dataset(dataset)
        facilities = try Fixtures.foundationFeatures(folder.appending(path: "facilities.geojson")).map { feature in
            let properties = feature["properties"] as! [String: Any]
            let point = (feature["geometry"] as! [String: Any])["coordinates"] as! [Double]
            let id = (properties["id"] ?? properties["osm_ref"]) as! String
            return Facility(id: id, lon: point[0], lat: point[1], category: properties["category"] as! String, properties: properties)
        }
        func areas(_ file: String, idKey: String) throws -> [Area] {
            try Fixtures.foundationFeatures(folder.appending(path: file)).map { feature in
                let properties = feature["properties"] as! [String: Any]
                let geometry = feature["geometry"] as! [String: Any]
                let rings: [[[Double]]]
                if geometry["type"] as! String == "Polygon" {
                    rings = geometry["coordinates"] as! [[[Double]]]
                } else {
                    rings = (geometry["coordinates"] as! [[[[Double]]]]).flatMap { $0 }
                }
                return Area(id: properties[idKey] as! String, rings: rings, properties: properties)
            }
        }
        parcels = try areas("parcels.geojson", idKey: parcelID)
        zones = try areas(zonesFile, idKey: zoneID)
    }

    /// Even-odd rule over every ring (holes and multipolygon parts alike).
    static func contains(_ area: Area, lon: Double, lat: Double) -> Bool {
        var inside = false
        for ring in area.rings {
            var j = ring.count - 1
            for i in 0..<ring.count {
                let (xi, yi, xj, yj) = (ring[i][0], ring[i][1], ring[j][0], ring[j][1])
                if (yi > lat) != (yj > lat), lon < (xj - xi) * (lat - yi) / (yj - yi) + xi { inside.toggle() }
                j = i
            }
        }
        return inside
    }

    /// k nearest by PROJ's geod_inverse (GeographicLib in C), ties by id.
    func nearest(lon: Double, lat: Double, k: Int, categories: Set<String>?) -> [(id: String, distance: Double)] {
        facilities.filter { categories?.contains($0.category) ?? true }
            .map { ($0.id, PROJGeodesic.inverseDistanceMeters(lon1: lon, lat1: lat, lon2: $0.lon, lat2: $0.lat)) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .prefix(k).map { (id: $0.0, distance: $0.1) }
    }
}

func json(_ response: TestResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
}

@Suite("Citizen services against independent oracles")
struct CitizenServiceTests {
    @Test("nearest: ids, order and distances equal a brute-force scan with PROJ's geodesic (Tehran)", arguments: [false, true])
    func nearestMatchesBruteForce(byCategory: Bool) async throws {
        let oracle = try CityOracle("tehran")
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        let categories = ["hospital", "park", "metro_station", "school", "cinema,museum"]
        try await app.test(.router) { client in
            var random = SeededRandom(seed: SeededRandom.seed(default: byCategory ? 61 : 60))
            for _ in 0..<150 {
                // Points over the whole city, the demo district and beyond.
                let lon = random.uniform(51.25...51.60), lat = random.uniform(35.60...35.82)
                let k = Int.random(in: 1...12, using: &random)
                let category = byCategory ? categories.randomElement(using: &random)! : nil
                let uri = "/nearest?lon=\(lon)&lat=\(lat)&k=\(k)" + (category.map { "&category=\($0)" } ?? "")
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/geo+json")
                let features = try json(response)["features"] as! [[String: Any]]
                let expected = oracle.nearest(lon: lon, lat: lat, k: k, categories: category.map { Set($0.split(separator: ",").map(String.init)) })
                #expect(features.count == expected.count, "seed \(random.seed) \(uri)")
                for (feature, want) in zip(features, expected) {
                    let properties = feature["properties"] as! [String: Any]
                    let distance = properties["distance_m"] as! Double
                    // distance_m has 2 decimals; the order must equal the oracle's (ties by id).
                    #expect(abs(distance - want.distance) <= 0.005 + 1e-9, "seed \(random.seed) \(uri)")
                    if feature["id"] as? String != want.id {
                        // Only an exact tie may reorder; the oracle breaks ties by id too, so any difference is a bug.
                        Issue.record("seed \(random.seed) \(uri): got \(feature["id"]!), want \(want.id) at \(want.distance)")
                    }
                }
            }
        }
    }

    @Test("nearest and lookup describe each facility as the source file does: names in the asked language, category, position")
    func facilitiesCarryTheirSourceAttributes() async throws {
        let oracle = try CityOracle("tehran")
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            let byID = Dictionary(uniqueKeysWithValues: oracle.facilities.map { ($0.id, $0) })
            /// The source's values; `name` is the asked language's name, else the other one.
            func check(_ got: [String: Any], id: String, language: String, position: [Double], context: String) {
                guard let source = byID[id] else { Issue.record("\(context): unknown facility \(id)"); return }
                let fa = source.properties["name_fa"] as? String, en = source.properties["name_en"] as? String
                #expect(got["id"] as? String == id, "\(context)")
                #expect(got["name_fa"] as? String == fa && got["name_en"] as? String == en, "\(context) \(id)")
                #expect(got["name"] as? String == (language == "fa" ? fa ?? en : en ?? fa), "\(context) \(id)")
                #expect(got["category"] as? String == source.category, "\(context) \(id)")
                #expect(got["category_fa"] as? String == source.properties["category_fa"] as? String, "\(context) \(id)")
                #expect(abs(position[0] - source.lon) < 5e-8 && abs(position[1] - source.lat) < 5e-8, "\(context) \(id): 7 decimals")
            }
            var random = SeededRandom(seed: SeededRandom.seed(default: 64))
            for step in 0..<60 {
                let lon = random.uniform(51.25...51.60), lat = random.uniform(35.60...35.82)
                let language = step % 2 == 0 ? "fa" : "en"
                let nearest = try json(try await client.execute(uri: "/nearest?lon=\(lon)&lat=\(lat)&k=8&lang=\(language)", method: .get))
                for feature in nearest["features"] as! [[String: Any]] {
                    let point = (feature["geometry"] as! [String: Any])["coordinates"] as! [Double]
                    #expect((feature["geometry"] as! [String: Any])["type"] as? String == "Point")
                    check(feature["properties"] as! [String: Any], id: feature["id"] as! String, language: language, position: point,
                          context: "seed \(random.seed) /nearest \(lon),\(lat)")
                }
                let lookup = try json(try await client.execute(uri: "/lookup?lon=\(lon)&lat=\(lat)&lang=\(language)", method: .get))
                for (_, value) in lookup["nearest"] as! [String: Any] {
                    guard let summary = value as? [String: Any] else { continue }
                    check(summary, id: summary["id"] as! String, language: language, position: [summary["lon"] as! Double, summary["lat"] as! Double],
                          context: "seed \(random.seed) /lookup \(lon),\(lat)")
                }
            }
        }
    }

    @Test("nearest on Helsinki (real OSM) equals the brute-force scan")
    func nearestHelsinki() async throws {
        let oracle = try CityOracle("helsinki", parcelID: "osm_ref", zoneID: "osm_ref", zonesFile: "landuse.geojson")
        let services = try await TestCity.shared("helsinki")
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            var random = SeededRandom(seed: SeededRandom.seed(default: 62))
            for _ in 0..<100 {
                let lon = random.uniform(24.930...24.958), lat = random.uniform(60.162...60.181)
                let k = Int.random(in: 1...20, using: &random)
                let category = ["amenity=restaurant", "amenity=cafe", "railway=tram_stop", nil].randomElement(using: &random)!
                let uri = "/nearest?lon=\(lon)&lat=\(lat)&k=\(k)" + (category.map { "&category=\($0)" } ?? "")
                let response = try await client.execute(uri: uri, method: .get)
                let features = try json(response)["features"] as! [[String: Any]]
                let expected = oracle.nearest(lon: lon, lat: lat, k: k, categories: category.map { [$0] })
                #expect(features.map { $0["id"] as! String } == expected.map(\.id), "seed \(random.seed) \(uri)")
                for (feature, want) in zip(features, expected) {
                    let distance = (feature["properties"] as! [String: Any])["distance_m"] as! Double
                    #expect(abs(distance - want.distance) <= 0.005 + 1e-9)
                }
            }
        }
    }

    @Test("lookup: the parcel and zone at random points equal a brute-force point-in-polygon scan")
    func lookupMatchesBruteForce() async throws {
        let oracle = try CityOracle("tehran")
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            var random = SeededRandom(seed: SeededRandom.seed(default: 63))
            var inParcel = 0
            for _ in 0..<300 {
                // tehran/README.md: the demo district's bbox 51.4001056, 35.6927002 – 51.4289674, 35.7162411, a bit wider.
                let lon = random.uniform(51.399...51.430), lat = random.uniform(35.692...35.717)
                let response = try await client.execute(uri: "/lookup?lon=\(lon)&lat=\(lat)", method: .get)
                #expect(response.status == .ok)
                let body = try json(response)
                let parcel = body["parcel"] as? [String: Any]
                let expectedParcels = oracle.parcels.filter { CityOracle.contains($0, lon: lon, lat: lat) }.map(\.id)
                #expect(expectedParcels.count <= 1, "parcels never overlap (README)")
                #expect(parcel?["id"] as? String == expectedParcels.first, "seed \(random.seed) at \(lon),\(lat)")
                if parcel != nil { inParcel += 1 }
                let expectedZone = oracle.zones.first { CityOracle.contains($0, lon: lon, lat: lat) }
                let zone = body["zone"] as? [String: Any]
                #expect(zone?["id"] as? String == expectedZone?.id, "seed \(random.seed) at \(lon),\(lat)")
                if let expectedZone, let rules = body["rules"] as? [String: Any] {
                    #expect(rules["code"] as? String == expectedZone.properties["code"] as? String)
                }
                if let parcel, let match = oracle.parcels.first(where: { $0.id == parcel["id"] as? String }) {
                    let properties = parcel["properties"] as! [String: Any]
                    #expect(properties["current_use"] as? String == match.properties["current_use"] as? String)
                    #expect(properties["floors"] as? Int == match.properties["floors"] as? Int)
                    #expect(abs((properties["area_m2"] as! Double) - (match.properties["area_m2"] as! Double)) < 0.5)
                }
                // The four amenities with distances equal to the oracle's nearest of each category.
                let nearest = body["nearest"] as! [String: Any]
                for category in ["hospital", "school", "metro_station", "park"] {
                    let want = oracle.nearest(lon: lon, lat: lat, k: 1, categories: [category]).first!
                    let got = nearest[category] as! [String: Any]
                    #expect(got["id"] as? String == want.id)
                    #expect(abs((got["distance_m"] as! Double) - want.distance) <= 0.005 + 1e-9)
                }
            }
            #expect(inParcel > 100, "most random points of the district fall in a parcel")
        }
    }

    @Test("lookup outside every parcel answers 200 with parcel null and the zone if any")
    func lookupOutsideParcels() async throws {
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            // Azadi Tower, far west of the demo district: no parcel, no zone.
            let response = try await client.execute(uri: "/lookup?lon=51.3380&lat=35.6997", method: .get)
            #expect(response.status == .ok)
            let body = try json(response)
            #expect(body["parcel"] is NSNull)
            #expect(body["zone"] is NSNull)
            #expect((body["nearest"] as! [String: Any])["hospital"] is [String: Any])
        }
    }

    @Test("lookup by parcel id gives that parcel, its zone, rules and conformity")
    func lookupByParcel() async throws {
        let oracle = try CityOracle("tehran")
        let rules = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.dataset("tehran").appending(path: "zoning_rules.json"))) as! [String: Any]
        let zoneRules = Frozen(rules["zones"] as! [String: [String: Any]])
        let services = try await TestCity.shared("tehran")
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            for parcel in oracle.parcels.prefix(40) {
                let response = try await client.execute(uri: "/lookup?parcel=\(parcel.id)&lang=en", method: .get)
                let body = try json(response)
                #expect((body["parcel"] as! [String: Any])["id"] as? String == parcel.id)
                let code = parcel.properties["zone_code"] as! String
                #expect((body["rules"] as! [String: Any])["code"] as? String == code)
                let use = parcel.properties["current_use"] as! String
                let rule = zoneRules.value[code]!
                let expected = (rule["allowed_uses"] as! [String]).contains(use)
                    ? "allowed" : (rule["conditional_uses"] as! [String]).contains(use) ? "conditional" : "not_allowed"
                #expect((body["conformity"] as! [String: Any])["status"] as? String == expected, "\(parcel.id) \(use) in \(code)")
            }
        }
    }
}
