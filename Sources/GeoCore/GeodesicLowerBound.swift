#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A lower bound of the WGS 84 geodesic distance from one query point to any point of a lon/lat box,
/// cheap enough to rank R-tree nodes in a best-first k-nearest search.
///
/// Why it never exceeds the true distance: map the ellipsoid onto the sphere of radius
/// r = a (1 − e²) = 6335439.327 m keeping geodetic latitude φ and longitude λ. The ellipsoid's line
/// element is ds² = M(φ)² dφ² + N(φ)² cos²φ dλ² with meridian radius M(φ) = a (1 − e²) / W³ and
/// prime-vertical radius N(φ) = a / W, W = √(1 − e² sin²φ) ≤ 1, so M ≥ r and N ≥ a ≥ r: the sphere's
/// element r² (dφ² + cos²φ dλ²) is never longer. Every path on the ellipsoid, the geodesic included,
/// maps to a path on the sphere that is no longer, and that path is at least as long as the great
/// circle arc between its ends. So r × (central angle on the sphere) ≤ geodesic distance, for any
/// two points (about 0.3 % below the truth north–south and 0.8 % east–west at Tehran's latitude).
///
/// On that sphere, with the box's latitude gap Δφ ≥ 0 and longitude gap Δλ ∈ [0, π] (radians, 0
/// when the query is within the box's range; the shorter way round for longitude):
///   hav θ = hav Δφ_p + cos φ_q cos φ_p hav Δλ_p ≥ hav Δφ + cos φ_q c hav Δλ   for every point p of the box,
/// where c ≤ cos φ_p for all the box's latitudes: by Taylor's theorem (|cos''| ≤ 1),
/// cos φ_p ≥ cos φ_q − |sin φ_q| δ − δ²/2 with δ the largest |φ_p − φ_q| over the box. Then
/// θ = 2 asin √(hav θ) ≥ 2 √(hav θ) and hav x = sin²(x/2) ≥ (x/2)² (1 − x²/24)² for 0 ≤ x ≤ π
/// (sin y ≥ y − y³/6), so θ ≥ √(Δφ² (1 − Δφ²/24)² + cos φ_q c Δλ² (1 − Δλ²/24)²): no trigonometry
/// per box, a square root only. At city scale this loses under 0.01 % beyond the sphere's 0.3–0.8 %.
///
/// A margin of 1e-9 relative and 1 µm absolute covers rounding here and in the exact distance
/// (Karney's is good to about 15 nm); the bound is tight only for short north–south lines on the
/// equator (M(0) = r), elsewhere the gap is 0.3 % or more.
public struct GeodesicLowerBound: Sendable {
    /// r = a (1 − e²).
    package static let sphereRadiusMeters: Double = {
        let f = WGS84.flattening
        return WGS84.equatorialRadiusMeters * (1 - f * (2 - f))
    }()

    public let lon: Double
    public let lat: Double
    let lonRadians: Double
    let latRadians: Double
    @usableFromInline let cosLat: Double
    let absSinLat: Double
    /// The sphere's radius less the 1e-9 relative margin, kept here so the hot path reads no global.
    let scaleMeters: Double
    /// |sin φ_q| × π/180, and `scaleMeters` × π/180 × (1 − (π/180)²/24), for the near case.
    @usableFromInline let absSinLatPerDegree: Double
    let nearScaleMeters: Double
    /// nearScaleMeters² × (1 − 1e-9), for `squaredMeters`.
    @usableFromInline let nearScaleSquaredMeters: Double

    package init(from point: Coordinate) {
        let latRadians = point.lat * (Double.pi / 180)
        self.init(from: point, sinLat: sin(latRadians), cosLat: cos(latRadians))
    }

    /// With the point's latitude sine and cosine already known.
    init(from point: Coordinate, sinLat: Double, cosLat: Double) {
        lon = point.lon
        lat = point.lat
        lonRadians = point.lon * (Double.pi / 180)
        latRadians = point.lat * (Double.pi / 180)
        self.cosLat = cosLat
        absSinLat = abs(sinLat)
        scaleMeters = GeodesicLowerBound.sphereRadiusMeters * (1 - 1e-9)
        let radiansPerDegree = Double.pi / 180
        absSinLatPerDegree = absSinLat * radiansPerDegree
        nearScaleMeters = scaleMeters * radiansPerDegree * (1 - radiansPerDegree * radiansPerDegree / 24)
        nearScaleSquaredMeters = nearScaleMeters * nearScaleMeters * (1 - 1e-9)
    }

