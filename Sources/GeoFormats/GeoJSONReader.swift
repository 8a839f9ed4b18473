import GeoCore

/// Everything read from a FeatureCollection: the good features and, for each feature skipped,
/// why. Both in document order.
package struct FeatureCollectionReading: Sendable {
    package var features: [GeoJSONFeature]
    package var problems: [FeatureProblem]
}

/// One element of `features`: a feature, or the reason it was skipped.
package enum FeatureReadResult: Sendable {
    case feature(GeoJSONFeature)
    case problem(FeatureProblem)
}

/// Reads a GeoJSON FeatureCollection (RFC 7946 §3.3) straight from UTF-8 bytes. Coordinates go
/// straight into flat `[Double]` rings, without a `JSONValue` tree; `properties` are read
/// as `JSONObject`. A feature that is valid JSON but not a usable feature becomes a
/// `FeatureProblem` and reading goes on; text that is not JSON, or a document that is not a
/// FeatureCollection, throws `GeoFormatError` with the byte offset.
///
/// One feature at a time (`next()`), so an importer can write features as they come:
///
///     var reader = try GeoJSONReader(bytes)
///     while let result = try reader.next() { … }
package struct GeoJSONReader: Sendable {
    private let bytes: Bytes
    private var position = 0

    /// The document: an array, or memory someone else owns (a mapped file), kept alive by
    /// `owner` and never written.
    private enum Bytes: @unchecked Sendable {
        case array([UInt8])
        case borrowed(UnsafeBufferPointer<UInt8>, owner: any AnyObject & Sendable)

        func withBuffer<Result>(
            _ body: (UnsafeBufferPointer<UInt8>) throws(GeoFormatError) -> Result
        ) throws(GeoFormatError) -> Result {
            switch self {
            case .array(let array):
                return try array.withUnsafeBufferPointer { (buffer) throws(GeoFormatError) -> Result in try body(buffer) }
            case .borrowed(let buffer, let owner):
                return try withExtendedLifetime(owner) { () throws(GeoFormatError) -> Result in try body(buffer) }
            }
        }
    }

    /// How far the reader has read: the bytes before it are not read again.
    package var byteOffset: Int { position }
    private var state: State

    /// What the reader knows between features.
    private struct State: Sendable {
        let allowsNullGeometry: Bool
        var nextIndex = 0
        var hasSeenType = false
        var isDone = false
    }

    /// Reads the whole collection.
    /// - Parameter allowsNullGeometry: accept `"geometry": null` (RFC 7946 §3.2, an unlocated
    ///   feature) as a feature with a nil geometry instead of a `.missingGeometry` problem.
    package static func readFeatureCollection(
        _ bytes: [UInt8], allowsNullGeometry: Bool = false
    ) throws(GeoFormatError) -> FeatureCollectionReading {
        var reader = try GeoJSONReader(bytes, allowsNullGeometry: allowsNullGeometry)
        var reading = FeatureCollectionReading(features: [], problems: [])
        while let result = try reader.next() {
            switch result {
            case .feature(let feature): reading.features.append(feature)
            case .problem(let problem): reading.problems.append(problem)
            }
        }
        return reading
    }

    /// Reads up to the first feature. Members before `features` are checked (`type`) or skipped.
    package init(_ bytes: [UInt8], allowsNullGeometry: Bool = false) throws(GeoFormatError) {
        try self.init(.array(bytes), allowsNullGeometry: allowsNullGeometry)
    }

    /// Reads memory that `owner` keeps alive and nobody writes while the reader lives (a mapped
    /// file), without copying it.
    package init(borrowing bytes: UnsafeBufferPointer<UInt8>, owner: any AnyObject & Sendable, allowsNullGeometry: Bool = false) throws(GeoFormatError) {
        try self.init(.borrowed(bytes, owner: owner), allowsNullGeometry: allowsNullGeometry)
    }

    private init(_ bytes: Bytes, allowsNullGeometry: Bool) throws(GeoFormatError) {
        self.bytes = bytes
        self.state = State(allowsNullGeometry: allowsNullGeometry)
        // RFC 8259 §8.1: a byte order mark may be ignored.
        let hasMark = try bytes.withBuffer { (buffer) throws(GeoFormatError) in buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF }
        if hasMark { position = 3 }
        try withScanner { (scanner, state) throws(GeoFormatError) in
            guard try scanner.peek() == UInt8(ascii: "{") else {
                throw .notFeatureCollection(.notAnObject, byteOffset: scanner.position)
            }
            scanner.position += 1
            if try scanner.consume(UInt8(ascii: "}")) {
                throw .notFeatureCollection(.missingFeatures, byteOffset: scanner.position - 1)
            }
            while true {
                let key = try scanner.readRawKey()
                if try scanner.key(key, is: "features") {
                    guard try scanner.peek() == UInt8(ascii: "[") else {
                        throw .notFeatureCollection(.featuresNotAnArray, byteOffset: scanner.position)
                    }
                    scanner.position += 1
                    if try scanner.consume(UInt8(ascii: "]")) {
                        try Self.finishCollection(&scanner, &state)
                    }
                    return
                }
                try Self.readCollectionMember(key, &scanner, &state)
                if try !scanner.consume(UInt8(ascii: ",")) {
                    try scanner.expect(UInt8(ascii: "}"))
                    throw .notFeatureCollection(.missingFeatures, byteOffset: scanner.position - 1)
                }
            }
        }
    }

    /// The next feature or problem; nil after the last one, once the rest of the document
    /// has been checked.
    package mutating func next() throws(GeoFormatError) -> FeatureReadResult? {
        guard !state.isDone else { return nil }
        return try withScanner { (scanner, state) throws(GeoFormatError) -> FeatureReadResult? in
            if state.nextIndex > 0 {
                if try scanner.consume(UInt8(ascii: "]")) {
                    try Self.finishCollection(&scanner, &state)
                    return nil
                }
                try scanner.expect(UInt8(ascii: ","))
            }
            let index = state.nextIndex
            state.nextIndex += 1
            var reader = FeatureReader(scanner: scanner, allowsNullGeometry: state.allowsNullGeometry)
            let result = try reader.readFeature(index: index)
            scanner = reader.scanner
            return result
        }
    }

    /// Runs `body` on a scanner at `position` and stores where it stopped; on a throw the reader
    /// is done, so a failed reader cannot be resumed mid-token.
    private mutating func withScanner<Result>(
        _ body: (inout JSONScanner, inout State) throws(GeoFormatError) -> Result
    ) throws(GeoFormatError) -> Result {
        let bytes = self.bytes
        var state = self.state
        var scanner = JSONScanner(UnsafeBufferPointer(start: nil, count: 0), maxDepth: 0)
        let start = position
        var end = start
        do {
            let result = try bytes.withBuffer { (buffer) throws(GeoFormatError) -> Result in
                scanner = JSONScanner(buffer, position: start, maxDepth: JSONParser.defaultMaxDepth)
                defer { end = scanner.position }
                return try body(&scanner, &state)
            }
            position = end
            self.state = state
            return result
        } catch {
            self.state.isDone = true
            throw error
        }
    }

    /// A top-level member other than `features`: `type` must say FeatureCollection; others
    /// (`bbox`, foreign members, RFC 7946 §6.1) are skipped.
    private static func readCollectionMember(
        _ key: (start: Int, end: Int, hasEscapes: Bool), _ scanner: inout JSONScanner, _ state: inout State
    ) throws(GeoFormatError) {
        guard try scanner.key(key, is: "type") else {
            try scanner.skipValue()
            return
        }
        let valueStart = scanner.position
        guard try scanner.peek() == UInt8(ascii: "\"") else {
            throw .notFeatureCollection(.typeNotFeatureCollection, byteOffset: valueStart)
        }
        let value = try scanner.readRawString()
        guard try scanner.key(value, is: "FeatureCollection") else {
            throw .notFeatureCollection(.typeNotFeatureCollection, byteOffset: value.start - 1)
        }
        state.hasSeenType = true
    }

    /// After `]` of `features`: the remaining members, `}`, and nothing but white space.
    private static func finishCollection(_ scanner: inout JSONScanner, _ state: inout State) throws(GeoFormatError) {
        while try scanner.consume(UInt8(ascii: ",")) {
            let key = try scanner.readRawKey()
            if try scanner.key(key, is: "features") {
                try scanner.skipValue()
            } else {
                try readCollectionMember(key, &scanner, &state)
            }
        }
        try scanner.expect(UInt8(ascii: "}"))
        try scanner.expectEnd()
        guard state.hasSeenType else { throw .notFeatureCollection(.typeNotFeatureCollection, byteOffset: 0) }
        state.isDone = true
    }
}

