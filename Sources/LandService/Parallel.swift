import Dispatch

/// Building a snapshot from the whole city on every core: a node is out of service until it has
/// built one (issue 17 point 8), and its parts — the index and outlines, the rendered GeoJSON,
/// the search keys — depend only on the sorted features, not on each other.
enum Parallel {
    /// `first()` and `second()` at once, on the calling thread and one of Dispatch's; both
    /// results when both are done. The caller blocks: use it for CPU-bound work only.
    static func both<A: Sendable, B: Sendable>(_ first: @Sendable () -> A, _ second: @Sendable () -> B) -> (A, B) {
        let results = Results<A, B>()
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            if half == 0 { results.first = first() } else { results.second = second() }
        }
        return (results.first!, results.second!)
    }

    /// `body` once for each of a few slices of `0..<count`, the slices at once; each call
    /// may write only what belongs to its own slice.
    static func forEachSlice(of count: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let slices = min(count, 2 * max(1, activeProcessorCount))
        guard slices > 1 else {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            body(count * slice / slices..<count * (slice + 1) / slices)
        }
    }

    /// `transform` of every item, in order, computed over slices at once.
    static func map<Items: RandomAccessCollection & Sendable, Result: Sendable>(
        _ items: Items, _ transform: @Sendable (Items.Element) -> Result
    ) -> [Result] where Items.Index == Int {
        let count = items.count
        guard count > 0 else { return [] }
        return [Result](unsafeUninitializedCapacity: count) { buffer, initialized in
            let target = Target(base: buffer.baseAddress!)
            forEachSlice(of: count) { range in
                for offset in range {
                    (target.base + offset).initialize(to: transform(items[items.startIndex + offset]))
                }
            }
            initialized = count
        }
    }

    /// `update` of every element of `items` in place, over slices at once: no second array
    /// (at 1M parcels a copy of the loaded rows was 150 MB more at the start-up's peak).
    static func updateInPlace<Element>(_ items: inout [Element], _ update: @Sendable (inout Element) -> Void) {
        let count = items.count
        items.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let target = Target(base: base)
            forEachSlice(of: count) { range in
                for offset in range { update(&(target.base + offset).pointee) }
            }
        }
    }

    /// The start of a buffer whose slices different threads initialise, never the same element.
    private struct Target<Element>: @unchecked Sendable {
        let base: UnsafeMutablePointer<Element>
    }

    private static let activeProcessorCount = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// Written by exactly one iteration each, read after `concurrentPerform` returns (which
    /// orders the writes before the reads).
    private final class Results<A, B>: @unchecked Sendable {
        var first: A?
        var second: B?
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
