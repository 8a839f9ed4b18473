/// Any geometry as its parts — points, polylines and polygons with holes — in planar lon/lat
/// coordinates, for the spatial predicates of filters (OGC 21-065 §7.9, `S_INTERSECTS`): one
/// shape holds a feature's outline or a filter's literal, whatever its GeoJSON type.
///
/// `intersects` is the closed-set test of the Simple Features model (OGC 06-103r4 §6.1.15.3:
/// the shapes share at least one point, boundaries included). Decided in three steps, each a
/// plain loop over the coordinates: some edge meets some edge (touching counts); else some
/// point lies on or in the other; else one component lies wholly inside a polygon of the other,
/// which one vertex of it decides, since no boundary crosses.
package struct PlanarShape: Sendable, Equatable {
    /// Flat x, y pairs of the lone points.
    package private(set) var points: [Double] = []
    /// Each polyline's flat x, y pairs.
    package private(set) var lines: [[Double]] = []
    package private(set) var polygons: [Polygon] = []
    package private(set) var bbox: BoundingBox?

    package init() {}

    package init(_ polygonal: Polygonal) {
        for part in polygonal.parts { add(part) }
    }

    package init(point: Coordinate) {
        add(point: point.lon, point.lat)
    }

    package mutating func add(point x: Double, _ y: Double) {
        points += [x, y]
        extend(x, y)
    }

    package mutating func add(line xy: [Double]) {
        lines.append(xy)
        var i = 0
        while i + 1 < xy.count {
            extend(xy[i], xy[i + 1])
            i += 2
        }
    }

    package mutating func add(_ polygon: Polygon) {
        polygons.append(polygon)
        var i = 0
        let xy = polygon.exterior.xy
        while i + 1 < xy.count {
            extend(xy[i], xy[i + 1])
            i += 2
        }
    }

    private mutating func extend(_ x: Double, _ y: Double) {
        let point = BoundingBox(uncheckedMinLon: x, minLat: y, maxLon: x, maxLat: y)
        bbox = bbox.map { $0.union(point) } ?? point
    }

    package var isEmpty: Bool { bbox == nil }

    /// The shapes share at least one point (boundaries included).
    package func intersects(_ other: PlanarShape) -> Bool {
        guard let box = bbox, let otherBox = other.bbox, box.intersects(otherBox) else { return false }
        if edgesMeet(other) { return true }
        if pointsMeet(other) || other.pointsMeet(self) { return true }
        return componentInside(other) || other.componentInside(self)
    }

    /// The shape meets the closed box (a BBOX literal against a feature: a cheaper test than
    /// making the box a polygon).
    package func intersects(_ box: BoundingBox) -> Bool {
        var boxShape = PlanarShape()
        boxShape.add(Polygon(exterior: Ring(xy: [
            box.minLon, box.minLat, box.maxLon, box.minLat, box.maxLon, box.maxLat, box.minLon, box.maxLat, box.minLon, box.minLat,
        ])))
        return intersects(boxShape)
    }

    /// Every edge: polyline segments and ring edges, as (x1, y1, x2, y2) through `body`; stops
    /// when `body` answers true.
    private func anyEdge(_ body: (Double, Double, Double, Double) -> Bool) -> Bool {
        func walk(_ xy: [Double]) -> Bool {
            var i = 0
            while i + 3 < xy.count {
                if body(xy[i], xy[i + 1], xy[i + 2], xy[i + 3]) { return true }
                i += 2
            }
            return false
        }
        for line in lines where walk(line) { return true }
        for polygon in polygons {
            if walk(polygon.exterior.xy) { return true }
            for hole in polygon.holes where walk(hole.xy) { return true }
        }
        return false
    }

    private func edgesMeet(_ other: PlanarShape) -> Bool {
        guard let otherBox = other.bbox else { return false }
        return anyEdge { ax, ay, bx, by in
            // Edges outside the other's box cannot meet it.
            if max(ax, bx) < otherBox.minLon || min(ax, bx) > otherBox.maxLon || max(ay, by) < otherBox.minLat
                || min(ay, by) > otherBox.maxLat
            {
                return false
            }
            return other.anyEdge { cx, cy, dx, dy in Self.segmentsMeet(ax, ay, bx, by, cx, cy, dx, dy) }
        }
    }

    /// A lone point of `self` lies on or in `other`.
    private func pointsMeet(_ other: PlanarShape) -> Bool {
        var i = 0
        while i + 1 < points.count {
            if other.covers(points[i], points[i + 1]) { return true }
            i += 2
        }
        return false
    }

    /// (x, y) is a point of the shape: one of its points, on an edge, or inside a polygon.
    package func covers(_ x: Double, _ y: Double) -> Bool {
        var i = 0
        while i + 1 < points.count {
            if points[i] == x && points[i + 1] == y { return true }
            i += 2
        }
        if anyEdge({ ax, ay, bx, by in Self.onSegment(x, y, ax, ay, bx, by) }) { return true }
        return insidePolygon(x, y)
    }

    private func insidePolygon(_ x: Double, _ y: Double) -> Bool {
        polygons.contains { polygon in
            guard polygon.exterior.crossingParity(x: x, y: y) else { return false }
            return !polygon.holes.contains { $0.crossingParity(x: x, y: y) }
        }
    }

    /// With no edges meeting: a polyline or polygon of `self` has a vertex inside a polygon of
    /// `other` (then the whole component is inside, or `other` would have an edge crossing it).
    private func componentInside(_ other: PlanarShape) -> Bool {
        guard !other.polygons.isEmpty else { return false }
        for line in lines where line.count >= 2 && other.insidePolygon(line[0], line[1]) { return true }
        for polygon in polygons where polygon.exterior.xy.count >= 2 {
            if other.insidePolygon(polygon.exterior.xy[0], polygon.exterior.xy[1]) { return true }
        }
        return false
    }

    /// Cross product of (b − a) × (c − a): its sign says on which side of a→b the point c lies.
    @inline(__always)
    private static func orientation(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double, _ cx: Double, _ cy: Double) -> Double {
        (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    }

    /// (x, y) on the closed segment a–b.
    @inline(__always)
    static func onSegment(_ x: Double, _ y: Double, _ ax: Double, _ ay: Double, _ bx: Double, _ by: Double) -> Bool {
        guard x >= min(ax, bx), x <= max(ax, bx), y >= min(ay, by), y <= max(ay, by) else { return false }
        return orientation(ax, ay, bx, by, x, y) == 0
    }

    /// The closed segments a–b and c–d share a point (crossing, touching or overlapping): the one
    /// test of filters' shapes and of the importer's ring validation (GeoFormats.RingValidation).
    package static func segmentsMeet(
        _ ax: Double, _ ay: Double, _ bx: Double, _ by: Double, _ cx: Double, _ cy: Double, _ dx: Double, _ dy: Double
    ) -> Bool {
        let d1 = orientation(cx, cy, dx, dy, ax, ay)
        let d2 = orientation(cx, cy, dx, dy, bx, by)
        let d3 = orientation(ax, ay, bx, by, cx, cy)
        let d4 = orientation(ax, ay, bx, by, dx, dy)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        if d1 == 0 && onSegment(ax, ay, cx, cy, dx, dy) { return true }
        if d2 == 0 && onSegment(bx, by, cx, cy, dx, dy) { return true }
        if d3 == 0 && onSegment(cx, cy, ax, ay, bx, by) { return true }
        if d4 == 0 && onSegment(dx, dy, ax, ay, bx, by) { return true }
        return false
    }
}
