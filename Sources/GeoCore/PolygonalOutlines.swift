/// The outlines of a whole layer (parcels or zones) in one flat array, for the exact tests of the
/// hot path: point-in-polygon and polygon–box intersection, with the same rules and arithmetic as
/// `Polygonal.contains` and `Polygonal.intersects` (they share `Ring.crossingParity` and
/// `Ring.edgeMeetsBox`).
///
/// Why: a `Polygonal` reaches its coordinates through two heap objects (the parts array, then the
/// ring's array), and a layer's features sit in an array of larger structs: three dependent cache
/// misses per candidate once a layer outgrows the cache (measured at 1M parcels: zamin-bench). Here
/// a feature costs two — its start in `starts`, then its record — and the records are laid out in
/// the order the caller gives (the spatial index's leaf order), so the candidates of one window lie
/// close together in memory.
///
/// A feature's record in `records`: the number of parts; per part, the number of rings (exterior
/// first, then holes); per ring, the number of positions, then x0, y0, x1, y1, … (closed, as
/// `Ring.xy`). Counts are small integers, exact as doubles.
package struct PolygonalOutlines: Sendable {
    /// Offset of feature i's record in `records`, by feature (the caller's positions 0..<count).
    let starts: [UInt32]
    let records: [Double]
    /// Outlines replaced since the flat arrays were built (an edit that reshapes a feature), each
    /// as a one-feature value: an edit costs one record, not a copy of the layer's. The owner
    /// builds the arrays again once `replacedCount` grows (compaction).
    private var replaced: [Int32: PolygonalOutlines] = [:]

    /// The same outlines with feature `position`'s replaced by `outline`.
    package func replacing(_ position: Int32, with outline: Polygonal) -> PolygonalOutlines {
        var copy = self
        copy.replaced[position] = PolygonalOutlines([outline], layoutOrder: [0])
        return copy
    }

    /// Outlines held outside the flat arrays.
    package var replacedCount: Int { replaced.count }

    /// Outlines of `features` (position i holds `features[i]`), their records laid out in
    /// `layoutOrder` — a permutation of the positions (any order gives the same answers; the
    /// spatial index's leaf order keeps neighbours together). Positions missing from it are
    /// appended in position order.
    package init(_ features: [Polygonal], layoutOrder: [Int32]) {
        var starts = [UInt32](repeating: UInt32.max, count: features.count)
        var records: [Double] = []
        var size = 0
        for feature in features {
            size += 1
            for part in feature.parts {
                size += 2 + part.exterior.xy.count
                for hole in part.holes { size += 1 + hole.xy.count }
            }
        }
        precondition(size < Int(UInt32.max), "outlines of a layer must fit 2³² numbers")
        records.reserveCapacity(size)
        func append(_ position: Int) {
            guard starts[position] == UInt32.max else { return }
            starts[position] = UInt32(records.count)
            let feature = features[position]
            records.append(Double(feature.parts.count))
            for part in feature.parts {
                records.append(Double(1 + part.holes.count))
                for ring in [part.exterior] + part.holes {
                    records.append(Double(ring.count))
                    records.append(contentsOf: ring.xy)
                }
            }
        }
        for position in layoutOrder where position >= 0 && Int(position) < features.count { append(Int(position)) }
        for position in features.indices { append(position) }
        self.starts = starts
        self.records = records
    }

    /// Number of features.
    package var count: Int { starts.count }

    /// The flat arrays, for a snapshot image; nil while outlines are held outside them (the
    /// owner compacts first).
    package var flat: (starts: [UInt32], records: [Double])? { replaced.isEmpty ? (starts, records) : nil }

    /// The outlines that `flat` gave, or nil when the arrays are not well-formed records (a
    /// damaged image is refused here rather than read out of bounds by a lookup later): every
    /// start is the beginning of one record inside `records`, each part has an exterior, each
    /// ring at least four positions.
    package init?(starts: [UInt32], records: [Double]) {
        for start in starts {
            var at = Int(start)
            guard at < records.count, let parts = Self.count(records[at]), parts >= 1 else { return nil }
            at += 1
            for _ in 0..<parts {
                guard at < records.count, let rings = Self.count(records[at]), rings >= 1 else { return nil }
                at += 1
                for _ in 0..<rings {
                    guard at < records.count, let positions = Self.count(records[at]), positions >= 4,
                        at + 1 + 2 * positions <= records.count
                    else { return nil }
                    at += 1 + 2 * positions
                }
            }
        }
        self.starts = starts
        self.records = records
    }

    /// A count stored as a double, if it is one (a whole number in 0…2³¹).
    private static func count(_ value: Double) -> Int? {
        value >= 0 && value <= Double(Int32.max) && value.rounded() == value ? Int(value) : nil
    }

    /// Feature `position`'s bounding box, read from its record (no `Polygonal` made).
    package func bbox(_ position: Int32) -> BoundingBox {
        if !replaced.isEmpty, let outline = replaced[position] { return outline.bbox(0) }
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        var at = Int(starts[Int(position)])
        let parts = Int(records[at])
        at += 1
        for _ in 0..<parts {
            let rings = Int(records[at])
            at += 1
            for ring in 0..<rings {
                let positions = Int(records[at])
                // The exterior bounds the part (as `Polygon.bbox`); holes are skipped.
                if ring == 0 {
                    var i = at + 1
                    while i < at + 1 + 2 * positions {
                        minX = Swift.min(minX, records[i]); maxX = Swift.max(maxX, records[i])
                        minY = Swift.min(minY, records[i + 1]); maxY = Swift.max(maxY, records[i + 1])
                        i += 2
                    }
                }
                at += 1 + 2 * positions
            }
        }
        return BoundingBox(uncheckedMinLon: minX, minLat: minY, maxLon: maxX, maxLat: maxY)
    }

    /// Feature `position`'s outline as a `Polygonal` (the record's parts, rings and positions;
    /// `isMulti` is not in the record).
    package func polygonal(_ position: Int32, isMulti: Bool) -> Polygonal {
        if !replaced.isEmpty, let outline = replaced[position] { return outline.polygonal(0, isMulti: isMulti) }
        var at = Int(starts[Int(position)])
        let partCount = Int(records[at])
        at += 1
        var parts: [Polygon] = []
        parts.reserveCapacity(partCount)
        for _ in 0..<partCount {
            let ringCount = Int(records[at])
            at += 1
            var rings: [Ring] = []
            rings.reserveCapacity(ringCount)
            for _ in 0..<ringCount {
                let positions = Int(records[at])
                rings.append(Ring(xy: Array(records[(at + 1)..<(at + 1 + 2 * positions)])))
                at += 1 + 2 * positions
            }
            parts.append(Polygon(exterior: rings[0], holes: Array(rings.dropFirst())))
        }
        return Polygonal(parts: parts, isMulti: isMulti)
    }

    /// Heap bytes held (starts and records).
    package var memoryBytes: Int { starts.capacity * 4 + records.capacity * 8 }

    /// Whether feature `position` contains (x, y): `Polygonal.contains`'s half-open rule.
    package func contains(_ position: Int32, x: Double, y: Double) -> Bool {
        if !replaced.isEmpty, let outline = replaced[position] { return outline.contains(0, x: x, y: y) }
        return records.withUnsafeBufferPointer { records in
            var at = Int(starts[Int(position)])
            let parts = Int(records[at])
            at += 1
            for _ in 0..<parts {
                let (inside, end) = Self.part(records, at: at, contains: x, y)
                if inside { return true }
                at = end
            }
            return false
        }
    }

    /// Whether feature `position`'s polygon meets the closed box: `Polygonal.intersects`.
    package func intersects(_ position: Int32, minX: Double, minY: Double, maxX: Double, maxY: Double) -> Bool {
        if !replaced.isEmpty, let outline = replaced[position] { return outline.intersects(0, minX: minX, minY: minY, maxX: maxX, maxY: maxY) }
        return records.withUnsafeBufferPointer { records in
            var at = Int(starts[Int(position)])
            let parts = Int(records[at])
            at += 1
            for _ in 0..<parts {
                // An edge of any ring meets the box, or else no boundary does and the box lies wholly
                // inside or outside the part: one corner decides (PolygonBoxIntersection.swift).
                let partStart = at
                let rings = Int(records[at])
                at += 1
                for _ in 0..<rings {
                    let positions = Int(records[at])
                    let ring = UnsafeBufferPointer(rebasing: records[(at + 1)..<(at + 1 + 2 * positions)])
                    if Ring.edgeMeetsBox(ring, minX: minX, minY: minY, maxX: maxX, maxY: maxY) { return true }
                    at += 1 + 2 * positions
                }
                if Self.part(records, at: partStart, contains: minX, minY).inside { return true }
            }
            return false
        }
    }

    /// Point in the part whose record starts at `at` (its ring count), and where the next part starts.
    private static func part(_ records: UnsafeBufferPointer<Double>, at start: Int, contains x: Double, _ y: Double) -> (inside: Bool, end: Int) {
        var at = start
        let rings = Int(records[at])
        at += 1
        var inExterior = false
        var inHoles = false  // parity over the holes, as Polygon.contains toggles
        for ring in 0..<rings {
            let positions = Int(records[at])
            // Exterior first: outside it, the holes need not be read (only skipped).
            if ring == 0 || inExterior {
                let xy = UnsafeBufferPointer(rebasing: records[(at + 1)..<(at + 1 + 2 * positions)])
                let crossed = Ring.crossingParity(xy, x: x, y: y)
                if ring == 0 { inExterior = crossed } else if crossed { inHoles.toggle() }
            }
            at += 1 + 2 * positions
        }
        return (inExterior && !inHoles, at)
    }
}
