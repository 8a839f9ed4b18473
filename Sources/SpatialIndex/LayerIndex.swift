/// The index of one layer (parcels, zones, facilities) as an immutable-looking value that edits cheaply:
/// a packed base tree built once, plus a small overlay of items inserted or moved since, plus the set
/// of base ids that those edits hide (deleted or superseded). This is the log-structured idea of an
/// LSM tree with one level; the base is never rebuilt on an edit.
///
/// An edit copies only the overlay and the hidden set (copy-on-write; the base's arrays are shared),
/// so its cost grows with the overlay, not with the layer: call `compacted()` (off the request path)
/// when `overlayCount` passes `compactionThreshold`, and publish the result. Ids are unique within
/// a layer: inserting an id that is present replaces its box.
public struct LayerIndex: Sendable {
    /// The overlay size past which the owner should compact.
    package static let compactionThreshold = 1024

    @usableFromInline package private(set) var base: PackedRTree
    // (base, hiddenBaseIds, overlay*) are usableFromInline so that nearest() specialises in the caller:
    // measured in zamin-bench, the unspecialised generic called the metric through witness tables.
    /// Base ids, sorted, to answer "is this id in the base?" in O(log n) without a hash table.
    private var baseIdsSorted: [Int32]
    /// Base ids hidden by a removal or an update.
    @usableFromInline var hiddenBaseIds: Set<Int32> = []
    /// Overlay items: boxes (4 numbers each) and ids, in insertion order; a removal swaps in the last.
    @usableFromInline var overlayBoxes: [Double] = []
    @usableFromInline var overlayIds: [Int32] = []
    /// Position of each overlay id in `overlayIds`.
    private var overlaySlots: [Int32: Int] = [:]

    /// An index over `boxes` (minX, minY, maxX, maxY per item) with unique `ids`.
    package init(boxes: [Double], ids: [Int32], nodeSize: Int = 16) {
        self.init(base: PackedRTree(boxes: boxes, ids: ids, nodeSize: nodeSize))
    }

    package init(base: PackedRTree) {
        self.base = base
        // Radix sort on the ids (sign bit flipped so that they order as signed numbers), in the high
        // 32 bits where PackedRTree's sort looks: O(n), a third of the 1M build with sort().
        var keys: [UInt64] = []
        keys.reserveCapacity(base.count)
        base.forEachItem { id, _, _, _, _ in keys.append(UInt64(UInt32(bitPattern: id) ^ 0x8000_0000) << 32) }
        PackedRTree.radixSort(&keys)
        baseIdsSorted = keys.map { Int32(bitPattern: UInt32(truncatingIfNeeded: $0 >> 32) ^ 0x8000_0000) }
    }

    /// Whether every item is in the packed base (no overlay, nothing hidden): what a snapshot
    /// image holds.
    package var isCompact: Bool { overlayIds.isEmpty && hiddenBaseIds.isEmpty }

    /// Number of visible items.
    package var count: Int { base.count - hiddenBaseIds.count + overlayIds.count }
    /// Items held outside the packed base.
    package var overlayCount: Int { overlayIds.count }
    /// Whether an owner should publish `compacted()` instead of this value soon.
    package var needsCompaction: Bool {
        overlayIds.count + hiddenBaseIds.count > LayerIndex.compactionThreshold
    }

    package var memoryBytes: Int {
        base.memoryBytes + baseIdsSorted.capacity * 4 + overlayBoxes.capacity * 8 + overlayIds.capacity * 4
            + hiddenBaseIds.capacity * 4 + overlaySlots.capacity * 16
    }