/// Reads one feature object with the scanner, reporting structure and geometry problems.
private struct FeatureReader {
    var scanner: JSONScanner
    let allowsNullGeometry: Bool

    private enum GeometryRead {
        case absent
        case null
        case geometry(Geometry)
        case problem(GeometryProblem)
    }

    mutating func readFeature(index: Int) throws(GeoFormatError) -> FeatureReadResult {
        guard try scanner.peek() == UInt8(ascii: "{") else {
            try scanner.skipValue()
            return .problem(FeatureProblem(index: index, id: nil, reason: .malformed(.featureNotObject)))
        }
        scanner.position += 1
        var isFeatureType = false
        var id: String?
        var structureProblem: StructureProblem?
        var properties: JSONObject?
        var geometry = GeometryRead.absent
        if try !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                let key = try scanner.readRawKey()
                if try scanner.key(key, is: "type") {
                    if try scanner.peek() == UInt8(ascii: "\"") {
                        isFeatureType = try scanner.key(scanner.readRawString(), is: "Feature")
                    } else {
                        try scanner.skipValue()
                        isFeatureType = false
                    }
                } else if try scanner.key(key, is: "id") {
                    switch try scanner.readValue() {
                    case .string(let text): id = text
                    case .number(let number): id = Self.text(of: number)
                    case .null: id = nil
                    default: structureProblem = structureProblem ?? .idNotStringOrNumber
                    }
                } else if try scanner.key(key, is: "properties") {
                    switch try scanner.peek() {
                    case UInt8(ascii: "{"):
                        properties = try scanner.readValue().objectValue
                    case UInt8(ascii: "n"):
                        guard try scanner.readLiteral() == .null else { structureProblem = structureProblem ?? .propertiesNotObject; break }
                    default:
                        try scanner.skipValue()
                        structureProblem = structureProblem ?? .propertiesNotObject
                    }
                } else if try scanner.key(key, is: "geometry") {
                    geometry = try readGeometry()
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "}"))
        }
        if id == nil, let fallback = properties?["id"] {
            switch fallback {
            case .string(let text): id = text
            case .number(let number): id = Self.text(of: number)
            default: break
            }
        }
        func problem(_ reason: GeometryProblem) -> FeatureReadResult {
            .problem(FeatureProblem(index: index, id: id, reason: reason))
        }
        if !isFeatureType { return problem(.malformed(.typeNotFeature)) }
        if let structureProblem { return problem(.malformed(structureProblem)) }
        switch geometry {
        case .problem(let reason): return problem(reason)
        case .absent, .null:
            guard allowsNullGeometry, case .null = geometry else { return problem(.missingGeometry) }
            return .feature(GeoJSONFeature(index: index, id: id, geometry: nil, properties: properties ?? JSONObject()))
        case .geometry(let value):
            return .feature(GeoJSONFeature(index: index, id: id, geometry: value, properties: properties ?? JSONObject()))
        }
    }

    /// A numeric id as text: integers without a fraction ("17"), others in shortest form.
    private static func text(of number: Double) -> String {
        var bytes: [UInt8] = []
        NumberFormatting.appendShortest(number, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Geometry

    private enum GeometryType {
        case point, lineString, multiLineString, polygon, multiPolygon

        var name: String {
            switch self {
            case .point: return "Point"
            case .lineString: return "LineString"
            case .multiLineString: return "MultiLineString"
            case .polygon: return "Polygon"
            case .multiPolygon: return "MultiPolygon"
            }
        }
    }

    /// RFC 7946 §3.1: an object with `type` and `coordinates`, in any order.
    private mutating func readGeometry() throws(GeoFormatError) -> GeometryRead {
        switch try scanner.peek() {
        case UInt8(ascii: "n"):
            guard try scanner.readLiteral() == .null else { return .problem(.malformed(.geometryNotObject)) }
            return .null
        case UInt8(ascii: "{"):
            scanner.position += 1
        default:
            try scanner.skipValue()
            return .problem(.malformed(.geometryNotObject))
        }
        var type: GeometryType?
        var unsupportedType: String?
        var hasType = false
        var coordinatesOffset: Int?
        var result: GeometryRead?
        if try !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                let key = try scanner.readRawKey()
                if try scanner.key(key, is: "type"), try scanner.peek() == UInt8(ascii: "\"") {
                    let name = try scanner.readRawString()
                    hasType = true
                    type = try Self.geometryType(name, scanner)
                    if type == nil {
                        unsupportedType = try scanner.decodeString(start: name.start, end: name.end, hasEscapes: name.hasEscapes)
                    }
                } else if try scanner.key(key, is: "coordinates") {
                    coordinatesOffset = try { () throws(GeoFormatError) -> Int in _ = try scanner.peek(); return scanner.position }()
                    if let type {
                        result = try readCoordinates(of: type)
                    } else {
                        try scanner.skipValue()
                    }
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "}"))
        }
        guard hasType else { return .problem(.malformed(.geometryTypeMissing)) }
        guard let type else { return .problem(.unsupportedGeometryType(unsupportedType ?? "")) }
        if let result { return result }
        guard let coordinatesOffset else { return .problem(.malformed(.coordinatesMissing)) }
        // `coordinates` came before `type`: read them again now that the type is known.
        let end = scanner.position
        scanner.position = coordinatesOffset
        let late = try readCoordinates(of: type)
        scanner.position = end
        return late
    }

    private static func geometryType(
        _ name: (start: Int, end: Int, hasEscapes: Bool), _ scanner: JSONScanner
    ) throws(GeoFormatError) -> GeometryType? {
        if try scanner.key(name, is: "Polygon") { return .polygon }
        if try scanner.key(name, is: "MultiPolygon") { return .multiPolygon }
        if try scanner.key(name, is: "Point") { return .point }
        if try scanner.key(name, is: "LineString") { return .lineString }
        if try scanner.key(name, is: "MultiLineString") { return .multiLineString }
        return nil
    }

    /// Reads `coordinates` for `type`, then validates. A nesting that does not fit the type is
    /// found on the way; the value is then skipped from its start (which also reports a JSON
    /// syntax error inside it, if that is what stopped the read).
    private mutating func readCoordinates(of type: GeometryType) throws(GeoFormatError) -> GeometryRead {
        let start = scanner.position
        var rings: [[Double]] = []  // lines or rings
        var ringsPerPolygon: [Int] = []
        var isShapeValid: Bool
        switch type {
        case .point:
            var xy: [Double] = []
            xy.reserveCapacity(2)
            isShapeValid = try readPosition(into: &xy)
            rings = [xy]
        case .lineString:
            var xy: [Double] = []
            isShapeValid = try readPositions(into: &xy)
            rings = [xy]
        case .multiLineString, .polygon:
            isShapeValid = try readPositionLists(into: &rings)
        case .multiPolygon:
            isShapeValid = try readArray { (reader) throws(GeoFormatError) -> Bool in
                let before = rings.count
                guard try reader.readPositionLists(into: &rings) else { return false }
                ringsPerPolygon.append(rings.count - before)
                return true
            }
        }
        guard isShapeValid else {
            scanner.position = start
            try scanner.skipValue()
            return .problem(.malformed(.coordinatesMisnested(geometryType: type.name)))
        }
        if let problem = Self.coordinateProblem(in: rings) { return .problem(problem) }
        switch type {
        case .point:
            return .geometry(.point(Coordinate(uncheckedLon: rings[0][0], lat: rings[0][1])))
        case .lineString:
            if rings[0].isEmpty { return .problem(.emptyGeometry) }
            if rings[0].count < 4 { return .problem(.lineTooShort(line: 0, positions: rings[0].count / 2)) }
            return .geometry(.lineString(Self.coordinates(rings[0])))
        case .multiLineString:
            if rings.isEmpty { return .problem(.emptyGeometry) }
            for (line, xy) in rings.enumerated() where xy.count < 4 {
                return .problem(.lineTooShort(line: line, positions: xy.count / 2))
            }
            return .geometry(.multiLineString(rings.map(Self.coordinates)))
        case .polygon:
            return Self.polygonal(rings, ringsPerPolygon: [rings.count], isMulti: false)
        case .multiPolygon:
            return Self.polygonal(rings, ringsPerPolygon: ringsPerPolygon, isMulti: true)
        }
    }

    private static func coordinates(_ xy: [Double]) -> [Coordinate] {
        var result: [Coordinate] = []
        result.reserveCapacity(xy.count / 2)
        var index = 0
        while index < xy.count {
            result.append(Coordinate(uncheckedLon: xy[index], lat: xy[index + 1]))
            index += 2
        }
        return result
    }

    private static func polygonal(_ rings: [[Double]], ringsPerPolygon: [Int], isMulti: Bool) -> GeometryRead {
        if ringsPerPolygon.isEmpty || ringsPerPolygon.contains(0) { return .problem(.emptyGeometry) }
        var polygons: [Polygon] = []
        polygons.reserveCapacity(ringsPerPolygon.count)
        var next = 0
        for (polygon, ringCount) in ringsPerPolygon.enumerated() {
            for ring in 0..<ringCount {
                if let problem = RingValidation.problem(of: rings[next + ring], at: RingLocation(polygon: polygon, ring: ring)) {
                    return .problem(problem)
                }
            }
            polygons.append(
                Polygon(exterior: Ring(xy: rings[next]), holes: rings[(next + 1)..<(next + ringCount)].map { Ring(xy: $0) }))
            next += ringCount
        }
        return .geometry(.polygonal(Polygonal(parts: polygons, isMulti: isMulti)))
    }

    /// The first non-finite or out-of-range coordinate, in document order.
    private static func coordinateProblem(in rings: [[Double]]) -> GeometryProblem? {
        var position = 0
        for xy in rings {
            var index = 0
            while index < xy.count {
                let lon = xy[index], lat = xy[index + 1]
                if !lon.isFinite { return .nonFiniteCoordinate(.lon, position: position) }
                if !lat.isFinite { return .nonFiniteCoordinate(.lat, position: position) }
                if !(-180.0...180.0).contains(lon) { return .coordinateOutOfRange(.lon, value: lon, position: position) }
                if !(-90.0...90.0).contains(lat) { return .coordinateOutOfRange(.lat, value: lat, position: position) }
                position += 1
                index += 2
            }
        }
        return nil
    }

    /// `[ element, … ]` (possibly empty), each read by `element`; false when the value is not an
    /// array or an element does not fit.
    @inline(__always)
    private mutating func readArray(
        _ element: (inout FeatureReader) throws(GeoFormatError) -> Bool
    ) throws(GeoFormatError) -> Bool {
        guard try scanner.consume(UInt8(ascii: "[")) else { return false }
        if try scanner.consume(UInt8(ascii: "]")) { return true }
        repeat {
            guard try element(&self) else { return false }
        } while try scanner.consume(UInt8(ascii: ","))
        return try scanner.consume(UInt8(ascii: "]"))
    }

    /// A list of position lists (rings or lines), each appended to `lists`.
    private mutating func readPositionLists(into lists: inout [[Double]]) throws(GeoFormatError) -> Bool {
        try readArray { (reader) throws(GeoFormatError) -> Bool in
            var xy: [Double] = []
            guard try reader.readPositions(into: &xy) else { return false }
            lists.append(xy)
            return true
        }
    }

    private mutating func readPositions(into xy: inout [Double]) throws(GeoFormatError) -> Bool {
        try readArray { (reader) throws(GeoFormatError) -> Bool in try reader.readPosition(into: &xy) }
    }

    /// RFC 7946 §3.1.1: `[lon, lat]` or `[lon, lat, elevation…]`; extra elements are dropped.
    @inline(__always)
    private mutating func readPosition(into xy: inout [Double]) throws(GeoFormatError) -> Bool {
        guard try scanner.consume(UInt8(ascii: "[")) else { return false }
        guard try isNumberNext() else { return false }
        xy.append(try scanner.readNumber())
        guard try scanner.consume(UInt8(ascii: ",")), try isNumberNext() else { return false }
        xy.append(try scanner.readNumber())
        while try scanner.consume(UInt8(ascii: ",")) {
            guard try isNumberNext() else { return false }
            _ = try scanner.readNumber()
        }
        return try scanner.consume(UInt8(ascii: "]"))
    }

    @inline(__always)
    private mutating func isNumberNext() throws(GeoFormatError) -> Bool {
        let byte = try scanner.peek()
        return byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
