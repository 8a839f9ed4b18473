/// Where a point lies with respect to a geometry (OGC 06-103r4 §6.1.15.2): in its interior, on
/// its boundary (a polygon's rings; a polyline's end points by the mod-2 rule; a point has
/// none), or outside.
package enum PointLocation: Sendable {
    case interior, boundary, exterior
}

/// The dimensionally extended nine-intersection model between two shapes (OGC 06-103r4
/// §6.1.15.2, DE-9IM), reduced to what the named predicates of §6.1.15.3 read: whether each of
/// the eight intersections of interior, boundary and exterior is empty (exterior ∩ exterior never
/// is), and whether the interiors share a line (the `1` of `overlaps` between lines, the `0` of
/// `crosses`). Each shape is of one dimension: points, polylines or polygons.
package struct IntersectionMatrix: Sendable, Equatable {
    package var interiorInterior = false, interiorBoundary = false, interiorExterior = false
    package var boundaryInterior = false, boundaryBoundary = false, boundaryExterior = false
    package var exteriorInterior = false, exteriorBoundary = false
    package var interiorsShareLine = false
    /// 0 points, 1 polylines, 2 polygons.
    package var firstDimension: Int
    package var secondDimension: Int

    package init(firstDimension: Int, secondDimension: Int) {
        self.firstDimension = firstDimension
        self.secondDimension = secondDimension
    }

    /// The matrix of (second, first).
    package var transposed: IntersectionMatrix {
        var matrix = IntersectionMatrix(firstDimension: secondDimension, secondDimension: firstDimension)
        matrix.interiorInterior = interiorInterior
        matrix.interiorBoundary = boundaryInterior
        matrix.boundaryInterior = interiorBoundary
        matrix.interiorExterior = exteriorInterior
        matrix.exteriorInterior = interiorExterior
        matrix.boundaryBoundary = boundaryBoundary
        matrix.boundaryExterior = exteriorBoundary
        matrix.exteriorBoundary = boundaryExterior
        matrix.interiorsShareLine = interiorsShareLine
        return matrix
    }

    mutating func note(_ first: PointLocation, _ second: PointLocation) {
        switch (first, second) {
        case (.interior, .interior): interiorInterior = true
        case (.interior, .boundary): interiorBoundary = true
        case (.interior, .exterior): interiorExterior = true
        case (.boundary, .interior): boundaryInterior = true
        case (.boundary, .boundary): boundaryBoundary = true
        case (.boundary, .exterior): boundaryExterior = true
        case (.exterior, .interior): exteriorInterior = true
        case (.exterior, .boundary): exteriorBoundary = true
        case (.exterior, .exterior): break
        }
    }

    // §6.1.15.3, the named predicates as patterns of the matrix.

    package var intersects: Bool { interiorInterior || interiorBoundary || boundaryInterior || boundaryBoundary }

    /// T*F**FFF*
    package var equals: Bool {
        interiorInterior && !interiorExterior && !boundaryExterior && !exteriorInterior && !exteriorBoundary
    }

    /// T*F**F***
    package var within: Bool { interiorInterior && !interiorExterior && !boundaryExterior }

    /// T*****FF*
    package var contains: Bool { interiorInterior && !exteriorInterior && !exteriorBoundary }

    /// FT*******, F**T***** or F***T****; not between points, which have no boundary.
    package var touches: Bool {
        guard firstDimension > 0 || secondDimension > 0 else { return false }
        return !interiorInterior && (interiorBoundary || boundaryInterior || boundaryBoundary)
    }

    /// Shapes of one dimension: T*T***T** (points, polygons), 1*T***T** (polylines).
    package var overlaps: Bool {
        guard firstDimension == secondDimension else { return false }
        let interiorsMeet = firstDimension == 1 ? interiorsShareLine : interiorInterior
        return interiorsMeet && interiorExterior && exteriorInterior
    }

    /// T*T****** of a lower-dimensional shape against a higher one, T*****T** the other way
    /// round, 0******** between polylines; never between points or between polygons.
    package var crosses: Bool {
        if firstDimension < secondDimension { return interiorInterior && interiorExterior }
        if firstDimension > secondDimension { return interiorInterior && exteriorInterior }
        return firstDimension == 1 && interiorInterior && !interiorsShareLine
    }
}

extension PlanarShape {
    /// 0 for points only, 1 for polylines only, 2 for polygons only; nil when empty or mixed.
    package var dimension: Int? {
        switch (!points.isEmpty, !lines.isEmpty, !polygons.isEmpty) {
        case (true, false, false): 0
        case (false, true, false): 1
        case (false, false, true): 2
        default: nil
        }
    }

