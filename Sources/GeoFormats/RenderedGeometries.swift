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
    private let texts: PackedTexts
    /// Texts of geometries replaced since `texts` was written (an edit that reshapes a feature):
    /// an edit renders one geometry, not the layer. The owner renders the layer again once
    /// `replacedCount` grows (compaction).
    private var replaced: [Int: [UInt8]] = [:]

    /// The same texts with geometry `index`'s replaced by `geometry`'s.
    package func replacing(_ index: Int, with geometry: Geometry) -> RenderedGeometries {
        var copy = self
        var writer = GeoJSONWriter(decimals: decimals)
        writer.geometry(geometry)
        copy.replaced[index] = writer.json.bytes
        return copy
    }

    /// Texts held outside the packed array.
    package var replacedCount: Int { replaced.count }

    package init(_ geometries: some Sequence<Geometry>, decimals: Int) {
        self.decimals = decimals
        // One writer for all of them, each text ending where the next begins: a buffer per
        // geometry was a fifth of this (perf, 1M parcels' start-up).
        var writer = GeoJSONWriter(decimals: decimals)
        var ends: [Int] = []
        ends.reserveCapacity(geometries.underestimatedCount)
        for geometry in geometries {
            writer.geometry(geometry)
            writer.json.startAnotherValue()
            ends.append(writer.json.bytes.count)
        }
        self.texts = PackedTexts(text: writer.takeBytes(), ends: ends)
    }

    /// Texts rendered before (a snapshot image's), with the decimals they were written with.
    package init(decimals: Int, texts: PackedTexts) {
        self.decimals = decimals
        self.texts = texts
    }

    /// The packed texts, for a snapshot image; nil while texts are held outside them.
    package var packed: PackedTexts? { replaced.isEmpty ? texts : nil }

    /// Number of geometries.
    package var count: Int { texts.count }

    /// Heap bytes held.
    package var memoryBytes: Int { texts.memoryBytes }

    /// Calls `body` with geometry `index`'s JSON text.
    package func withJSON<Result>(of index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if !replaced.isEmpty, let text = replaced[index] { return try text.withUnsafeBufferPointer(body) }
        return try texts.withText(index, body)
    }
}
