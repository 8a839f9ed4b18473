/// A linear ring as a flat array of lon, lat pairs (x0, y0, x1, y1, …), closed: the last
/// position repeats the first (RFC 7946 §3.1.6). Flat storage keeps a polygon in one allocation
/// per ring and lets point-in-polygon walk memory in order.
package struct Ring: Sendable, Hashable {
    package var xy: [Double]

    package init(xy: [Double]) { self.xy = xy }

    package init(_ positions: [Coordinate]) {
        var xy: [Double] = []
        xy.reserveCapacity(positions.count * 2)
        for position in positions {
            xy.append(position.lon)
            xy.append(position.lat)
        }
        self.xy = xy
    }

    /// Number of positions, the closing one included.
    package var count: Int { xy.count / 2 }

    package func position(_ index: Int) -> Coordinate {
        Coordinate(uncheckedLon: xy[2 * index], lat: xy[2 * index + 1])
    }

    package var bbox: BoundingBox {
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        var i = 0
        while i < xy.count {
            minX = Swift.min(minX, xy[i]); maxX = Swift.max(maxX, xy[i])
            minY = Swift.min(minY, xy[i + 1]); maxY = Swift.max(maxY, xy[i + 1])
            i += 2
        }
        return BoundingBox(uncheckedMinLon: minX, minLat: minY, maxLon: maxX, maxLat: maxY)
    }
}

/// A polygon: one exterior ring and any number of holes (RFC 7946 §3.1.6).
package struct Polygon: Sendable, Hashable {
    package var exterior: Ring
    package var holes: [Ring]

    package init(exterior: Ring, holes: [Ring] = []) {
        self.exterior = exterior
        self.holes = holes
    }

    package var bbox: BoundingBox { exterior.bbox }
}

/// A Polygon or a MultiPolygon: parcels and zones are one of the two.
/// `isMulti` remembers which, so the GeoJSON written back has the type that was read.
package struct Polygonal: Sendable, Hashable {
    package var parts: [Polygon]
    package var isMulti: Bool
    package let bbox: BoundingBox

    /// `parts` must not be empty.
    package init(parts: [Polygon], isMulti: Bool) {
        precondition(!parts.isEmpty, "a polygonal geometry has at least one polygon")
        self.parts = parts
        self.isMulti = isMulti
        var box = parts[0].bbox
        for part in parts.dropFirst() { box = box.union(part.bbox) }
        self.bbox = box
    }

    package init(_ polygon: Polygon) { self.init(parts: [polygon], isMulti: false) }
}

/// Every geometry type the server reads: points (facilities), lines (streets), polygons.
package enum Geometry: Sendable, Hashable {
    case point(Coordinate)
    case lineString([Coordinate])
    case multiLineString([[Coordinate]])
    case polygonal(Polygonal)

    package var bbox: BoundingBox {
        switch self {
        case .point(let point): return BoundingBox(point: point)
        case .lineString(let line): return Ring(line).bbox
        case .multiLineString(let lines): return Ring(lines.flatMap { $0 }).bbox
        case .polygonal(let polygonal): return polygonal.bbox
        }
    }
}
