extension Polygonal {
    /// This outline with every vertex that lies within `tolerance` (degrees) of `reference`'s
    /// boundary moved onto it: onto a vertex of `reference` when one is that close, else onto the
    /// nearest point of its nearest edge. Consecutive positions made equal are merged; a ring
    /// that would keep fewer than four positions is left as it was.
    ///
    /// Why: a client draws a subdivision on outlines it read from the API, whose coordinates
    /// carry 7 decimals (about 1 cm), so its children's vertices on the parent's boundary sit up
    /// to half a unit of the last decimal off it, and along a 50 m edge that leaves slivers of a
    /// tenth of a square metre between the children and the parent — ten times the 0.01 m² they
    /// must tile it within (issue 16 point 4). Moving those vertices onto the stored boundary
    /// removes the rounding and nothing a person drew: 2·10⁻⁷° is about 2 cm.
    package func snapped(to reference: Polygonal, tolerance: Double) -> Polygonal {
        var vertices: [Double] = []
        var segments: [(x0: Double, y0: Double, x1: Double, y1: Double)] = []
        for part in reference.parts {
            for ring in [part.exterior] + part.holes {
                vertices += ring.xy
                var i = 0
                while i + 3 < ring.xy.count {
                    segments.append((ring.xy[i], ring.xy[i + 1], ring.xy[i + 2], ring.xy[i + 3]))
                    i += 2
                }
            }
        }
        let limit = tolerance * tolerance
        func snap(_ x: Double, _ y: Double) -> (Double, Double) {
            var best = (x, y), bestDistance = Double.infinity
            var i = 0
            while i + 1 < vertices.count {
                let dx = vertices[i] - x, dy = vertices[i + 1] - y
                let distance = dx * dx + dy * dy
                if distance <= limit && distance < bestDistance { (best, bestDistance) = ((vertices[i], vertices[i + 1]), distance) }
                i += 2
            }
            if bestDistance <= limit { return best }
            for segment in segments {
                let ex = segment.x1 - segment.x0, ey = segment.y1 - segment.y0
                let length = ex * ex + ey * ey
                guard length > 0 else { continue }
                let t = Swift.max(0, Swift.min(1, ((x - segment.x0) * ex + (y - segment.y0) * ey) / length))
                let px = segment.x0 + t * ex, py = segment.y0 + t * ey
                let distance = (px - x) * (px - x) + (py - y) * (py - y)
                if distance <= limit && distance < bestDistance { (best, bestDistance) = ((px, py), distance) }
            }
            return best
        }
        func snapped(_ ring: Ring) -> Ring {
            var xy: [Double] = []
            xy.reserveCapacity(ring.xy.count)
            var i = 0
            while i + 1 < ring.xy.count {
                let (x, y) = snap(ring.xy[i], ring.xy[i + 1])
                if xy.count < 2 || xy[xy.count - 2] != x || xy[xy.count - 1] != y { xy += [x, y] }
                i += 2
            }
            return xy.count >= 8 ? Ring(xy: xy) : ring
        }
        return Polygonal(
            parts: parts.map { Polygon(exterior: snapped($0.exterior), holes: $0.holes.map(snapped)) }, isMulti: isMulti)
    }
}
