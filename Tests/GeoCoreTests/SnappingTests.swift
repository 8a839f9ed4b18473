import GeoCore
import Testing

@Suite("Snapping a drawn outline onto a stored one")
struct SnappingTests {
    static let square = Polygonal(Polygon(exterior: Ring(xy: [0, 0, 1, 0, 1, 1, 0, 1, 0, 0])))

    @Test("vertices within the tolerance go onto the nearest vertex, else onto the nearest edge; others stay")
    func snapsVerticesAndEdges() {
        // The left half of the square, drawn with rounding errors of 1e-7°.
        let drawn = Polygonal(Polygon(exterior: Ring(xy: [
            1e-7, -1e-7,  // near the corner (0, 0)
            0.5, 1e-7,  // near the bottom edge
            0.5, 0.9999999,  // near the top edge
            -1e-7, 1.0000001,  // near the corner (0, 1)
            1e-7, -1e-7,
        ])))
        let snapped = drawn.snapped(to: Self.square, tolerance: 2e-7)
        #expect(snapped.parts[0].exterior.xy == [0, 0, 0.5, 0, 0.5, 1, 0, 1, 0, 0])
        let far = Polygonal(Polygon(exterior: Ring(xy: [0.2, 0.2, 0.3, 0.2, 0.3, 0.3, 0.2, 0.2])))
        #expect(far.snapped(to: Self.square, tolerance: 2e-7) == far, "vertices farther than the tolerance stay")
    }

    @Test("positions made equal are merged; a ring that would collapse is kept as drawn")
    func mergesAndKeeps() {
        let drawn = Polygonal(Polygon(exterior: Ring(xy: [0, 0, 1e-7, 0, 1, 0, 1, 1, 0, 0])))
        #expect(drawn.snapped(to: Self.square, tolerance: 2e-7).parts[0].exterior.xy == [0, 0, 1, 0, 1, 1, 0, 0])
        let tiny = Polygonal(Polygon(exterior: Ring(xy: [0, 0, 1e-7, 0, 0, 1e-7, 0, 0])))
        #expect(tiny.snapped(to: Self.square, tolerance: 2e-7) == tiny)
    }
}
