import GeoCore
import Testing

/// The DE-9IM predicates (OGC 06-103r4 §6.1.15.3) on figures worked by hand: unit squares on a
/// grid, lines and points placed on their edges, corners and insides. The comparison with an
/// independent engine (shapely/GEOS) over real parcels is Tests/e2e/test_cql2.py.
@Suite("PlanarShape.relation: the named spatial predicates")
struct PlanarRelationTests {
    private func square(_ x: Double, _ y: Double, _ size: Double = 1) -> Polygon {
        Polygon(exterior: Ring(xy: [x, y, x + size, y, x + size, y + size, x, y + size, x, y]))
    }

    private func polygons(_ parts: Polygon...) -> PlanarShape {
        var shape = PlanarShape()
        for part in parts { shape.add(part) }
        return shape
    }

    private func line(_ xy: Double...) -> PlanarShape {
        var shape = PlanarShape()
        shape.add(line: xy)
        return shape
    }

    private func points(_ xy: Double...) -> PlanarShape {
        var shape = PlanarShape()
        var i = 0
        while i + 1 < xy.count {
            shape.add(point: xy[i], xy[i + 1])
            i += 2
        }
        return shape
    }

    /// The predicates that hold, by name, of `a` against `b`.
    private func holding(_ a: PlanarShape, _ b: PlanarShape) throws -> Set<String> {
        let matrix = try #require(a.relation(to: b))
        var names: Set<String> = []
        if matrix.intersects { names.insert("intersects") }
        if matrix.equals { names.insert("equals") }
        if matrix.within { names.insert("within") }
        if matrix.contains { names.insert("contains") }
        if matrix.touches { names.insert("touches") }
        if matrix.overlaps { names.insert("overlaps") }
        if matrix.crosses { names.insert("crosses") }
        // The transposed matrix is the relation the other way round.
        #expect(try #require(b.relation(to: a)) == matrix.transposed)
        return names
    }

    @Test("polygons: neighbours touch, a square in a larger one is within it, offset squares overlap, a rotated ring is equal")
    func polygonsAgainstPolygons() throws {
        let unit = polygons(square(0, 0))
        #expect(try holding(unit, polygons(square(1, 0))) == ["intersects", "touches"])
        #expect(try holding(unit, polygons(square(1, 1))) == ["intersects", "touches"])  // a corner only
        #expect(try holding(unit, polygons(square(2, 0))) == [])
        #expect(try holding(polygons(square(0.25, 0.25, 0.5)), unit) == ["intersects", "within"])
        #expect(try holding(unit, polygons(square(0.25, 0.25, 0.5))) == ["intersects", "contains"])
        // Inside and sharing two edges: still within (boundaries may meet).
        #expect(try holding(polygons(square(0, 0, 0.5)), unit) == ["intersects", "within"])
        #expect(try holding(unit, polygons(square(0.5, 0.5))) == ["intersects", "overlaps"])
        let rotated = polygons(Polygon(exterior: Ring(xy: [1, 1, 0, 1, 0, 0, 1, 0, 1, 1])))
        #expect(try holding(unit, rotated) == ["intersects", "equals", "within", "contains"])
        // A square with a hole and the hole's filling: they touch along the hole's ring.
        let framed = polygons(Polygon(exterior: square(0, 0, 3).exterior, holes: [square(1, 1).exterior]))
        #expect(try holding(framed, polygons(square(1, 1))) == ["intersects", "touches"])
        #expect(try holding(framed, polygons(square(1.25, 1.25, 0.5))) == [])
    }

    @Test("polygon and lines: through is crosses, along the edge touches, inside is contained")
    func polygonsAgainstLines() throws {
        let unit = polygons(square(0, 0))
        #expect(try holding(unit, line(-1, 0.5, 2, 0.5)) == ["intersects", "crosses"])
        #expect(try holding(unit, line(0, 0, 1, 0)) == ["intersects", "touches"])
        #expect(try holding(unit, line(-1, 0, 2, 0)) == ["intersects", "touches"])
        #expect(try holding(unit, line(0.2, 0.2, 0.8, 0.8)) == ["intersects", "contains"])
        // From a corner to the middle: the line's interior is inside, so contains, not touches.
        #expect(try holding(unit, line(0, 0, 0.5, 0.5)) == ["intersects", "contains"])
        #expect(try holding(unit, line(1, 1, 2, 2)) == ["intersects", "touches"])
        #expect(try holding(line(0.2, 0.2, 0.8, 0.8), unit) == ["intersects", "within"])
        #expect(try holding(line(-1, 0.5, 2, 0.5), unit) == ["intersects", "crosses"])
    }

    @Test("lines against lines: an X crosses, collinear overlapping runs overlap, end to end touches")
    func linesAgainstLines() throws {
        #expect(try holding(line(0, 0, 2, 2), line(0, 2, 2, 0)) == ["intersects", "crosses"])
        #expect(try holding(line(0, 0, 2, 0), line(1, 0, 3, 0)) == ["intersects", "overlaps"])
        #expect(try holding(line(0, 0, 1, 0), line(1, 0, 2, 1)) == ["intersects", "touches"])
        #expect(try holding(line(0, 0, 1, 0), line(0, 0, 3, 0)) == ["intersects", "within"])
        // A line ending on another's middle: touches (its end is its boundary).
        #expect(try holding(line(1, 0, 1, 1), line(0, 0, 2, 0)) == ["intersects", "touches"])
    }

    @Test("points: inside is within, on the edge touches, one in and one out crosses a polygon")
    func pointsAgainstOthers() throws {
        let unit = polygons(square(0, 0))
        #expect(try holding(points(0.5, 0.5), unit) == ["intersects", "within"])
        #expect(try holding(points(1, 0.5), unit) == ["intersects", "touches"])
        #expect(try holding(points(2, 0.5), unit) == [])
        #expect(try holding(points(0.5, 0.5, 2, 2), unit) == ["intersects", "crosses"])
        #expect(try holding(points(0.5, 0.5, 1, 1), unit) == ["intersects", "within"])
        #expect(try holding(points(0.5, 0), line(0, 0, 1, 0)) == ["intersects", "within"])
        #expect(try holding(points(0, 0), line(0, 0, 1, 0)) == ["intersects", "touches"])
        #expect(try holding(points(1, 1), points(1, 1)) == ["intersects", "equals", "within", "contains"])
        #expect(try holding(points(1, 1, 2, 2), points(2, 2, 3, 3)) == ["intersects", "overlaps"])
        #expect(try holding(points(1, 1, 2, 2), points(2, 2)) == ["intersects", "contains"])
    }

    @Test("a shape of points and polygons together has no one dimension: no matrix")
    func mixed() {
        var shape = polygons(square(0, 0))
        shape.add(point: 3, 3)
        #expect(shape.relation(to: points(0.5, 0.5)) == nil)
    }
}