    /// Metres; 0 when the point is in the box. Boxes must not cross the antimeridian (BoundingBox).
    public func meters(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) -> Double {
        // Near case, every box a city's k-nearest search reaches below the root: both gaps at most
        // 1° and the box narrower than 180° (so the gap east or west without wrapping round the
        // antimeridian is the shorter one). The same bound in degrees, with the two Taylor factors
        // (1 − x²/24), x ≤ 1° = π/180 rad, replaced by their smallest value 1 − (π/180)²/24: fewer
        // operations, and no more than 1.3e-5 looser.
        if let angleSquared = nearAngleSquared(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat) {
            return Swift.max(0, nearScaleMeters * angleSquared.squareRoot() - 1e-6)
        }
        let toRadians = Double.pi / 180
        let south = minLat * toRadians, north = maxLat * toRadians
        let west = minLon * toRadians, east = maxLon * toRadians
        let dLat = Swift.max(south - latRadians, latRadians - north, 0)
        var dLon: Double
        if lonRadians < west {
            dLon = Swift.min(west - lonRadians, lonRadians - east + 2 * Double.pi)
        } else if lonRadians > east {
            dLon = Swift.min(lonRadians - east, west - lonRadians + 2 * Double.pi)
        } else {
            dLon = 0
        }
        dLon = Swift.max(0, Swift.min(dLon, Double.pi))
        let spread = Swift.max(abs(south - latRadians), abs(north - latRadians))
        let cosFloor = Swift.max(0, cosLat - absSinLat * spread - spread * spread / 2)
        let latTerm = dLat * (1 - dLat * dLat / 24)
        let lonTerm = dLon * (1 - dLon * dLon / 24)
        let angle = (latTerm * latTerm + cosLat * cosFloor * lonTerm * lonTerm).squareRoot()
        return Swift.max(0, scaleMeters * angle - 1e-6)
    }

    /// The near case's angle squared, in degrees² before the scale and the margins (`meters`), or
    /// nil when the box is not near the query.
    @inlinable @inline(__always)
    func nearAngleSquared(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) -> Double? {
        let latGap = Swift.max(minLat - lat, lat - maxLat, 0)
        let lonGap = Swift.max(minLon - lon, lon - maxLon, 0)
        guard latGap <= 1 && lonGap <= 1 && maxLon - minLon <= 180 else { return nil }
        let spreadDegrees = Swift.max(lat - minLat, maxLat - lat)
        return latGap * latGap + cosLat * nearCosFloor(spreadDegrees: spreadDegrees) * lonGap * lonGap
    }

    /// c ≤ cos φ for every latitude φ within `spreadDegrees` of the query's (Taylor, see above).
    @inlinable @inline(__always)
    func nearCosFloor(spreadDegrees: Double) -> Double {
        Swift.max(0, cosLat - spreadDegrees * (absSinLatPerDegree + spreadDegrees * (Double.pi / 180) * (Double.pi / 180) / 2))
    }

    /// The square of `meters`, or a little less, without its square root (k-nearest keys in squared
    /// metres, `GeodesicNearestKeys`). In the near case, with x the bound before its margins
    /// (`nearScaleMeters` × angle), ε = 1e-9 and δ = 1 µm: x²(1 − ε) − δ²(1/ε − 1) ≤ (x − δ)², since
    /// the difference is (√ε x − δ/√ε)² ≥ 0; δ²(1/ε − 1) < 1e-3 m². So the result never exceeds
    /// the square of the bound in metres, hence of the distance.
    @inlinable @inline(__always)
    public func squaredMeters(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) -> Double {
        if let angleSquared = nearAngleSquared(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat) {
            return Swift.max(0, nearScaleSquaredMeters * angleSquared - 1e-3)
        }
        let meters = meters(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat)
        return meters * meters
    }

    /// Scales for `squaredMeters` of every box inside `extent` at once, or nil when the extent is
    /// not near the query. Why this holds: a box B inside the extent E has latitude and longitude
    /// gaps no larger than E's farthest side from the query, so when those are at most 1° (and E is
    /// narrower than 180°) every such box takes the near case; and B's spread (its farthest latitude
    /// from the query) is at most E's, and the cosine floor falls as the spread grows, so E's floor
    /// is below B's. The bound with E's floor is thus below the near-case bound of B, which is below
    /// the distance. Two multiplications per box instead of the floor's arithmetic per box.
    package func nearScales(
        forBoxesIn extent: (minLon: Double, minLat: Double, maxLon: Double, maxLat: Double)
    ) -> (latitude: Double, longitude: Double)? {
        let latSpread = Swift.max(lat - extent.minLat, extent.maxLat - lat, 0)
        let lonSpread = Swift.max(lon - extent.minLon, extent.maxLon - lon, 0)
        guard latSpread <= 1, lonSpread <= 1, extent.maxLon - extent.minLon <= 180 else { return nil }
        return (nearScaleSquaredMeters, nearScaleSquaredMeters * cosLat * nearCosFloor(spreadDegrees: latSpread))
    }

    /// `squaredMeters` of a box inside the extent `scales` were made for (`nearScales(forBoxesIn:)`).
    @inlinable @inline(__always)
    public func squaredMeters(
        minLon: Double, minLat: Double, maxLon: Double, maxLat: Double, scales: (latitude: Double, longitude: Double)
    ) -> Double {
        let latGap = Swift.max(minLat - lat, lat - maxLat, 0)
        let lonGap = Swift.max(minLon - lon, lon - maxLon, 0)
        return Swift.max(0, scales.latitude * latGap * latGap + scales.longitude * lonGap * lonGap - 1e-3)
    }

    /// Metres from the query point to a single point (a degenerate box).
    package func meters(to point: Coordinate) -> Double {
        meters(minLon: point.lon, minLat: point.lat, maxLon: point.lon, maxLat: point.lat)
    }
}
