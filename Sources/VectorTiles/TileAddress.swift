import Foundation
package import GeoCore

/// A tile of the WebMercatorQuad tile matrix set (OGC 17-083r4 Annex D.1, EPSG:3857): zoom
/// (`tileMatrix`), row counted from the north and column from the antimeridian, each in
/// 0 ..< 2^zoom. Zoom 0 ... 20 are served (OGC 20-057 §7.2: a tile outside the limits is a 404).
package struct TileAddress: Sendable, Hashable {
    package static let zoomRange = 0...20
    /// The sphere of EPSG:3857 (WGS 84's semi-major axis).
    static let radius = 6_378_137.0
    /// Half the square's side in metres: π R.
    static let halfSide = Double.pi * radius
    /// The latitude where the square ends (atan(sinh π)).
    package static let maximumLatitude = 85.051_128_779_806_59

    package let zoom: Int
    package let row: Int
    package let column: Int

    /// nil outside the served zooms or the matrix's rows and columns.
    package init?(zoom: Int, row: Int, column: Int) {
        guard Self.zoomRange.contains(zoom) else { return nil }
        let count = 1 << zoom
        guard (0..<count).contains(row), (0..<count).contains(column) else { return nil }
        (self.zoom, self.row, self.column) = (zoom, row, column)
    }

    /// The side of the tile in metres of EPSG:3857.
    var span: Double { 2 * Self.halfSide / Double(1 << zoom) }
    var minX: Double { -Self.halfSide + Double(column) * span }
    var maxY: Double { Self.halfSide - Double(row) * span }

    /// The tile's area in longitude and latitude, widened by `margin` (a fraction of the tile's
    /// side): what the R-tree is asked for.
    package func lonLatBox(margin: Double) -> BoundingBox {
        let count = Double(1 << zoom)
        func longitude(_ column: Double) -> Double { column / count * 360 - 180 }
        func latitude(_ row: Double) -> Double { atan(sinh(Double.pi * (1 - 2 * row / count))) * 180 / Double.pi }
        let west = max(-180, longitude(Double(column) - margin)), east = min(180, longitude(Double(column) + 1 + margin))
        let north = latitude(max(0, Double(row) - margin)), south = latitude(min(count, Double(row) + 1 + margin))
        return BoundingBox(uncheckedMinLon: west, minLat: south, maxLon: east, maxLat: north)
    }

    /// (lon, lat) in the tile's own units (`extent` across, y down), as doubles.
    @inline(__always)
    func tileUnits(lon: Double, lat: Double, extent: Double) -> (Double, Double) {
        let clamped = min(max(lat, -Self.maximumLatitude), Self.maximumLatitude)
        let x = Self.radius * lon * Double.pi / 180
        let y = Self.radius * log(tan(Double.pi / 4 + clamped * Double.pi / 360))
        return ((x - minX) / span * extent, (maxY - y) / span * extent)
    }

    /// (lon, lat) as fractions of the whole square (0 … 1, x east, y south): a tile's units are
    /// `fraction × 4096 × 2^zoom − its column (row) × 4096`, the same numbers `tileUnits` gives.
    @inline(__always)
    package static func worldFraction(lon: Double, lat: Double) -> (x: Double, y: Double) {
        let clamped = min(max(lat, -maximumLatitude), maximumLatitude)
        let y = log(tan(Double.pi / 4 + clamped * Double.pi / 360))
        return (lon / 360 + 0.5, 0.5 - y / (2 * Double.pi))
    }
}
