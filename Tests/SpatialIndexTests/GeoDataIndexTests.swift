import GeoCore
import SpatialIndex
import Testing
import TestSupport

/// The production pairing on real data: index candidates refined by GeoCore's exact predicates,
/// compared with a linear scan over every feature.
@Suite("Index + exact geometry on GeoData against brute force")
struct GeoDataIndexTests {
    static func index(_ polygons: [Polygonal]) -> LayerIndex {
        var boxes: [Double] = []
        for p in polygons { boxes.appendBox(p.bbox.minLon, p.bbox.minLat, p.bbox.maxLon, p.bbox.maxLat) }
        return LayerIndex(boxes: boxes, ids: (0..<Int32(polygons.count)).map { $0 })
    }

    static func extent(_ polygons: [Polygonal]) -> BoundingBox {
        polygons.dropFirst().reduce(polygons[0].bbox) { $0.union($1.bbox) }
    }

    /// Query points: uniform in the extent, plus ring vertices and edge midpoints (on shared boundaries).
    static func probePoints(_ polygons: [Polygonal], count: Int, random: inout SeededRandom) -> [Coordinate] {
        let box = extent(polygons)
        var points: [Coordinate] = []
        for i in 0..<count {
            switch i % 3 {
            case 0:
                points.append(Coordinate(uncheckedLon: random.uniform(box.minLon...box.maxLon), lat: random.uniform(box.minLat...box.maxLat)))
            default:
                let ring = polygons[Int.random(in: 0..<polygons.count, using: &random)].parts[0].exterior
                let v = Int.random(in: 0..<(ring.count - 1), using: &random)
                let t = i % 3 == 1 ? 0 : 0.5
                points.append(
                    Coordinate(
                        uncheckedLon: ring.xy[2 * v] + t * (ring.xy[2 * v + 2] - ring.xy[2 * v]),
                        lat: ring.xy[2 * v + 1] + t * (ring.xy[2 * v + 3] - ring.xy[2 * v + 1])))
            }
        }
        return points
    }

    @Test("point lookup equals the linear scan; Tehran: on shared edges and vertices at most one feature",
          arguments: [("tehran", "parcels.geojson"), ("tehran", "zones.geojson"), ("helsinki", "parcels.geojson"), ("helsinki", "landuse.geojson")])
    func pointLookup(city: String, file: String) throws {
        let polygons = try FixtureLayer.load(city: city, file: file).polygons
        let index = Self.index(polygons)
        var random = SeededRandom(seed: SeededRandom.seed(default: 41))
        var candidates: [Int32] = []
        var onBoundaryOwned = 0
        let queries = city == "tehran" && file == "parcels.geojson" ? 3_000 : 1_000
        for (q, point) in Self.probePoints(polygons, count: queries, random: &random).enumerated() {
            candidates.removeAll(keepingCapacity: true)
            index.search(minX: point.lon, minY: point.lat, maxX: point.lon, maxY: point.lat, into: &candidates)
            let found = candidates.filter { polygons[Int($0)].contains(point) }.sorted()
            let expected = (0..<Int32(polygons.count)).filter { polygons[Int($0)].contains(point) }
            #expect(found == expected, "seed \(random.seed), query \(q) at \(point)")
            if city == "tehran" {  // Tehran's parcels and zones tile without overlap; OSM buildings and land use may overlap
                #expect(found.count <= 1, "seed \(random.seed): \(point) in \(found.count) features")
            }
            if q % 3 != 0 && found.count == 1 { onBoundaryOwned += 1 }
        }
        #expect(onBoundaryOwned > 0)
    }

    @Test("window query with exact intersection equals the definitional linear scan",
          arguments: [("tehran", "parcels.geojson"), ("helsinki", "parcels.geojson")])
    func exactWindows(city: String, file: String) throws {
        let polygons = try FixtureLayer.load(city: city, file: file).polygons
        let index = Self.index(polygons)
        let box = Self.extent(polygons)
        var random = SeededRandom(seed: SeededRandom.seed(default: 42))
        var candidates: [Int32] = []
        for q in 0..<1_000 {
            let x = random.uniform(box.minLon...box.maxLon), y = random.uniform(box.minLat...box.maxLat)
            let size = [0.0, 0.0005, 0.002, 0.01][q % 4]
            let window = BoundingBox(uncheckedMinLon: x, minLat: y, maxLon: x + size, maxLat: y + size * 0.8)
            candidates.removeAll(keepingCapacity: true)
            index.search(minX: window.minLon, minY: window.minLat, maxX: window.maxLon, maxY: window.maxLat, into: &candidates)
            let found = candidates.filter { polygons[Int($0)].intersects(window) }.sorted()
            // A polygon whose box misses the window cannot meet it: skip those, then apply the definition.
            let expected = (0..<Int32(polygons.count)).filter { id in
                polygons[Int(id)].bbox.intersects(window) && polygons[Int(id)].parts.contains {
                    BruteForce.polygonIntersectsBox($0, minX: window.minLon, minY: window.minLat, maxX: window.maxLon, maxY: window.maxLat)
                }
            }
            #expect(found == expected, "seed \(random.seed), query \(q): window \(window)")
        }
    }

