package import GeoCore
import CProj

/// PROJ's geodesic routines (Karney's algorithms, `geodesic.h`) on the WGS 84 ellipsoid.
/// An oracle independent of GeoCore's own geodesic code, for tests elsewhere; PROJ's `geod`
/// command line tool gives the same numbers.
package enum PROJGeodesic {
    /// Shortest distance on WGS 84 between two positions in degrees (`geod_inverse`).
    package static func inverseDistanceMeters(lon1: Double, lat1: Double, lon2: Double, lat2: Double) -> Double {
        var geodesic = wgs84
        var distance = 0.0
        geod_inverse(&geodesic, lat1, lon1, lat2, lon2, &distance, nil, nil)
        return distance
    }

    /// Area on WGS 84 enclosed by a ring (`geod_polygonarea`), in square metres, unsigned.
    /// The closing position (a repeat of the first) is dropped: PROJ closes the ring itself.
    package static func polygonAreaSquareMeters(_ ring: Ring) -> Double {
        var count = ring.count
        if count > 1, ring.xy[0] == ring.xy[2 * count - 2], ring.xy[1] == ring.xy[2 * count - 1] { count -= 1 }
        guard count >= 3 else { return 0 }
        var lats = [Double](repeating: 0, count: count)
        var lons = [Double](repeating: 0, count: count)
        for index in 0..<count {
            lons[index] = ring.xy[2 * index]
            lats[index] = ring.xy[2 * index + 1]
        }
        var geodesic = wgs84
        var area = 0.0
        var perimeter = 0.0
        geod_polygonarea(&geodesic, &lats, &lons, Int32(count), &area, &perimeter)
        return abs(area)
    }

    /// a = 6378137 m, f = 1/298.257223563 (EPSG:7030).
    private static var wgs84: geod_geodesic {
        var geodesic = geod_geodesic()
        geod_init(&geodesic, 6_378_137, 1 / 298.257223563)
        return geodesic
    }
}
