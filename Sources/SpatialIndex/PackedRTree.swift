/// A static R-tree packed bottom-up in Hilbert order, after mourner/flatbush (`index.js`, ISC).
///
/// Layout: one flat `[Double]` of boxes (minX, minY, maxX, maxY per node): the leaves first in
/// Hilbert order of their centres on a 2¹⁶ × 2¹⁶ grid, then each level of parents, the root last.
/// A parallel `[Int32]` holds, for a leaf, the caller's item id and, for a parent, the node index of
/// its first child (its children are consecutive, `nodeSize` at most). Searches walk an explicit
/// stack: no recursion, no allocation per query (results go into a buffer the caller keeps).
///
/// Boxes are closed: touching counts as intersecting. Coordinates are whatever the caller uses
/// (lon/lat degrees in Zamin); the tree never interprets them beyond ordering.
public struct PackedRTree: Sendable {
    /// Maximum children per node: 16 by default, as in flatbush (measured: zamin-bench --node-sizes).
    @usableFromInline package let nodeSize: Int
    /// Number of items (leaves).
    @usableFromInline package let count: Int
    /// minX, minY, maxX, maxY of every node: leaves, then each level, root last.
    @usableFromInline let boxes: [Double]
    /// Leaf: item id. Parent: node index of its first child.
    @usableFromInline let indices: [Int32]
    /// levelEnds[k] = one past the last node index of level k (level 0 = leaves).
    @usableFromInline let levelEnds: [Int]

    /// Builds the tree. `boxes` holds minX, minY, maxX, maxY per item, `ids[i]` is item i's id.
    /// Ids need not be unique or dense. Complexity: O(n log n) for the Hilbert sort.
    package init(boxes itemBoxes: [Double], ids: [Int32], nodeSize: Int = 16) {
        precondition(itemBoxes.count == ids.count * 4, "four numbers per box")
        precondition(nodeSize >= 2 && nodeSize <= 65_535, "node size in 2…65535")
        self.nodeSize = nodeSize
        let n = ids.count
        count = n

        var levelEnds: [Int] = []
        var nodes = n
        var total = n
        levelEnds.append(n)
        repeat {
            nodes = (nodes + nodeSize - 1) / nodeSize
            total += nodes
            levelEnds.append(total)
        } while nodes > 1 && n > 0
        if n == 0 {
            levelEnds = [0]
            total = 0
        }
        self.levelEnds = levelEnds

        var boxes = [Double](repeating: 0, count: total * 4)
        var indices = [Int32](repeating: 0, count: total)
        guard n > 0 else {
            self.boxes = boxes
            self.indices = indices
            return
        }

        // Extent of all items, for the Hilbert grid.
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        itemBoxes.withUnsafeBufferPointer { b in
            for i in 0..<n {
                minX = Swift.min(minX, b[4 * i]); minY = Swift.min(minY, b[4 * i + 1])
                maxX = Swift.max(maxX, b[4 * i + 2]); maxY = Swift.max(maxY, b[4 * i + 3])
            }
        }

        // Sort keys: Hilbert value in the high 32 bits, item position in the low 32 bits.
        var keys = [UInt64](repeating: 0, count: n)
        let hilbertMax = Double((1 << 16) - 1)
        let width = maxX - minX, height = maxY - minY
        let scaleX = width > 0 ? hilbertMax / width : 0
        let scaleY = height > 0 ? hilbertMax / height : 0
        itemBoxes.withUnsafeBufferPointer { b in
            keys.withUnsafeMutableBufferPointer { keys in
                for i in 0..<n {
                    let centreX = (b[4 * i] + b[4 * i + 2]) / 2, centreY = (b[4 * i + 1] + b[4 * i + 3]) / 2
                    // Conversion truncates, which is floor for these non-negative values (and needs no libm).
                    let x = UInt32(Swift.max(0, Swift.min(hilbertMax, (centreX - minX) * scaleX)))
                    let y = UInt32(Swift.max(0, Swift.min(hilbertMax, (centreY - minY) * scaleY)))
                    keys[i] = UInt64(PackedRTree.hilbert(x, y)) << 32 | UInt64(i)
                }
            }
        }
        PackedRTree.radixSort(&keys)

        boxes.withUnsafeMutableBufferPointer { out in
            indices.withUnsafeMutableBufferPointer { outIndices in
                itemBoxes.withUnsafeBufferPointer { b in
                    ids.withUnsafeBufferPointer { ids in
                        for position in 0..<n {
                            let item = Int(truncatingIfNeeded: keys[position] & 0xFFFF_FFFF)
                            out[4 * position] = b[4 * item]
                            out[4 * position + 1] = b[4 * item + 1]
                            out[4 * position + 2] = b[4 * item + 2]
                            out[4 * position + 3] = b[4 * item + 3]
                            outIndices[position] = ids[item]
                        }
                    }
                }
                // Parents: each groups up to nodeSize consecutive nodes of the level below.
                var childStart = 0
                for level in 0..<(levelEnds.count - 1) {
                    let childEnd = levelEnds[level]
                    var parent = childEnd
                    var child = childStart
                    while child < childEnd {
                        let last = Swift.min(child + nodeSize, childEnd)
                        var nMinX = Double.infinity, nMinY = Double.infinity
                        var nMaxX = -Double.infinity, nMaxY = -Double.infinity
                        for c in child..<last {
                            nMinX = Swift.min(nMinX, out[4 * c]); nMinY = Swift.min(nMinY, out[4 * c + 1])
                            nMaxX = Swift.max(nMaxX, out[4 * c + 2]); nMaxY = Swift.max(nMaxY, out[4 * c + 3])
                        }
                        out[4 * parent] = nMinX; out[4 * parent + 1] = nMinY
                        out[4 * parent + 2] = nMaxX; out[4 * parent + 3] = nMaxY
                        outIndices[parent] = Int32(child)
                        parent += 1
                        child = last
                    }
                    childStart = childEnd
                }
            }
        }
        self.boxes = boxes
        self.indices = indices
    }

