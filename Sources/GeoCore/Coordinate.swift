/// A position on WGS 84, longitude first (RFC 7946 §3.1.1), in degrees.
/// The type cannot hold NaN, infinity or values outside the WGS 84 ranges, so code past the
/// input edge never re-checks.
public struct Coordinate: Sendable, Hashable {
    public let lon: Double
    public let lat: Double

    /// nil for NaN, ±infinity and values outside -180…180 / -90…90.
    package init?(lon: Double, lat: Double) {
        guard (-180.0...180.0).contains(lon), (-90.0...90.0).contains(lat) else { return nil }
        self.lon = lon
        self.lat = lat
    }

    /// For values already known to be in range (read back from our own store or index).
    package init(uncheckedLon lon: Double, lat: Double) {
        self.lon = lon
        self.lat = lat
    }
}
