/// A polygon literal of a filter laid over a grid of cells, each known to lie wholly inside the
/// polygon, wholly outside it, or on its boundary (an edge's box covers the cell). A feature whose
/// box covers only inside cells meets the polygon, one covering only outside cells does not, and
/// only features on the boundary need the exact test: issue 18 point 3's "boxes wholly inside
/// skipping it". A 200-vertex district outline against thousands of parcels then tests a few
/// hundred exactly instead of every one (each test walks 200 × the parcel's edges).
///
/// Built in one pass over the edges (their boxes mark boundary cells) and one scanline per row
/// of cells (the crossings of the row's centre line, counted left of each cell's centre: a cell
/// with no edge in it is all inside or all outside, as its centre is).
package struct ShapeGrid: Sendable {
    package enum Place: Sendable, Equatable { case inside, outside, boundary }

    private let box: BoundingBox
    private let columns: Int
    private let rows: Int
    private let cellWidth: Double
    private let cellHeight: Double
    /// Row-major: 0 outside, 1 inside, 2 boundary.
    private let cells: [UInt8]

    /// nil for a shape with lone points or polylines (their cells would all be boundary), or
    /// without area.
    package init?(_ shape: PlanarShape, cellsPerSide: Int = 64) {
        guard shape.points.isEmpty, shape.lines.isEmpty, !shape.polygons.isEmpty, let box = shape.bbox,
            box.maxLon > box.minLon, box.maxLat > box.minLat
        else { return nil }
        self.box = box
        columns = cellsPerSide
        rows = cellsPerSide
        cellWidth = (box.maxLon - box.minLon) / Double(cellsPerSide)
        cellHeight = (box.maxLat - box.minLat) / Double(cellsPerSide)
        // A literal a few ulps wide has cells that underflow to zero: no grid, every test exact.
        guard cellWidth > 0, cellHeight > 0 else { return nil }
        var cells = [UInt8](repeating: 0, count: cellsPerSide * cellsPerSide)
        let rings = shape.polygons.flatMap { [$0.exterior] + $0.holes }
        // Boundary: every cell an edge's box covers (inclusive at the cells' borders).
        for ring in rings {
            let xy = ring.xy
            var i = 0
            while i + 3 < xy.count {
                let (c0, c1) = (Self.index(min(xy[i], xy[i + 2]), box.minLon, cellWidth, cellsPerSide), Self.index(max(xy[i], xy[i + 2]), box.minLon, cellWidth, cellsPerSide))
                let (r0, r1) = (Self.index(min(xy[i + 1], xy[i + 3]), box.minLat, cellHeight, cellsPerSide), Self.index(max(xy[i + 1], xy[i + 3]), box.minLat, cellHeight, cellsPerSide))
                for r in r0...r1 { for c in c0...c1 { cells[r * cellsPerSide + c] = 2 } }
                i += 2
            }
        }
        // Inside or outside: parity of the crossings of each row's centre line left of a cell's
        // centre, polygon by polygon (a cell inside any polygon of the shape is inside it: two
        // overlapping members of a collection must not cancel out).
        for polygon in shape.polygons {
            let polygonRings = [polygon.exterior] + polygon.holes
            for r in 0..<rows {
                let y = box.minLat + (Double(r) + 0.5) * cellHeight
                var crossings: [Double] = []
                for ring in polygonRings {
                    let xy = ring.xy
                    var i = 0
                    while i + 3 < xy.count {
                        let (ax, ay, bx, by) = (xy[i], xy[i + 1], xy[i + 2], xy[i + 3])
                        if (ay > y) != (by > y) { crossings.append(ax + (y - ay) * (bx - ax) / (by - ay)) }
                        i += 2
                    }
                }
                guard !crossings.isEmpty else { continue }
                crossings.sort()
                var next = 0
                for c in 0..<columns {
                    let x = box.minLon + (Double(c) + 0.5) * cellWidth
                    while next < crossings.count, crossings[next] < x { next += 1 }
                    if next % 2 == 1, cells[r * columns + c] == 0 { cells[r * columns + c] = 1 }
                }
            }
        }
        self.cells = cells
    }

    /// The cell of `value`, clamped to the grid in floating point first: a feature far beyond a
    /// tiny literal would otherwise be a quotient too large for `Int`.
    private static func index(_ value: Double, _ origin: Double, _ size: Double, _ count: Int) -> Int {
        let cell = ((value - origin) / size).rounded(.down)
        guard cell >= 0 else { return 0 }
        guard cell < Double(count) else { return count - 1 }
        return Int(cell)
    }

    /// Where a feature whose box is `feature` lies: inside (it meets the polygon), outside (it
    /// does not) or on the boundary (test it exactly).
    package func place(of feature: BoundingBox) -> Place {
        if feature.maxLon < box.minLon || feature.minLon > box.maxLon || feature.maxLat < box.minLat || feature.minLat > box.maxLat {
            return .outside
        }
        // Parts of the feature's box beyond the grid are outside the polygon.
        let beyond = feature.minLon < box.minLon || feature.maxLon > box.maxLon || feature.minLat < box.minLat || feature.maxLat > box.maxLat
        let c0 = Self.index(feature.minLon, box.minLon, cellWidth, columns), c1 = Self.index(feature.maxLon, box.minLon, cellWidth, columns)
        let r0 = Self.index(feature.minLat, box.minLat, cellHeight, rows), r1 = Self.index(feature.maxLat, box.minLat, cellHeight, rows)
        var sawInside = false, sawOutside = beyond
        for r in r0...r1 {
            for c in c0...c1 {
                switch cells[r * columns + c] {
                case 2: return .boundary
                case 1: sawInside = true
                default: sawOutside = true
                }
                if sawInside && sawOutside { return .boundary }
            }
        }
        return sawInside ? .inside : .outside
    }
}
