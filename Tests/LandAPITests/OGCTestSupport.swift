import Foundation
import GeoCore
import Hummingbird
import HummingbirdTesting
import LandAPI
import LandService
import NIOCore
import NIOFoundationCompat
import Testing
import TestSupport

/// One imported Tehran for the OGC suites (imports are slow; the services are read-only here).
enum OGCTestCity {
    static let tehran = Task { try await TestCity.services("tehran") }

    static func withClient(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: buildRouter(services: try await tehran.value))
        try await app.test(.router, body)
    }
}

/// A GeoData feature read with Foundation (independently of GeoFormats and of the server).
struct SourceFeature: @unchecked Sendable {  // immutable after init; Foundation values inside
    let id: String
    let properties: [String: Any]
    let geometry: [String: Any]

    var polygons: [Polygon] {
        switch geometry["type"] as? String {
        case "Polygon": [Self.polygon(geometry["coordinates"] as! [[[Double]]])]
        case "MultiPolygon": (geometry["coordinates"] as! [[[[Double]]]]).map(Self.polygon)
        default: []
        }
    }

    var point: (lon: Double, lat: Double)? {
        guard geometry["type"] as? String == "Point", let position = geometry["coordinates"] as? [Double] else { return nil }
        return (position[0], position[1])
    }

    static func polygon(_ rings: [[[Double]]]) -> Polygon {
        let converted = rings.map { ring in Ring(xy: ring.flatMap { [$0[0], $0[1]] }) }
        return Polygon(exterior: converted[0], holes: Array(converted.dropFirst()))
    }

    /// Brute force, without the index: does the feature meet the closed box?
    func intersects(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) -> Bool {
        if let point { return point.lon >= minLon && point.lon <= maxLon && point.lat >= minLat && point.lat <= maxLat }
        return polygons.contains { BruteForce.polygonIntersectsBox($0, minX: minLon, minY: minLat, maxX: maxLon, maxY: maxLat) }
    }

    static func load(_ file: String, city: String = "tehran") throws -> [SourceFeature] {
        try Fixtures.foundationFeatures(Fixtures.dataset(city).appending(path: file)).map { feature in
            let properties = feature["properties"] as? [String: Any] ?? [:]
            let id = (feature["id"] as? String) ?? (properties["id"] as? String) ?? ""
            return SourceFeature(id: id, properties: properties, geometry: feature["geometry"] as? [String: Any] ?? [:])
        }
    }

    /// Ids sorted as the server sorts them: by UTF-8 bytes.
    static func sortedIDs(_ features: some Sequence<SourceFeature>) -> [String] {
        features.map(\.id).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

enum SourceLayers {
    static let parcels = Result { try SourceFeature.load("parcels.geojson") }
    static let zones = Result { try SourceFeature.load("zones.geojson") }
    static let facilities = Result { try SourceFeature.load("facilities.geojson") }
}

/// The body as a JSON object (Foundation's parser: independent of ours).
func jsonObject(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
}

func featureIDs(_ body: [String: Any]) -> [String] {
    (body["features"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
}

func link(_ body: [String: Any], rel: String) -> String? {
    (body["links"] as? [[String: Any]])?.first { $0["rel"] as? String == rel }?["href"] as? String
}

/// The path and query of an absolute link, to request it through the test client.
func pathAndQuery(_ href: String) -> String {
    guard let components = URLComponents(string: href) else { return href }
    return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
}
