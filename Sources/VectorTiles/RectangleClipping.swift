import GeoCore

/// A polygon clipped to the square `low…high` on both axes (the tile widened by its buffer), as
/// polygons of their own: the parts of a concave outline that leave and re-enter the square come
/// out as separate rings, and a hole that crosses the square's edge becomes part of the outline.
///
/// Why not Sutherland–Hodgman: it keeps a ring one ring, so an outline that leaves and comes back
/// is joined to itself along the clip line by two overlapping edges, which is not a valid polygon
/// (OGC 06-103r4 §6.1.11.1; MVT 2.1 §4.3.4.4 asks for valid ones). This is Weiler–Atherton for
/// a convex clip window: every ring is oriented with the polygon's interior on its left (positive
/// surveyor's area for the outline, negative for holes), cut into chains that run inside the
/// square from an entry point on its edge to an exit point, and the chains are joined by walking
/// the square's edge in the same turning sense from each exit to the next entry, so the walk
/// keeps the interior on the left too.
struct RectangleClipping {
    typealias Point = (x: Double, y: Double)

    let low: Double
    let high: Double

    /// `rings`: the outline first, then its holes, without the closing repeat, in any
    /// orientation. Answers polygons, each its outline (positive area) and then its holes
    /// (negative area).
    func clip(_ rings: [[Point]]) -> [[[Point]]] {
        var whole: [[Point]] = []
        var chains: [[Point]] = []
        for (index, original) in rings.enumerated() where original.count >= 3 {
            let area = Self.signedArea(original)
            guard area != 0 else { continue }
            let ring = (area > 0) == (index == 0) ? original : original.reversed()
            if ring.allSatisfy(inside) {
                whole.append(ring)
            } else {
                chains += self.chains(of: ring)
            }
        }
        var result = whole
        if chains.isEmpty {
            // Nothing crosses the square's edge: it lies wholly inside the polygon or wholly out.
            if Self.contains(rings, (low, low)) { result.append(corners) }
        } else {
            result += join(chains)
        }
        return Self.polygons(of: result)
    }

    private var corners: [Point] { [(low, low), (high, low), (high, high), (low, high)] }

    private func inside(_ point: Point) -> Bool {
        point.x >= low && point.x <= high && point.y >= low && point.y <= high
    }

    /// The pieces of a ring inside the square, each from where it enters to where it leaves.
    private func chains(of ring: [Point]) -> [[Point]] {
        guard let start = ring.firstIndex(where: { !inside($0) }) else { return [] }
        var chains: [[Point]] = []
        var current: [Point] = []
        for step in 0..<ring.count {
            let p = ring[(start + step) % ring.count], q = ring[(start + step + 1) % ring.count]
            guard let (entry, exit) = segmentInside(p, q) else { continue }
            if !inside(p) {
                current = [entry]
            }
            if inside(q) {
                current.append(q)
            } else {
                current.append(exit)
                if current.contains(where: { $0 != current[0] }) { chains.append(current) }
                current = []
            }
        }
        return chains
    }

    /// Liang–Barsky: where p→q enters and leaves the square, each put exactly on the side that
    /// bounds it (so that its place along the edge is exact), or nil when it misses the square.
    private func segmentInside(_ p: Point, _ q: Point) -> (Point, Point)? {
        let dx = q.x - p.x, dy = q.y - p.y
        var t0 = 0.0, t1 = 1.0
        var entrySide = -1, exitSide = -1
        let constraints = [(-dx, p.x - low), (dx, high - p.x), (-dy, p.y - low), (dy, high - p.y)]
        for (side, (pk, qk)) in constraints.enumerated() {
            if pk == 0 {
                if qk < 0 { return nil }
                continue
            }
            let r = qk / pk
            if pk < 0 {
                if r > t1 { return nil }
                if r > t0 { t0 = r; entrySide = side }
            } else {
                if r < t0 { return nil }
                if r < t1 { t1 = r; exitSide = side }
            }
        }
        func point(_ t: Double, on side: Int) -> Point {
            var x = min(max(p.x + t * dx, low), high), y = min(max(p.y + t * dy, low), high)
            switch side {
            case 0: x = low
            case 1: x = high
            case 2: y = low
            case 3: y = high
            default: break
            }
            return (x, y)
        }
        return (point(t0, on: entrySide), point(t1, on: exitSide))
    }

