import Foundation
import GeoCore
import Testing
import TestSupport

/// The grid's verdicts against the exact test: a box it calls inside must meet the polygon and
/// lie within it (every sampled point covered), one it calls outside must not meet it.
@Suite("ShapeGrid")
struct ShapeGridTests {
    /// A star-shaped 200-vertex ring around (0, 0) with a square hole, plus a second polygon
    /// overlapping the first (a collection's members must not cancel out).
    private func shape(_ random: inout SeededRandom) -> PlanarShape {
        var xy: [Double] = []
        for i in 0..<200 {
            let angle = Double(i) / 200 * 2 * Double.pi
            let radius = 0.6 + 0.4 * Double.random(in: 0...1, using: &random)
            xy += [radius * cos(angle), radius * sin(angle)]
        }
        xy += [xy[0], xy[1]]
        let hole = Ring(xy: [-0.1, -0.1, -0.1, 0.1, 0.1, 0.1, 0.1, -0.1, -0.1, -0.1])
        var shape = PlanarShape()
        shape.add(Polygon(exterior: Ring(xy: xy), holes: [hole]))
        shape.add(Polygon(exterior: Ring(xy: [0.5, 0.5, 1.2, 0.5, 1.2, 1.2, 0.5, 1.2, 0.5, 0.5])))
        return shape
    }

    @Test("inside and outside verdicts agree with the exact test on 20,000 random boxes")
    func verdicts() {
        var random = SeededRandom(seed: 18)
        let literal = shape(&random)
        let grid = try! #require(ShapeGrid(literal))
        var counts: [ShapeGrid.Place: Int] = [:]
        for _ in 0..<20_000 {
            let x = Double.random(in: -1.3...1.3, using: &random), y = Double.random(in: -1.3...1.3, using: &random)
            let w = Double.random(in: 0...0.08, using: &random), h = Double.random(in: 0...0.08, using: &random)
            let box = BoundingBox(uncheckedMinLon: x, minLat: y, maxLon: x + w, maxLat: y + h)
            let place = grid.place(of: box)
            counts[place, default: 0] += 1
            switch place {
            case .inside:
                #expect(literal.intersects(box))
                for i in 0...4 {
                    for j in 0...4 {
                        #expect(literal.covers(x + w * Double(i) / 4, y + h * Double(j) / 4), "\(box)")
                    }
                }
            case .outside:
                #expect(!literal.intersects(box), "\(box)")
            case .boundary:
                break
            }
        }
        // The grid decides most boxes: otherwise it saves nothing.
        #expect((counts[.inside] ?? 0) > 4_000 && (counts[.outside] ?? 0) > 4_000, "\(counts)")
        #expect((counts[.boundary] ?? 0) < 10_000, "\(counts)")
    }

    /// A polygon a few ulps wide: cells that underflow give no grid; a tiny one with cells still
    /// places a feature a whole degree away (a quotient far beyond Int's range if not clamped first).
    @Test("tiny literals: no grid, or a grid that places distant features without trapping")
    func tinyLiterals() {
        var subnormal = PlanarShape()
        subnormal.add(Polygon(exterior: Ring(xy: [0, 0, 5e-324, 0, 5e-324, 5e-324, 0, 5e-324, 0, 0])))
        #expect(ShapeGrid(subnormal) == nil)
        var tiny = PlanarShape()
        let u = 1e-300
        tiny.add(Polygon(exterior: Ring(xy: [0, 0, u, 0, u, u, 0, u, 0, 0])))
        let grid = ShapeGrid(tiny)
        #expect(grid?.place(of: BoundingBox(uncheckedMinLon: -100, minLat: -50, maxLon: 100, maxLat: 50)) == .boundary)
        #expect(grid?.place(of: BoundingBox(uncheckedMinLon: 1, minLat: 1, maxLon: 2, maxLat: 2)) == .outside)
    }

    @Test("no grid for points or lines, whose cells would all be boundary")
    func pointsAndLines() {
        var shape = PlanarShape()
        shape.add(point: 1, 2)
        #expect(ShapeGrid(shape) == nil)
    }
}
