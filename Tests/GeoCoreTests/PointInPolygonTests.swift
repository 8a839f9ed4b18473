import GeoCore
import Testing
import TestSupport

@Suite("Point in polygon, half-open crossing-number rule")
struct PointInPolygonTests {
    /// Hand-drawn: an L-shaped exterior (0,0)-(6,0)-(6,2)-(3,2)-(3,6)-(0,6) with a square hole
    /// (1,3)-(2,3)-(2,4)-(1,4). Counter-clockwise exterior, clockwise hole (RFC 7946).
    static let lShape = Polygon(
        exterior: Ring(xy: [0, 0, 6, 0, 6, 2, 3, 2, 3, 6, 0, 6, 0, 0]),
        holes: [Ring(xy: [1, 3, 1, 4, 2, 4, 2, 3, 1, 3])])

    static func point(_ x: Double, _ y: Double) -> Coordinate { Coordinate(uncheckedLon: x, lat: y) }

    @Test("inside, outside and in the hole of a hand-drawn polygon")
    func insideOutsideHole() {
        let p = Self.lShape
        #expect(p.contains(Self.point(1, 1)))       // foot of the L
        #expect(p.contains(Self.point(5, 1.5)))     // toe
        #expect(p.contains(Self.point(0.5, 5.5)))   // top of the stem
        #expect(!p.contains(Self.point(4, 4)))      // in the notch of the L
        #expect(!p.contains(Self.point(7, 1)))      // east of everything
        #expect(!p.contains(Self.point(-1, 1)))     // west
        #expect(!p.contains(Self.point(1.5, 3.5)))  // in the hole
        #expect(p.contains(Self.point(2.5, 3.5)))   // between hole and notch
    }

    @Test("on edges: left and bottom edges inside, right and top edges outside")
    func edgesFollowTheHalfOpenRule() {
        let p = Self.lShape
        #expect(p.contains(Self.point(0, 3)))       // left edge x = 0
        #expect(p.contains(Self.point(4, 0)))       // bottom edge y = 0
        #expect(!p.contains(Self.point(6, 1)))      // right edge x = 6
        #expect(!p.contains(Self.point(1, 6)))      // top edge y = 6
        #expect(!p.contains(Self.point(4.5, 2)))    // top edge of the toe, y = 2
        #expect(!p.contains(Self.point(3, 4)))      // right edge of the stem, x = 3
        // Hole edges: the hole's left/bottom edges belong to the hole, its right/top edges to the polygon.
        #expect(!p.contains(Self.point(1, 3.5)))    // hole's left edge
        #expect(!p.contains(Self.point(1.5, 3)))    // hole's bottom edge
        #expect(p.contains(Self.point(2, 3.5)))     // hole's right edge
        #expect(p.contains(Self.point(1.5, 4)))     // hole's top edge
    }

    @Test("on vertices: only a bottom-left corner is inside")
    func verticesFollowTheHalfOpenRule() {
        let p = Self.lShape
        #expect(p.contains(Self.point(0, 0)))       // bottom-left corner
        #expect(!p.contains(Self.point(6, 0)))      // bottom-right
        #expect(!p.contains(Self.point(6, 2)))      // top-right of the toe
        #expect(!p.contains(Self.point(0, 6)))      // top-left
        #expect(!p.contains(Self.point(3, 6)))      // top-right
        // Reflex vertex (3,2): the notch lies to its north-east, the polygon elsewhere around it.
        #expect(p.contains(Self.point(3, 2)) == false)
    }

    @Test("a point on the edge shared by two adjacent squares is in exactly one")
    func sharedEdgeOfAdjacentSquares() {
        let west = Polygonal(Polygon(exterior: Ring(xy: [0, 0, 1, 0, 1, 1, 0, 1, 0, 0])))
        let east = Polygonal(Polygon(exterior: Ring(xy: [1, 0, 2, 0, 2, 1, 1, 1, 1, 0])))
        let north = Polygonal(Polygon(exterior: Ring(xy: [0, 1, 1, 1, 1, 2, 0, 2, 0, 1])))
        for i in 0...16 {
            let y = Double(i) / 16
            let onVertical = Self.point(1, y)
            let owners = [west, east].filter { $0.contains(onVertical) }.count
            #expect(owners == (y < 1 ? 1 : 0), "x = 1, y = \(y)")  // y = 1 is the squares' top edge
            let onHorizontal = Self.point(y, 1)
            let ownersH = [west, north].filter { $0.contains(onHorizontal) }.count
            #expect(ownersH == (y < 1 ? 1 : 0), "x = \(y), y = 1")
        }
    }