    /// Place along the square's edge, in the turning sense of a positive-area ring:
    /// (low, low) → (high, low) → (high, high) → (low, high).
    private func place(_ point: Point) -> Double {
        let width = high - low
        if point.y == low { return point.x - low }
        if point.x == high { return width + point.y - low }
        if point.y == high { return 2 * width + high - point.x }
        return 3 * width + high - point.y
    }

    /// Closes the chains into rings: from each exit, along the square's edge (through the
    /// corners passed) to the next entry, until the walk is back at the first chain.
    private func join(_ chains: [[Point]]) -> [[Point]] {
        let perimeter = 4 * (high - low)
        let entries = chains.map { place($0[0]) }
        let cornerPlaces = corners.map(place)
        var used = [Bool](repeating: false, count: chains.count)
        var rings: [[Point]] = []
        for first in chains.indices where !used[first] {
            var ring: [Point] = []
            var index = first
            while true {
                used[index] = true
                ring += chains[index]
                let exit = place(chains[index][chains[index].count - 1])
                func ahead(_ place: Double) -> Double {
                    let distance = (place - exit).truncatingRemainder(dividingBy: perimeter)
                    return distance < 0 ? distance + perimeter : distance
                }
                var next = first
                var nearest = Double.infinity
                for candidate in chains.indices where candidate == first || !used[candidate] {
                    let distance = ahead(entries[candidate])
                    if distance < nearest { nearest = distance; next = candidate }
                }
                let passed = cornerPlaces.indices.filter { ahead(cornerPlaces[$0]) > 0 && ahead(cornerPlaces[$0]) < nearest }
                for corner in passed.sorted(by: { ahead(cornerPlaces[$0]) < ahead(cornerPlaces[$1]) }) {
                    ring.append(corners[corner])
                }
                if next == first { break }
                index = next
            }
            if ring.count >= 3 { rings.append(ring) }
        }
        return rings
    }

    /// Outlines (positive area) each with the holes (negative area) that lie in it.
    static func polygons(of rings: [[Point]]) -> [[[Point]]] {
        var outlines: [[[Point]]] = []
        var holes: [[Point]] = []
        for ring in rings {
            let area = signedArea(ring)
            if area > 0 { outlines.append([ring]) } else if area < 0 { holes.append(ring) }
        }
        for hole in holes {
            if outlines.count == 1 {
                outlines[0].append(hole)
                continue
            }
            // A hole touches its outline at most at points: the middle of one of its edges
            // that is not on the outline decides; the first edge almost always will do.
            let probe = (x: (hole[0].x + hole[1].x) / 2, y: (hole[0].y + hole[1].y) / 2)
            if let owner = outlines.indices.first(where: { ringContains(outlines[$0][0], probe) }) {
                outlines[owner].append(hole)
            }
        }
        return outlines
    }

    /// Twice the surveyor's area (positive: x towards y, clockwise on a y-down screen).
    static func signedArea(_ ring: [Point]) -> Double {
        var sum = 0.0
        var previous = ring[ring.count - 1]
        for point in ring {
            sum += previous.x * point.y - point.x * previous.y
            previous = point
        }
        return sum
    }

    /// GeoCore's crossing-number test (`Ring.crossingParity`) on a ring of tile units.
    static func ringContains(_ ring: [Point], _ point: Point) -> Bool {
        Ring(xy: ring.flatMap { [$0.x, $0.y] }).crossingParity(x: point.x, y: point.y)
    }

    /// Even–odd over every ring: inside the outline and in no hole.
    static func contains(_ rings: [[Point]], _ point: Point) -> Bool {
        rings.reduce(false) { inside, ring in ring.count >= 3 && ringContains(ring, point) ? !inside : inside }
    }
}
