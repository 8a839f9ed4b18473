import GeoCore
import GeoProjection
import Testing

@Suite("PROJGeodesic")
struct PROJGeodesicTests {
    @Test("inverse distances match PROJ's geod")
    func distances() {
        // echo "35.7 51.4 32.65 51.67" | geod +ellps=WGS84 -I -f %.6f  →  … 339237.237
        #expect(abs(PROJGeodesic.inverseDistanceMeters(lon1: 51.4, lat1: 35.7, lon2: 51.67, lat2: 32.65) - 339237.237) < 0.001)
        // echo "40.64 -73.78 1.36 103.99" | geod +ellps=WGS84 -I -f %.6f  →  … 15347512.941 (JFK to Changi, geodesic.h)
        #expect(
            abs(PROJGeodesic.inverseDistanceMeters(lon1: -73.78, lat1: 40.64, lon2: 103.99, lat2: 1.36) - 15347512.941) < 0.001)
        // echo "35.7 51.4 35.7 51.4" | geod +ellps=WGS84 -I -f %.6f  →  … 0.000
        #expect(PROJGeodesic.inverseDistanceMeters(lon1: 51.4, lat1: 35.7, lon2: 51.4, lat2: 35.7) == 0)
    }

    @Test("Antarctica from geodesic.h's geod_polygonarea example")
    func antarctica() {
        let lats: [Double] = [-72.9, -71.9, -74.9, -74.3, -77.5, -77.4, -71.7, -65.9, -65.7, -66.6, -66.9, -69.8, -70.0, -71.0, -77.3, -77.9, -74.7]
        let lons: [Double] = [-74, -102, -102, -131, -163, 163, 172, 140, 113, 88, 59, 25, -4, -14, -33, -46, -61]
        let ring = Ring(zip(lons, lats).map { Coordinate(uncheckedLon: $0, lat: $1) })
        // GeographicLib documents this polygon's area as 13376856682207 m² (perimeter 14710425.41 m).
        #expect(abs(PROJGeodesic.polygonAreaSquareMeters(ring) - 13_376_856_682_207) < 1)
    }

    @Test("a small square near Tehran: closing vertex and orientation do not change the area")
    func smallSquare() throws {
        let open = Ring(xy: [51.4, 35.7, 51.41, 35.7, 51.41, 35.71, 51.4, 35.71])
        let closed = Ring(xy: open.xy + [51.4, 35.7])
        let clockwise = Ring(xy: [51.4, 35.7, 51.4, 35.71, 51.41, 35.71, 51.41, 35.7, 51.4, 35.7])
        let area = PROJGeodesic.polygonAreaSquareMeters(closed)
        #expect(PROJGeodesic.polygonAreaSquareMeters(open) == area)
        #expect(abs(PROJGeodesic.polygonAreaSquareMeters(clockwise) - area) < 1e-6)
        // Independent check: the shoelace area in UTM 39N divided by the square of the UTM scale
        // factor there (k ≈ 0.9996 · (1 + (Δλ·cosφ)²/2) = 0.999616 for Δλ = 0.4°, φ = 35.7°), to 0.01 %.
        let utm = try CRSTransformer(target: .epsg32639).forward(closed.xy)
        var twiceArea = 0.0
        for index in stride(from: 0, to: utm.count - 2, by: 2) {
            twiceArea += utm[index] * utm[index + 3] - utm[index + 2] * utm[index + 1]
        }
        let planar = abs(twiceArea) / 2 / (0.999616 * 0.999616)
        #expect(abs(planar - area) / area < 1e-4)
        #expect(PROJGeodesic.polygonAreaSquareMeters(Ring(xy: [51.4, 35.7, 51.41, 35.7])) == 0)
    }
}