    /// The tree's arrays as they are, for a snapshot image (LandService's `SnapshotImage`).
    package var packed: (nodeSize: Int, count: Int, boxes: [Double], indices: [Int32]) { (nodeSize, count, boxes, indices) }

    /// The tree that `packed` gave, or nil when the arrays cannot be one: a node size out of
    /// range, arrays of other lengths than `count` items need, a parent pointing at no node of
    /// the level below (a damaged image must be refused, never crash a search later).
    package init?(nodeSize: Int, count: Int, boxes: [Double], indices: [Int32]) {
        guard nodeSize >= 2 && nodeSize <= 65_535, count >= 0 else { return nil }
        var levelEnds = [count]
        var nodes = count
        var total = count
        if count > 0 {
            repeat {
                nodes = (nodes + nodeSize - 1) / nodeSize
                total += nodes
                levelEnds.append(total)
            } while nodes > 1
        }
        guard boxes.count == total * 4, indices.count == total else { return nil }
        // Parents of level k + 1 point into level k, at the start of their run of children.
        for level in 0..<(levelEnds.count - 1) {
            let childStart = level == 0 ? 0 : levelEnds[level - 1]
            for (offset, parent) in (levelEnds[level]..<levelEnds[level + 1]).enumerated() {
                guard Int(indices[parent]) == childStart + offset * nodeSize else { return nil }
            }
        }
        self.nodeSize = nodeSize
        self.count = count
        self.boxes = boxes
        self.indices = indices
        self.levelEnds = levelEnds
    }

    /// Heap bytes held by the tree (boxes, indices, level table).
    package var memoryBytes: Int {
        boxes.capacity * MemoryLayout<Double>.stride + indices.capacity * MemoryLayout<Int32>.stride
            + levelEnds.capacity * MemoryLayout<Int>.stride
    }

    /// The box of every item together (the root's), as minX, minY, maxX, maxY; nil when empty.
    package var extent: (minX: Double, minY: Double, maxX: Double, maxY: Double)? {
        guard let root else { return nil }
        return (boxes[4 * root], boxes[4 * root + 1], boxes[4 * root + 2], boxes[4 * root + 3])
    }

    /// Node index of the root, or nil when empty.
    @usableFromInline var root: Int? { count == 0 ? nil : levelEnds[levelEnds.count - 1] - 1 }

