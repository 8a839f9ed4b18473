#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on the WGS 84 ellipsoid in Earth-centred, Earth-fixed coordinates (metres): what
/// `GeodesicFromPoint` needs of a target, computed once per feature so that a distance costs no
/// trigonometry.
package struct EarthCentredPoint: Sendable, Equatable {
    package var x: Double
    package var y: Double
    package var z: Double

    package init(_ point: Coordinate) {
        let lat = point.lat * (Double.pi / 180), lon = point.lon * (Double.pi / 180)
        let sinLat = sin(lat), cosLat = cos(lat)
        let e2 = WGS84.eccentricitySquared
        let primeVertical = WGS84.equatorialRadiusMeters / (1 - e2 * sinLat * sinLat).squareRoot()
        x = primeVertical * cosLat * cos(lon)
        y = primeVertical * cosLat * sin(lon)
        z = primeVertical * (1 - e2) * sinLat
    }
}

/// WGS 84 geodesic distances from one point: exact to well under a micrometre for lines up to
/// `shortLineMeters`, Karney's inverse (`Coordinate.geodesicDistanceMeters`) beyond. The k-nearest
/// search computes one distance per candidate, and Karney's iterative solution costs ~0.5 µs where
/// this costs a square root.
///
/// Why it is exact enough: the straight chord c between two points of a smooth curve of curvature κ
/// and the arc s between them satisfy s = (2/κ) asin(κc/2) = c (1 + t/24 + 3t²/640 + …), t = κ²c².
/// The curve here is the normal section through the two points, whose curvature is given by Euler's
/// theorem, κ = cos²α / M + sin²α / N (M the meridian, N the prime-vertical radius of curvature at
/// the query, α the chord's azimuth there). A geodesic and the normal section between the same
/// points differ in length by O(e⁴ s⁵ / R⁴) (Bowring, "The normal section — forward and inverse
/// formulae at any distance", Survey Review 21(161), 1971): far below a nanometre at city scale.
/// What is left is the variation of κ along the line, which the formula ignores: compared with
/// PROJ's `geod_inverse` over random pairs at every latitude, the error stays below 3 nm up to 5 km
/// and 0.3 µm up to 20 km (GeodesicFromPointTests), against 1 mm required and the 1 µm margin the
/// k-nearest search's lower bound keeps (`GeodesicLowerBound`).
package struct GeodesicFromPoint: Sendable {
    /// Lines whose chord is longer than this go to Karney's inverse.
    package static let shortLineMeters = 20_000.0

    package let origin: Coordinate
    let centred: EarthCentredPoint
    /// Unit east and north vectors of the local horizon at the origin.
    let eastX: Double, eastY: Double
    let northX: Double, northY: Double, northZ: Double
    /// 1/M and 1/N at the origin.
    let meridianCurvature: Double
    let primeVerticalCurvature: Double

    package init(from origin: Coordinate) {
        self.origin = origin
        centred = EarthCentredPoint(origin)
        let lat = origin.lat * (Double.pi / 180), lon = origin.lon * (Double.pi / 180)
        let sinLat = sin(lat), cosLat = cos(lat), sinLon = sin(lon), cosLon = cos(lon)
        eastX = -sinLon
        eastY = cosLon
        northX = -sinLat * cosLon
        northY = -sinLat * sinLon
        northZ = cosLat
        let e2 = WGS84.eccentricitySquared
        let w2 = 1 - e2 * sinLat * sinLat
        let a = WGS84.equatorialRadiusMeters
        meridianCurvature = w2 * w2.squareRoot() / (a * (1 - e2))
        primeVerticalCurvature = w2.squareRoot() / a
    }

    /// Metres along the geodesic from the origin to `target`, whose Earth-centred form is `centred`.
    package func meters(to target: Coordinate, centred other: EarthCentredPoint) -> Double {
        shortLineMeters(to: other) ?? origin.geodesicDistanceMeters(to: target)
    }

    /// Metres to the point whose Earth-centred form is `other` when its chord is at most
    /// `shortLineMeters`, else nil (the caller decides whether Karney's inverse is worth it).
    package func shortLineMeters(to other: EarthCentredPoint) -> Double? {
        let dx = other.x - centred.x, dy = other.y - centred.y, dz = other.z - centred.z
        let chordSquared = dx * dx + dy * dy + dz * dz
        guard chordSquared <= Self.shortLineMeters * Self.shortLineMeters else { return nil }
        let east = eastX * dx + eastY * dy
        let north = northX * dx + northY * dy + northZ * dz
        let horizontalSquared = east * east + north * north
        // Euler: κ = cos²α / M + sin²α / N; for a zero chord any κ gives 0.
        let curvature = horizontalSquared > 0
            ? (north * north * meridianCurvature + east * east * primeVerticalCurvature) / horizontalSquared
            : meridianCurvature
        let t = chordSquared * curvature * curvature
        return chordSquared.squareRoot() * (1 + t * (1.0 / 24 + t * (3.0 / 640)))
    }

    /// Metres to `target` (computes its Earth-centred form; keep those per feature where it matters).
    package func meters(to target: Coordinate) -> Double {
        meters(to: target, centred: EarthCentredPoint(target))
    }
}

extension WGS84 {
    /// e² = f (2 − f).
    package static let eccentricitySquared = flattening * (2 - flattening)
}

/// What a geodesic k-nearest search from one point ranks by (SpatialIndex's `NearestMetric` asks
/// for these three): the conservative box bound, the exact distance, and the key an item enters the
/// queue with — its exact distance when the line is short (as cheap as a bound), else the box bound.
/// One place for that pairing, which the server's metric, the benchmark's and the tests' share.
package struct GeodesicNearestKeys: Sendable {
    package let distances: GeodesicFromPoint
    package let bound: GeodesicLowerBound

    package init(from query: Coordinate) {
        distances = GeodesicFromPoint(from: query)
        bound = GeodesicLowerBound(from: query)
    }

    package func lowerBound(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) -> Double {
        bound.meters(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat)
    }

    package func exactDistance(to target: Coordinate, centred: EarthCentredPoint) -> Double {
        distances.meters(to: target, centred: centred)
    }

    package func itemKey(
        centred: EarthCentredPoint, minLon: Double, minLat: Double, maxLon: Double, maxLat: Double
    ) -> (key: Double, isExact: Bool) {
        if let meters = distances.shortLineMeters(to: centred) { return (meters, true) }
        return (lowerBound(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat), false)
    }
}
