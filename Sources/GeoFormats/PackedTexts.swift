/// Many short byte strings in one array, one end offset each: the store of texts rendered once and
/// copied into responses (`RenderedGeometries`, the API's pre-rendered feature properties). One
/// allocation instead of one per text, and a text is found with one offset read.
package struct PackedTexts: Sendable {
    /// ends[i]: one past the last byte of text i (text i starts where i − 1 ends).
    private var ends: [Int] = []
    private var text: [UInt8] = []

    package init(reservingCapacity count: Int = 0, textBytes: Int = 0) {
        ends.reserveCapacity(count)
        text.reserveCapacity(textBytes)
    }

    /// The texts of `text` that end at `ends`, in order (what a writer produced in one buffer).
    package init(text: [UInt8], ends: [Int]) {
        precondition(Self.areValid(text: text, ends: ends), "ends out of order")
        self.text = text
        self.ends = ends
    }

    /// The texts of `text` that end at `ends`, or nil when the ends are out of order or past
    /// the text (a damaged snapshot image).
    package init?(validatingText text: [UInt8], ends: [Int]) {
        guard Self.areValid(text: text, ends: ends) else { return nil }
        self.text = text
        self.ends = ends
    }

    /// Whether `ends` cut `text` into texts: in order, from 0 to its end.
    private static func areValid(text: [UInt8], ends: [Int]) -> Bool {
        (ends.first ?? 0) >= 0 && zip(ends, ends.dropFirst()).allSatisfy { $0 <= $1 } && (ends.last ?? 0) == text.count
    }

    /// The text and the end offsets, for a snapshot image.
    package var packed: (text: [UInt8], ends: [Int]) { (text, ends) }

    /// Adds `bytes` as the next text.
    package mutating func append(_ bytes: some Sequence<UInt8>) {
        text.append(contentsOf: bytes)
        ends.append(text.count)
    }

    /// Number of texts.
    package var count: Int { ends.count }

    /// Heap bytes held.
    package var memoryBytes: Int { ends.capacity * 8 + text.capacity }

    /// Calls `body` with text `index`.
    package func withText<Result>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        let start = index == 0 ? 0 : ends[index - 1]
        return try text.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<ends[index]])) }
    }
}
