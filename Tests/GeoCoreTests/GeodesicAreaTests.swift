import GeoCore
import Testing
import TestSupport

@Suite("Geodesic polygon area on WGS 84")
struct GeodesicAreaTests {
    /// A 0.001° square at Tehran. Known answer from pyproj (GeographicLib):
    /// python3 -c "from pyproj import Geod; print(Geod(ellps='WGS84').polygon_area_perimeter(
    ///   [51.4, 51.401, 51.401, 51.4], [35.7, 35.7, 35.701, 35.701]))"
    @Test("a small square at Tehran matches pyproj")
    func smallSquareMatchesPyproj() {
        let ring = Ring(xy: [51.4, 35.7, 51.401, 35.7, 51.401, 35.701, 51.4, 35.701, 51.4, 35.7])
        let expected = 10041.662308871746
        #expect(abs(ring.signedGeodesicAreaSquareMeters - expected) < 1e-3)
        let clockwise = Ring(xy: [51.4, 35.7, 51.4, 35.701, 51.401, 35.701, 51.401, 35.7, 51.4, 35.7])
        #expect(abs(clockwise.signedGeodesicAreaSquareMeters + expected) < 1e-3)
    }

    /// A large triangle spanning the equator and the prime meridian, from pyproj likewise:
    /// python3 -c "from pyproj import Geod; print(Geod(ellps='WGS84').polygon_area_perimeter(
    ///   [-10, 20, 5], [-5, 0, 40]))"
    @Test("a large triangle across the equator and the prime meridian matches pyproj")
    func largeTriangleMatchesPyproj() {
        let ring = Ring(xy: [-10, -5, 20, 0, 5, 40, -10, -5])
        let expected = 8285873761869.485
        #expect(abs(ring.signedGeodesicAreaSquareMeters - expected) / expected < 1e-9)
    }

    @Test("a hole's area is subtracted")
    func holeIsSubtracted() {
        let outer = Ring(xy: [51.4, 35.7, 51.401, 35.7, 51.401, 35.701, 51.4, 35.701, 51.4, 35.7])
        let hole = Ring(xy: [51.4002, 35.7002, 51.4002, 35.7004, 51.4004, 35.7004, 51.4004, 35.7002, 51.4002, 35.7002])
        let polygon = Polygon(exterior: outer, holes: [hole])
        let expected = abs(outer.signedGeodesicAreaSquareMeters) - abs(hole.signedGeodesicAreaSquareMeters)
        #expect(abs(polygon.geodesicAreaSquareMeters - expected) < 1e-6)
        #expect(abs(hole.signedGeodesicAreaSquareMeters) > 300)  // ≈ 22 m × 18 m: the hole is real
    }

    /// GeoData's parcels carry `area_m2`, computed by pyproj's Geod on the written polygon, 0.1 m².
    @Test("every Tehran parcel's area is within 0.1 % (and 0.05 m² + rounding) of its area_m2", arguments: ["tehran"])
    func parcelsMatchAreaProperty(city: String) throws {
        let layer = try FixtureLayer.load(city: city, file: "parcels.geojson")
        #expect(layer.polygons.count > 6_000)
        var worst = 0.0
        for (polygon, area) in zip(layer.polygons, layer.areasSquareMeters) {
            guard let area else { continue }
            let ours = polygon.geodesicAreaSquareMeters
            #expect(abs(ours - area) <= 0.001 * area, "\(ours) vs area_m2 \(area)")
            worst = max(worst, abs(ours - area))
        }
        // Rounded to 0.1 m², so an exact implementation is within 0.05 m² (+ float noise).
        #expect(worst <= 0.0500001, "worst difference \(worst) m²")
    }

    @Test("Helsinki building areas are within 0.1 % of their area_m2")
    func helsinkiMatchesAreaProperty() throws {
        let layer = try FixtureLayer.load(city: "helsinki", file: "parcels.geojson")
        var checked = 0
        for (polygon, area) in zip(layer.polygons, layer.areasSquareMeters) {
            guard let area, area > 1 else { continue }
            #expect(abs(polygon.geodesicAreaSquareMeters - area) <= max(0.001 * area, 0.05), "\(polygon.geodesicAreaSquareMeters) vs \(area)")
            checked += 1
        }
        #expect(checked > 400)
    }
}
