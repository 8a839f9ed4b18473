import GeoCore
import Testing
import TestSupport

@Suite("Geodesic distance on WGS 84 (Karney inverse)")
struct GeodesicDistanceTests {
    /// Known answers from PROJ's geod (proj-bin 9), which runs GeographicLib's C code. Distances to 1 µm.
    static let cases: [(lat1: Double, lon1: Double, lat2: Double, lon2: Double, meters: Double)] = [
        // echo "35.7 51.4 35.71 51.42" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 35.7, lon1: 51.4, lat2: 35.71, lon2: 51.42, meters: 2122.980187),
        // echo "35.6892 51.3890 35.6997 51.3380" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 35.6892, lon1: 51.3890, lat2: 35.6997, lon2: 51.3380, meters: 4760.766237),
        // echo "0 0 0 0" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 0, lon1: 0, lat2: 0, lon2: 0, meters: 0.000000),
        // echo "35.7 51.4 35.7 51.4" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 35.7, lon1: 51.4, lat2: 35.7, lon2: 51.4, meters: 0.000000),
        // echo "0 0 0 1" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 0, lon1: 0, lat2: 0, lon2: 1, meters: 111319.490793),
        // echo "0 0 0 179.5" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 0, lon1: 0, lat2: 0, lon2: 179.5, meters: 19980861.908891),
        // echo "0 0 0 180" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 0, lon1: 0, lat2: 0, lon2: 180, meters: 20003931.458625),
        // echo "0 0 0.5 179.5" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 0, lon1: 0, lat2: 0.5, lon2: 179.5, meters: 19936288.578965),
        // echo "0 0 -0.2 179.8" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 0, lon1: 0, lat2: -0.2, lon2: 179.8, meters: 19979050.314730),
        // echo "90 0 -90 0" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 90, lon1: 0, lat2: -90, lon2: 0, meters: 20003931.458625),
        // echo "90 0 90 120" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 90, lon1: 0, lat2: 90, lon2: 120, meters: 0.000000),
        // echo "89.9 0 89.9 180" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 89.9, lon1: 0, lat2: 89.9, lon2: 180, meters: 22338.795683),
        // echo "-89.99 30 -89.99 -150" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: -89.99, lon1: 30, lat2: -89.99, lon2: -150, meters: 2233.879591),
        // echo "30 0 -30 180" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 30, lon1: 0, lat2: -30, lon2: 180, meters: 20003931.458625),
        // echo "30 0 -30 179.9" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 30, lon1: 0, lat2: -30, lon2: 179.9, meters: 20003008.421509),
        // echo "-41.32 174.81 40.96 -5.50" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: -41.32, lon1: 174.81, lat2: 40.96, lon2: -5.50, meters: 19959679.267354),
        // echo "51.5 -0.12 40.71 -74.0" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 51.5, lon1: -0.12, lat2: 40.71, lon2: -74.0, meters: 5585806.318340),
        // echo "35.6892 51.389 -35.6892 -128.611" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 35.6892, lon1: 51.389, lat2: -35.6892, lon2: -128.611, meters: 20003931.458625),
        // echo "10 20 -10.0001 -160.0001" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 10, lon1: 20, lat2: -10.0001, lon2: -160.0001, meters: 20003920.396926),
        // echo "0 -179.9 0 179.9" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 0, lon1: -179.9, lat2: 0, lon2: 179.9, meters: 22263.898159),
        // echo "60.17 24.94 60.1701 24.9401" | geod +ellps=WGS84 -I +units=m -f %.6f -F %.6f
        (lat1: 60.17, lon1: 24.94, lat2: 60.1701, lon2: 24.9401, meters: 12.447922),
    ]

    @Test("matches PROJ geod to 1 mm: short, equatorial, polar, antipodal and nearly antipodal pairs", arguments: 0..<cases.count)
    func matchesProjGeod(index: Int) {
        let c = Self.cases[index]
        let a = Coordinate(uncheckedLon: c.lon1, lat: c.lat1), b = Coordinate(uncheckedLon: c.lon2, lat: c.lat2)
        let distance = a.geodesicDistanceMeters(to: b)
        #expect(abs(distance - c.meters) < 0.001, "case \(index): \(distance) vs geod \(c.meters)")
        let reverse = b.geodesicDistanceMeters(to: a)
        #expect(abs(reverse - c.meters) < 0.001, "case \(index) reversed: \(reverse) vs geod \(c.meters)")
    }

    @Test("coincident points are 0 m apart")
    func coincidentPointsAreZero() {
        for (lon, lat) in [(0.0, 0.0), (51.4, 35.7), (-180.0, 90.0), (180.0, -90.0), (24.9, 60.2)] {
            let p = Coordinate(uncheckedLon: lon, lat: lat)
            #expect(p.geodesicDistanceMeters(to: p) == 0)
        }
    }

    @Test("terminates with a finite distance within the half meridian for random nearly antipodal pairs")
    func nearlyAntipodalPairsTerminate() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 4))
        let halfMeridian = 20_003_931.458625  // geod: 0 0 0 180, see the table above
        for _ in 0..<2_000 {
            let lat = random.uniform(-90...90), lon = random.uniform(-180...180)
            let a = Coordinate(uncheckedLon: lon, lat: lat)
            let antipodeLon = lon > 0 ? lon - 180 : lon + 180
            let b = Coordinate(
                uncheckedLon: max(-180, min(180, antipodeLon + random.uniform(-1e-3...1e-3))),
                lat: max(-90, min(90, -lat + random.uniform(-1e-3...1e-3))))
            let d = a.geodesicDistanceMeters(to: b)
            #expect(d.isFinite && d > 19_900_000 && d <= halfMeridian + 1e-6, "seed \(random.seed): \(a) \(b) gave \(d)")
        }
    }
}
