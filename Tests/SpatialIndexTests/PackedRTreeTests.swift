import SpatialIndex
import Testing
import TestSupport

@Suite("PackedRTree window search and k-nearest against brute force")
struct PackedRTreeTests {
    static func randomBoxes(_ n: Int, _ random: inout SeededRandom, size: Double = 2, zeroAreaEvery: Int = 5) -> [Double] {
        var boxes: [Double] = []
        for i in 0..<n {
            let x = random.uniform(0...100), y = random.uniform(0...100)
            if i % zeroAreaEvery == 0 {
                boxes.appendBox(x, y, x, y)
            } else {
                boxes.appendBox(x, y, x + random.uniform(0...size), y + random.uniform(0...size))
            }
        }
        return boxes
    }

    func checkSearches(_ tree: PackedRTree, boxes: [Double], ids: [Int32], queries: Int, random: inout SeededRandom) {
        var results: [Int32] = []
        for q in 0..<queries {
            let x = random.uniform(-5...105), y = random.uniform(-5...105)
            let w = q % 7 == 0 ? 0 : random.uniform(0...10), h = q % 7 == 0 ? 0 : random.uniform(0...10)
            results.removeAll(keepingCapacity: true)
            tree.search(minX: x, minY: y, maxX: x + w, maxY: y + h, into: &results)
            let expected = BruteForce.search(boxes: boxes, ids: ids, minX: x, minY: y, maxX: x + w, maxY: y + h)
            #expect(results.sorted() == expected, "seed \(random.seed), query \(q)")
            var contained: [Int32] = [], overlapping: [Int32] = []
            tree.search(minX: x, minY: y, maxX: x + w, maxY: y + h, contained: &contained, overlapping: &overlapping)
            let expectedContained = BruteForce.search(boxes: boxes, ids: ids, containedIn: (x, y, x + w, y + h))
            #expect(contained.sorted() == expectedContained, "seed \(random.seed), query \(q)")
            #expect((contained + overlapping).sorted() == expected, "seed \(random.seed), query \(q)")
        }
        // Windows equal to item boxes: touching edges and identical boxes must be found.
        for i in stride(from: 0, to: ids.count, by: max(1, ids.count / 200)) {
            results.removeAll(keepingCapacity: true)
            tree.search(minX: boxes[4 * i], minY: boxes[4 * i + 1], maxX: boxes[4 * i], maxY: boxes[4 * i + 1], into: &results)
            #expect(results.contains(ids[i]), "seed \(random.seed): corner of item \(ids[i])")
        }
    }

    @Test("empty index finds nothing")
    func emptyIndex() {
        let tree = PackedRTree(boxes: [], ids: [])
        var results: [Int32] = []
        tree.search(minX: -1e300, minY: -1e300, maxX: 1e300, maxY: 1e300, into: &results)
        #expect(results.isEmpty)
        var buffer = NearestSearchBuffer()
        var neighbors: [Neighbor] = []
        tree.nearest(PlanarPointMetric(x: 0, y: 0, points: []), k: 3, buffer: &buffer, into: &neighbors)
        #expect(neighbors.isEmpty)
        #expect(tree.count == 0)
    }

    @Test("sizes around the node size: 1, 2, 15, 16, 17, 255, 256, 257 items; node sizes 2, 4, 16, 64", arguments: [1, 2, 15, 16, 17, 255, 256, 257])
    func sizesAroundNodeSize(n: Int) {
        for nodeSize in [2, 4, 16, 64] {
            var random = SeededRandom(seed: SeededRandom.seed(default: UInt64(1000 + n * 7 + nodeSize)))
            let boxes = Self.randomBoxes(n, &random)
            let ids = (0..<Int32(n)).map { $0 * 3 + 1 }
            let tree = PackedRTree(boxes: boxes, ids: ids, nodeSize: nodeSize)
            #expect(tree.count == n)
            checkSearches(tree, boxes: boxes, ids: ids, queries: 300, random: &random)
        }
    }

    @Test("identical boxes are all returned")
    func identicalBoxes() {
        var boxes: [Double] = []
        for _ in 0..<100 { boxes.appendBox(1, 1, 2, 2) }
        let ids = (0..<Int32(100)).map { $0 }
        let tree = PackedRTree(boxes: boxes, ids: ids)
        var results: [Int32] = []
        tree.search(minX: 2, minY: 2, maxX: 3, maxY: 3, into: &results)  // touches a corner only
        #expect(results.sorted() == ids)
        results.removeAll()
        tree.search(minX: 2.0000001, minY: 0, maxX: 3, maxY: 3, into: &results)
        #expect(results.isEmpty)
    }

