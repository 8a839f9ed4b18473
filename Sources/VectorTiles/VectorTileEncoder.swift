package import GeoCore

/// A value of a feature's attribute in a tile (MVT 2.1 §4.1 `Value`).
package enum TileValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
}

/// A Mapbox Vector Tile 2.1 (protobuf, `application/vnd.mapbox-vector-tile`) written layer by
/// layer: features are projected to the tile's units (extent 4096, y down), clipped to the tile
/// widened by `buffer` units on each side, rounded to whole units, and encoded with the spec's
/// commands (§4.3: MoveTo, LineTo, ClosePath, zigzag deltas from one cursor per feature).
///
/// Polygons (§4.3.4.4): each is clipped to the widened tile as polygons of their own
/// (`RectangleClipping`), every ring rounded, rid of repeated and collinear points, and dropped
/// when it no longer encloses an area, then made valid again where rounding broke it
/// (`RoundedPolygonRepair`); an outer ring is written clockwise in tile units (positive
/// surveyor's area, y down) and a hole counter-clockwise. A polygon whose box is under
/// `minimumSize` units both ways (below a pixel at that zoom) is left out.
package struct VectorTileEncoder {
    package static let extent = 4096
    package let address: TileAddress
    let buffer: Double
    let minimumSize: Double
    private var tile = ProtobufWriter()
    private var layer: LayerBuilder?
    private var scratch = ProtobufWriter()

    /// `buffer` and `minimumSize` in tile units.
    package init(_ address: TileAddress, buffer: Int = 64, minimumSize: Double = 0) {
        self.address = address
        self.buffer = Double(buffer)
        self.minimumSize = minimumSize
    }

    /// Whether any layer so far holds a feature.
    package private(set) var isEmpty = true

    package mutating func beginLayer(_ name: String) {
        finishLayer()
        layer = LayerBuilder(name: name)
    }

    /// Adds a polygon or multipolygon; false when nothing of it is left in the tile.
    @discardableResult
    package mutating func addPolygonal(_ polygonal: Polygonal, id: UInt64, properties: [(String, TileValue)]) -> Bool {
        var commands: [UInt32] = []
        var cursor = (0, 0)
        let extent = Double(Self.extent)
        let clipping = RectangleClipping(low: -buffer, high: extent + buffer)
        var kept = false
        for polygon in polygonal.parts {
            let rings = ([polygon.exterior] + polygon.holes).map { tileUnits($0.xy, extent: extent) }
            for piece in clipping.clip(rings) {
                // Orientation was set before rounding; a ring that rounding turned over or
                // flattened encloses nothing any more and is left out.
                guard let outer = Self.rounded(piece[0]), RoundedPolygonRepair.area(outer) > 0 else { continue }
                if minimumSize > 0 {
                    let xs = outer.map(\.0), ys = outer.map(\.1)
                    if xs.max()! - xs.min()! < Int(minimumSize), ys.max()! - ys.min()! < Int(minimumSize) { continue }
                }
                let holes = piece.dropFirst().compactMap { Self.rounded($0) }.filter { RoundedPolygonRepair.area($0) < 0 }
                for valid in RoundedPolygonRepair.repair(outline: outer, holes: holes) {
                    for ring in valid { Self.encode(ring, into: &commands, cursor: &cursor) }
                    kept = true
                }
            }
        }
        guard kept else { return false }
        add(id: id, type: 3, commands: commands, properties: properties)
        return true
    }

    /// Adds a rectangle given in whole tile units (a cell of a generalised layer), without an id,
    /// its attributes as tags of this layer (`tag(_:_:)`): a city-scale tile writes thousands of
    /// cells that share a handful of attributes.
    package mutating func addRectangle(minX: Int, minY: Int, maxX: Int, maxY: Int, tags: [UInt32]) {
        var commands: [UInt32] = []
        var cursor = (0, 0)
        // Clockwise with y down: along the top edge, then down, back, up.
        Self.encode([(minX, minY), (maxX, minY), (maxX, maxY), (minX, maxY)], into: &commands, cursor: &cursor)
        add(id: nil, type: 3, commands: commands, tags: tags)
    }

    /// The indexes of `key` and `value` among this layer's keys and values (MVT 2.1 §4.1).
    package mutating func tag(_ key: String, _ value: TileValue) -> (UInt32, UInt32) {
        guard layer != nil else { return (0, 0) }
        return (layer!.key(key), layer!.value(value))
    }

    /// The tile units of (lon, lat), rounded.
    package func units(lon: Double, lat: Double) -> (x: Int, y: Int) {
        let (x, y) = address.tileUnits(lon: lon, lat: lat, extent: Double(Self.extent))
        return (Int(x.rounded()), Int(y.rounded()))
    }

    /// Adds a point; false when it lies beyond the widened tile.
    @discardableResult
    package mutating func addPoint(lon: Double, lat: Double, id: UInt64, properties: [(String, TileValue)]) -> Bool {
        let (x, y) = address.tileUnits(lon: lon, lat: lat, extent: Double(Self.extent))
        guard x >= -buffer, x <= Double(Self.extent) + buffer, y >= -buffer, y <= Double(Self.extent) + buffer else { return false }
        let px = Int(x.rounded()), py = Int(y.rounded())
        add(id: id, type: 1, commands: [Self.command(1, count: 1), Self.zigzag(px), Self.zigzag(py)], properties: properties)
        return true
    }

    /// The tile's bytes (every layer finished).
    package mutating func bytes() -> [UInt8] {
        finishLayer()
        return tile.bytes
    }

    // MARK: - layers and features

    private mutating func add(id: UInt64?, type: UInt64, commands: [UInt32], properties: [(String, TileValue)]) {
        var tags: [UInt32] = []
        tags.reserveCapacity(properties.count * 2)
        for (key, value) in properties {
            let (k, v) = tag(key, value)
            tags += [k, v]
        }
        add(id: id, type: type, commands: commands, tags: tags)
    }

    private mutating func add(id: UInt64?, type: UInt64, commands: [UInt32], tags: [UInt32]) {
        guard layer != nil else { return }
        // One feature's bytes in a buffer kept from feature to feature: no allocation each.
        scratch.removeAll()
        if let id { scratch.varint(field: 1, id) }
        scratch.packed(field: 2, tags)
        scratch.varint(field: 3, type)
        scratch.packed(field: 4, commands)
        layer!.features.message(field: 2, scratch)
        layer!.count += 1
        isEmpty = false
    }

    private mutating func finishLayer() {
        guard let finished = layer else { return }
        layer = nil
        guard finished.count > 0 else { return }
        var message = ProtobufWriter()
        message.varint(field: 15, 2)
        message.string(field: 1, finished.name)
        message.append(finished.features)
        for key in finished.keys.items { message.string(field: 3, key) }
        for value in finished.values.items {
            var encoded = ProtobufWriter()
            switch value {
            case .string(let text): encoded.string(field: 1, text)
            case .integer(let number):
                // §4.1: int_value (4) for the non-negative, sint_value (6, zigzag) for the negative.
                if number >= 0 { encoded.varint(field: 4, UInt64(number)) } else { encoded.varint(field: 6, UInt64(bitPattern: (number << 1) ^ (number >> 63))) }
            }
            message.message(field: 4, encoded)
        }
        message.varint(field: 5, UInt64(Self.extent))
        tile.message(field: 3, message)
    }

    private struct LayerBuilder {
        let name: String
        var features = ProtobufWriter()
        var count = 0
        var keys = Interned<String>()
        var values = Interned<TileValue>()

        mutating func key(_ key: String) -> UInt32 { keys.index(of: key) }
        mutating func value(_ value: TileValue) -> UInt32 { values.index(of: value) }
    }

    /// A layer's keys or values (MVT 2.1 §4.1): each distinct one once, in first-use order,
    /// features referring to them by index.
    private struct Interned<Item: Hashable> {
        private(set) var items: [Item] = []
        private var indexes: [Item: UInt32] = [:]

        mutating func index(of item: Item) -> UInt32 {
            if let index = indexes[item] { return index }
            let index = UInt32(items.count)
            items.append(item)
            indexes[item] = index
            return index
        }
    }

    // MARK: - geometry

    /// A ring (closed flat x, y in lon/lat) in tile units, without the closing repeat.
    private func tileUnits(_ xy: [Double], extent: Double) -> [(x: Double, y: Double)] {
        var points: [(x: Double, y: Double)] = []
        points.reserveCapacity(xy.count / 2)
        var i = 0
        while i + 1 < xy.count {
            points.append(address.tileUnits(lon: xy[i], lat: xy[i + 1], extent: extent))
            i += 2
        }
        if points.count > 1, points[0] == points[points.count - 1] { points.removeLast() }
        return points
    }

    /// A ring in whole units, rid of repeated points and of points on the line through their
    /// neighbours; nil when it no longer encloses an area.
    static func rounded(_ points: [(x: Double, y: Double)]) -> [(Int, Int)]? {
        RoundedPolygonRepair.simplified(points.map { (Int($0.x.rounded()), Int($0.y.rounded())) })
    }

    /// One ring: MoveTo its first point, LineTo the others, ClosePath (§4.3.4.4).
    static func encode(_ ring: [(Int, Int)], into commands: inout [UInt32], cursor: inout (Int, Int)) {
        for (index, point) in ring.enumerated() {
            if index == 0 { commands.append(command(1, count: 1)) }
            if index == 1 { commands.append(command(2, count: UInt32(ring.count - 1))) }
            commands.append(zigzag(point.0 - cursor.0))
            commands.append(zigzag(point.1 - cursor.1))
            cursor = point
        }
        commands.append(command(7, count: 1))
    }

    @inline(__always)
    static func command(_ id: UInt32, count: UInt32) -> UInt32 { (id & 0x7) | (count << 3) }

    @inline(__always)
    static func zigzag(_ value: Int) -> UInt32 { UInt32(truncatingIfNeeded: (value << 1) ^ (value >> 63)) }
}

