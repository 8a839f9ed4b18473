import Foundation
package import GeoCore

/// Linear-scan oracles for the index and geometry tests, and the GeoData inputs they run on
/// (parsed with Foundation, independently of GeoFormats' reader).
package enum BruteForce {
    /// Ids of the boxes (minX, minY, maxX, maxY per item) that meet the closed window, sorted.
    package static func search(boxes: [Double], ids: [Int32], minX: Double, minY: Double, maxX: Double, maxY: Double) -> [Int32] {
        var result: [Int32] = []
        for i in 0..<ids.count
        where boxes[4 * i] <= maxX && boxes[4 * i + 1] <= maxY && boxes[4 * i + 2] >= minX && boxes[4 * i + 3] >= minY {
            result.append(ids[i])
        }
        return result.sorted()
    }

    /// Ids of the boxes that lie inside the closed window (minX, minY, maxX, maxY), sorted.
    package static func search(boxes: [Double], ids: [Int32], containedIn window: (Double, Double, Double, Double)) -> [Int32] {
        var result: [Int32] = []
        for i in 0..<ids.count
        where boxes[4 * i] >= window.0 && boxes[4 * i + 1] >= window.1 && boxes[4 * i + 2] <= window.2 && boxes[4 * i + 3] <= window.3 {
            result.append(ids[i])
        }
        return result.sorted()
    }

    /// The k smallest (distance, id) pairs among the ids accepted by `includes`, ties by id.
    package static func nearest(
        ids: [Int32], k: Int, maxDistance: Double = .infinity, includes: (Int32) -> Bool = { _ in true },
        distance: (Int32) -> Double
    ) -> [(id: Int32, distance: Double)] {
        // Keeps the k best in order by insertion: O(n k) at worst, no sort of the whole set.
        var best: [(id: Int32, distance: Double)] = []
        best.reserveCapacity(k + 1)
        for id in ids where includes(id) {
            let d = distance(id)
            guard d <= maxDistance else { continue }
            if best.count == k, let worst = best.last, !(d < worst.distance || (d == worst.distance && id < worst.id)) { continue }
            var position = best.count
            while position > 0 && (d < best[position - 1].distance || (d == best[position - 1].distance && id < best[position - 1].id)) {
                position -= 1
            }
            best.insert((id, d), at: position)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    /// Polygon–box intersection by its definition, an oracle written independently of GeoCore's:
    /// a ring vertex in the box, a box corner in the polygon (even–odd over all rings), or a ring
    /// edge crossing a box edge (segment–segment test with orientations, collinear overlap included).
    package static func polygonIntersectsBox(_ polygon: Polygon, minX: Double, minY: Double, maxX: Double, maxY: Double) -> Bool {
        let rings = [polygon.exterior] + polygon.holes
        for ring in rings {
            for i in 0..<ring.count {
                let x = ring.xy[2 * i], y = ring.xy[2 * i + 1]
                if x >= minX && x <= maxX && y >= minY && y <= maxY { return true }
            }
        }
        let corners = [(minX, minY), (maxX, minY), (maxX, maxY), (minX, maxY)]
        for (x, y) in corners where evenOddContains(rings, x: x, y: y) { return true }
        for ring in rings {
            for i in 0..<(ring.count - 1) {
                let p = (ring.xy[2 * i], ring.xy[2 * i + 1]), q = (ring.xy[2 * i + 2], ring.xy[2 * i + 3])
                for j in 0..<4 where segmentsIntersect(p, q, corners[j], corners[(j + 1) % 4]) { return true }
            }
        }
        return false
    }

    /// Plain even–odd test (W. R. Franklin's PNPOLY), for points off the boundary.
    package static func evenOddContains(_ rings: [Ring], x: Double, y: Double) -> Bool {
        var inside = false
        for ring in rings {
            let n = ring.count
            var j = n - 1
            for i in 0..<n {
                let xi = ring.xy[2 * i], yi = ring.xy[2 * i + 1], xj = ring.xy[2 * j], yj = ring.xy[2 * j + 1]
                if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi { inside.toggle() }
                j = i
            }
        }
        return inside
    }

    static func segmentsIntersect(
        _ p1: (Double, Double), _ p2: (Double, Double), _ q1: (Double, Double), _ q2: (Double, Double)
    ) -> Bool {
        func orientation(_ a: (Double, Double), _ b: (Double, Double), _ c: (Double, Double)) -> Double {
            (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
        }
        func onSegment(_ a: (Double, Double), _ b: (Double, Double), _ c: (Double, Double)) -> Bool {
            min(a.0, b.0) <= c.0 && c.0 <= max(a.0, b.0) && min(a.1, b.1) <= c.1 && c.1 <= max(a.1, b.1)
        }
        let d1 = orientation(q1, q2, p1), d2 = orientation(q1, q2, p2)
        let d3 = orientation(p1, p2, q1), d4 = orientation(p1, p2, q2)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        if d1 == 0 && onSegment(q1, q2, p1) { return true }
        if d2 == 0 && onSegment(q1, q2, p2) { return true }
        if d3 == 0 && onSegment(p1, p2, q1) { return true }
        if d4 == 0 && onSegment(p1, p2, q2) { return true }
        return false
    }
}

/// A GeoData layer read with Foundation: features with a polygonal or point geometry.
package struct FixtureLayer: Sendable {
    package var polygons: [Polygonal] = []
    package var points: [Coordinate] = []
    /// The `area_m2` property of each polygon, when present (PROJ/pyproj geodesic area, 0.1 m²).
    package var areasSquareMeters: [Double?] = []
    /// The `category` property of each point feature, when present.
    package var categories: [String] = []

    /// Reads `GeoData/<city>/<file>`: the tests need nothing outside the repository.
    package static func load(city: String, file: String) throws -> FixtureLayer {
        let url = Fixtures.dataset(city).appending(path: file)
        var layer = FixtureLayer()
        for feature in try Fixtures.foundationFeatures(url) {
            guard let geometry = feature["geometry"] as? [String: Any], let type = geometry["type"] as? String else { continue }
            let properties = feature["properties"] as? [String: Any] ?? [:]
            switch type {
            case "Polygon":
                guard let rings = geometry["coordinates"] as? [[[Double]]] else { continue }
                layer.polygons.append(Polygonal(polygon(rings)))
                layer.areasSquareMeters.append(properties["area_m2"] as? Double)
            case "MultiPolygon":
                guard let parts = geometry["coordinates"] as? [[[[Double]]]] else { continue }
                layer.polygons.append(Polygonal(parts: parts.map(polygon), isMulti: true))
                layer.areasSquareMeters.append(properties["area_m2"] as? Double)
            case "Point":
                guard let position = geometry["coordinates"] as? [Double] else { continue }
                layer.points.append(Coordinate(uncheckedLon: position[0], lat: position[1]))
                layer.categories.append(properties["category"] as? String ?? "")
            default:
                continue
            }
        }
        return layer
    }

    static func polygon(_ rings: [[[Double]]]) -> Polygon {
        let converted = rings.map { ring in Ring(xy: ring.flatMap { [$0[0], $0[1]] }) }
        return Polygon(exterior: converted[0], holes: Array(converted.dropFirst()))
    }
}

func getenvString(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }
