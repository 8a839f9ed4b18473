package import GeoCore

/// The geometries of a layer as GeoJSON text (RFC 7946 §3.1), written once with a fixed number of
/// decimals and kept in one byte array: a response in that form copies a feature's geometry
/// instead of formatting its numbers again.
///
/// Why: formatting coordinates was the largest single cost of an OGC items page (≈ 12 % of the
/// server's CPU for 100 parcels, perf on zamin serve), and outlines never change while the server
/// runs (edits change attributes only), so the text is the same for every request in CRS84. The
/// price is memory: the text of a parcel is about the size of its coordinates (~190 bytes for the
/// generated city's parcels).
package struct RenderedGeometries: Sendable {
    /// Decimals every coordinate was written with.
    package let decimals: Int
    /// ends[i]: one past the last byte of geometry i (geometry i starts where i − 1 ends).
    private let ends: [Int]
    private let text: [UInt8]

    package init(_ geometries: some Sequence<Geometry>, decimals: Int) {
        self.decimals = decimals
        var text: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(geometries.underestimatedCount)
        for geometry in geometries {
            var writer = GeoJSONWriter(decimals: decimals)
            writer.geometry(geometry)
            text.append(contentsOf: writer.json.bytes)
            ends.append(text.count)
        }
        self.ends = ends
        self.text = text
    }

    /// Number of geometries.
    package var count: Int { ends.count }

    /// Heap bytes held.
    package var memoryBytes: Int { ends.capacity * 8 + text.capacity }

    /// Calls `body` with geometry `index`'s JSON text.
    package func withJSON<Result>(of index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        let start = index == 0 ? 0 : ends[index - 1]
        return try text.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<ends[index]])) }
    }
}
