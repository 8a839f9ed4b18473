/// `public`, with `Neighbor`, `NearestSearchBuffer` and the `nearest` methods, although only Zamin's
/// modules use them: Swift 6.3 does not specialise an `@inlinable package` generic in a client module
/// (checked with objdump: the client called the unspecialised `nearest<A>`, the metric through
/// witness tables), and a `public` one it does. Everything else stays `package`.
///
/// What a k-nearest search ranks by. The search is generic over it, so a concrete metric is
/// specialised into the loop: no existential, no closure per element.
///
/// Contract: `lowerBound` of a box never exceeds `exactDistance` of any item whose box lies in it
/// (else results may be missed or misordered), and an exact `itemKey` is that item's
/// `exactDistance`; all are non-negative and not NaN. "Distance" is whatever the metric ranks by:
/// any increasing function of the true distance will do (the geodesic metrics use squared metres,
/// which saves square roots), as long as every method, the search's `maxDistance` and the results'
/// `distance` are in those same units.
public protocol NearestMetric {
    /// A lower bound of the distance from the query to anything inside the closed box.
    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double
    /// The exact distance from the query to item `id`: for items queued with a lower bound (see
    /// `itemKey`) once they reach the front, and for items of a `LayerIndex` overlay.
    func exactDistance(toItem id: Int32) -> Double
    /// Whether item `id` may be returned (e.g. a facility of the wanted category); true by default.
    func includes(_ id: Int32) -> Bool
    /// The key item `id` (whose box is given) enters the queue with: its exact distance when that is
    /// cheap (`isExact`; it is then never computed again), else a lower bound, replaced by
    /// `exactDistance` when the item reaches the front. `cutoff` is the search's current k-th best
    /// distance (or `maxDistance`): an item provably beyond it may get any key above it without its
    /// exact distance. `slot`: the item's place in the searched tree's leaf order (`PackedRTree.forEachItem`),
    /// so that a metric may keep what it reads per item in that order — the items of one leaf
    /// are then read from consecutive memory instead of from wherever their ids point. By default
    /// the box's lower bound.
    func itemKey(toItem id: Int32, slot: Int, minX: Double, minY: Double, maxX: Double, maxY: Double, cutoff: Double) -> (key: Double, isExact: Bool)
}

extension NearestMetric {
    @inlinable
    public func includes(_ id: Int32) -> Bool { true }

    @inlinable
    public func itemKey(toItem id: Int32, slot: Int, minX: Double, minY: Double, maxX: Double, maxY: Double, cutoff: Double) -> (key: Double, isExact: Bool) {
        (lowerBound(minX: minX, minY: minY, maxX: maxX, maxY: maxY), false)
    }
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

/// The priority queue and the best items of a best-first search, kept by the caller between
/// searches so that a search allocates nothing once the buffer has grown. One per task.
public struct NearestSearchBuffer {
    /// One queue entry: a tree node (or an item whose exact distance is not known yet) keyed by a
    /// lower bound of the distances below it.
    @usableFromInline
    struct Entry {
        @usableFromInline var key: Double
        @usableFromInline var node: Int

        @inlinable
        init(key: Double, node: Int) {
            self.key = key
            self.node = node
        }
    }

    /// Binary min-heap ordered by key.
    @usableFromInline var heap: [Entry] = []
    /// The best items found so far, at most k, ascending by (distance, id).
    @usableFromInline var best: [Neighbor] = []

    public init() {}

    @inlinable
    mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
        best.removeAll(keepingCapacity: true)
    }

