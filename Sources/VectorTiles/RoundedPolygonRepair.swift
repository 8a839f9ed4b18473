/// A polygon rounded to whole tile units made valid again (OGC 06-103r4 §6.1.11.1: rings
/// simple, meeting at most at points, holes inside their outline; MVT 2.1 §4.3.4.4 asks for
/// valid polygons).
///
/// Why: rounding moves each vertex by up to half a unit, so a part of a real outline a unit or
/// two thin can come out crossing itself, or a hole crossing its outline. Each ring is noded
/// where it meets itself (the crossing rounded to a whole unit and put into both edges, a few
/// times over, since that rounding can bend an edge across another), then cut into loops at
/// every point it passes twice. Loops turning the ring's way are kept (an outline's loops as
/// outlines, a hole's as holes); a loop of an outline turning the other way is a hole if it
/// lies in one of the outlines, else the sliver of a crossing and left out. A hole still
/// crossing its outline after that, or lying outside it, is left out: it is under a pixel wide.
enum RoundedPolygonRepair {
    typealias Point = (Int, Int)

    /// Rings longer than this are taken as they are: the check is quadratic, and an outline of
    /// so many units at one zoom is a zone, whose parts are seldom thin.
    static let longestChecked = 512

    /// `outline` positive (surveyor's area), `holes` negative, rid of repeated and collinear
    /// points: valid polygons, each its outline and then its holes.
    static func repair(outline: [Point], holes: [[Point]]) -> [[[Point]]] {
        if holes.isEmpty, isConvex(outline) { return [[outline]] }
        let loops = simpleLoops(outline)
        var polygons = loops.filter { area($0) > 0 }.map { [$0] }
        var candidates = loops.filter { area($0) < 0 }
        for hole in holes { candidates += simpleLoops(hole).filter { area($0) < 0 } }
        for hole in candidates {
            let probe = Self.probe(hole)
            guard let owner = polygons.firstIndex(where: { contains($0[0], probe) && !crosses(hole, $0[0]) }) else { continue }
            if polygons[owner].dropFirst().contains(where: { crosses(hole, $0) || contains($0, probe) || contains(hole, Self.probe($0)) }) {
                continue
            }
            polygons[owner].append(hole)
        }
        return polygons
    }

    /// Every turn the same way and the edges' directions going round once: a convex ring, which
    /// rounding cannot have made cross itself.
    static func isConvex(_ ring: [Point]) -> Bool {
        guard ring.count >= 3 else { return false }
        var sign = 0, xFlips = 0, yFlips = 0
        var previousDX = 0, previousDY = 0
        for index in ring.indices {
            let a = ring[index], b = ring[(index + 1) % ring.count], c = ring[(index + 2) % ring.count]
            let turn = (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0)
            if turn != 0 {
                if sign == 0 { sign = turn > 0 ? 1 : -1 } else if (turn > 0 ? 1 : -1) != sign { return false }
            }
            let dx = (b.0 - a.0).signum(), dy = (b.1 - a.1).signum()
            if dx != 0 {
                if previousDX != 0, dx != previousDX { xFlips += 1 }
                previousDX = dx
            }
            if dy != 0 {
                if previousDY != 0, dy != previousDY { yFlips += 1 }
                previousDY = dy
            }
        }
        return xFlips <= 2 && yFlips <= 2
    }

    /// The ring noded where it meets itself and cut into loops there, each rid of repeated and
    /// collinear points; loops that enclose nothing are gone.
    static func simpleLoops(_ ring: [Point]) -> [[Point]] {
        guard ring.count <= longestChecked else { return [ring] }
        var ring = ring
        for _ in 0..<4 {
            guard let noded = nodedAtCrossings(ring) else { break }
            ring = noded
        }
        return loops(of: ring).compactMap(simplified)
    }

    /// The ring with a vertex put where two of its edges cross or touch (rounded), or nil when
    /// no two edges meet but at their shared ends.
    static func nodedAtCrossings(_ ring: [Point]) -> [Point]? {
        let count = ring.count
        var splits = [[(t: Double, point: Point)]](repeating: [], count: count)
        var found = false
        for i in 0..<count {
            let a = ring[i], b = ring[(i + 1) % count]
            for j in (i + 1)..<count {
                // Neighbours share an end: that is where a ring's edges are meant to meet.
                if j == i + 1 || (i == 0 && j == count - 1) { continue }
                let c = ring[j], d = ring[(j + 1) % count]
                let o1 = orientation(a, b, c), o2 = orientation(a, b, d), o3 = orientation(c, d, a), o4 = orientation(c, d, b)
                if o1 * o2 < 0, o3 * o4 < 0 {
                    let r = (Double(b.0 - a.0), Double(b.1 - a.1)), s = (Double(d.0 - c.0), Double(d.1 - c.1))
                    let denominator = r.0 * s.1 - r.1 * s.0
                    let t = (Double(c.0 - a.0) * s.1 - Double(c.1 - a.1) * s.0) / denominator
                    let u = (Double(c.0 - a.0) * r.1 - Double(c.1 - a.1) * r.0) / denominator
                    let point = (Int((Double(a.0) + t * r.0).rounded()), Int((Double(a.1) + t * r.1).rounded()))
                    splits[i].append((t, point))
                    splits[j].append((u, point))
                    found = true
                    continue
                }
                // A vertex of one edge on the other (collinear overlaps included).
                for (point, onEdge, other) in [(c, i, (a, b)), (d, i, (a, b)), (a, j, (c, d)), (b, j, (c, d))]
                where isStrictlyInside(point, other.0, other.1) {
                    splits[onEdge].append((parameter(point, other.0, other.1), point))
                    found = true
                }
            }
        }
        guard found else { return nil }
        var noded: [Point] = []
        noded.reserveCapacity(count * 2)
        for i in 0..<count {
            if noded.last.map({ $0 != ring[i] }) ?? true { noded.append(ring[i]) }
            for split in splits[i].sorted(by: { $0.t < $1.t }) where noded.last.map({ $0 != split.point }) ?? true {
                noded.append(split.point)
            }
        }
        while noded.count > 1, noded[0] == noded[noded.count - 1] { noded.removeLast() }
        return noded
    }

