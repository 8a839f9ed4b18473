/// An array kept in chunks of 512 elements, so that a copy with one element replaced copies one
/// chunk and the list of chunks (on 100k parcels: 512 parcels and 196 references) instead of every
/// element: what lets an edit publish a new snapshot in O(chunk) while readers keep the old one
/// (issue 16 point 8; perf of a PATCH on the 100k city: 55 % of its CPU was copying and releasing
/// the parcel array). Reading an element costs one more indirection than an array.
package struct ChunkedArray<Element: Sendable>: RandomAccessCollection, MutableCollection, Sendable {
    private static var shift: Int { 9 }
    private static var mask: Int { (1 << shift) - 1 }
    private var chunks: [[Element]]
    package private(set) var count: Int

    package init<Elements: Sequence<Element>>(_ elements: Elements) {
        var chunks: [[Element]] = []
        var chunk: [Element] = []
        chunk.reserveCapacity(1 << Self.shift)
        var count = 0
        for element in elements {
            chunk.append(element)
            count += 1
            if chunk.count == 1 << Self.shift {
                chunks.append(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { chunks.append(chunk) }
        self.chunks = chunks
        self.count = count
    }

    package init() { self.init([]) }

    /// `count` elements made by `element(position)`, each chunk on one of the cores at once.
    static func build(count: Int, _ element: @Sendable (Int) -> Element) -> ChunkedArray {
        let chunkCount = (count + (1 << shift) - 1) >> shift
        let chunks = Parallel.map(0..<chunkCount) { chunk in
            (chunk << shift..<Swift.min(count, (chunk + 1) << shift)).map(element)
        }
        var array = ChunkedArray()
        array.chunks = chunks
        array.count = count
        return array
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { count }

    package subscript(position: Int) -> Element {
        // A read accessor, not a getter: `parcels[i].currentUse` borrows the element instead of
        // copying it (a copy of a parcel retains its five strings and its outline; perf of a 1M
        // start-up: 9 % in a parcel's copy and release).
        _read {
            precondition(position >= 0 && position < count, "index out of range")
            yield chunks[position &>> Self.shift][position & Self.mask]
        }
        set {
            precondition(position >= 0 && position < count, "index out of range")
            chunks[position &>> Self.shift][position & Self.mask] = newValue
        }
    }
}