    @Test("geodesic 5-nearest facilities (all, one category, within 500 m) equal the linear scan",
          arguments: ["tehran", "helsinki"])
    func nearestFacilities(city: String) throws {
        let layer = try FixtureLayer.load(city: city, file: "facilities.geojson")
        let names = Array(Set(layer.categories)).sorted()
        let categories = layer.categories.map { names.firstIndex(of: $0)! }
        var boxes: [Double] = []
        for p in layer.points { boxes.appendBox(p.lon, p.lat, p.lon, p.lat) }
        let ids = (0..<Int32(layer.points.count)).map { $0 }
        let index = LayerIndex(boxes: boxes, ids: ids)
        let centred = layer.points.map(EarthCentredPoint.init)
        let categoryIndexes = (0..<names.count).map { name in
            let members = ids.filter { categories[Int($0)] == name }
            var categoryBoxes: [Double] = []
            for id in members { let p = layer.points[Int(id)]; categoryBoxes.appendBox(p.lon, p.lat, p.lon, p.lat) }
            return LayerIndex(boxes: categoryBoxes, ids: members)
        }
        let inLeafOrder = ShortLinePointMetric.inLeafOrder(centred, of: index)
        let categoryInLeafOrder = categoryIndexes.map { ShortLinePointMetric.inLeafOrder(centred, of: $0) }
        let extent = BoundingBox(uncheckedMinLon: boxes[0], minLat: boxes[1], maxLon: boxes[0], maxLat: boxes[1])
        let box = layer.points.reduce(extent) { $0.union(BoundingBox(point: $1)) }
        var random = SeededRandom(seed: SeededRandom.seed(default: 43))
        var buffer = NearestSearchBuffer()
        var neighbors: [Neighbor] = []
        for q in 0..<150 {
            // Some queries exactly at a facility (distance 0), the rest anywhere in the extent.
            let query = q % 10 == 0
                ? layer.points[Int.random(in: 0..<layer.points.count, using: &random)]
                : Coordinate(uncheckedLon: random.uniform(box.minLon...box.maxLon), lat: random.uniform(box.minLat...box.maxLat))
            let category = q % 3 == 1 ? categories[Int.random(in: 0..<categories.count, using: &random)] : nil
            let maxDistance = q % 3 == 2 ? 500.0 : .infinity
            let metric = GeodesicPointMetric(query: query, points: layer.points, categories: categories, category: category)
            neighbors.removeAll(keepingCapacity: true)
            index.nearest(metric, k: 5, maxDistance: maxDistance, buffer: &buffer, into: &neighbors)
            let expected = BruteForce.nearest(
                ids: ids, k: 5, maxDistance: maxDistance, includes: metric.includes, distance: metric.exactDistance(toItem:))
            #expect(neighbors.map(\.id) == expected.map(\.id), "seed \(random.seed), query \(q)")
            #expect(neighbors.map(\.distance) == expected.map(\.distance), "seed \(random.seed), query \(q)")
            // The production pairing (short-line distances in squared metres, one tree per category)
            // against the same Karney brute force: same ids in the same order, distances within 1 µm.
            // Half the queries with the extent of all the points (as the server), half without.
            let tree = category.map { categoryIndexes[$0] } ?? index
            let production = ShortLinePointMetric(
                query: query, points: layer.points, centred: centred,
                centredInLeafOrder: category.map { categoryInLeafOrder[$0] } ?? inLeafOrder, extent: q % 2 == 0 ? index.extent : nil)
            neighbors.removeAll(keepingCapacity: true)
            tree.nearest(production, k: 5, maxDistance: GeodesicNearestKeys.key(fromMeters: maxDistance), buffer: &buffer, into: &neighbors)
            #expect(neighbors.map(\.id) == expected.map(\.id), "seed \(random.seed), query \(q) (short lines)")
            for (found, truth) in zip(neighbors, expected) {
                let meters = GeodesicNearestKeys.meters(fromKey: found.distance)
                #expect(abs(meters - truth.distance) < 1e-6, "seed \(random.seed), query \(q): \(meters) vs \(truth.distance)")
            }
        }
    }
}