    /// The intersection matrix of `self` and `other` (each of one dimension; nil otherwise).
    ///
    /// Decided by noding: every edge of each shape is cut where the other's edges meet it, and each
    /// piece, at its midpoint, lies wholly in the other's interior, boundary or exterior; a
    /// polygon's pieces are also probed a little to either side, which says what the areas
    /// next to them hold; and every vertex and meeting point is located in both. Points on an
    /// edge are found within `PlanarShape.tolerance`, so that a midpoint of a shared edge, or a
    /// computed crossing, counts as on it.
    package func relation(to other: PlanarShape) -> IntersectionMatrix? {
        guard let firstDimension = dimension, let secondDimension = other.dimension else { return nil }
        var matrix = IntersectionMatrix(firstDimension: firstDimension, secondDimension: secondDimension)
        let mine = RelationEdges(self), theirs = RelationEdges(other)
        var nodes: [(Double, Double)] = []
        mine.walkPieces(cutBy: theirs, nodes: &nodes) { x, y, isRing, probes in
            let here = other.locate(x, y, edges: theirs)
            matrix.note(isRing ? .boundary : .interior, here)
            if !isRing, here == .interior, secondDimension == 1 { matrix.interiorsShareLine = true }
            for (px, py) in probes { matrix.note(locate(px, py, edges: mine), other.locate(px, py, edges: theirs)) }
        }
        theirs.walkPieces(cutBy: mine, nodes: &nodes) { x, y, isRing, probes in
            let here = locate(x, y, edges: mine)
            matrix.note(here, isRing ? .boundary : .interior)
            if !isRing, here == .interior, firstDimension == 1 { matrix.interiorsShareLine = true }
            for (px, py) in probes { matrix.note(locate(px, py, edges: mine), other.locate(px, py, edges: theirs)) }
        }
        var i = 0
        while i + 1 < points.count {
            nodes.append((points[i], points[i + 1]))
            i += 2
        }
        i = 0
        while i + 1 < other.points.count {
            nodes.append((other.points[i], other.points[i + 1]))
            i += 2
        }
        nodes += mine.vertices + theirs.vertices
        for (x, y) in nodes { matrix.note(locate(x, y, edges: mine), other.locate(x, y, edges: theirs)) }
        return matrix
    }

    /// How far from an edge a point still counts as on it, in coordinate units: far below what
    /// any dataset records (1e-12 degree is a tenth of a micrometre), far above the rounding of a
    /// computed crossing or midpoint.
    static let tolerance = 1e-12

    /// Where (x, y) lies: among the points, on an edge (a polyline's end by the mod-2 rule is its
    /// boundary), or by crossing parity inside a polygon.
    func locate(_ x: Double, _ y: Double, edges: RelationEdges) -> PointLocation {
        let t = Self.tolerance
        guard let box = bbox, x >= box.minLon - t, x <= box.maxLon + t, y >= box.minLat - t, y <= box.maxLat + t else { return .exterior }
        var i = 0
        while i + 1 < points.count {
            if abs(points[i] - x) <= Self.tolerance && abs(points[i + 1] - y) <= Self.tolerance { return .interior }
            i += 2
        }
        var onLine = false
        for edge in edges.edges where edge.isNear(x, y) {
            if edge.isRing { return .boundary }
            onLine = true
        }
        if onLine {
            return edges.lineEnds.contains { abs($0.0 - x) <= Self.tolerance && abs($0.1 - y) <= Self.tolerance } ? .boundary : .interior
        }
        return insidePolygonForRelation(x, y) ? .interior : .exterior
    }

    private func insidePolygonForRelation(_ x: Double, _ y: Double) -> Bool {
        polygons.contains { polygon in
            guard polygon.exterior.crossingParity(x: x, y: y) else { return false }
            return !polygon.holes.contains { $0.crossingParity(x: x, y: y) }
        }
    }
}

/// The edges of a shape for `relation(to:)`: polyline segments and ring edges (zero-length ones
/// dropped), the polylines' boundary points (ends that occur an odd number of times, OGC
/// 06-103r4 §6.1.6.1) and every vertex.
struct RelationEdges {
    struct Edge {
        let ax: Double, ay: Double, bx: Double, by: Double
        let isRing: Bool
        let minX: Double, minY: Double, maxX: Double, maxY: Double

        init(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double, isRing: Bool) {
            (self.ax, self.ay, self.bx, self.by, self.isRing) = (ax, ay, bx, by, isRing)
            (minX, minY, maxX, maxY) = (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
        }

        /// (x, y) within the tolerance of the closed segment.
        func isNear(_ x: Double, _ y: Double) -> Bool {
            let t = PlanarShape.tolerance
            guard x >= minX - t, x <= maxX + t, y >= minY - t, y <= maxY + t else { return false }
            let dx = bx - ax, dy = by - ay
            let length = (dx * dx + dy * dy).squareRoot()
            return abs(dx * (y - ay) - dy * (x - ax)) <= t * length
        }
    }