    @inlinable
    mutating func push(_ key: Double, node: Int) {
        let entry = Entry(key: key, node: node)
        heap.append(entry)
        heap.withUnsafeMutableBufferPointer { heap in
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) >> 1
                if !(entry.key < heap[parent].key) { break }
                heap[i] = heap[parent]
                i = parent
            }
            heap[i] = entry
        }
    }

    /// Removes and returns the entry with the smallest key; the heap must not be empty.
    @inlinable
    mutating func pop() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        heap.withUnsafeMutableBufferPointer { heap in
            let n = heap.count
            guard n > 0 else { return }
            var i = 0
            while true {
                var child = 2 * i + 1
                if child >= n { break }
                if child + 1 < n && heap[child + 1].key < heap[child].key { child += 1 }
                if !(heap[child].key < last.key) { break }
                heap[i] = heap[child]
                i = child
            }
            heap[i] = last
        }
        return top
    }

    /// Offers an item at its exact distance to the k best; returns the distance beyond which
    /// nothing can enter any more: the k-th best once k are known, else `limit`.
    @inlinable
    mutating func offer(_ candidate: Neighbor, k: Int, limit: Double) -> Double {
        if best.count == k {
            let worst = best[k - 1]
            guard candidate.distance < worst.distance || (candidate.distance == worst.distance && candidate.id < worst.id)
            else { return worst.distance }
            best[k - 1] = candidate
        } else {
            best.append(candidate)
        }
        // Insertion into the sorted list by moving the larger ones up (no Array.insert: k is small).
        best.withUnsafeMutableBufferPointer { best in
            var position = best.count - 1
            while position > 0 {
                let previous = best[position - 1]
                if previous.distance < candidate.distance || (previous.distance == candidate.distance && previous.id < candidate.id) { break }
                best[position] = previous
                position -= 1
            }
            best[position] = candidate
        }
        return best.count == k ? Swift.min(limit, best[k - 1].distance) : limit
    }
}

extension PackedRTree {
    /// Appends to `results` up to `k` items in increasing exact distance (ties: smaller id first),
    /// skipping items the metric excludes and items farther than `maxDistance`.
    ///
    /// Best-first search (Hjaltason & Samet, "Distance browsing in spatial databases", ACM TODS 24(2),
    /// 1999; flatbush's `neighbors`): a min-heap holds nodes keyed by the metric's lower bound of
    /// their box, and the k best items found so far are kept apart, sorted. An item gets its exact
    /// distance when its leaf node is expanded (`itemKey`; a metric for which that is costly queues
    /// it with a lower bound instead, and computes it when it reaches the front). Once k items are
    /// known, the k-th distance bounds the search: nothing farther is queued, and the search ends
    /// when the nearest queued bound exceeds it — equal bounds are still expanded, because an item
    /// at the same distance with a smaller id may lie below.
    @inlinable
    public func nearest<Metric: NearestMetric>(
        _ metric: Metric, k: Int, maxDistance: Double = .infinity,
        buffer: inout NearestSearchBuffer, into results: inout [Neighbor]
    ) {
        guard let root, k > 0 else { return }
        buffer.removeAll()
        buffer.push(0, node: root)
        var cutoff = maxDistance
        let leafCount = count
        let nodeSize = self.nodeSize
        boxes.withUnsafeBufferPointer { b in
            indices.withUnsafeBufferPointer { indices in
                while !buffer.heap.isEmpty {
                    let entry = buffer.pop()
                    if entry.key > cutoff { break }
                    let node = entry.node
                    if node < leafCount {
                        let id = indices[node]
                        let distance = metric.exactDistance(toItem: id)
                        if distance <= cutoff {
                            cutoff = buffer.offer(Neighbor(id: id, distance: distance), k: k, limit: maxDistance)
                        }
                        continue
                    }
                    let first = Int(indices[node])
                    let end = Swift.min(first + nodeSize, PackedRTree.levelEnd(containing: first, levelEnds))
                    if first < leafCount {
                        for child in first..<end {
                            let id = indices[child]
                            if !metric.includes(id) { continue }
                            let (key, isExact) = metric.itemKey(
                                toItem: id, slot: child, minX: b[4 * child], minY: b[4 * child + 1], maxX: b[4 * child + 2], maxY: b[4 * child + 3],
                                cutoff: cutoff)
                            guard key <= cutoff else { continue }
                            if isExact {
                                cutoff = buffer.offer(Neighbor(id: id, distance: key), k: k, limit: maxDistance)
                            } else {
                                buffer.push(key, node: child)
                            }
                        }
                        continue
                    }
                    for child in first..<end {
                        let bound = metric.lowerBound(
                            minX: b[4 * child], minY: b[4 * child + 1], maxX: b[4 * child + 2], maxY: b[4 * child + 3])
                        if bound <= cutoff { buffer.push(bound, node: child) }
                    }
                }
            }
        }
        results.append(contentsOf: buffer.best)
    }
}