    private func baseContains(_ id: Int32) -> Bool {
        var low = 0, high = baseIdsSorted.count
        while low < high {
            let mid = (low + high) / 2
            if baseIdsSorted[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < baseIdsSorted.count && baseIdsSorted[low] == id
    }

    /// Whether `id` is a visible item.
    package func contains(_ id: Int32) -> Bool {
        overlaySlots[id] != nil || (!hiddenBaseIds.contains(id) && baseContains(id))
    }

    // MARK: - Edits

    /// Inserts item `id` with the given box, or moves it there if present.
    package mutating func upsert(id: Int32, minX: Double, minY: Double, maxX: Double, maxY: Double) {
        if let slot = overlaySlots[id] {
            overlayBoxes[4 * slot] = minX
            overlayBoxes[4 * slot + 1] = minY
            overlayBoxes[4 * slot + 2] = maxX
            overlayBoxes[4 * slot + 3] = maxY
            return
        }
        if baseContains(id) { hiddenBaseIds.insert(id) }
        overlaySlots[id] = overlayIds.count
        overlayIds.append(id)
        overlayBoxes.append(contentsOf: [minX, minY, maxX, maxY])
    }

    /// Removes item `id`; returns false if it was not present.
    @discardableResult
    package mutating func remove(id: Int32) -> Bool {
        var removed = false
        if let slot = overlaySlots.removeValue(forKey: id) {
            let last = overlayIds.count - 1
            if slot != last {
                let movedId = overlayIds[last]
                overlayIds[slot] = movedId
                overlaySlots[movedId] = slot
                for j in 0..<4 { overlayBoxes[4 * slot + j] = overlayBoxes[4 * last + j] }
            }
            overlayIds.removeLast()
            overlayBoxes.removeLast(4)
            removed = true
        }
        if !hiddenBaseIds.contains(id) && baseContains(id) {
            hiddenBaseIds.insert(id)
            removed = true
        }
        return removed
    }

    /// The same items in a fresh packed tree with an empty overlay: O(n log n), for a background task.
    package func compacted() -> LayerIndex {
        var boxes: [Double] = []
        var ids: [Int32] = []
        boxes.reserveCapacity(count * 4)
        ids.reserveCapacity(count)
        let hidden = hiddenBaseIds
        base.forEachItem { id, minX, minY, maxX, maxY in
            if hidden.isEmpty || !hidden.contains(id) {
                boxes.append(minX); boxes.append(minY); boxes.append(maxX); boxes.append(maxY)
                ids.append(id)
            }
        }
        boxes.append(contentsOf: overlayBoxes)
        ids.append(contentsOf: overlayIds)
        return LayerIndex(boxes: boxes, ids: ids, nodeSize: base.nodeSize)
    }

    // MARK: - Queries

    /// A box holding every item's box (the base's extent and the overlay's boxes; items hidden since
    /// may still count): what a nearest search's metric may assume of every box it will be shown.
    package var extent: (minX: Double, minY: Double, maxX: Double, maxY: Double)? {
        var extent = base.extent
        for i in 0..<overlayIds.count {
            let box = (overlayBoxes[4 * i], overlayBoxes[4 * i + 1], overlayBoxes[4 * i + 2], overlayBoxes[4 * i + 3])
            extent = extent.map { (Swift.min($0.minX, box.0), Swift.min($0.minY, box.1), Swift.max($0.maxX, box.2), Swift.max($0.maxY, box.3)) } ?? box
        }
        return extent
    }

    /// Appends the id of every visible item whose box meets the closed window (base hits first).
    package func search(minX: Double, minY: Double, maxX: Double, maxY: Double, into results: inout [Int32]) {
        let start = results.count
        base.search(minX: minX, minY: minY, maxX: maxX, maxY: maxY, into: &results)
        removeHidden(from: &results, after: start)
        overlayBoxes.withUnsafeBufferPointer { b in
            for i in 0..<overlayIds.count
            where b[4 * i] <= maxX && b[4 * i + 1] <= maxY && b[4 * i + 2] >= minX && b[4 * i + 3] >= minY {
                results.append(overlayIds[i])
            }
        }
    }

    /// As `PackedRTree.search(minX:minY:maxX:maxY:contained:overlapping:)`: hits whose box lies in the
    /// window go to `contained`, the others to `overlapping`.
    package func search(
        minX: Double, minY: Double, maxX: Double, maxY: Double, contained: inout [Int32], overlapping: inout [Int32]
    ) {
        let containedStart = contained.count, overlappingStart = overlapping.count
        base.search(minX: minX, minY: minY, maxX: maxX, maxY: maxY, contained: &contained, overlapping: &overlapping)
        removeHidden(from: &contained, after: containedStart)
        removeHidden(from: &overlapping, after: overlappingStart)
        overlayBoxes.withUnsafeBufferPointer { b in
            for i in 0..<overlayIds.count
            where b[4 * i] <= maxX && b[4 * i + 1] <= maxY && b[4 * i + 2] >= minX && b[4 * i + 3] >= minY {
                if b[4 * i] >= minX && b[4 * i + 2] <= maxX && b[4 * i + 1] >= minY && b[4 * i + 3] <= maxY {
                    contained.append(overlayIds[i])
                } else {
                    overlapping.append(overlayIds[i])
                }
            }
        }
    }

    private func removeHidden(from results: inout [Int32], after start: Int) {
        guard !hiddenBaseIds.isEmpty else { return }
        var kept = start
        for i in start..<results.count where !hiddenBaseIds.contains(results[i]) {
            results[kept] = results[i]
            kept += 1
        }
        results.removeLast(results.count - kept)
    }

    /// k nearest visible items, as `PackedRTree.nearest` (distance, then id), base and overlay merged.
    @inlinable
    public func nearest<Metric: NearestMetric>(
        _ metric: Metric, k: Int, maxDistance: Double = .infinity,
        buffer: inout NearestSearchBuffer, into results: inout [Neighbor]
    ) {
        guard k > 0 else { return }
        let start = results.count
        if hiddenBaseIds.isEmpty {
            base.nearest(metric, k: k, maxDistance: maxDistance, buffer: &buffer, into: &results)
        } else {
            base.nearest(
                HidingMetric(metric: metric, hidden: hiddenBaseIds), k: k, maxDistance: maxDistance,
                buffer: &buffer, into: &results)
        }
        guard !overlayIds.isEmpty else { return }
        // Merge: an overlay item enters if it beats the current k-th (by distance, then id).
        overlayBoxes.withUnsafeBufferPointer { b in
            for i in 0..<overlayIds.count {
                let id = overlayIds[i]
                guard metric.includes(id) else { continue }
                let full = results.count - start == k
                let limit = full ? results[results.count - 1].distance : maxDistance
                if metric.lowerBound(minX: b[4 * i], minY: b[4 * i + 1], maxX: b[4 * i + 2], maxY: b[4 * i + 3]) > limit {
                    continue
                }
                let distance = metric.exactDistance(toItem: id)
                if distance > maxDistance { continue }
                let candidate = Neighbor(id: id, distance: distance)
                if full {
                    let worst = results[results.count - 1]
                    guard candidate.distance < worst.distance || (candidate.distance == worst.distance && id < worst.id)
                    else { continue }
                    results.removeLast()
                }
                // Insertion into the sorted tail.
                var position = results.count
                while position > start {
                    let previous = results[position - 1]
                    if previous.distance < distance || (previous.distance == distance && previous.id < id) { break }
                    position -= 1
                }
                results.insert(candidate, at: position)
            }
        }
    }
}

/// Excludes hidden base ids on top of the caller's filter.
@usableFromInline
struct HidingMetric<Base: NearestMetric>: NearestMetric {
    @usableFromInline let metric: Base
    @usableFromInline let hidden: Set<Int32>

    @inlinable
    init(metric: Base, hidden: Set<Int32>) {
        self.metric = metric
        self.hidden = hidden
    }

    @inlinable
    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double {
        metric.lowerBound(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
    }

    @inlinable
    func exactDistance(toItem id: Int32) -> Double { metric.exactDistance(toItem: id) }

    @inlinable
    func includes(_ id: Int32) -> Bool { !hidden.contains(id) && metric.includes(id) }

    @inlinable
    func itemKey(toItem id: Int32, slot: Int, minX: Double, minY: Double, maxX: Double, maxY: Double, cutoff: Double) -> (key: Double, isExact: Bool) {
        metric.itemKey(toItem: id, slot: slot, minX: minX, minY: minY, maxX: maxX, maxY: maxY, cutoff: cutoff)
    }
}
