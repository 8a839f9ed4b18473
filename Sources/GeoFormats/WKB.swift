package import GeoCore

/// Well-Known Binary (OGC 06-103r4 §8.2, ISO 19125-1), 2D, with the ISO type codes
/// 1 Point, 2 LineString, 3 Polygon, 5 MultiLineString, 6 MultiPolygon. SpatiaLite takes it in
/// `GeomFromWKB(?, 4326)` and gives it back from `AsBinary(geometry)`.
package enum WKB {
    static let pointType: UInt32 = 1
    static let lineStringType: UInt32 = 2
    static let polygonType: UInt32 = 3
    static let multiLineStringType: UInt32 = 5
    static let multiPolygonType: UInt32 = 6

    /// Little-endian (NDR, byte order 1) WKB of `geometry`; a `Polygonal` is a Polygon or a
    /// MultiPolygon as it was read (`isMulti`).
    package static func encode(_ geometry: Geometry) -> [UInt8] {
        var bytes: [UInt8] = []
        switch geometry {
        case .point(let point):
            bytes.reserveCapacity(21)
            header(pointType, to: &bytes)
            append(point.lon, to: &bytes)
            append(point.lat, to: &bytes)
        case .lineString(let line):
            bytes.reserveCapacity(9 + 16 * line.count)
            lineString(line, to: &bytes)
        case .multiLineString(let lines):
            header(multiLineStringType, to: &bytes)
            append(UInt32(lines.count), to: &bytes)
            for line in lines { lineString(line, to: &bytes) }
        case .polygonal(let polygonal):
            if polygonal.isMulti {
                header(multiPolygonType, to: &bytes)
                append(UInt32(polygonal.parts.count), to: &bytes)
                for polygon in polygonal.parts { self.polygon(polygon, to: &bytes) }
            } else {
                polygon(polygonal.parts[0], to: &bytes)
            }
        }
        return bytes
    }

    private static func header(_ type: UInt32, to bytes: inout [UInt8]) {
        bytes.append(1)  // NDR: little-endian
        append(type, to: &bytes)
    }

    private static func lineString(_ line: [Coordinate], to bytes: inout [UInt8]) {
        header(lineStringType, to: &bytes)
        append(UInt32(line.count), to: &bytes)
        for coordinate in line {
            append(coordinate.lon, to: &bytes)
            append(coordinate.lat, to: &bytes)
        }
    }

    /// §8.2.7: a polygon is its number of rings, then each ring as a point count and points.
    private static func polygon(_ polygon: Polygon, to bytes: inout [UInt8]) {
        header(polygonType, to: &bytes)
        append(UInt32(1 + polygon.holes.count), to: &bytes)
        ring(polygon.exterior, to: &bytes)
        for hole in polygon.holes { ring(hole, to: &bytes) }
    }

    private static func ring(_ ring: Ring, to bytes: inout [UInt8]) {
        append(UInt32(ring.count), to: &bytes)
        for value in ring.xy.prefix(ring.count * 2) { append(value, to: &bytes) }
    }

    @inline(__always)
    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    private static func append(_ value: Double, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    // MARK: Decoding

    /// Reads one 2D geometry of the five types, little- or big-endian (each nested geometry
    /// has its own byte-order byte, §8.2.3). Never traps: counts are checked against the bytes
    /// left before anything is allocated. Rejects NaN, infinity and coordinates outside WGS 84
    /// degree ranges (our `Coordinate` cannot hold them), empty geometries, and trailing bytes.
    package static func decode(_ bytes: [UInt8]) throws(GeoFormatError) -> Geometry {
        try bytes.withUnsafeBufferPointer { (buffer) throws(GeoFormatError) -> Geometry in try decode(UnsafeRawBufferPointer(buffer)) }
    }

    package static func decode(_ bytes: UnsafeRawBufferPointer) throws(GeoFormatError) -> Geometry {
        var reader = WKBReader(bytes: bytes)
        let geometry = try reader.geometry()
        guard reader.offset == bytes.count else { throw .invalidWKB(.trailingBytes, byteOffset: reader.offset) }
        return geometry
    }
}

private struct WKBReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    var isLittleEndian = true

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func error(_ problem: WKBProblem, at offset: Int? = nil) -> GeoFormatError {
        .invalidWKB(problem, byteOffset: offset ?? self.offset)
    }

    mutating func uint32() throws(GeoFormatError) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw error(.truncated, at: bytes.count) }
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return isLittleEndian ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
    }

    mutating func double() throws(GeoFormatError) -> Double {
        guard bytes.count - offset >= 8 else { throw error(.truncated, at: bytes.count) }
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return Double(bitPattern: isLittleEndian ? UInt64(littleEndian: raw) : UInt64(bigEndian: raw))
    }

    /// Reads a byte order and a type code; returns the code.
    mutating func header() throws(GeoFormatError) -> UInt32 {
        guard offset < bytes.count else { throw error(.truncated, at: bytes.count) }
        let order = bytes[offset]
        guard order <= 1 else { throw error(.invalidByteOrder(order)) }
        isLittleEndian = order == 1
        offset += 1
        return try uint32()
    }

    /// A count of items of at least `itemSize` bytes each, checked against the bytes left.
    mutating func count(itemSize: Int) throws(GeoFormatError) -> Int {
        let start = offset
        let count = Int(try uint32())
        guard count <= (bytes.count - offset) / itemSize else { throw error(.truncated, at: start) }
        guard count > 0 else { throw error(.emptyGeometry, at: start) }
        return count
    }

    mutating func coordinate() throws(GeoFormatError) -> Coordinate {
        let start = offset
        let lon = try double()
        let lat = try double()
        guard let coordinate = Coordinate(lon: lon, lat: lat) else { throw error(.coordinateOutOfRange, at: start) }
        return coordinate
    }

    mutating func coordinates() throws(GeoFormatError) -> [Coordinate] {
        let count = try count(itemSize: 16)
        var result: [Coordinate] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try coordinate()) }
        return result
    }

    mutating func ring() throws(GeoFormatError) -> Ring {
        let count = try count(itemSize: 16)
        var xy: [Double] = []
        xy.reserveCapacity(2 * count)
        for _ in 0..<count {
            let coordinate = try coordinate()
            xy.append(coordinate.lon)
            xy.append(coordinate.lat)
        }
        return Ring(xy: xy)
    }

    /// §8.2.7 body (after the header).
    mutating func polygonBody() throws(GeoFormatError) -> Polygon {
        let ringCount = try count(itemSize: 4)
        let exterior = try ring()
        var holes: [Ring] = []
        for _ in 1..<ringCount { holes.append(try ring()) }
        return Polygon(exterior: exterior, holes: holes)
    }

    mutating func member(_ expected: UInt32) throws(GeoFormatError) {
        let start = offset
        let type = try header()
        guard type == expected else { throw error(.unexpectedMemberType(expected: expected, found: type), at: start) }
    }

    mutating func geometry() throws(GeoFormatError) -> Geometry {
        let start = offset
        switch try header() {
        case WKB.pointType:
            return .point(try coordinate())
        case WKB.lineStringType:
            return .lineString(try coordinates())
        case WKB.polygonType:
            return .polygonal(Polygonal(try polygonBody()))
        case WKB.multiLineStringType:
            let count = try count(itemSize: 9)
            var lines: [[Coordinate]] = []
            lines.reserveCapacity(count)
            for _ in 0..<count {
                try member(WKB.lineStringType)
                lines.append(try coordinates())
            }
            return .multiLineString(lines)
        case WKB.multiPolygonType:
            let count = try count(itemSize: 9)
            var polygons: [Polygon] = []
            polygons.reserveCapacity(count)
            for _ in 0..<count {
                try member(WKB.polygonType)
                polygons.append(try polygonBody())
            }
            return .polygonal(Polygonal(parts: polygons, isMulti: true))
        case let type:
            throw error(.unsupportedType(type), at: start + 1)
        }
    }
}
