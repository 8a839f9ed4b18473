import GeoCore

/// Ring checks of RFC 7946 §3.1.6 and OGC 06-103r4 §6.1.7.1 on a flat xy array.
enum RingValidation {
    /// The first problem of the ring, in the order: too short, not closed, self-intersecting, zero area.
    static func problem(of xy: [Double], at location: RingLocation) -> GeometryProblem? {
        let count = xy.count / 2
        guard count >= 4 else { return .ringTooShort(location, positions: count) }
        guard xy[0] == xy[xy.count - 2] && xy[1] == xy[xy.count - 1] else { return .ringNotClosed(location) }
        // Repeated consecutive positions are allowed (OGC 06-103r4 §6.1.7.1 speaks of points,
        // not positions); dropping them keeps a zero-length edge from "touching" its neighbours.
        var points: [Double] = []
        points.reserveCapacity(xy.count)
        points.append(xy[0])
        points.append(xy[1])
        var index = 2
        while index < xy.count {
            if xy[index] != points[points.count - 2] || xy[index + 1] != points[points.count - 1] {
                points.append(xy[index])
                points.append(xy[index + 1])
            }
            index += 2
        }
        // Crossing first: a figure eight has zero signed area, but its fault is the crossing.
        if let (edge, otherEdge) = firstSelfIntersection(points) {
            return .selfIntersectingRing(location, edge: edge, otherEdge: otherEdge)
        }
        if isZeroArea(points) { return .zeroAreaRing(location) }
        return nil
    }

    /// Shoelace sum relative to the first point (less cancellation); "zero" allows the rounding
    /// of collinear input: 1e-12 of the squared extent.
    private static func isZeroArea(_ points: [Double]) -> Bool {
        let count = points.count / 2
        guard count >= 4 else { return true }  // fewer than three distinct points
        let x0 = points[0], y0 = points[1]
        var twiceArea = 0.0
        var minX = x0, maxX = x0, minY = y0, maxY = y0
        for i in 1..<(count - 1) {
            let ax = points[2 * i] - x0, ay = points[2 * i + 1] - y0
            let bx = points[2 * i + 2] - x0, by = points[2 * i + 3] - y0
            twiceArea += ax * by - bx * ay
            minX = min(minX, points[2 * i]); maxX = max(maxX, points[2 * i])
            minY = min(minY, points[2 * i + 1]); maxY = max(maxY, points[2 * i + 1])
        }
        let extent = max(maxX - minX, maxY - minY)
        return abs(twiceArea) <= 1e-12 * extent * extent
    }

    /// The first pair of non-adjacent edges (by edge number) that cross, touch, or overlap.
    /// Edges sorted by their smallest x and swept left to right: only pairs whose x-ranges
    /// overlap are tested, so a long ring is not O(n²) unless it is folded on itself.
    private static func firstSelfIntersection(_ points: [Double]) -> (Int, Int)? {
        let edgeCount = points.count / 2 - 1
        if edgeCount < 4 { return nil }  // a triangle's edges are all adjacent
        var order = Array(0..<edgeCount)
        let minXs = (0..<edgeCount).map { min(points[2 * $0], points[2 * $0 + 2]) }
        order.sort { minXs[$0] < minXs[$1] || (minXs[$0] == minXs[$1] && $0 < $1) }
        var found: (Int, Int)?
        for (rank, edge) in order.enumerated() {
            let maxX = max(points[2 * edge], points[2 * edge + 2])
            var next = rank + 1
            while next < edgeCount && minXs[order[next]] <= maxX {
                let other = order[next]
                next += 1
                let low = min(edge, other), high = max(edge, other)
                if high == low + 1 || (low == 0 && high == edgeCount - 1) { continue }
                if edgesIntersect(points, low, high) {
                    if found == nil || (low, high) < found! { found = (low, high) }
                }
            }
        }
        return found
    }

    /// Closed segments intersect (crossing, touching, or collinear overlap).
    private static func edgesIntersect(_ p: [Double], _ i: Int, _ j: Int) -> Bool {
        let ax = p[2 * i], ay = p[2 * i + 1], bx = p[2 * i + 2], by = p[2 * i + 3]
        let cx = p[2 * j], cy = p[2 * j + 1], dx = p[2 * j + 2], dy = p[2 * j + 3]
        guard max(ax, bx) >= min(cx, dx), max(cx, dx) >= min(ax, bx),
            max(ay, by) >= min(cy, dy), max(cy, dy) >= min(ay, by)
        else { return false }
        return PlanarShape.segmentsMeet(ax, ay, bx, by, cx, cy, dx, dy)
    }
}