    /// Four parcels around a common vertex with slanted edges, like real lots: points on the
    /// shared edges and the shared vertex belong to exactly one parcel.
    @Test("points on slanted shared edges and a shared vertex belong to exactly one of four parcels")
    func sharedEdgesAndVertexOfFourParcels() {
        let c = (51.4002, 35.7003)  // common vertex
        let nw = (51.4000, 35.7006), ne = (51.4005, 35.7007), se = (51.4004, 35.6999), sw = (51.3999, 35.7000)
        let n = (51.40025, 35.7008), e = (51.4006, 35.7002), s = (51.4001, 35.6998), w = (51.3998, 35.7004)
        func ring(_ points: [(Double, Double)]) -> Polygonal {
            Polygonal(Polygon(exterior: Ring(xy: (points + [points[0]]).flatMap { [$0.0, $0.1] })))
        }
        let parcels = [
            ring([c, n, nw, w]),  // these four share the spokes c-n, c-e, c-s, c-w
            ring([c, e, ne, n]),
            ring([c, s, se, e]),
            ring([c, w, sw, s]),
        ]
        var random = SeededRandom(seed: SeededRandom.seed(default: 7))
        var probes = [Self.point(c.0, c.1)]
        for spoke in [n, e, s, w] {
            for _ in 0..<200 {
                let t = random.uniform(0...1)
                probes.append(Self.point(c.0 + t * (spoke.0 - c.0), c.1 + t * (spoke.1 - c.1)))
            }
        }
        for probe in probes {
            let owners = parcels.filter { $0.contains(probe) }.count
            // Points on the outer boundary of the four parcels (t = 1) may be owned by none.
            let onOuterBoundary = [n, e, s, w].contains { $0.0 == probe.lon && $0.1 == probe.lat }
            #expect(owners == 1 || (onOuterBoundary && owners == 0), "seed \(random.seed): \(probe) in \(owners) parcels")
        }
    }

    @Test("random points agree with plain even–odd PNPOLY on Tehran parcels, off the boundary")
    func agreesWithPnpolyOnTehranParcels() throws {
        let layer = try FixtureLayer.load(city: "tehran", file: "parcels.geojson")
        var random = SeededRandom(seed: SeededRandom.seed(default: 11))
        var mismatches = 0
        for _ in 0..<10_000 {
            let polygonal = layer.polygons[Int.random(in: 0..<layer.polygons.count, using: &random)]
            let box = polygonal.bbox
            let p = Self.point(random.uniform(box.minLon...box.maxLon), random.uniform(box.minLat...box.maxLat))
            let expected = polygonal.parts.contains { BruteForce.evenOddContains([$0.exterior] + $0.holes, x: p.lon, y: p.lat) }
            if polygonal.contains(p) != expected { mismatches += 1 }
        }
        #expect(mismatches == 0, "seed \(random.seed)")
    }

    @Test("a MultiPolygon contains points of each part only")
    func multiPolygonParts() {
        let multi = Polygonal(
            parts: [
                Polygon(exterior: Ring(xy: [0, 0, 1, 0, 1, 1, 0, 1, 0, 0])),
                Polygon(exterior: Ring(xy: [5, 5, 6, 5, 6, 6, 5, 6, 5, 5])),
            ], isMulti: true)
        #expect(multi.contains(Self.point(0.5, 0.5)))
        #expect(multi.contains(Self.point(5.5, 5.5)))
        #expect(!multi.contains(Self.point(3, 3)))
    }
}

