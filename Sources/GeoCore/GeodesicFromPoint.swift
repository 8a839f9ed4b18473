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
public struct EarthCentredPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var z: Double

    package init(_ point: Coordinate) {
        let lat = point.lat * (Double.pi / 180), lon = point.lon * (Double.pi / 180)
        self.init(sinLat: sin(lat), cosLat: cos(lat), sinLon: sin(lon), cosLon: cos(lon))
    }

    init(sinLat: Double, cosLat: Double, sinLon: Double, cosLon: Double) {
        let e2 = WGS84.eccentricitySquared
        let primeVertical = WGS84.equatorialRadiusMeters / (1 - e2 * sinLat * sinLat).squareRoot()
        x = primeVertical * cosLat * cosLon
        y = primeVertical * cosLat * sinLon
        z = primeVertical * (1 - e2) * sinLat
    }
}

/// WGS 84 geodesic distances from one point: exact to well under a micrometre for lines up to
/// `shortLineMeters`, Karney's inverse (`Coordinate.geodesicDistanceMeters`) beyond. The k-nearest
/// search computes one distance per candidate, and Karney's iterative solution costs ~0.5 µs where
/// this costs a square root.
///
/// Why it is exact enough: the straight chord c between two points of a smooth curve of curvature κ
/// and the arc s between them satisfy s = (2/κ) asin(κc/2) = c (1 + t/24 + 3t²/640 + …), t = κ²c²,
/// so s² = c² (1 + t/12 + t²/90 + …). The curve here is the normal section through the two points,
/// whose curvature is given by Euler's theorem, κ = cos²α / M + sin²α / N (M the meridian, N the
/// prime-vertical radius of curvature at the query, α the chord's azimuth there). A geodesic and
/// the normal section between the same points differ in length by O(e⁴ s⁵ / R⁴) (Bowring, "The
/// normal section — forward and inverse formulae at any distance", Survey Review 21(161), 1971):
/// far below a nanometre at city scale.
///
/// With n and e the chord's north and east components at the origin (h² = n² + e²), κh² = n²/M +
/// e²/N =: q, and the formula used is s² = c² + q²/12: no division, no square root (the k-nearest
/// search ranks by s², `GeodesicNearestKeys`). It drops the t²/90 term and writes h⁴ for c⁴ in the
/// t/12 term (c² − h² is the chord's vertical part, ≈ c⁴κ²/4); both together change s by ≈ 0.026 c t²:
/// 50 nm at 20 km, 0.2 nm at 5 km. What is left is the variation of κ along the line, which the
/// formula ignores: compared with PROJ's `geod_inverse` over random pairs at every latitude, the
/// error stays below 3 nm up to 5 km and 0.3 µm up to 20 km (GeodesicFromPointTests), against 1 mm
/// required and the 1 µm margin the k-nearest search's lower bound keeps (`GeodesicLowerBound`).
public struct GeodesicFromPoint: Sendable {
    /// Lines whose chord is longer than this go to Karney's inverse.
    public static let shortLineMeters = 20_000.0

    public let origin: Coordinate
    @usableFromInline let centred: EarthCentredPoint
    /// Unit east and north vectors of the local horizon at the origin.
    @usableFromInline let eastX: Double, eastY: Double
    @usableFromInline let northX: Double, northY: Double, northZ: Double
    /// 1/M and 1/N at the origin.
    @usableFromInline let meridianCurvature: Double
    @usableFromInline let primeVerticalCurvature: Double

    package init(from origin: Coordinate) {
        let lat = origin.lat * (Double.pi / 180), lon = origin.lon * (Double.pi / 180)
        self.init(from: origin, sinLat: sin(lat), cosLat: cos(lat), sinLon: sin(lon), cosLon: cos(lon))
    }

    /// With the origin's sines and cosines already known (GeodesicNearestKeys computes them once).
    init(from origin: Coordinate, sinLat: Double, cosLat: Double, sinLon: Double, cosLon: Double) {
        self.origin = origin
        centred = EarthCentredPoint(sinLat: sinLat, cosLat: cosLat, sinLon: sinLon, cosLon: cosLon)
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
        shortLineSquaredMeters(to: other, chordAbove: .infinity).squaredMeters?.squareRoot()
    }

