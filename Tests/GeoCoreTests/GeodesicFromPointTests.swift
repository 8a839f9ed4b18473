import Foundation
import GeoCore
import GeoProjection
import Testing
import TestSupport

@Suite("Geodesic distance from a point: short-line formula, Karney beyond")
struct GeodesicFromPointTests {
    /// A point `meters` away from `origin` at `azimuth` degrees, on a local flat approximation: the
    /// tests only need targets spread over distances and directions; the truth is PROJ's inverse.
    func target(from origin: Coordinate, meters: Double, azimuth: Double) -> Coordinate {
        let radians = azimuth * .pi / 180
        let dLat = meters * cos(radians) / 111_132
        let cosLat = max(cos(origin.lat * .pi / 180), 1e-3)
        var lon = origin.lon + meters * sin(radians) / (111_320 * cosLat)
        if lon > 180 { lon -= 360 }
        if lon < -180 { lon += 360 }
        return Coordinate(uncheckedLon: lon, lat: min(90, max(-90, origin.lat + dLat)))
    }

    @Test("agrees with PROJ's geod_inverse to 1 µm up to 30 km, at every latitude and across the antimeridian")
    func agreesWithPROJ() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 61))
        var worst = 0.0
        for round in 0..<20_000 {
            let lat = round % 10 == 0 ? random.uniform(-89.9...89.9) : random.uniform(-70...70)
            let lon = round % 7 == 0 ? random.uniform(179.7...180) : random.uniform(-180...180)
            let origin = Coordinate(uncheckedLon: lon, lat: lat)
            let meters = [random.uniform(0...50), random.uniform(0...2_000), random.uniform(0...30_000)][round % 3]
            let other = target(from: origin, meters: meters, azimuth: random.uniform(0...360))
            let truth = PROJGeodesic.inverseDistanceMeters(lon1: origin.lon, lat1: origin.lat, lon2: other.lon, lat2: other.lat)
            let found = GeodesicFromPoint(from: origin).meters(to: other)
            worst = max(worst, abs(found - truth))
            #expect(abs(found - truth) < 1e-6, "seed \(random.seed), round \(round): \(origin) → \(other): \(found) vs PROJ \(truth)")
        }
        #expect(worst > 0)  // the formula is not Karney's: it is compared, not copied
    }

    @Test("long lines fall back to Karney (PROJ to 1 mm), and the distance to itself is 0")
    func longLinesAndZero() {
        let pairs: [(Coordinate, Coordinate)] = [
            (Coordinate(uncheckedLon: 51.4, lat: 35.7), Coordinate(uncheckedLon: 51.67, lat: 32.65)),
            (Coordinate(uncheckedLon: 0, lat: 0), Coordinate(uncheckedLon: 179.5, lat: 0.5)),
            (Coordinate(uncheckedLon: 24.94, lat: 60.17), Coordinate(uncheckedLon: 25.3, lat: 60.3)),
        ]
        for (a, b) in pairs {
            let truth = PROJGeodesic.inverseDistanceMeters(lon1: a.lon, lat1: a.lat, lon2: b.lon, lat2: b.lat)
            #expect(abs(GeodesicFromPoint(from: a).meters(to: b) - truth) < 0.001)
            #expect(GeodesicFromPoint(from: a).shortLineMeters(to: EarthCentredPoint(b)) == nil)
        }
        let p = Coordinate(uncheckedLon: 51.4, lat: 35.7)
        #expect(GeodesicFromPoint(from: p).meters(to: p) == 0)
    }

    @Test("the k-nearest box bound never exceeds it (the search's contract)")
    func boundBelowShortLine() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 62))
        for round in 0..<20_000 {
            let origin = Coordinate(uncheckedLon: random.uniform(-180...180), lat: random.uniform(-89...89))
            let other = target(from: origin, meters: [random.uniform(0...5), random.uniform(0...20_000)][round % 2], azimuth: random.uniform(0...360))
            let bound = GeodesicLowerBound(from: origin).meters(to: other)
            let distance = GeodesicFromPoint(from: origin).meters(to: other)
            #expect(bound <= distance, "seed \(random.seed), round \(round): bound \(bound) > \(distance)")
            // And in the squared metres the k-nearest search ranks by: the squared bound, the chord
            // (what drops a point beyond the cutoff) and the squared short-line distance.
            let keys = GeodesicNearestKeys(from: origin)
            let squaredBound = keys.lowerBound(minLon: other.lon, minLat: other.lat, maxLon: other.lon, maxLat: other.lat)
            switch keys.distances.shortLineSquaredMeters(to: EarthCentredPoint(other), chordAbove: .infinity) {
            case .within(let squared):
                #expect(squaredBound <= squared, "seed \(random.seed), round \(round): squared bound \(squaredBound) > \(squared)")
                #expect(abs(squared.squareRoot() - distance) <= 1e-9 * max(1, distance))
                // With a zero limit every nonzero chord is reported as beyond it, with its square.
                if case .beyond(let chordSquared) = keys.distances.shortLineSquaredMeters(to: EarthCentredPoint(other), chordAbove: 0) {
                    #expect(chordSquared <= squared, "seed \(random.seed), round \(round): chord² \(chordSquared) > arc² \(squared)")
                    #expect(chordSquared >= squared * (1 - 1e-4), "the chord is within 0.01 % of the arc at 20 km")
                } else {
                    #expect(squared == 0, "seed \(random.seed), round \(round): a nonzero chord not reported beyond a zero limit")
                }
            case .far:  // the target generator is approximate: some "20 km" targets lie a little beyond
                #expect(distance > 19_000, "seed \(random.seed), round \(round): \(distance) m is a short line")
            case .beyond:
                Issue.record("nothing is beyond an infinite limit")
            }
        }
    }
}
