import SpatialIndex
import Testing
import TestSupport

/// Distance to the item's current box in the model (so moved items are measured where they are now).
struct ModelBoxMetric: NearestMetric {
    let x: Double, y: Double
    let model: [Int32: [Double]]

    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double {
        let dx = max(minX - x, 0, x - maxX), dy = max(minY - y, 0, y - maxY)
        return (dx * dx + dy * dy).squareRoot()
    }

    func exactDistance(toItem id: Int32) -> Double {
        let b = model[id]!
        return lowerBound(minX: b[0], minY: b[1], maxX: b[2], maxY: b[3])
    }

    func includes(_ id: Int32) -> Bool { id % 4 != 1 }
}

@Suite("LayerIndex: edits on a packed base against a brute-force model")
struct LayerIndexTests {
    func randomBox(_ random: inout SeededRandom) -> [Double] {
        let x = Double(Int.random(in: 0...50, using: &random)), y = random.uniform(0...50)
        return [x, y, x + Double(Int.random(in: 0...3, using: &random)), y + random.uniform(0...2)]
    }

    func check(_ index: LayerIndex, model: [Int32: [Double]], random: inout SeededRandom, step: Int) {
        #expect(index.count == model.count, "seed \(random.seed), step \(step)")
        let modelIds = Array(model.keys)
        var boxes: [Double] = []
        for id in modelIds { boxes.append(contentsOf: model[id]!) }
        var results: [Int32] = []
        for _ in 0..<3 {
            let x = random.uniform(-2...52), y = random.uniform(-2...52), w = random.uniform(0...8), h = random.uniform(0...8)
            results.removeAll(keepingCapacity: true)
            index.search(minX: x, minY: y, maxX: x + w, maxY: y + h, into: &results)
            let expected = BruteForce.search(boxes: boxes, ids: modelIds, minX: x, minY: y, maxX: x + w, maxY: y + h)
            #expect(results.sorted() == expected, "seed \(random.seed), step \(step)")
            var contained: [Int32] = [], overlapping: [Int32] = []
            index.search(minX: x, minY: y, maxX: x + w, maxY: y + h, contained: &contained, overlapping: &overlapping)
            let expectedContained = BruteForce.search(boxes: boxes, ids: modelIds, containedIn: (x, y, x + w, y + h))
            #expect(contained.sorted() == expectedContained, "seed \(random.seed), step \(step)")
            #expect((contained + overlapping).sorted() == expected, "seed \(random.seed), step \(step)")
        }
        var buffer = NearestSearchBuffer()
        var neighbors: [Neighbor] = []
        let metric = ModelBoxMetric(x: Double(Int.random(in: 0...50, using: &random)), y: random.uniform(0...50), model: model)
        let k = Int.random(in: 1...12, using: &random)
        index.nearest(metric, k: k, buffer: &buffer, into: &neighbors)
        let expected = BruteForce.nearest(ids: modelIds, k: k, includes: metric.includes, distance: metric.exactDistance(toItem:))
        #expect(neighbors.map(\.id) == expected.map(\.id), "seed \(random.seed), step \(step)")
        #expect(neighbors.map(\.distance) == expected.map(\.distance), "seed \(random.seed), step \(step)")
    }

    @Test("random inserts, moves and removals, compactions now and then, checked after every step")
    func randomEditsMatchModel() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 51))
        var model: [Int32: [Double]] = [:]
        var boxes: [Double] = []
        var ids: [Int32] = []
        for id in Int32(0)..<500 {
            let box = randomBox(&random)
            model[id] = box
            boxes.append(contentsOf: box)
            ids.append(id)
        }
        var index = LayerIndex(boxes: boxes, ids: ids)
        var nextId: Int32 = 500
        for step in 0..<2_000 {
            let before = index
            let beforeCount = model.count
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3:  // insert a new id
                let box = randomBox(&random)
                index.upsert(id: nextId, minX: box[0], minY: box[1], maxX: box[2], maxY: box[3])
                model[nextId] = box
                nextId += 1
            case 3..<6:  // move an existing id (base or overlay)
                guard let id = model.keys.randomElement(using: &random) else { break }
                let box = randomBox(&random)
                index.upsert(id: id, minX: box[0], minY: box[1], maxX: box[2], maxY: box[3])
                model[id] = box
            case 6..<9:  // remove an existing id
                guard let id = model.keys.randomElement(using: &random) else { break }
                let removed = index.remove(id: id)
                #expect(removed)
                model[id] = nil
            default:  // remove a missing id, or compact
                if random.next() % 2 == 0 {
                    let removedMissing = index.remove(id: nextId + 7) || index.remove(id: -3)
                    #expect(!removedMissing)
                } else {
                    index = index.compacted()
                    #expect(index.overlayCount == 0)
                }
            }
            // The previous value is untouched by the edit (value semantics).
            #expect(before.count == beforeCount, "seed \(random.seed), step \(step)")
            for id in model.keys.prefix(3) { #expect(index.contains(id)) }
            check(index, model: model, random: &random, step: step)
        }
    }

    @Test("an edit never rebuilds the base: the base stays the same tree until compaction")
    func editsKeepTheBase() {
        var boxes: [Double] = []
        for i in 0..<1_000 { boxes.append(contentsOf: [Double(i), 0, Double(i) + 1, 1]) }
        var index = LayerIndex(boxes: boxes, ids: (0..<Int32(1_000)).map { $0 })
        index.upsert(id: 5, minX: 2_000, minY: 0, maxX: 2_001, maxY: 1)
        index.remove(id: 6)
        index.upsert(id: 5_000, minX: -10, minY: -10, maxX: -9, maxY: -9)
        #expect(index.base.count == 1_000)
        #expect(index.overlayCount == 2)
        #expect(index.count == 1_000)
        var results: [Int32] = []
        index.search(minX: 5, minY: 0, maxX: 7, maxY: 1, into: &results)
        #expect(results.sorted() == [4, 7])  // 5 moved away, 6 removed; 4 and 7 touch the window
        let compacted = index.compacted()
        #expect(compacted.base.count == 1_000 && compacted.overlayCount == 0)
        results.removeAll()
        compacted.search(minX: 1_999, minY: 0, maxX: 2_000, maxY: 1, into: &results)
        #expect(results == [5])
    }

    @Test("ids of any sign: membership, removal and count")
    func idsOfAnySign() {
        let ids: [Int32] = [-5, Int32.min, 7, 0, Int32.max, -1, 3]
        var boxes: [Double] = []
        for (i, _) in ids.enumerated() { boxes.append(contentsOf: [Double(i), 0, Double(i), 0]) }
        var index = LayerIndex(boxes: boxes, ids: ids)
        for id in ids { #expect(index.contains(id)) }
        for id: Int32 in [-4, 1, 8, Int32.min + 1] { #expect(!index.contains(id)) }
        let removedMin = index.remove(id: Int32.min), removedMissing = index.remove(id: 2)
        #expect(removedMin && !removedMissing)
        #expect(index.count == ids.count - 1 && !index.contains(Int32.min))
    }
}