    @Test("3,000 random boxes: 10,000 windows equal the linear scan")
    func randomWindows() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 31))
        let boxes = Self.randomBoxes(3_000, &random)
        let ids = (0..<Int32(3_000)).map { 3_000 - $0 }
        let tree = PackedRTree(boxes: boxes, ids: ids)
        checkSearches(tree, boxes: boxes, ids: ids, queries: 10_000, random: &random)
        #expect(tree.memoryBytes < 3_000 * 40)
    }

    @Test("k-nearest equals the linear scan (ids and distances, ties by id), with filter and max distance, leaves queued by bound or by exact distance")
    func nearestMatchesLinearScan() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 32))
        let n = 2_000
        var points: [Double] = []
        var boxes: [Double] = []
        for _ in 0..<n {
            // An integer grid, so many distances tie exactly.
            let x = Double(Int.random(in: 0...60, using: &random)), y = Double(Int.random(in: 0...60, using: &random))
            points.append(x); points.append(y)
            boxes.appendBox(x, y, x, y)
        }
        let ids = (0..<Int32(n)).map { $0 }
        let tree = PackedRTree(boxes: boxes, ids: ids)
        var buffer = NearestSearchBuffer()
        var neighbors: [Neighbor] = []
        let evens = Set(ids.filter { $0 % 3 == 0 })
        for q in 0..<5_000 {
            let qx = q % 2 == 0 ? Double(Int.random(in: -5...65, using: &random)) : random.uniform(-5...65)
            let qy = random.uniform(-5...65)
            let k = [1, 5, 16, 40][q % 4]
            let filtered = q % 3 == 0
            let maxDistance = q % 5 == 0 ? random.uniform(0...8) : .infinity
            var metric = PlanarPointMetric(x: qx, y: qy, points: points)
            if filtered { metric.allowed = evens }
            metric.keysAreExact = (q / 2) % 2 == 0
            neighbors.removeAll(keepingCapacity: true)
            tree.nearest(metric, k: k, maxDistance: maxDistance, buffer: &buffer, into: &neighbors)
            let expected = BruteForce.nearest(
                ids: ids, k: k, maxDistance: maxDistance, includes: { !filtered || $0 % 3 == 0 },
                distance: metric.exactDistance(toItem:))
            #expect(neighbors.map(\.id) == expected.map(\.id), "seed \(random.seed), query \(q)")
            #expect(neighbors.map(\.distance) == expected.map(\.distance), "seed \(random.seed), query \(q)")
        }
    }
    /// Records every (slot, id) pair `itemKey` is given.
    final class SlotLog: @unchecked Sendable { var pairs: [(slot: Int, id: Int32)] = [] }  // one test, one thread

    struct SlotRecordingMetric: NearestMetric {
        let base: PlanarPointMetric
        let log: SlotLog
        func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double {
            base.lowerBound(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
        }
        func exactDistance(toItem id: Int32) -> Double { base.exactDistance(toItem: id) }
        func itemKey(toItem id: Int32, slot: Int, minX: Double, minY: Double, maxX: Double, maxY: Double, cutoff: Double) -> (key: Double, isExact: Bool) {
            log.pairs.append((slot, id))
            return base.itemKey(toItem: id, slot: slot, minX: minX, minY: minY, maxX: maxX, maxY: maxY, cutoff: cutoff)
        }
    }

    @Test("k-nearest gives itemKey each item's slot in the tree's leaf order (forEachItem), the base's under a LayerIndex overlay")
    func itemKeySlotsAreLeafPositions() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 45))
        var boxes: [Double] = [], points: [Double] = []
        for _ in 0..<3_000 {
            let x = random.uniform(0...100), y = random.uniform(0...100)
            points.append(x); points.append(y)
            boxes.appendBox(x, y, x, y)
        }
        let ids = (0..<Int32(3_000)).map { $0 }.shuffled(using: &random)
        var boxesByID = [Double](repeating: 0, count: boxes.count)
        for (i, id) in ids.enumerated() { for c in 0..<4 { boxesByID[4 * Int(id) + c] = boxes[4 * i + c] } }
        var pointsByID = [Double](repeating: 0, count: points.count)
        for (i, id) in ids.enumerated() { pointsByID[2 * Int(id)] = points[2 * i]; pointsByID[2 * Int(id) + 1] = points[2 * i + 1] }
        let index = LayerIndex(boxes: boxes, ids: ids)
        // An edited layer: the overlay's items are not in the base, and their slots must not be asked.
        var edited = index
        _ = edited.remove(id: ids[0])
        edited.upsert(id: 3_000, minX: 50, minY: 50, maxX: 50, maxY: 50)
        edited.upsert(id: ids[1], minX: 50, minY: 50, maxX: 50, maxY: 50)  // moved: hidden in the base
        var leafOrder: [Int32] = []
        index.base.forEachItem { id, _, _, _, _ in leafOrder.append(id) }
        #expect(Set(leafOrder) == Set(ids))
        #expect(index.base.idsInLeafOrder == leafOrder)
        var buffer = NearestSearchBuffer()
        var neighbors: [Neighbor] = []
        for (q, tree) in [index, edited].enumerated() {
            let log = SlotLog()
            for _ in 0..<200 {
                var planar = PlanarPointMetric(x: random.uniform(-5...105), y: random.uniform(-5...105), points: pointsByID + [50, 50])
                planar.keysAreExact = true
                neighbors.removeAll(keepingCapacity: true)
                tree.nearest(SlotRecordingMetric(base: planar, log: log), k: 7, buffer: &buffer, into: &neighbors)
            }
            #expect(log.pairs.count > 1_000, "tree \(q)")
            let wrong = log.pairs.filter { $0.slot < 0 || $0.slot >= leafOrder.count || leafOrder[$0.slot] != $0.id }
            #expect(wrong.isEmpty, "tree \(q): \(wrong.prefix(5))")
        }
    }
}