@Suite("Polygon–box intersection")
struct PolygonBoxIntersectionTests {
    @Test("hand-drawn cases: crossing, containing, contained, touching an edge, touching a vertex, in the hole")
    func handDrawnCases() {
        let p = Polygonal(PointInPolygonTests.lShape)
        func box(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> BoundingBox {
            BoundingBox(uncheckedMinLon: a, minLat: b, maxLon: c, maxLat: d)
        }
        #expect(p.intersects(box(5, 1, 7, 3)))           // crosses the toe's end
        #expect(p.intersects(box(-1, -1, 7, 7)))         // contains the polygon
        #expect(p.intersects(box(0.2, 0.2, 0.4, 0.4)))   // inside the polygon
        #expect(p.intersects(box(6, 0.5, 7, 1)))         // touches the right edge (closed box)
        #expect(p.intersects(box(6, 2, 7, 3)))           // touches a vertex only
        #expect(!p.intersects(box(4, 3, 5, 5)))          // in the notch
        #expect(!p.intersects(box(1.2, 3.2, 1.8, 3.8)))  // in the hole
        #expect(p.intersects(box(1, 3, 2, 4)))           // the hole's own box touches its edges
        #expect(!p.intersects(box(7, 7, 8, 8)))          // far away
        #expect(p.intersects(box(4, 1, 4, 1)))           // a point box inside
        #expect(!p.intersects(box(4, 4, 4, 4)))          // a point box in the notch
    }

    @Test("random boxes agree with the definitional oracle on Tehran parcels")
    func agreesWithOracle() throws {
        let layer = try FixtureLayer.load(city: "tehran", file: "parcels.geojson")
        var random = SeededRandom(seed: SeededRandom.seed(default: 12))
        for _ in 0..<10_000 {
            let polygonal = layer.polygons[Int.random(in: 0..<layer.polygons.count, using: &random)]
            let b = polygonal.bbox
            let w = b.maxLon - b.minLon, h = b.maxLat - b.minLat
            let x = random.uniform((b.minLon - w)...(b.maxLon + w)), y = random.uniform((b.minLat - h)...(b.maxLat + h))
            let bw = random.uniform(0...w) * (random.next() % 4 == 0 ? 0 : 1), bh = random.uniform(0...h)
            let box = BoundingBox(uncheckedMinLon: x, minLat: y, maxLon: x + bw, maxLat: y + bh)
            let expected = polygonal.parts.contains {
                BruteForce.polygonIntersectsBox($0, minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat)
            }
            #expect(polygonal.intersects(box) == expected, "seed \(random.seed): box \(box)")
        }
    }
}

@Suite("Flat outlines of a layer (the hot path's copy of the polygons)")
struct PolygonalOutlinesTests {
    static func point(_ x: Double, _ y: Double) -> Coordinate { Coordinate(uncheckedLon: x, lat: y) }

    /// A multipolygon whose second part has a hole, and whose holes overlap in the first part
    /// (invalid, but the parity rule still answers): every shape `Polygonal` can hold.
    static let multi = Polygonal(
        parts: [
            Polygon(exterior: Ring(xy: [10, 0, 14, 0, 14, 4, 10, 4, 10, 0]),
                    holes: [Ring(xy: [11, 1, 11, 3, 13, 3, 13, 1, 11, 1]), Ring(xy: [12, 2, 12, 3.5, 13.5, 3.5, 13.5, 2, 12, 2])]),
            Polygon(exterior: Ring(xy: [20, 0, 22, 0, 22, 2, 20, 2, 20, 0])),
        ], isMulti: true)