    var edges: [Edge] = []
    var lineEnds: [(Double, Double)] = []
    var vertices: [(Double, Double)] = []

    init(_ shape: PlanarShape) {
        func add(_ xy: [Double], isRing: Bool) {
            var i = 0
            while i + 1 < xy.count {
                vertices.append((xy[i], xy[i + 1]))
                if i + 3 < xy.count, xy[i] != xy[i + 2] || xy[i + 1] != xy[i + 3] {
                    edges.append(Edge(xy[i], xy[i + 1], xy[i + 2], xy[i + 3], isRing: isRing))
                }
                i += 2
            }
        }
        var ends: [(Double, Double)] = []
        for line in shape.lines where line.count >= 4 {
            add(line, isRing: false)
            ends.append((line[0], line[1]))
            ends.append((line[line.count - 2], line[line.count - 1]))
        }
        for polygon in shape.polygons {
            add(polygon.exterior.xy, isRing: true)
            for hole in polygon.holes { add(hole.xy, isRing: true) }
        }
        // The mod-2 rule: an end shared by an even number of polylines (a closed one's two ends) is interior.
        for end in ends {
            let count = ends.filter { $0.0 == end.0 && $0.1 == end.1 }.count
            if count % 2 == 1, !lineEnds.contains(where: { $0.0 == end.0 && $0.1 == end.1 }) { lineEnds.append(end) }
        }
    }

    /// Each edge cut at every point where an edge of `other` meets it: `body` gets each piece's
    /// midpoint, whether it is a ring's, and for a ring's piece two points a little to either
    /// side of it. The meeting points are added to `nodes`.
    func walkPieces(
        cutBy other: RelationEdges, nodes: inout [(Double, Double)],
        _ body: (Double, Double, Bool, [(Double, Double)]) -> Void
    ) {
        for edge in edges {
            let dx = edge.bx - edge.ax, dy = edge.by - edge.ay
            let squared = dx * dx + dy * dy
            let length = squared.squareRoot()
            var cuts: [Double] = [0, 1]
            for cut in other.edges
            where cut.maxX >= edge.minX && cut.minX <= edge.maxX && cut.maxY >= edge.minY && cut.minY <= edge.maxY {
                let ex = cut.bx - cut.ax, ey = cut.by - cut.ay
                let denominator = dx * ey - dy * ex
                let qx = cut.ax - edge.ax, qy = cut.ay - edge.ay
                // Parallel within 1e-12 radian (a shared edge: exactly), or the other edge lying along this one.
                if abs(denominator) <= 1e-12 * length * (ex * ex + ey * ey).squareRoot()
                    || (edge.isNear(cut.ax, cut.ay) && edge.isNear(cut.bx, cut.by))
                {
                    // Parallel: where collinear, the other edge's ends cut this one.
                    for (x, y) in [(cut.ax, cut.ay), (cut.bx, cut.by)] where edge.isNear(x, y) {
                        let t = ((x - edge.ax) * dx + (y - edge.ay) * dy) / squared
                        if t > 0, t < 1 { cuts.append(t) }
                        nodes.append((x, y))
                    }
                    continue
                }
                let t = (qx * ey - qy * ex) / denominator
                let u = (qx * dy - qy * dx) / denominator
                let slack = 1e-9
                guard t >= -slack, t <= 1 + slack, u >= -slack, u <= 1 + slack else { continue }
                // A crossing at an end of either edge is that vertex itself, not a computed point.
                var point = (edge.ax + t * dx, edge.ay + t * dy)
                for vertex in [(edge.ax, edge.ay), (edge.bx, edge.by), (cut.ax, cut.ay), (cut.bx, cut.by)]
                where abs(vertex.0 - point.0) <= PlanarShape.tolerance * 1e3 && abs(vertex.1 - point.1) <= PlanarShape.tolerance * 1e3 {
                    point = vertex
                }
                guard edge.isNear(point.0, point.1), cut.isNear(point.0, point.1) else { continue }
                nodes.append(point)
                if t > 0, t < 1 { cuts.append(t) }
            }
            cuts.sort()
            for index in 0..<(cuts.count - 1) where cuts[index + 1] - cuts[index] > 0 {
                let (t0, t1) = (cuts[index], cuts[index + 1])
                let middle = (t0 + t1) / 2
                let (mx, my) = (edge.ax + middle * dx, edge.ay + middle * dy)
                guard (t1 - t0) * length > PlanarShape.tolerance else { continue }
                var probes: [(Double, Double)] = []
                if edge.isRing {
                    // Off the piece by a small fraction of it, but well clear of the tolerance.
                    let offset = max((t1 - t0) * length * 1e-4, PlanarShape.tolerance * 100) / length
                    probes = [(mx - dy * offset, my + dx * offset), (mx + dy * offset, my - dx * offset)]
                }
                body(mx, my, edge.isRing, probes)
            }
        }
    }
}
