/// An axis-aligned box in lon/lat degrees.
/// OGC 17-069r4 §7.15.3: minLon, minLat, maxLon, maxLat in CRS84; four finite numbers with min ≤ max.
/// Boxes crossing the antimeridian are not represented (no city of ours spans it).
package struct BoundingBox: Sendable, Hashable {
    package var minLon: Double
    package var minLat: Double
    package var maxLon: Double
    package var maxLat: Double

    /// nil for non-finite values, values outside WGS 84 ranges, or min > max.
    package init?(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) {
        guard let low = Coordinate(lon: minLon, lat: minLat), let high = Coordinate(lon: maxLon, lat: maxLat),
            low.lon <= high.lon, low.lat <= high.lat
        else { return nil }
        self.minLon = low.lon
        self.minLat = low.lat
        self.maxLon = high.lon
        self.maxLat = high.lat
    }

    package init(uncheckedMinLon minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) {
        self.minLon = minLon
        self.minLat = minLat
        self.maxLon = maxLon
        self.maxLat = maxLat
    }

    /// The degenerate box of one point.
    package init(point: Coordinate) {
        self.init(uncheckedMinLon: point.lon, minLat: point.lat, maxLon: point.lon, maxLat: point.lat)
    }

    @inlinable
    package func contains(_ point: Coordinate) -> Bool {
        point.lon >= minLon && point.lon <= maxLon && point.lat >= minLat && point.lat <= maxLat
    }

    /// Closed boxes: touching counts as intersecting.
    @inlinable
    package func intersects(_ other: BoundingBox) -> Bool {
        other.minLon <= maxLon && other.maxLon >= minLon && other.minLat <= maxLat && other.maxLat >= minLat
    }

    package func union(_ other: BoundingBox) -> BoundingBox {
        BoundingBox(
            uncheckedMinLon: Swift.min(minLon, other.minLon), minLat: Swift.min(minLat, other.minLat),
            maxLon: Swift.max(maxLon, other.maxLon), maxLat: Swift.max(maxLat, other.maxLat))
    }
}