    @Test("hand-worked points and boxes, in any layout order")
    func handWorked() {
        let features = [Polygonal(PointInPolygonTests.lShape), Self.multi]
        for order: [Int32] in [[0, 1], [1, 0], [], [1]] {
            let outlines = PolygonalOutlines(features, layoutOrder: order)
            // The L: inside, notch, hole, the half-open edges and vertices (see PointInPolygonTests).
            let lCases: [(Double, Double, Bool)] = [
                (1, 1, true), (5, 1.5, true), (4, 4, false), (1.5, 3.5, false), (2.5, 3.5, true),
                (0, 3, true), (4, 0, true), (6, 1, false), (1, 6, false), (1, 3.5, false), (2, 3.5, true),
                (0, 0, true), (6, 0, false), (3, 2, false),
            ]
            for (x, y, expected) in lCases {
                #expect(outlines.contains(0, x: x, y: y) == expected, "L \(x),\(y) order \(order)")
            }
            // The multipolygon: first part's frame, its two holes (overlap counts twice: inside
            // again by parity), the second part, and the gap between parts.
            let multiCases: [(Double, Double, Bool)] = [
                (10.5, 0.5, true), (11.5, 1.5, false), (12.5, 2.5, true), (13.2, 3.2, false), (13.7, 3.7, true),
                (21, 1, true), (17, 1, false), (14.5, 2, false),
            ]
            for (x, y, expected) in multiCases {
                #expect(outlines.contains(1, x: x, y: y) == expected, "multi \(x),\(y) order \(order)")
            }
            // Boxes: crossing, in the hole, around the hole's overlap, in the gap, touching a vertex.
            let boxCases: [(Double, Double, Double, Double, Bool)] = [
                (11.2, 1.2, 11.8, 1.8, false), (21.5, 1.5, 23, 3, true), (15, 0, 19, 4, false),
                (22, 2, 23, 3, true), (9, -1, 23, 5, true), (11.1, 1.1, 11.9, 1.9, false),
            ]
            for (a, b, c, d, expected) in boxCases {
                #expect(outlines.intersects(1, minX: a, minY: b, maxX: c, maxY: d) == expected, "box \(a),\(b),\(c),\(d)")
            }
            #expect(outlines.intersects(0, minX: 4, minY: 3, maxX: 5, maxY: 5) == false)  // the L's notch
            #expect(outlines.intersects(0, minX: 1.2, minY: 3.2, maxX: 1.8, maxY: 3.8) == false)  // its hole
            #expect(outlines.intersects(0, minX: 6, minY: 2, maxX: 7, maxY: 3))  // a vertex only
        }
    }

    @Test("random points and boxes agree with the definitional oracles on Tehran and Helsinki",
          arguments: [("tehran", "parcels.geojson"), ("tehran", "zones.geojson"), ("helsinki", "parcels.geojson"), ("helsinki", "landuse.geojson")])
    func agreesWithOracles(city: String, file: String) throws {
        let layer = try FixtureLayer.load(city: city, file: file)
        var random = SeededRandom(seed: SeededRandom.seed(default: 21))
        let order = (0..<Int32(layer.polygons.count)).shuffled(using: &random)
        let outlines = PolygonalOutlines(layer.polygons, layoutOrder: order)
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            let position = Int.random(in: 0..<layer.polygons.count, using: &random)
            let polygonal = layer.polygons[position]
            let b = polygonal.bbox
            let w = b.maxLon - b.minLon, h = b.maxLat - b.minLat
            // A point in or near the box (off the boundary with probability one).
            let x = random.uniform((b.minLon - w / 4)...(b.maxLon + w / 4)), y = random.uniform((b.minLat - h / 4)...(b.maxLat + h / 4))
            let inside = polygonal.parts.contains { BruteForce.evenOddContains([$0.exterior] + $0.holes, x: x, y: y) }
            if outlines.contains(Int32(position), x: x, y: y) != inside { mismatches.append("point \(x),\(y) in \(position)") }
            // A box, sometimes degenerate (a segment or a point).
            let bw = random.uniform(0...w) * (random.next() % 4 == 0 ? 0 : 1), bh = random.uniform(0...h) * (random.next() % 4 == 0 ? 0 : 1)
            let meets = polygonal.parts.contains {
                BruteForce.polygonIntersectsBox($0, minX: x, minY: y, maxX: x + bw, maxY: y + bh)
            }
            if outlines.intersects(Int32(position), minX: x, minY: y, maxX: x + bw, maxY: y + bh) != meets {
                mismatches.append("box \(x),\(y),\(x + bw),\(y + bh) and \(position)")
            }
            // Exactly on a vertex: the boundary rule, as `Polygonal` (hand-checked above) applies it.
            let part = polygonal.parts[Int.random(in: 0..<polygonal.parts.count, using: &random)]
            let vertex = part.exterior.position(Int.random(in: 0..<part.exterior.count, using: &random))
            if outlines.contains(Int32(position), x: vertex.lon, y: vertex.lat) != polygonal.contains(vertex) {
                mismatches.append("vertex \(vertex) of \(position)")
            }
        }
        #expect(mismatches.isEmpty, "seed \(random.seed): \(mismatches.prefix(5))")
    }
}
