/// Exact intersection of a polygon with a closed axis-aligned box, planar in degrees (touching
/// counts, as Boost.Geometry `intersects` and PostGIS `ST_Intersects`). The polygon and the box
/// intersect iff a ring edge meets the box, or the box lies inside the polygon (then any of its
/// corners does). An edge meets the box iff their bounding boxes overlap and the edge's supporting
/// line does not leave all four corners strictly on one side (separating-axis theorem for two
/// convex sets in the plane: the axes are x, y and the edge's normal).
extension Polygon {
    package func intersects(_ box: BoundingBox) -> Bool {
        intersects(minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat)
    }

    package func intersects(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Bool {
        if exterior.edgeMeetsBox(minX: minX, minY: minY, maxX: maxX, maxY: maxY) { return true }
        for hole in holes where hole.edgeMeetsBox(minX: minX, minY: minY, maxX: maxX, maxY: maxY) { return true }
        // No boundary meets the box: it is wholly inside or wholly outside; one corner decides.
        return contains(x: minX, y: minY)
    }
}

extension Polygonal {
    package func intersects(_ box: BoundingBox) -> Bool {
        guard bbox.intersects(box) else { return false }
        // A non-empty polygon inside the box meets it: the common case of large windows.
        if box.minLon <= bbox.minLon && bbox.maxLon <= box.maxLon && box.minLat <= bbox.minLat && bbox.maxLat <= box.maxLat {
            return true
        }
        for part in parts where part.intersects(minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat) {
            return true
        }
        return false
    }
}

extension Ring {
    /// True when some edge of the ring has a point in the closed box.
    func edgeMeetsBox(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Bool {
        xy.withUnsafeBufferPointer { xy in Ring.edgeMeetsBox(xy, minX: minX, minY: minY, maxX: maxX, maxY: maxY) }
    }

    /// `edgeMeetsBox` of the ring whose positions are `xy` (x0, y0, x1, y1, …): shared with
    /// `PolygonalOutlines`, which keeps rings in one array.
    static func edgeMeetsBox(_ xy: UnsafeBufferPointer<Double>, minX: Double, minY: Double, maxX: Double, maxY: Double) -> Bool {
        let count = xy.count / 2
        guard count >= 1 else { return false }
        var ax = xy[0], ay = xy[1]
        if count == 1 { return ax >= minX && ax <= maxX && ay >= minY && ay <= maxY }
        for i in 1..<count {
            let bx = xy[2 * i], by = xy[2 * i + 1]
            if Swift.max(ax, bx) >= minX && Swift.min(ax, bx) <= maxX && Swift.max(ay, by) >= minY
                && Swift.min(ay, by) <= maxY
            {
                let dx = bx - ax, dy = by - ay
                // Sign of the cross product (b − a) × (corner − a) for the four corners.
                let c1 = dx * (minY - ay) - dy * (minX - ax)
                let c2 = dx * (minY - ay) - dy * (maxX - ax)
                let c3 = dx * (maxY - ay) - dy * (minX - ax)
                let c4 = dx * (maxY - ay) - dy * (maxX - ax)
                let allPositive = c1 > 0 && c2 > 0 && c3 > 0 && c4 > 0
                let allNegative = c1 < 0 && c2 < 0 && c3 < 0 && c4 < 0
                if !allPositive && !allNegative { return true }
            }
            ax = bx
            ay = by
        }
        return false
    }
}
