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
/// The distance from the point to the box on the sphere is the great-circle distance to the box's
/// nearest point (mourner/geokdbush `boxDist`): the point's own meridian if it lies within the box's
/// longitudes, otherwise the nearer of the two bounding meridians, at the latitude of the
/// perpendicular foot (clamped to the box).
/// The bound is tight only for short north–south lines on the equator (M(0) = r), so a margin of
/// 1e-9 relative and 1 µm absolute covers the rounding of both this bound and the exact distance
/// (Karney's is good to about 15 nm); elsewhere the gap is 0.3 % or more.
package struct GeodesicLowerBound: Sendable {
    /// r = a (1 − e²).
    package static let sphereRadiusMeters: Double = {
        let f = WGS84.flattening
        return WGS84.equatorialRadiusMeters * (1 - f * (2 - f))
    }()

    package let lon: Double
    package let lat: Double
    let latRadians: Double
    let cosLat: Double

    package init(from point: Coordinate) {
        lon = point.lon
        lat = point.lat
        latRadians = point.lat * GeodesicLowerBound.radiansPerDegree
        cosLat = cos(latRadians)
    }

    static let radiansPerDegree = Double.pi / 180

    /// Metres; 0 when the point is in the box. Boxes must not cross the antimeridian (BoundingBox).
    package func meters(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) -> Double {
        let toRadians = GeodesicLowerBound.radiansPerDegree
        let haversine: Double
        if lon >= minLon && lon <= maxLon {
            if lat < minLat {
                haversine = GeodesicLowerBound.haversin((minLat - lat) * toRadians)
            } else if lat > maxLat {
                haversine = GeodesicLowerBound.haversin((lat - maxLat) * toRadians)
            } else {
                return 0
            }
        } else {
            let haversinDLon = Swift.min(
                GeodesicLowerBound.haversin((minLon - lon) * toRadians),
                GeodesicLowerBound.haversin((maxLon - lon) * toRadians))
            // Latitude of the foot of the perpendicular from the point to that meridian.
            let cosDLon = 1 - 2 * haversinDLon
            let footLat: Double
            if cosDLon <= 0 {
                footLat = lat > 0 ? 90 : -90
            } else {
                footLat = atan(tan(latRadians) / cosDLon) / toRadians
            }
            if footLat > minLat && footLat < maxLat {
                haversine = partialHaversine(haversinDLon, footLat * toRadians)
            } else {
                haversine = Swift.min(
                    partialHaversine(haversinDLon, minLat * toRadians),
                    partialHaversine(haversinDLon, maxLat * toRadians))
            }
        }
        let centralAngle = 2 * asin(Swift.min(1, haversine.squareRoot()))
        return Swift.max(0, GeodesicLowerBound.sphereRadiusMeters * centralAngle * (1 - 1e-9) - 1e-6)
    }

    /// Metres from the query point to a single point (a degenerate box).
    package func meters(to point: Coordinate) -> Double {
        meters(minLon: point.lon, minLat: point.lat, maxLon: point.lon, maxLat: point.lat)
    }

    /// hav(Δσ) = hav(Δφ) + cos φ1 cos φ2 hav(Δλ).
    private func partialHaversine(_ haversinDLon: Double, _ otherLatRadians: Double) -> Double {
        cosLat * cos(otherLatRadians) * haversinDLon + GeodesicLowerBound.haversin(latRadians - otherLatRadians)
    }

    private static func haversin(_ theta: Double) -> Double {
        let s = sin(theta / 2)
        return s * s
    }
}
