import Foundation
import SpatialIndex
import Testing
import TestSupport

/// 100,000 lots of a generated city (rows of jittered lots along a street grid, like gen_city.py),
/// only when ZAMIN_BIG_TESTS is set: a debug build checks 10⁴-item properties in the default run.
@Suite("100k generated lots against brute force (ZAMIN_BIG_TESTS=1)", .enabled(if: ProcessInfo.processInfo.environment["ZAMIN_BIG_TESTS"] != nil))
struct BigCityTests {
    @Test("windows and k-nearest over 100,000 lots, then 1,000 edits")
    func hundredThousandLots() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 61))
        var boxes: [Double] = []
        var centres: [Double] = []
        let lotsPerRow = 400
        for i in 0..<100_000 {
            let row = i / lotsPerRow, column = i % lotsPerRow
            let x = 51.33 + Double(column) * 0.0002 + random.uniform(0...0.00003)
            let y = 35.64 + Double(row) * 0.0004 + random.uniform(0...0.00003)
            let w = 0.00015 + random.uniform(0...0.00004), h = 0.0003 + random.uniform(0...0.00008)
            boxes.appendBox(x, y, x + w, y + h)
            centres.append(x + w / 2)
            centres.append(y + h / 2)
        }
        let ids = (0..<Int32(100_000)).map { $0 }
        var index = LayerIndex(boxes: boxes, ids: ids)
        var results: [Int32] = []
        var buffer = NearestSearchBuffer()
        var neighbors: [Neighbor] = []
        for q in 0..<1_000 {
            let x = random.uniform(51.33...51.42), y = random.uniform(35.64...35.74), size = [0.0, 0.002, 0.01][q % 3]
            results.removeAll(keepingCapacity: true)
            index.search(minX: x, minY: y, maxX: x + size, maxY: y + size, into: &results)
            #expect(results.sorted() == BruteForce.search(boxes: boxes, ids: ids, minX: x, minY: y, maxX: x + size, maxY: y + size), "seed \(random.seed), query \(q)")
            let metric = PlanarPointMetric(x: x, y: y, points: centres)
            neighbors.removeAll(keepingCapacity: true)
            index.nearest(metric, k: 5, buffer: &buffer, into: &neighbors)
            let expected = BruteForce.nearest(ids: ids, k: 5, distance: metric.exactDistance(toItem:))
            #expect(neighbors.map(\.id) == expected.map(\.id), "seed \(random.seed), query \(q)")
        }
        // Planar metric on centres with lot boxes: the bound is the distance to the box, below the centre's.
        for k in 0..<1_000 {
            let id = Int32(k * 100)
            index.remove(id: id)
            boxes[4 * Int(id)] = .infinity  // gone from the oracle too (never inside a finite window)
        }
        for q in 0..<200 {
            let x = random.uniform(51.33...51.42), y = random.uniform(35.64...35.74)
            results.removeAll(keepingCapacity: true)
            index.search(minX: x, minY: y, maxX: x + 0.002, maxY: y + 0.002, into: &results)
            #expect(results.sorted() == BruteForce.search(boxes: boxes, ids: ids, minX: x, minY: y, maxX: x + 0.002, maxY: y + 0.002), "seed \(random.seed), query \(q) after edits")
        }
        #expect(index.count == 99_000)
    }
}
