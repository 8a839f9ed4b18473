/// Point-in-polygon by the crossing-number (even–odd) rule with half-open edges.
///
/// Boundary rule, the same as the top-left pixel-filling rule of rasterisers: a ray is cast from the
/// point towards +x; an edge counts when the point's y lies in [lower end's y, upper end's y) of the
/// edge (horizontal edges never count) and the point lies strictly left of the edge's x at that y.
/// Consequently a point on a left or bottom edge is inside, on a right or top edge outside; on a
/// vertex, inside only if the vertex is a bottom-left corner. Every edge's crossing x is computed
/// from its lower end, whatever the ring's direction, so two polygons sharing an edge evaluate it
/// with identical arithmetic: a point on the shared edge (or vertex) of polygons that tile the plane
/// belongs to exactly one of them. See W. R. Franklin, "PNPOLY" (1970/2006), and E. Haines,
/// "Point in Polygon Strategies", Graphics Gems IV (1994).
///
/// Holes use the same rule (a point on a hole's left edge is in the hole, hence outside the polygon),
/// so an island parcel filling a hole takes that point instead.
extension Ring {
    /// Parity of the crossings of the ray from (x, y) towards +x with this ring's edges.
    package func crossingParity(x: Double, y: Double) -> Bool {
        xy.withUnsafeBufferPointer { xy in Ring.crossingParity(xy, x: x, y: y) }
    }

    static func crossingParity(_ xy: UnsafeBufferPointer<Double>, x: Double, y: Double) -> Bool {
        var inside = false
        let count = xy.count / 2
        guard count >= 2 else { return false }
        var previousX = xy[2 * (count - 1)], previousY = xy[2 * (count - 1) + 1]
        for i in 0..<count {
            let currentX = xy[2 * i], currentY = xy[2 * i + 1]
            if (currentY > y) != (previousY > y) {
                // Orient the edge from its lower end so both neighbours compute the same x.
                let lowX: Double, lowY: Double, highX: Double, highY: Double
                if currentY < previousY {
                    lowX = currentX; lowY = currentY; highX = previousX; highY = previousY
                } else {
                    lowX = previousX; lowY = previousY; highX = currentX; highY = currentY
                }
                let crossingX = lowX + (y - lowY) * (highX - lowX) / (highY - lowY)
                if x < crossingX { inside.toggle() }
            }
            previousX = currentX
            previousY = currentY
        }
        return inside
    }
}

extension Polygon {
    /// True when `point` is in the polygon by the half-open rule documented on `Ring.crossingParity`.
    package func contains(_ point: Coordinate) -> Bool {
        contains(x: point.lon, y: point.lat)
    }

    package func contains(x: Double, y: Double) -> Bool {
        guard exterior.crossingParity(x: x, y: y) else { return false }
        var inside = true
        for index in holes.indices where holes[index].crossingParity(x: x, y: y) { inside.toggle() }
        return inside
    }
}

extension Polygonal {
    /// True when some part contains `point` (half-open rule, see `Ring.crossingParity`).
    package func contains(_ point: Coordinate) -> Bool {
        guard bbox.contains(point) else { return false }
        for index in parts.indices where parts[index].contains(x: point.lon, y: point.lat) { return true }
        return false
    }
}