/// Protocol Buffers' wire format, as much as a vector tile needs: varints, length-delimited
/// strings, nested messages and packed repeated varints.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func rawVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func varint(field: Int, _ value: UInt64) {
        rawVarint(UInt64(field << 3))
        rawVarint(value)
    }

    mutating func string(field: Int, _ text: String) {
        rawVarint(UInt64(field << 3 | 2))
        let utf8 = Array(text.utf8)
        rawVarint(UInt64(utf8.count))
        bytes += utf8
    }

    mutating func message(field: Int, _ message: ProtobufWriter) {
        rawVarint(UInt64(field << 3 | 2))
        rawVarint(UInt64(message.bytes.count))
        bytes += message.bytes
    }

    mutating func packed(field: Int, _ values: [UInt32]) {
        guard !values.isEmpty else { return }
        var length = 0
        for value in values { length += Self.varintSize(UInt64(value)) }
        rawVarint(UInt64(field << 3 | 2))
        rawVarint(UInt64(length))
        for value in values { rawVarint(UInt64(value)) }
    }

    static func varintSize(_ value: UInt64) -> Int {
        var size = 1, value = value
        while value >= 0x80 {
            value >>= 7
            size += 1
        }
        return size
    }

    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    mutating func append(_ other: ProtobufWriter) { bytes += other.bytes }
}
