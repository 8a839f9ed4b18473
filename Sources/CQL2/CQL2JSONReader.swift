import GeoFormats

/// The JSON encoding of CQL2 (OGC 21-065 §9 and its JSON Schema, `cql2.json`) into the same
/// tree as the text encoding: `{"op", "args"}`, `{"property"}`, `{"timestamp"}`, `{"date"}`,
/// `{"interval": [a, b]}`, `{"bbox": […]}`, GeoJSON geometry objects, arrays and plain literals.
/// Faults name the JSON member (`args[1].op`) since the tree of values has no offsets; a JSON
/// syntax error carries the character offset where it was detected.
package struct CQL2JSONReader {
    private var nodes = 0
    private var positions = 0
    private let limits: CQL2Limits

    package static func parse(_ text: String, limits: CQL2Limits = CQL2Limits()) throws(CQL2SyntaxError) -> CQL2Expression {
        let bytes = Array(text.utf8)
        guard bytes.count <= limits.maximumLength else { throw CQL2SyntaxError(offset: 0, .tooLong(limit: limits.maximumLength)) }
        let value: JSONValue
        do {
            // The JSON parser's own depth bound, beyond which our tree would be refused anyway.
            value = try JSONParser.parse(bytes, maxDepth: limits.maximumDepth * 2 + 8)
        } catch {
            var offset = 0
            if case .invalidJSON(_, let byteOffset) = error {
                offset = String(decoding: bytes[..<min(byteOffset, bytes.count)], as: UTF8.self).unicodeScalars.count
            }
            throw CQL2SyntaxError(offset: offset, .invalidJSON)
        }
        var reader = CQL2JSONReader(limits: limits)
        return try reader.expression(value, path: "", depth: 0)
    }

    private init(limits: CQL2Limits) { self.limits = limits }

    private func fault(_ path: String, _ problem: CQL2SyntaxError.Problem) -> CQL2SyntaxError {
        CQL2SyntaxError(offset: 0, problem)
    }

    private func invalid(_ path: String) -> CQL2SyntaxError {
        CQL2SyntaxError(offset: 0, .invalidJSONMember(path.isEmpty ? "(the filter)" : path))
    }

    private mutating func expression(_ value: JSONValue, path: String, depth: Int) throws(CQL2SyntaxError) -> CQL2Expression {
        guard depth <= limits.maximumDepth else { throw fault(path, .tooDeep(limit: limits.maximumDepth)) }
        nodes += 1
        guard nodes <= limits.maximumNodes else { throw fault(path, .tooManyNodes(limit: limits.maximumNodes)) }
        switch value {
        case .null: throw invalid(path)
        case .bool(let flag): return .boolean(flag)
        case .number(let number):
            guard number.isFinite else { throw invalid(path) }
            return .number(number)
        case .string(let text): return .string(text)
        case .array(let items):
            var list: [CQL2Expression] = []
            for (offset, item) in items.enumerated() {
                list.append(try expression(item, path: "\(path)[\(offset)]", depth: depth + 1))
            }
            return .array(list)
        case .object(let object):
            if let name = object["property"] {
                guard object.count == 1, let name = name.stringValue else { throw invalid(path + ".property") }
                return .property(name)
            }
            if let op = object["op"] {
                guard let name = op.stringValue else { throw invalid(path + ".op") }
                var arguments: [CQL2Expression] = []
                if let args = object["args"] {
                    guard let items = args.arrayValue else { throw invalid(path + ".args") }
                    for (offset, item) in items.enumerated() {
                        arguments.append(try expression(item, path: "\(path).args[\(offset)]", depth: depth + 1))
                    }
                }
                guard let known = CQL2Operator(name: name) else { return .function(name, arguments) }
                return .operation(known, arguments)
            }
            if let text = object["timestamp"] {
                guard object.count == 1, let text = text.stringValue else { throw invalid(path + ".timestamp") }
                return .timestamp(text)
            }
            if let text = object["date"] {
                guard object.count == 1, let text = text.stringValue else { throw invalid(path + ".date") }
                return .date(text)
            }
            if let ends = object["interval"] {
                guard object.count == 1, let ends = ends.arrayValue, ends.count == 2 else { throw invalid(path + ".interval") }
                return .interval(
                    try expression(ends[0], path: path + ".interval[0]", depth: depth + 1),
                    try expression(ends[1], path: path + ".interval[1]", depth: depth + 1))
            }
            if let numbers = object["bbox"] {
                guard object.count == 1, let items = numbers.arrayValue, items.count == 4 || items.count == 6 else {
                    throw invalid(path + ".bbox")
                }
                var values: [Double] = []
                for item in items {
                    guard let number = item.numberValue, number.isFinite else { throw invalid(path + ".bbox") }
                    values.append(number)
                }
                return .bbox(values)
            }
            if object["type"] != nil {
                return .geometry(try geometry(object, path: path, depth: depth))
            }
            throw invalid(path)
        }
    }

    /// A GeoJSON geometry object (RFC 7946 §3.1), 2D positions only.
    private mutating func geometry(_ object: JSONObject, path: String, depth: Int) throws(CQL2SyntaxError) -> CQL2Geometry {
        guard depth <= limits.maximumDepth else { throw fault(path, .tooDeep(limit: limits.maximumDepth)) }
        guard let type = object["type"]?.stringValue else { throw invalid(path + ".type") }
        if type == "GeometryCollection" {
            guard let members = object["geometries"]?.arrayValue else { throw invalid(path + ".geometries") }
            var result: [CQL2Geometry] = []
            for (offset, member) in members.enumerated() {
                guard let memberObject = member.objectValue else { throw invalid("\(path).geometries[\(offset)]") }
                result.append(try geometry(memberObject, path: "\(path).geometries[\(offset)]", depth: depth + 1))
            }
            return .collection(result)
        }
        let at = path + ".coordinates"
        guard let coordinates = object["coordinates"] else { throw invalid(at) }
        switch type {
        case "Point": return .point(try position(coordinates, at))
        case "MultiPoint": return .multiPoint(try list(coordinates, at, minimum: 1))
        case "LineString": return .lineString(try list(coordinates, at, minimum: 2))
        case "MultiLineString":
            guard let lines = coordinates.arrayValue else { throw invalid(at) }
            var result: [[CQL2Position]] = []
            for line in lines { result.append(try list(line, at, minimum: 2)) }
            return .multiLineString(result)
        case "Polygon": return .polygon(try rings(coordinates, at))
        case "MultiPolygon":
            guard let polygons = coordinates.arrayValue else { throw invalid(at) }
            var result: [[[CQL2Position]]] = []
            for polygon in polygons { result.append(try rings(polygon, at)) }
            return .multiPolygon(result)
        default:
            throw fault(path, .invalidGeometry(.unknownType(type)))
        }
    }

    private mutating func rings(_ value: JSONValue, _ path: String) throws(CQL2SyntaxError) -> [[CQL2Position]] {
        guard let rings = value.arrayValue, !rings.isEmpty else { throw invalid(path) }
        var result: [[CQL2Position]] = []
        for ring in rings {
            let positions = try list(ring, path, minimum: 4)
            guard positions.first == positions.last else {
                throw fault(path, .invalidGeometry(.openRing))
            }
            result.append(positions)
        }
        return result
    }

    private mutating func list(_ value: JSONValue, _ path: String, minimum: Int) throws(CQL2SyntaxError) -> [CQL2Position] {
        guard let items = value.arrayValue, items.count >= minimum else { throw invalid(path) }
        var result: [CQL2Position] = []
        result.reserveCapacity(items.count)
        for item in items { result.append(try position(item, path)) }
        return result
    }

    private mutating func position(_ value: JSONValue, _ path: String) throws(CQL2SyntaxError) -> CQL2Position {
        positions += 1
        guard positions <= limits.maximumPositions else { throw fault(path, .tooManyPositions(limit: limits.maximumPositions)) }
        guard let numbers = value.arrayValue, numbers.count == 2, let x = numbers[0].numberValue, let y = numbers[1].numberValue,
            x.isFinite, y.isFinite
        else {
            if let numbers = value.arrayValue, numbers.count == 3 {
                throw fault(path, .invalidGeometry(.not2D))
            }
            throw invalid(path)
        }
        return CQL2Position(x: x, y: y)
    }
}
