import Testing
@testable import VectorTiles

/// The clip to the widened tile on figures worked by hand, in a window 0…10 on both axes: a
/// concave outline that leaves and re-enters comes out as separate polygons, a hole across the
/// window's edge becomes part of the outline, and a window wholly inside a polygon is the window.
@Suite("Vector tiles: clipping polygons to the tile")
struct RectangleClippingTests {
    typealias Point = RectangleClipping.Point
    let window = RectangleClipping(low: 0, high: 10)

    /// A ring as a set of vertices starting anywhere: orientation is checked through the area.
    private func vertices(_ ring: [Point]) -> Set<[Double]> { Set(ring.map { [$0.x, $0.y] }) }

    @Test func ringInsideTheWindowIsKeptAsItIs() {
        let ring: [Point] = [(2, 2), (4, 2), (4, 4), (2, 4)]
        let result = window.clip([ring])
        #expect(result.count == 1 && result[0].count == 1)
        #expect(vertices(result[0][0]) == vertices(ring))
        #expect(RectangleClipping.signedArea(result[0][0]) == 8)  // 2 × 4 units², outline positive
    }

    @Test func aUShapeThatLeavesAndComesBackIsTwoPolygons() {
        // A U standing on y = 12 (outside), arms x 2…4 and 6…8 reaching up to y = 5, joined
        // below the window: inside the window only the two arms remain, from y = 5 to y = 10.
        let u: [Point] = [(2, 5), (4, 5), (4, 12), (6, 12), (6, 5), (8, 5), (8, 14), (2, 14)]
        let result = window.clip([u])
        #expect(result.count == 2)
        let pieces = Set(result.map { vertices($0[0]) })
        #expect(pieces == [vertices([(2, 5), (4, 5), (4, 10), (2, 10)]), vertices([(6, 5), (8, 5), (8, 10), (6, 10)])])
        for piece in result {
            #expect(piece.count == 1)
            #expect(RectangleClipping.signedArea(piece[0]) == 20)  // 2 × 5 each
        }
    }

    @Test func aHoleAcrossTheEdgeBecomesANotchOfTheOutline() {
        // A polygon far larger than the window, with a hole x 8…12, y 4…6 across its right edge:
        // one outline, the window without a 2 × 2 notch (area 100 − 4).
        let outline: [Point] = [(-5, -5), (15, -5), (15, 15), (-5, 15)]
        let hole: [Point] = [(8, 4), (12, 4), (12, 6), (8, 6)]
        let result = window.clip([outline, hole])
        #expect(result.count == 1 && result[0].count == 1)
        #expect(RectangleClipping.signedArea(result[0][0]) == 2 * 96)
        #expect(vertices(result[0][0]) == vertices([(0, 0), (10, 0), (10, 4), (8, 4), (8, 6), (10, 6), (10, 10), (0, 10)]))
    }

    @Test func aWindowInsideThePolygonIsTheWindowAndKeepsTheHolesInIt() {
        let outline: [Point] = [(-5, -5), (15, -5), (15, 15), (-5, 15)]
        let hole: [Point] = [(3, 3), (3, 5), (5, 5), (5, 3)]
        let result = window.clip([outline, hole])
        #expect(result.count == 1 && result[0].count == 2)
        #expect(vertices(result[0][0]) == vertices([(0, 0), (10, 0), (10, 10), (0, 10)]))
        #expect(RectangleClipping.signedArea(result[0][0]) == 200)
        #expect(RectangleClipping.signedArea(result[0][1]) == -8)  // the hole, turned the other way
    }

    @Test func aWindowInAHoleOrOutsideGivesNothing() {
        let outline: [Point] = [(-20, -20), (30, -20), (30, 30), (-20, 30)]
        let hole: [Point] = [(-10, -10), (20, -10), (20, 20), (-10, 20)]
        #expect(window.clip([outline, hole]).isEmpty)
        #expect(window.clip([[(20, 20), (25, 20), (25, 25), (20, 25)]]).isEmpty)
    }

    @Test func anOutlineCrossingTwoEdgesTurnsThroughTheCornerBetweenThem() {
        // A triangle around the corner (10, 10): its part in the window is the triangle
        // (6, 10), (10, 6), (10, 10); its diagonal edge runs from (14, 2) to (2, 14).
        let triangle: [Point] = [(14, 2), (14, 14), (2, 14)]
        let result = window.clip([triangle])
        #expect(result.count == 1)
        #expect(vertices(result[0][0]) == vertices([(10, 6), (10, 10), (6, 10)]))
        #expect(RectangleClipping.signedArea(result[0][0]) == 16)  // legs of 4: area 8
    }
}
