import Foundation
import GeoCore
import HTTPTypes
import HummingbirdTesting
import LandAPI
import NIOCore
import Testing
import TestSupport

@Suite("OGC API – Features resources (landing, conformance, collections, features, queryables, /api)")
struct OGCResourceTests {
    @Test("landing page links service-desc, service-doc, conformance and data; every link has rel and type")
    func landingPage() async throws {
        try await OGCTestCity.withClient { client in
            for uri in ["/", "/?f=json"] {
                let response = try await client.execute(uri: uri, method: .get, headers: [.accept: "*/*"])
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try jsonObject(response)
                let links = try #require(body["links"] as? [[String: Any]])
                #expect(links.allSatisfy { $0["rel"] is String && $0["type"] is String && $0["href"] is String })
                let rels = Set(links.compactMap { $0["rel"] as? String })
                #expect(rels.isSuperset(of: ["self", "alternate", "service-desc", "service-doc", "conformance", "data"]))
                let serviceDesc = try #require(links.first { $0["rel"] as? String == "service-desc" })
                #expect(serviceDesc["type"] as? String == "application/vnd.oai.openapi+json;version=3.0")
                #expect((serviceDesc["href"] as? String)?.hasSuffix("/api") == true)
            }
        }
    }

    @Test("conformance declares exactly the classes implemented")
    func conformance() async throws {
        try await OGCTestCity.withClient { client in
            let body = try jsonObject(try await client.execute(uri: "/conformance", method: .get))
            let classes = try #require(body["conformsTo"] as? [String])
            let tiles: [String] = ["core", "tileset", "tilesets-list", "geodata-tilesets", "dataset-tilesets", "collections-selection", "mvt", "oas30"]
                .map { "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/" + $0 }
            let features: Set<String> = [
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
                // Part 4 (tested end to end: Tests/e2e/test_part4.py, and FeatureEditHTTPTests).
                "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
                "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
                "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
                // Part 3 filters and CQL2 (OGCFilterTests; against PyPI cql2 and shapely in Tests/e2e/test_cql2.py).
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
                "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
                "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
                "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
                "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
                "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
                "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
                "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
                "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
                "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
                "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
                "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
                "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
                "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
            ]
            #expect(Set(classes) == features.union(tiles))
        }
    }

