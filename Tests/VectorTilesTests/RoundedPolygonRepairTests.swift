import Testing
@testable import VectorTiles

/// Rings that rounding to whole units can leave invalid, made valid again, on figures worked by
/// hand (areas are twice the surveyor's area, positive for an outline).
@Suite("Vector tiles: polygons made valid after rounding")
struct RoundedPolygonRepairTests {
    typealias Point = RoundedPolygonRepair.Point

    private func vertices(_ ring: [Point]) -> Set<[Int]> { Set(ring.map { [$0.0, $0.1] }) }

    @Test func aConvexRingIsKeptAsItIs() {
        let square: [Point] = [(0, 0), (10, 0), (10, 10), (0, 10)]
        #expect(RoundedPolygonRepair.isConvex(square))
        let result = RoundedPolygonRepair.repair(outline: square, holes: [])
        #expect(result.count == 1 && result[0].count == 1 && vertices(result[0][0]) == vertices(square))
    }

    @Test func aBowTieKeepsTheLoopThatTurnsTheOutlinesWay() {
        // (0,0) → (10,0) → (0,10) → (10,10): the edges cross at (5,5). The loop (0,0), (10,0),
        // (5,5) has area +50 and is kept; (5,5), (0,10), (10,10) has −50, lies in no outline,
        // and is the sliver of the crossing.
        let bowTie: [Point] = [(0, 0), (10, 0), (0, 10), (10, 10)]
        #expect(!RoundedPolygonRepair.isConvex(bowTie))
        let result = RoundedPolygonRepair.repair(outline: bowTie, holes: [])
        #expect(result.count == 1 && result[0].count == 1)
        #expect(vertices(result[0][0]) == vertices([(0, 0), (10, 0), (5, 5)]))
        #expect(RoundedPolygonRepair.area(result[0][0]) == 50)
    }

    @Test func aRingThroughOnePointTwiceIsTwoPolygonsMeetingThere() {
        // An hourglass: the ring passes (5,5) twice; its two triangles have area +50 each.
        let hourglass: [Point] = [(0, 0), (10, 0), (5, 5), (10, 10), (0, 10), (5, 5)]
        let result = RoundedPolygonRepair.repair(outline: hourglass, holes: [])
        #expect(result.count == 2)
        #expect(Set(result.map { vertices($0[0]) }) == [vertices([(0, 0), (10, 0), (5, 5)]), vertices([(5, 5), (10, 10), (0, 10)])])
        #expect(result.allSatisfy { RoundedPolygonRepair.area($0[0]) == 50 })
    }

    @Test func aHoleInsideIsKeptAndAHoleAcrossTheOutlineIsNot() {
        let square: [Point] = [(0, 0), (10, 0), (10, 10), (0, 10)]
        let inside: [Point] = [(2, 2), (2, 4), (4, 4), (4, 2)]   // area −8
        let across: [Point] = [(8, 4), (8, 6), (12, 6), (12, 4)]  // area −16, crosses x = 10
        #expect(RoundedPolygonRepair.area(inside) == -8 && RoundedPolygonRepair.area(across) == -16)
        let result = RoundedPolygonRepair.repair(outline: square, holes: [inside, across])
        #expect(result.count == 1 && result[0].count == 2)
        #expect(vertices(result[0][1]) == vertices(inside))
    }

    @Test func aSpikeRoundedAcrossTheOppositeEdgeCutsTheBodyInTwo() {
        // A notch whose tip, rounded, went through the bottom edge: (0,0) → (20,0) → (20,4) →
        // (10,4) → (12,-1) → (8,4) → (0,4). Edge (10,4)–(12,-1) crosses y = 0 at x = 11.6,
        // rounded to (12,0); edge (12,-1)–(8,4) at x = 11.2, rounded to (11,0). Noded, the ring
        // is the right part (12,0) (20,0) (20,4) (10,4) of area +72, the tip (11,0) (12,0)
        // (12,-1) of area −1 outside everything (left out), and the left part (0,0) (11,0) (8,4)
        // (0,4) of area +76.
        let notched: [Point] = [(0, 0), (20, 0), (20, 4), (10, 4), (12, -1), (8, 4), (0, 4)]
        let noded = RoundedPolygonRepair.nodedAtCrossings(notched)
        #expect(noded.map(vertices) == vertices(notched + [(11, 0), (12, 0)]))
        let result = RoundedPolygonRepair.repair(outline: notched, holes: [])
        #expect(result.count == 2 && result.allSatisfy { $0.count == 1 })
        #expect(Set(result.map { vertices($0[0]) }) == [
            vertices([(12, 0), (20, 0), (20, 4), (10, 4)]), vertices([(0, 0), (11, 0), (8, 4), (0, 4)]),
        ])
        #expect(Set(result.map { RoundedPolygonRepair.area($0[0]) }) == [72, 76])
        for polygon in result { #expect(RoundedPolygonRepair.nodedAtCrossings(polygon[0]) == nil) }
    }
}
