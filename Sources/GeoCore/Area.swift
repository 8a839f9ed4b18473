#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Ring {
    /// Area enclosed by the ring on the WGS 84 ellipsoid, in m², edges being geodesics;
    /// positive for a counter-clockwise ring, negative for a clockwise one.
    ///
    /// GeographicLib's `geod_polygonarea` (Karney 2013, §6): the sum over the edges of S12, the area
    /// between each geodesic edge and the equator, plus the authalic correction for rings that
    /// enclose a pole (crossings of the prime meridian). This is what PROJ's `geod` and pyproj's
    /// `Geod.polygon_area_perimeter` compute. The closing repeated position is not needed twice
    /// and is skipped if present.
    package var signedGeodesicAreaSquareMeters: Double {
        let geodesic = Geodesic.wgs84
        var positions = count
        if positions >= 2 && xy[0] == xy[2 * (positions - 1)] && xy[1] == xy[2 * (positions - 1) + 1] {
            positions -= 1
        }
        guard positions >= 3 else { return 0 }
        var sum = 0.0, compensation = 0.0
        var crossings = 0
        for i in 0..<positions {
            let j = i + 1 == positions ? 0 : i + 1
            let lon1 = xy[2 * i], lat1 = xy[2 * i + 1], lon2 = xy[2 * j], lat2 = xy[2 * j + 1]
            let edge = geodesic.inverse(lat1: lat1, lon1: lon1, lat2: lat2, lon2: lon2, wantsArea: true)
            // Error-free accumulation: the terms are ~1e8 m² and cancel down to the parcel's area.
            let (s, e) = Geodesic.twoSum(sum, edge.area)
            sum = s
            compensation += e
            crossings += Ring.transit(lon1, lon2)
        }
        var area = sum + compensation
        let wholeEllipsoid = 4 * Double.pi * geodesic.c2
        area = remainder(area, wholeEllipsoid)
        if crossings & 1 != 0 { area += (area < 0 ? 1 : -1) * wholeEllipsoid / 2 }
        // S12 sums to the clockwise area; counter-clockwise is positive here.
        area = -area
        if area > wholeEllipsoid / 2 {
            area -= wholeEllipsoid
        } else if area <= -wholeEllipsoid / 2 {
            area += wholeEllipsoid
        }
        return 0 + area
    }

    /// 1 or −1 when the edge crosses the prime meridian eastwards or westwards (geodesic.c `transit`).
    private static func transit(_ lon1: Double, _ lon2: Double) -> Int {
        let (lon12, _) = Geodesic.angleDifference(lon1, lon2)
        let a = Geodesic.angleNormalize(lon1), b = Geodesic.angleNormalize(lon2)
        if lon12 > 0 && ((a < 0 && b >= 0) || (a > 0 && b == 0)) { return 1 }
        return lon12 < 0 && a >= 0 && b < 0 ? -1 : 0
    }
}

extension Polygon {
    /// Geodesic area on WGS 84 in m²: the exterior's minus the holes', whatever each ring's orientation.
    package var geodesicAreaSquareMeters: Double {
        var area = abs(exterior.signedGeodesicAreaSquareMeters)
        for hole in holes { area -= abs(hole.signedGeodesicAreaSquareMeters) }
        return area
    }
}

extension Polygonal {
    /// Sum of the parts' geodesic areas on WGS 84 in m² (parts of a valid MultiPolygon do not overlap).
    package var geodesicAreaSquareMeters: Double {
        var area = 0.0
        for part in parts { area += part.geodesicAreaSquareMeters }
        return area
    }
}