    /// The items' ids in leaf (Hilbert) order: `forEachItem`'s order, and the slots
    /// `NearestMetric.itemKey` is given. Data kept per item in this order is read sequentially.
    package var idsInLeafOrder: [Int32] { Array(indices[0..<count]) }

    /// Calls `body(id, minX, minY, maxX, maxY)` for every item, in Hilbert order.
    package func forEachItem(_ body: (Int32, Double, Double, Double, Double) -> Void) {
        boxes.withUnsafeBufferPointer { b in
            for i in 0..<count { body(indices[i], b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]) }
        }
    }

    // MARK: - Window search

    /// Appends to `results` the id of every item whose box intersects the closed window
    /// (touching counts). Order: tree order. `results` is not cleared, so one buffer can be reused.
    @inlinable
    package func search(minX: Double, minY: Double, maxX: Double, maxY: Double, into results: inout [Int32]) {
        var sink = AppendingSink(results: results)
        results = []  // hand the buffer to the sink without copying it
        walk(minX: minX, minY: minY, maxX: maxX, maxY: maxY, into: &sink)
        results = sink.results
    }

    /// Like `search`, but sorts the hits: items whose box lies inside the window go to `contained`
    /// (a non-empty geometry inside its box then certainly meets the window: no exact test needed),
    /// the others to `overlapping` (the exact test decides).
    @inlinable
    package func search(
        minX: Double, minY: Double, maxX: Double, maxY: Double,
        contained: inout [Int32], overlapping: inout [Int32]
    ) {
        var sink = PartitioningSink(
            minX: minX, minY: minY, maxX: maxX, maxY: maxY, contained: contained, overlapping: overlapping)
        contained = []
        overlapping = []
        walk(minX: minX, minY: minY, maxX: maxX, maxY: maxY, into: &sink)
        contained = sink.contained
        overlapping = sink.overlapping
    }

    /// Depth-first walk with an explicit stack on the caller's stack frame; hands every leaf whose
    /// box meets the window to `sink`.
    @inlinable
    func walk<Sink: LeafSink>(minX: Double, minY: Double, maxX: Double, maxY: Double, into sink: inout Sink) {
        guard let root else { return }
        let nodeSize = self.nodeSize
        // Depth × (nodeSize − 1) + 1 bounds the stack of a depth-first walk.
        let stackCapacity = levelEnds.count * nodeSize + 1
        boxes.withUnsafeBufferPointer { b in
            indices.withUnsafeBufferPointer { indices in
                levelEnds.withUnsafeBufferPointer { levelEnds in
                    // Stack entries: node × 64 + its level (a tree has far fewer than 64 levels), so that
                    // a node's children's level end is one read instead of a search of `levelEnds`.
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: stackCapacity) { stack in
                        var top = 0
                        var node = root
                        var level = levelEnds.count - 1
                        while true {
                            // Visit the children of `node` (the root has passed the test already).
                            let first = Int(indices[node])
                            let childLevel = level - 1
                            let end = Swift.min(first + nodeSize, levelEnds[childLevel])
                            let childrenAreLeaves = childLevel == 0
                            var child = first
                            while child < end {
                                let base = 4 * child
                                if b[base] <= maxX && b[base + 1] <= maxY && b[base + 2] >= minX && b[base + 3] >= minY {
                                    if childrenAreLeaves {
                                        sink.add(indices[child], minX: b[base], minY: b[base + 1], maxX: b[base + 2], maxY: b[base + 3])
                                    } else {
                                        stack[top] = child &* 64 &+ childLevel
                                        top += 1
                                    }
                                }
                                child += 1
                            }
                            if top == 0 { break }
                            top -= 1
                            node = stack[top] >> 6
                            level = stack[top] & 63
                        }
                    }
                }
            }
        }
    }

    @inlinable
    static func levelEnd(containing node: Int, _ levelEnds: [Int]) -> Int {
        var level = 0
        while levelEnds[level] <= node { level += 1 }
        return levelEnds[level]
    }

    // MARK: - Hilbert order and sorting

    /// Position of (x, y) along the Hilbert curve of order 16 (Warren, Hacker's Delight §16-2,
    /// the branch-free form used by flatbush's `hilbert`).
    static func hilbert(_ x: UInt32, _ y: UInt32) -> UInt32 {
        var a = x ^ y
        var b = 0xFFFF ^ a
        var c = 0xFFFF ^ (x | y)
        var d = x & (y ^ 0xFFFF)

        var A = a | (b >> 1)
        var B = (a >> 1) ^ a
        var C = ((c >> 1) ^ (b & (d >> 1))) ^ c
        var D = ((a & (c >> 1)) ^ (d >> 1)) ^ d

        a = A; b = B; c = C; d = D
        A = (a & (a >> 2)) ^ (b & (b >> 2))
        B = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2))
        C ^= (a & (c >> 2)) ^ (b & (d >> 2))
        D ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2))

        a = A; b = B; c = C; d = D
        A = (a & (a >> 4)) ^ (b & (b >> 4))
        B = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4))
        C ^= (a & (c >> 4)) ^ (b & (d >> 4))
        D ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4))

        a = A; b = B; c = C; d = D
        C ^= (a & (c >> 8)) ^ (b & (d >> 8))
        D ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8))

        a = C ^ (C >> 1)
        b = D ^ (D >> 1)

        var i0 = x ^ y
        var i1 = b | (0xFFFF ^ (i0 | a))

        i0 = (i0 | (i0 << 8)) & 0x00FF_00FF
        i0 = (i0 | (i0 << 4)) & 0x0F0F_0F0F
        i0 = (i0 | (i0 << 2)) & 0x3333_3333
        i0 = (i0 | (i0 << 1)) & 0x5555_5555

        i1 = (i1 | (i1 << 8)) & 0x00FF_00FF
        i1 = (i1 | (i1 << 4)) & 0x0F0F_0F0F
        i1 = (i1 | (i1 << 2)) & 0x3333_3333
        i1 = (i1 | (i1 << 1)) & 0x5555_5555

        return (i1 << 1) | i0
    }

    /// Stable LSD radix sort on the high 32 bits (the Hilbert value), 16 bits per pass: O(n), and the
    /// low bits (item positions, already ascending) keep equal Hilbert values in input order.
    static func radixSort(_ keys: inout [UInt64]) {
        let n = keys.count
        guard n > 1 else { return }
        var buffer = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for shift in [32, 48] {
            keys.withUnsafeMutableBufferPointer { source in
                buffer.withUnsafeMutableBufferPointer { target in
                    counts.withUnsafeMutableBufferPointer { counts in
                        for i in 0..<counts.count { counts[i] = 0 }
                        for key in source { counts[Int((key >> UInt64(shift)) & 0xFFFF)] += 1 }
                        var sum = 0
                        for i in 0..<counts.count {
                            let c = counts[i]
                            counts[i] = sum
                            sum += c
                        }
                        for key in source {
                            let bucket = Int((key >> UInt64(shift)) & 0xFFFF)
                            target[counts[bucket]] = key
                            counts[bucket] += 1
                        }
                    }
                }
            }
            swap(&keys, &buffer)
        }
    }
}