    /// The ring cut at every vertex it passes twice: the part between the two passes is a loop
    /// of its own, the rest goes on.
    static func loops(of ring: [Point]) -> [[Point]] {
        var path: [Point] = []
        var seen: [Int64: Int] = [:]
        var loops: [[Point]] = []
        func key(_ point: Point) -> Int64 { Int64(point.0) << 32 ^ Int64(UInt32(bitPattern: Int32(truncatingIfNeeded: point.1))) }
        for point in ring {
            if let earlier = seen[key(point)] {
                loops.append(Array(path[earlier...]))
                for later in path[(earlier + 1)...] { seen[key(later)] = nil }
                path.removeSubrange((earlier + 1)...)
            } else {
                seen[key(point)] = path.count
                path.append(point)
            }
        }
        loops.append(path)
        return loops
    }

    /// No repeated point, none on the line through its neighbours; nil when no area is left.
    static func simplified(_ ring: [Point]) -> [Point]? {
        var points: [Point] = []
        for point in ring where points.last.map({ $0 != point }) ?? true { points.append(point) }
        while points.count > 1, points[0] == points[points.count - 1] { points.removeLast() }
        var changed = true
        while changed, points.count >= 3 {
            changed = false
            var kept: [Point] = []
            for index in points.indices {
                let a = kept.last ?? points[(index + points.count - 1) % points.count]
                let b = points[index], c = points[(index + 1) % points.count]
                if orientation(a, b, c) == 0 { changed = true } else { kept.append(b) }
            }
            points = kept
        }
        return points.count >= 3 && area(points) != 0 ? points : nil
    }

    // MARK: - predicates on whole units (exact)

    static func orientation(_ a: Point, _ b: Point, _ c: Point) -> Int {
        ((b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)).signum()
    }

    /// `point` on the segment a–b, not at either end.
    static func isStrictlyInside(_ point: Point, _ a: Point, _ b: Point) -> Bool {
        guard orientation(a, b, point) == 0, point != a, point != b else { return false }
        return min(a.0, b.0) <= point.0 && point.0 <= max(a.0, b.0) && min(a.1, b.1) <= point.1 && point.1 <= max(a.1, b.1)
    }

    static func parameter(_ point: Point, _ a: Point, _ b: Point) -> Double {
        let dx = Double(b.0 - a.0), dy = Double(b.1 - a.1)
        return (Double(point.0 - a.0) * dx + Double(point.1 - a.1) * dy) / (dx * dx + dy * dy)
    }

    /// Twice the surveyor's area (positive: an outline, clockwise on a y-down screen).
    static func area(_ ring: [Point]) -> Int {
        var sum = 0
        for index in ring.indices {
            let a = ring[index], b = ring[(index + 1) % ring.count]
            sum += a.0 * b.1 - b.0 * a.1
        }
        return sum
    }

    /// Whether two rings' edges cross (touching at points is allowed).
    static func crosses(_ first: [Point], _ second: [Point]) -> Bool {
        for i in first.indices {
            let a = first[i], b = first[(i + 1) % first.count]
            for j in second.indices {
                let c = second[j], d = second[(j + 1) % second.count]
                if orientation(a, b, c) * orientation(a, b, d) < 0, orientation(c, d, a) * orientation(c, d, b) < 0 { return true }
            }
        }
        return false
    }

    /// A point just inside `ring`: the middle of its first edge moved a hair to its inner side.
    static func probe(_ ring: [Point]) -> (Double, Double) {
        let a = ring[0], b = ring[1]
        let middle = (Double(a.0 + b.0) / 2, Double(a.1 + b.1) / 2)
        let length = max(1e-9, ((Double(b.0 - a.0) * Double(b.0 - a.0)) + Double(b.1 - a.1) * Double(b.1 - a.1)).squareRoot())
        // The interior of a positive ring is on the side of +90° from the edge (x towards y).
        let sign = area(ring) > 0 ? 1.0 : -1.0
        let normal = (-Double(b.1 - a.1) / length * sign, Double(b.0 - a.0) / length * sign)
        return (middle.0 + normal.0 * 1e-3, middle.1 + normal.1 * 1e-3)
    }

    static func contains(_ ring: [Point], _ point: (Double, Double)) -> Bool {
        RectangleClipping.ringContains(ring.map { (Double($0.0), Double($0.1)) }, (point.0, point.1))
    }
}