    /// The square of `shortLineMeters`, with a shortcut for a search that only wants points nearer
    /// than √`limit`: when the chord's square already exceeds `limit` (the arc is never shorter
    /// than its chord) the answer is `.beyond` with the chord's square, a lower bound of the
    /// squared distance; `.far` when the chord is longer than `shortLineMeters`.
    @inlinable @inline(__always)
    public func shortLineSquaredMeters(to other: EarthCentredPoint, chordAbove limit: Double) -> ShortLine {
        let dx = other.x - centred.x, dy = other.y - centred.y, dz = other.z - centred.z
        let chordSquared = dx * dx + dy * dy + dz * dz
        if chordSquared > limit { return .beyond(chordSquared: chordSquared) }
        guard chordSquared <= Self.shortLineMeters * Self.shortLineMeters else { return .far }
        let east = eastX * dx + eastY * dy
        let north = northX * dx + northY * dy + northZ * dz
        // q = κh² (Euler: κ = cos²α / M + sin²α / N, cos α = n/h, sin α = e/h); s² = c² + q²/12.
        let q = north * north * meridianCurvature + east * east * primeVerticalCurvature
        return .within(squaredMeters: chordSquared + q * q * (1.0 / 12))
    }

    /// What `shortLineSquaredMeters` found.
    public enum ShortLine {
        /// The squared geodesic distance.
        case within(squaredMeters: Double)
        /// The chord's square exceeded the limit asked for.
        case beyond(chordSquared: Double)
        /// The chord is longer than `shortLineMeters`: use Karney's inverse.
        case far

        package var squaredMeters: Double? {
            if case .within(let squared) = self { return squared }
            return nil
        }
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
/// for these): keys are **squared metres**, which orders exactly as metres and needs no square
/// root per box or point (measured in zamin-bench: −20 to −30 % per 5-nearest search against keys in
/// metres). The conservative box bound, the exact distance, and the key an item enters the queue
/// with — its exact squared distance when the line is short (a few multiplications), the chord's
/// square when that already exceeds the search's cutoff, else the box bound. Convert with
/// `meters(fromKey:)` and `key(fromMeters:)`. One place for that pairing, which the server's
/// metric, the benchmark's and the tests' share.
public struct GeodesicNearestKeys: Sendable {
    public let distances: GeodesicFromPoint
    public let bound: GeodesicLowerBound
    /// Set when every box the search will meet lies in an extent near the query
    /// (`GeodesicLowerBound.nearScales`): then a box's bound is two multiplications.
    @usableFromInline let nearScales: (latitude: Double, longitude: Double)?

    /// `searchExtent`: a box holding every box the search will show this metric (the trees'
    /// `extent`), or nil if unknown. Boxes outside it would get a wrong bound.
    package init(from query: Coordinate, searchExtent: (minLon: Double, minLat: Double, maxLon: Double, maxLat: Double)? = nil) {
        // The query's trigonometry once for both (it was a tenth of a 5-nearest search).
        let lat = query.lat * (Double.pi / 180), lon = query.lon * (Double.pi / 180)
        let sinLat = sin(lat), cosLat = cos(lat)
        distances = GeodesicFromPoint(from: query, sinLat: sinLat, cosLat: cosLat, sinLon: sin(lon), cosLon: cos(lon))
        let bound = GeodesicLowerBound(from: query, sinLat: sinLat, cosLat: cosLat)
        self.bound = bound
        nearScales = searchExtent.flatMap { bound.nearScales(forBoxesIn: $0) }
    }

    @inlinable @inline(__always)
    public static func meters(fromKey key: Double) -> Double { key.squareRoot() }

    @inlinable @inline(__always)
    public static func key(fromMeters meters: Double) -> Double { meters * meters }

    @inlinable @inline(__always)
    public func lowerBound(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) -> Double {
        if let nearScales {
            return bound.squaredMeters(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat, scales: nearScales)
        }
        return bound.squaredMeters(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat)
    }

    /// The same squared short-line distance `itemKey` gives (not the square of its square root,
    /// which may differ in the last bit), Karney's inverse squared beyond.
    @inlinable
    public func exactDistance(to target: Coordinate, centred: EarthCentredPoint) -> Double {
        if case .within(let squared) = distances.shortLineSquaredMeters(to: centred, chordAbove: .infinity) { return squared }
        return Self.key(fromMeters: distances.origin.geodesicDistanceMeters(to: target))
    }

    /// `cutoff`: the search's current k-th key; an item farther than it may get any key above it.
    @inlinable @inline(__always)
    public func itemKey(
        centred: EarthCentredPoint, minLon: Double, minLat: Double, maxLon: Double, maxLat: Double, cutoff: Double
    ) -> (key: Double, isExact: Bool) {
        switch distances.shortLineSquaredMeters(to: centred, chordAbove: cutoff) {
        case .within(let squared): return (squared, true)
        case .beyond(let chordSquared): return (chordSquared, false)  // a lower bound above the cutoff: dropped
        case .far: return (lowerBound(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat), false)
        }
    }
}