/// Receives the leaves a window walk finds; generic, so each sink is specialised into the walk.
@usableFromInline
protocol LeafSink {
    mutating func add(_ id: Int32, minX: Double, minY: Double, maxX: Double, maxY: Double)
}

@usableFromInline
struct AppendingSink: LeafSink {
    @usableFromInline var results: [Int32]

    @inlinable
    init(results: [Int32]) { self.results = results }

    @inlinable
    mutating func add(_ id: Int32, minX: Double, minY: Double, maxX: Double, maxY: Double) { results.append(id) }
}

@usableFromInline
struct PartitioningSink: LeafSink {
    @usableFromInline let minX: Double, minY: Double, maxX: Double, maxY: Double
    @usableFromInline var contained: [Int32]
    @usableFromInline var overlapping: [Int32]

    @inlinable
    init(minX: Double, minY: Double, maxX: Double, maxY: Double, contained: [Int32], overlapping: [Int32]) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
        self.contained = contained
        self.overlapping = overlapping
    }

    @inlinable
    mutating func add(_ id: Int32, minX boxMinX: Double, minY boxMinY: Double, maxX boxMaxX: Double, maxY boxMaxY: Double) {
        if boxMinX >= minX && boxMaxX <= maxX && boxMinY >= minY && boxMaxY <= maxY {
            contained.append(id)
        } else {
            overlapping.append(id)
        }
    }
}