    @Test("collections: the cadastre's three and the information layers, with items links, CRS list with CRS84, storageCrs, and the extent of the source")
    func collections() async throws {
        let parcels = try SourceLayers.parcels.get()
        var minLon = 180.0, minLat = 90.0, maxLon = -180.0, maxLat = -90.0
        for feature in parcels {
            for polygon in feature.polygons {
                let box = polygon.exterior.bbox
                minLon = min(minLon, box.minLon); minLat = min(minLat, box.minLat)
                maxLon = max(maxLon, box.maxLon); maxLat = max(maxLat, box.maxLat)
            }
        }
        let expected = [minLon, minLat, maxLon, maxLat]
        try await OGCTestCity.withClient { client in
            let body = try jsonObject(try await client.execute(uri: "/collections", method: .get))
            let collections = try #require(body["collections"] as? [[String: Any]])
            // The cadastre's three, then the information layers (issue 21), which are offered in CRS84 alone.
            #expect(collections.compactMap { $0["id"] as? String } == ["parcels", "zones", "facilities", "districts", "projects"])
            for collection in collections {
                let crs = try #require(collection["crs"] as? [String])
                #expect(crs.contains("http://www.opengis.net/def/crs/OGC/1.3/CRS84"))
                if ["districts", "projects"].contains(collection["id"] as? String) {
                    #expect(crs == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"])
                    continue
                }
                #expect(crs.contains("http://www.opengis.net/def/crs/EPSG/0/4326"))
                #expect(crs.contains("http://www.opengis.net/def/crs/EPSG/0/3857"))
                #expect(crs.contains("http://www.opengis.net/def/crs/EPSG/0/32639"))
                #expect(collection["storageCrs"] as? String == "http://www.opengis.net/def/crs/OGC/1.3/CRS84")
                let links = try #require(collection["links"] as? [[String: Any]])
                #expect(links.contains { $0["rel"] as? String == "items" && $0["type"] as? String == "application/geo+json" })
                #expect(links.contains { $0["rel"] as? String == "http://www.opengis.net/def/rel/ogc/1.0/queryables" })
            }
            let single = try jsonObject(try await client.execute(uri: "/collections/parcels", method: .get))
            #expect(single["id"] as? String == "parcels")
            let extent = try #require(((single["extent"] as? [String: Any])?["spatial"] as? [String: Any])?["bbox"] as? [[Double]])
            for (got, want) in zip(extent[0], expected) { #expect(abs(got - want) < 1e-7) }
        }
    }

    @Test("a parcel by id: dataset id, properties and coordinates as in the source file")
    func parcelByID() async throws {
        let source = try #require(try SourceLayers.parcels.get().first { $0.id == "P-000001" })
        try await OGCTestCity.withClient { client in
            let response = try await client.execute(uri: "/collections/parcels/items/P-000001", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/geo+json")
            let body = try jsonObject(response)
            #expect(body["type"] as? String == "Feature")
            #expect(body["id"] as? String == "P-000001")
            let properties = try #require(body["properties"] as? [String: Any])
            #expect(properties["zone_code"] as? String == source.properties["zone_code"] as? String)
            #expect(properties["current_use"] as? String == source.properties["current_use"] as? String)
            #expect(properties["floors"] as? Int == source.properties["floors"] as? Int)
            #expect(properties["address"] as? String == source.properties["address_fa"] as? String)
            // Area is the server's geodesic area; the file's value is pyproj's, to 0.1 m².
            let area = try #require(properties["area_m2"] as? Double)
            #expect(abs(area - (source.properties["area_m2"] as! Double)) < 0.5)
            let geometry = try #require(body["geometry"] as? [String: Any])
            #expect(geometry["type"] as? String == "Polygon")
            let coordinates = try #require(geometry["coordinates"] as? [[[Double]]])
            #expect(coordinates == source.geometry["coordinates"] as? [[[Double]]])
            let rels = Set((body["links"] as? [[String: Any]] ?? []).compactMap { $0["rel"] as? String })
            #expect(rels.isSuperset(of: ["self", "alternate", "collection"]))
        }
    }

    @Test("a facility keeps the dataset's extra properties")
    func facilityExtras() async throws {
        let source = try #require(try SourceLayers.facilities.get().first { $0.id == "metro-abdol-abad" })
        try await OGCTestCity.withClient { client in
            let body = try jsonObject(try await client.execute(uri: "/collections/facilities/items/metro-abdol-abad", method: .get))
            let properties = try #require(body["properties"] as? [String: Any])
            for key in ["name_fa", "name_en", "category", "category_fa", "source", "address_fa"] {
                #expect(properties[key] as? String == source.properties[key] as? String, "\(key)")
            }
            #expect(properties["lines"] as? [Int] == source.properties["lines"] as? [Int])
            #expect(properties["disabled"] as? Bool == source.properties["disabled"] as? Bool)
            let coordinates = try #require((body["geometry"] as? [String: Any])?["coordinates"] as? [Double])
            #expect(coordinates == [source.point!.lon, source.point!.lat])
        }
    }

    @Test("crs=EPSG:3857 matches the spherical Mercator formula; EPSG:4326 puts latitude first; UTM 39N as PROJ's cs2cs")
    func featureInOtherCRS() async throws {
        let source = try #require(try SourceLayers.facilities.get().first { $0.id == "metro-abdol-abad" })
        let (lon, lat) = source.point!
        // x = R·λ, y = R·ln tan(π/4 + φ/2), R = 6378137 m (EPSG:3857 method 1024).
        let radius = 6_378_137.0
        let x = radius * lon * .pi / 180, y = radius * log(tan(.pi / 4 + lat * .pi / 360))
        try await OGCTestCity.withClient { client in
            let mercator = try await client.execute(
                uri: "/collections/facilities/items/metro-abdol-abad?crs=http://www.opengis.net/def/crs/EPSG/0/3857", method: .get)
            #expect(mercator.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/EPSG/0/3857>")
            let position = try #require((try jsonObject(mercator)["geometry"] as? [String: Any])?["coordinates"] as? [Double])
            #expect(abs(position[0] - x) < 0.002 && abs(position[1] - y) < 0.002)

            let latFirst = try await client.execute(
                uri: "/collections/facilities/items/metro-abdol-abad?crs=http://www.opengis.net/def/crs/EPSG/0/4326", method: .get)
            let swapped = try #require((try jsonObject(latFirst)["geometry"] as? [String: Any])?["coordinates"] as? [Double])
            #expect(swapped == [lat, lon])

            // echo "51.3601601 35.6381358" | cs2cs -f %.3f OGC:CRS84 EPSG:32639 → 532608.088 3943873.352
            let utm = try await client.execute(
                uri: "/collections/facilities/items/metro-abdol-abad?crs=EPSG:32639", method: .get)
            let utmPosition = try #require((try jsonObject(utm)["geometry"] as? [String: Any])?["coordinates"] as? [Double])
            #expect(abs(utmPosition[0] - 532_608.088) < 0.002 && abs(utmPosition[1] - 3_943_873.352) < 0.002)
        }
    }

    @Test("bbox-crs EPSG:4326 (lat first) and EPSG:3857 select what the same area in CRS84 selects")
    func bboxInOtherCRS() async throws {
        try await OGCTestCity.withClient { client in
            let reference = try jsonObject(try await client.execute(
                uri: "/collections/facilities/items?bbox=51.30,35.60,51.50,35.80&limit=10000", method: .get))
            let latFirst = try jsonObject(try await client.execute(
                uri: "/collections/facilities/items?bbox=35.60,51.30,35.80,51.50&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326&limit=10000",
                method: .get))
            #expect(featureIDs(latFirst) == featureIDs(reference))
            #expect(!featureIDs(reference).isEmpty)
            // The same box in Web Mercator metres (x = R·λ, y = R·ln tan(π/4 + φ/2)) covers the same facilities.
            let radius = 6_378_137.0
            func mercatorY(_ lat: Double) -> Double { radius * log(tan(.pi / 4 + lat * .pi / 360)) }
            let box = [radius * 51.30 * .pi / 180, mercatorY(35.60), radius * 51.50 * .pi / 180, mercatorY(35.80)]
            let mercator = try jsonObject(try await client.execute(
                uri: "/collections/facilities/items?bbox=\(box.map { String($0) }.joined(separator: ","))&bbox-crs=EPSG:3857&limit=10000",
                method: .get))
            #expect(featureIDs(mercator) == featureIDs(reference))
        }
    }

    @Test("queryables: JSON Schema 2020-12 with $id, type object and a type per property")
    func queryables() async throws {
        try await OGCTestCity.withClient { client in
            let response = try await client.execute(uri: "/collections/parcels/queryables", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/schema+json")
            let body = try jsonObject(response)
            #expect(body["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
            #expect((body["$id"] as? String)?.hasSuffix("/collections/parcels/queryables") == true)
            #expect(body["type"] as? String == "object")
            let properties = try #require(body["properties"] as? [String: [String: Any]])
            #expect(properties["zone_code"]?["type"] as? String == "string")
            #expect(properties["current_use"]?["type"] as? String == "string")
            #expect(properties["floors"]?["type"] as? String == "integer")
            #expect(properties["geometry"]?["type"] == nil)
            #expect(properties["geometry"]?["format"] as? String == "geometry-any")
            let facilities = try jsonObject(try await client.execute(uri: "/collections/facilities/queryables", method: .get))
            #expect((facilities["properties"] as? [String: Any])?["category"] != nil)
        }
    }

    @Test("/api is OpenAPI 3.0 with every OGC path, the items parameters, and the domain endpoints")
    func apiDefinition() async throws {
        try await OGCTestCity.withClient { client in
            let response = try await client.execute(uri: "/api", method: .get, headers: [.accept: "application/vnd.oai.openapi+json;version=3.0"])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/vnd.oai.openapi+json;version=3.0")
            let body = try jsonObject(response)
            #expect((body["openapi"] as? String)?.hasPrefix("3.0") == true)
            let paths = try #require(body["paths"] as? [String: [String: Any]])
            for path in [
                "/", "/conformance", "/api", "/collections", "/collections/parcels", "/collections/parcels/items",
                "/collections/parcels/items/{featureId}", "/collections/facilities/queryables", "/health", "/lookup", "/nearest",
                "/zoning-check", "/search", "/requests", "/requests/{request}", "/requests/{request}/decision", "/stats/land-use",
                "/stats/non-conforming", "/changes", "/audit", "/zones/{zone}/rezone", "/ui/strings", "/web/map.js",
            ] {
                #expect(paths[path] != nil, "\(path)")
            }
            let items = try #require(paths["/collections/parcels/items"]?["get"] as? [String: Any])
            let names = Set((items["parameters"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
            #expect(names.isSuperset(of: ["bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "f", "zone_code", "current_use", "floors"]))
            #expect(paths["/requests"]?["post"] != nil && paths["/requests"]?["get"] != nil)
            for path in ["/collections/zones/items/{featureId}", "/lookup"] {
                let operation = try #require(paths[path]?["get"] as? [String: Any])
                #expect((operation["parameters"] as? [[String: Any]])?.contains { $0["name"] as? String == "datetime" } == true, "\(path)")
            }
            let rezone = try #require(paths["/zones/{zone}/rezone"]?["post"] as? [String: Any])
            let schema = ((((rezone["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]) as? [String: Any]
            #expect(schema?["required"] as? [String] == ["code", "reason"])
            #expect(Set((rezone["responses"] as? [String: Any])?.keys.map { $0 } ?? []) == ["200", "400", "401", "403", "404", "409", "413", "415", "500"])
            let html = try await client.execute(uri: "/api?f=html", method: .get)
            #expect(String(buffer: html.body).contains("<code>POST /zones/{zone}/rezone</code>"))
        }
    }

    @Test("HTML by f=html or a browser's Accept; JSON for */*; trailing slashes are the same resource")
    func negotiationAndTrailingSlash() async throws {
        try await OGCTestCity.withClient { client in
            let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            for uri in ["/collections", "/collections/parcels/items", "/", "/conformance", "/collections/zones/items/Z-001"] {
                let html = try await client.execute(uri: uri, method: .get, headers: [.accept: browser])
                #expect(html.status == .ok, "\(uri)")
                #expect(html.headers[.contentType]?.hasPrefix("text/html") == true, "\(uri)")
                #expect(String(buffer: html.body).contains("dir=\"rtl\""))
                let json = try await client.execute(uri: uri, method: .get, headers: [.accept: "*/*"])
                #expect(json.headers[.contentType]?.contains("json") == true, "\(uri)")
            }
            let forced = try await client.execute(uri: "/collections?f=html&lang=en", method: .get, headers: [.accept: "application/json"])
            #expect(forced.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: forced.body).contains("dir=\"ltr\""))
            for (slashed, plain) in [("/collections/", "/collections"), ("/collections/zones/items/?limit=3", "/collections/zones/items?limit=3")] {
                let a = try await client.execute(uri: slashed, method: .get)
                let b = try await client.execute(uri: plain, method: .get)
                #expect(a.status == .ok)
                #expect(featureIDs(try jsonObject(a)) == featureIDs(try jsonObject(b)))
                #expect(a.headers[.eTag] == b.headers[.eTag])
            }
        }
    }

    @Test("ETag and If-None-Match → 304; Cache-Control; CORS on GET; OPTIONS preflight")
    func cachingAndCORS() async throws {
        try await OGCTestCity.withClient { client in
            let first = try await client.execute(uri: "/collections/parcels/items?limit=3", method: .get)
            let etag = try #require(first.headers[.eTag])
            #expect(first.headers[.cacheControl] != nil)
            #expect(first.headers[.accessControlAllowOrigin] == "*")
            let again = try await client.execute(uri: "/collections/parcels/items?limit=3", method: .get)
            #expect(again.headers[.eTag] == etag)
            let other = try await client.execute(uri: "/collections/parcels/items?limit=4", method: .get)
            #expect(other.headers[.eTag] != etag)
            let cached = try await client.execute(uri: "/collections/parcels/items?limit=3", method: .get, headers: [.ifNoneMatch: etag])
            #expect(cached.status == .notModified)
            #expect(cached.body.readableBytes == 0)
            let stale = try await client.execute(uri: "/collections/parcels/items?limit=3", method: .get, headers: [.ifNoneMatch: "\"0\""])
            #expect(stale.status == .ok)
            let preflight = try await client.execute(
                uri: "/collections/parcels/items", method: .options,
                headers: [.origin: "https://example.org", .accessControlRequestMethod: "GET"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "*")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("GET") == true)
        }
    }

    @Test("gzip when the client accepts it: a gzip stream (RFC 1952 magic 1f 8b), smaller than the plain body")
    func gzip() async throws {
        try await OGCTestCity.withClient { client in
            let plain = try await client.execute(uri: "/collections/parcels/items?limit=100", method: .get)
            let zipped = try await client.execute(uri: "/collections/parcels/items?limit=100", method: .get, headers: [.acceptEncoding: "gzip, deflate"])
            #expect(zipped.headers[.contentEncoding] == "gzip")
            #expect(plain.headers[.contentEncoding] == nil)
            let bytes = Array(buffer: zipped.body)
            #expect(bytes.prefix(2) == [0x1f, 0x8b])
            #expect(bytes.count * 3 < plain.body.readableBytes)
            // RFC 1952 §2.3.1: the trailer's last 4 bytes are the uncompressed size (mod 2³²), little-endian;
            // timeStamp differs between the two responses but not in length.
            let size = bytes.suffix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
            #expect(size == plain.body.readableBytes)
            // Decompressed by the system's gzip, the features are those of the plain response.
            let file = try Fixtures.temporaryDirectory().appending(path: "items.json.gz")
            try Data(bytes).write(to: file)
            let gunzip = Process()
            gunzip.executableURL = URL(filePath: "/bin/gzip")
            gunzip.arguments = ["-dc", file.path]
            let output = Pipe()
            gunzip.standardOutput = output
            try gunzip.run()
            let decompressed = output.fileHandleForReading.readDataToEndOfFile()
            gunzip.waitUntilExit()
            #expect(gunzip.terminationStatus == 0)
            let unzippedBody = try #require(try JSONSerialization.jsonObject(with: decompressed) as? [String: Any])
            #expect(featureIDs(unzippedBody) == featureIDs(try jsonObject(plain)))
            #expect(featureIDs(unzippedBody).count == 100)
            let refused = try await client.execute(uri: "/collections/parcels/items?limit=100", method: .get, headers: [.acceptEncoding: "gzip;q=0"])
            #expect(refused.headers[.contentEncoding] == nil)
        }
    }
}
