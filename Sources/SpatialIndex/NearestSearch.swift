/// `public`, with `Neighbor`, `NearestSearchBuffer` and the `nearest` methods, although only Zamin's
/// modules use them: Swift 6.3 does not specialise an `@inlinable package` generic in a client module
/// (checked with objdump: the client called the unspecialised `nearest<A>`, the metric through
/// witness tables), and a `public` one it does. Everything else stays `package`.
///
/// What a k-nearest search ranks by. The search is generic over it, so a concrete metric is
/// specialised into the loop: no existential, no closure per element.
///
/// Contract: `lowerBound` of a box never exceeds `exactDistance` of any item whose box lies in it
/// (else results may be missed or misordered); both are non-negative and not NaN.
public protocol NearestMetric {
    /// A lower bound of the distance from the query to anything inside the closed box.
    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double
    /// The exact distance from the query to item `id`; called about k times per search.
    func exactDistance(toItem id: Int32) -> Double
    /// Whether item `id` may be returned (e.g. a facility of the wanted category); true by default.
    func includes(_ id: Int32) -> Bool
}

extension NearestMetric {
    @inlinable
    public func includes(_ id: Int32) -> Bool { true }
}

/// One result of a nearest search.
public struct Neighbor: Sendable, Hashable {
    public var id: Int32
    public var distance: Double

    public init(id: Int32, distance: Double) {
        self.id = id
        self.distance = distance
    }
}

/// The priority queue of a best-first search, kept by the caller between searches so that a search
/// allocates nothing once the buffer has grown. Not Sendable-shared: one per task.
public struct NearestSearchBuffer {
    /// One queue entry. A tag with `exactFlag` set is an item keyed by its exact distance (low 32
    /// bits: the id, sign bit flipped so ids order numerically); otherwise it is a node index keyed by
    /// a lower bound. Nodes come first on equal keys, so an item at distance d is only reported once
    /// nothing left in the queue can hold an item at d with a smaller id.
    @usableFromInline
    struct Entry {
        @usableFromInline var key: Double
        @usableFromInline var tag: UInt64

        @inlinable
        init(key: Double, tag: UInt64) {
            self.key = key
            self.tag = tag
        }

        @inlinable
        func precedes(_ other: Entry) -> Bool { key < other.key || (key == other.key && tag < other.tag) }
    }

    /// Binary min-heap ordered by (key, tag).
    @usableFromInline var heap: [Entry] = []

    public init() {}

    @usableFromInline static let exactFlag: UInt64 = 1 << 63

    @inlinable
    static func exactTag(_ id: Int32) -> UInt64 {
        exactFlag | UInt64(UInt32(bitPattern: id) ^ 0x8000_0000)
    }

    @inlinable
    static func id(fromExactTag tag: UInt64) -> Int32 {
        Int32(bitPattern: UInt32(truncatingIfNeeded: tag) ^ 0x8000_0000)
    }

    @inlinable
    mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    @inlinable
    mutating func push(_ key: Double, _ tag: UInt64) {
        let entry = Entry(key: key, tag: tag)
        heap.append(entry)
        heap.withUnsafeMutableBufferPointer { heap in
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) >> 1
                if !entry.precedes(heap[parent]) { break }
                heap[i] = heap[parent]
                i = parent
            }
            heap[i] = entry
        }
    }

    /// Removes and returns the smallest entry; the heap must not be empty.
    @inlinable
    mutating func pop() -> (key: Double, tag: UInt64) {
        let top = heap[0]
        let last = heap.removeLast()
        heap.withUnsafeMutableBufferPointer { heap in
            let n = heap.count
            guard n > 0 else { return }
            var i = 0
            while true {
                var child = 2 * i + 1
                if child >= n { break }
                if child + 1 < n && heap[child + 1].precedes(heap[child]) { child += 1 }
                if !heap[child].precedes(last) { break }
                heap[i] = heap[child]
                i = child
            }
            heap[i] = last
        }
        return (top.key, top.tag)
    }

    @inlinable
    var isEmpty: Bool { heap.isEmpty }
}

extension PackedRTree {
    /// Appends to `results` up to `k` items in increasing exact distance (ties: smaller id first),
    /// skipping items the metric excludes and items farther than `maxDistance`.
    ///
    /// Best-first search (Hjaltason & Samet, "Distance browsing in spatial databases", ACM TODS 24(2),
    /// 1999; flatbush's `neighbors`): one min-heap holds nodes and leaves keyed by the metric's lower
    /// bound of their box; a leaf popped with a lower-bound key is re-queued with its exact distance,
    /// so only about k exact distances are computed; an item popped with its exact key is the next
    /// result, because every other entry's key bounds all the distances it can still produce.
    @inlinable
    public func nearest<Metric: NearestMetric>(
        _ metric: Metric, k: Int, maxDistance: Double = .infinity,
        buffer: inout NearestSearchBuffer, into results: inout [Neighbor]
    ) {
        guard let root, k > 0 else { return }
        buffer.removeAll()
        buffer.push(0, UInt64(root))
        var found = 0
        let leafCount = count
        let nodeSize = self.nodeSize
        boxes.withUnsafeBufferPointer { b in
            indices.withUnsafeBufferPointer { indices in
                while !buffer.isEmpty {
                    let (key, tag) = buffer.pop()
                    if key > maxDistance { break }
                    if tag & NearestSearchBuffer.exactFlag != 0 {
                        results.append(Neighbor(id: NearestSearchBuffer.id(fromExactTag: tag), distance: key))
                        found += 1
                        if found == k { break }
                        continue
                    }
                    let node = Int(tag)
                    if node < leafCount {
                        let id = indices[node]
                        let distance = metric.exactDistance(toItem: id)
                        if distance <= maxDistance { buffer.push(distance, NearestSearchBuffer.exactTag(id)) }
                        continue
                    }
                    let first = Int(indices[node])
                    let end = Swift.min(first + nodeSize, PackedRTree.levelEnd(containing: first, levelEnds))
                    let childrenAreLeaves = first < leafCount
                    for child in first..<end {
                        if childrenAreLeaves && !metric.includes(indices[child]) { continue }
                        let bound = metric.lowerBound(
                            minX: b[4 * child], minY: b[4 * child + 1], maxX: b[4 * child + 2], maxY: b[4 * child + 3])
                        if bound <= maxDistance { buffer.push(bound, UInt64(child)) }
                    }
                }
            }
        }
    }
}
