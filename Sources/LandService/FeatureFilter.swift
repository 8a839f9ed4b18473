package import CQL2
package import GeoCore
import LandModel
#if canImport(Glibc)
import Glibc
#endif

/// What a filter asked that cannot be answered: a 400 naming `filter` (OGC 19-079r2 Part 3
/// `/req/filter/filter-param`; OGC 21-065 leaves the error's form to the API).
package enum FilterError: Error, Sendable, Equatable {
    case syntax(CQL2SyntaxError)
    /// A property that is not one of the collection's queryables (which are listed).
    case unknownProperty(String, queryables: [String])
    /// An operator given operands of types it does not take (`floors = 'high'`).
    case typeMismatch(operator: String, found: [String])
    /// An operator or function of CQL2 this server does not evaluate (not among the declared classes).
    case unsupported(String)
    /// A literal that reads but means nothing: a timestamp that is no instant, a position outside the CRS.
    case invalidLiteral(String)
}

/// A CQL2 filter compiled once against a collection's queryables (OGC 21-065; issue 18 point 3):
/// every property resolved to a getter from the snapshot's layer and every operator to a typed
/// closure, so nothing is looked up or re-interpreted per feature. Property names are matched in
/// a fixed table and never evaluated (the lesson of GeoServer's CVE-2024-36401).
///
/// Logic is SQL's three-valued logic (OGC 21-065 §7.4.4 Note: a comparison with a null is
/// unknown; NOT unknown is unknown); a feature is selected only when the filter is true.
package struct FeatureFilter: Sendable {
    package let collection: FeatureCollectionID
    /// A box that every selected feature's geometry meets, from the S_INTERSECTS terms the whole
    /// filter requires (top-level AND): the candidates come from the R-tree, not a scan.
    package let envelope: BoundingBox?
    let test: Condition

    /// `true` for the feature at `position` of `snapshot`'s layer.
    package func accepts(_ snapshot: CitySnapshot, _ position: Int32) -> Bool { test(snapshot, position) == true }

    /// Compiles `expression` for `collection`; `geometryTransform` brings a literal's positions
    /// from the filter's CRS (`filter-crs`) to CRS84, and throws for a position outside it.
    package init(
        _ expression: CQL2Expression, collection: FeatureCollectionID,
        geometryTransform: @escaping (CQL2Position) throws(FilterError) -> CQL2Position = { $0 }
    ) throws(FilterError) {
        var compiler = FilterCompiler(collection: collection, transform: geometryTransform)
        self.collection = collection
        self.test = try compiler.condition(expression)
        self.envelope = try compiler.envelope(of: expression)
    }
}

/// A compiled condition: true, false or unknown (nil) for one feature.
typealias Condition = @Sendable (CitySnapshot, Int32) -> Bool?

/// A compiled value of one type.
private enum Operand {
    typealias Getter<T> = @Sendable (CitySnapshot, Int32) -> T?
    case text(Getter<String>)
    case number(Getter<Double>)
    case boolean(Getter<Bool>)
    case textArray(Getter<[String]>)
    case geometry(GeometryOperand)

    var typeName: String {
        switch self {
        case .text: "string"
        case .number: "number"
        case .boolean: "boolean"
        case .textArray: "array"
        case .geometry: "geometry"
        }
    }
}

/// The feature's own geometry, or a literal (a BBOX kept as a box: the layers test boxes fast).
private enum GeometryOperand {
    case feature
    case shape(PlanarShape)
    case box(BoundingBox)

    var bbox: BoundingBox? {
        switch self {
        case .feature: nil
        case .shape(let shape): shape.bbox
        case .box(let box): box
        }
    }
}

private struct FilterCompiler {
    let collection: FeatureCollectionID
    let transform: (CQL2Position) throws(FilterError) -> CQL2Position

    init(collection: FeatureCollectionID, transform: @escaping (CQL2Position) throws(FilterError) -> CQL2Position) {
        self.collection = collection
        self.transform = transform
    }

    // MARK: - conditions

    func condition(_ expression: CQL2Expression) throws(FilterError) -> Condition {
        switch expression {
        case .boolean(let value):
            return { _, _ in value }
        case .property:
            guard case .boolean(let get) = try operand(expression) else {
                throw FilterError.typeMismatch(operator: "filter", found: [try operand(expression).typeName])
            }
            return get
        case .operation(let op, let args):
            return try operation(op, args)
        case .function(let name, _):
            throw FilterError.unsupported(name)
        default:
            throw FilterError.typeMismatch(operator: "filter", found: [try operand(expression).typeName])
        }
    }

    private func operation(_ op: CQL2Operator, _ args: [CQL2Expression]) throws(FilterError) -> Condition {
        switch op {
        case .and, .or:
            guard args.count >= 2 else { throw FilterError.typeMismatch(operator: op.rawValue, found: args.map { _ in "?" }) }
            var parts: [Condition] = []
            for arg in args { parts.append(try condition(arg)) }
            return op == .and ? Self.all(parts) : Self.any(parts)
        case .not:
            let inner = try condition(try single(op, args))
            return { snapshot, position in inner(snapshot, position).map { !$0 } }
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            let (left, right) = try pair(op, args)
            return try comparison(op, left, right)
        case .like:
            let (left, right) = try pair(op, args)
            guard case .text(let text) = try operand(left), case .text(let pattern) = try operand(right) else {
                throw FilterError.typeMismatch(operator: "LIKE", found: [try operand(left).typeName, try operand(right).typeName])
            }
            // A literal pattern is compiled once; one read from a property, per feature.
            if case .string(let literal) = Self.folded(right) {
                let compiled = LikePattern(literal)
                return { snapshot, position in text(snapshot, position).map { compiled.matches($0) } }
            }
            return { snapshot, position in
                guard let value = text(snapshot, position), let pattern = pattern(snapshot, position) else { return nil }
                return LikePattern(pattern).matches(value)
            }
        case .between:
            guard args.count == 3 else { throw FilterError.typeMismatch(operator: "BETWEEN", found: args.map { _ in "?" }) }
            let value = try operand(args[0]), low = try operand(args[1]), high = try operand(args[2])
            guard case .number(let get) = value, case .number(let lower) = low, case .number(let upper) = high else {
                throw FilterError.typeMismatch(operator: "BETWEEN", found: [value.typeName, low.typeName, high.typeName])
            }
            return { snapshot, position in
                guard let x = get(snapshot, position), let a = lower(snapshot, position), let b = upper(snapshot, position) else { return nil }
                return a <= x && x <= b
            }
        case .in:
            let (left, right) = try pair(op, args)
            guard case .array(let items) = right else { throw FilterError.typeMismatch(operator: "IN", found: [try operand(right).typeName]) }
            var tests: [Condition] = []
            for item in items { tests.append(try comparison(.equal, left, item)) }
            return Self.any(tests)
        case .isNull:
            let value = try operand(try single(op, args))
            switch value {
            case .text(let get): return { snapshot, position in get(snapshot, position) == nil }
            case .number(let get): return { snapshot, position in get(snapshot, position) == nil }
            case .boolean(let get): return { snapshot, position in get(snapshot, position) == nil }
            case .textArray(let get): return { snapshot, position in get(snapshot, position) == nil }
            case .geometry: return { _, _ in false }
            }
        case .sIntersects, .sDisjoint:
            let (left, right) = try pair(op, args)
            guard case .geometry(let a) = try operand(left), case .geometry(let b) = try operand(right) else {
                throw FilterError.typeMismatch(operator: op.rawValue.uppercased(), found: [try operand(left).typeName, try operand(right).typeName])
            }
            let meets = intersection(a, b)
            if op == .sDisjoint { return { snapshot, position in !meets(snapshot, position) } }
            return { snapshot, position in meets(snapshot, position) }
        case .aEquals, .aContains, .aContainedBy, .aOverlaps:
            let (left, right) = try pair(op, args)
            let a = try textArray(left, op), b = try textArray(right, op)
            return { snapshot, position in
                guard let x = a(snapshot, position), let y = b(snapshot, position) else { return nil }
                switch op {
                case .aEquals: return x == y
                case .aContains: return Set(y).isSubset(of: x)
                case .aContainedBy: return Set(x).isSubset(of: y)
                default: return !Set(x).isDisjoint(with: y)
                }
            }
        default:
            // Temporal functions and the spatial relations beyond S_INTERSECTS: not among the
            // declared conformance classes, refused by name rather than answered wrongly.
            if op.rawValue.hasPrefix("t_") || op.rawValue.hasPrefix("s_") { throw FilterError.unsupported(op.rawValue.uppercased()) }
            // A value where a condition belongs (`floors + 1`, `CASEI(name)`): the filter needs a boolean.
            throw FilterError.typeMismatch(operator: "filter", found: [try operand(.operation(op, args)).typeName])
        }
    }

    private func textArray(_ expression: CQL2Expression, _ op: CQL2Operator) throws(FilterError) -> Operand.Getter<[String]> {
        switch expression {
        case .array(let items):
            var texts: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw FilterError.typeMismatch(operator: op.rawValue.uppercased(), found: [try operand(item).typeName])
                }
                texts.append(text)
            }
            let literal = texts
            return { _, _ in literal }
        default:
            let value = try operand(expression)
            switch value {
            case .textArray(let get): return get
            case .text(let get): return { snapshot, position in get(snapshot, position).map { [$0] } }
            default: throw FilterError.typeMismatch(operator: op.rawValue.uppercased(), found: [value.typeName])
            }
        }
    }

    private func comparison(_ op: CQL2Operator, _ left: CQL2Expression, _ right: CQL2Expression) throws(FilterError) -> Condition {
        let a = try operand(left), b = try operand(right)
        switch (a, b) {
        case (.number(let x), .number(let y)):
            let compare = Self.order(op, Double.self)
            return { snapshot, position in
                guard let p = x(snapshot, position), let q = y(snapshot, position) else { return nil }
                return compare(p, q)
            }
        case (.text(let x), .text(let y)):
            // Unicode scalar (UTF-8 byte) order, as the Rust and SQL evaluators compare; `==`
            // on Swift strings would also equate canonically equivalent spellings.
            return { snapshot, position in
                guard let p = x(snapshot, position), let q = y(snapshot, position) else { return nil }
                let equal = p.utf8.elementsEqual(q.utf8)
                switch op {
                case .equal: return equal
                case .notEqual: return !equal
                case .less: return p.utf8.lexicographicallyPrecedes(q.utf8)
                case .lessOrEqual: return equal || p.utf8.lexicographicallyPrecedes(q.utf8)
                case .greater: return q.utf8.lexicographicallyPrecedes(p.utf8)
                default: return equal || q.utf8.lexicographicallyPrecedes(p.utf8)
                }
            }
        case (.boolean(let x), .boolean(let y)) where op == .equal || op == .notEqual:
            return { snapshot, position in
                guard let p = x(snapshot, position), let q = y(snapshot, position) else { return nil }
                return (p == q) == (op == .equal)
            }
        default:
            throw FilterError.typeMismatch(operator: op.rawValue, found: [a.typeName, b.typeName])
        }
    }

    private static func order(_ op: CQL2Operator, _: Double.Type) -> @Sendable (Double, Double) -> Bool {
        switch op {
        case .equal: { $0 == $1 }
        case .notEqual: { $0 != $1 }
        case .less: { $0 < $1 }
        case .lessOrEqual: { $0 <= $1 }
        case .greater: { $0 > $1 }
        default: { $0 >= $1 }
        }
    }

    private static func all(_ parts: [Condition]) -> Condition {
        { snapshot, position in
            var unknown = false
            for part in parts {
                switch part(snapshot, position) {
                case .some(false): return false
                case nil: unknown = true
                default: break
                }
            }
            return unknown ? nil : true
        }
    }

    private static func any(_ parts: [Condition]) -> Condition {
        { snapshot, position in
            var unknown = false
            for part in parts {
                switch part(snapshot, position) {
                case .some(true): return true
                case nil: unknown = true
                default: break
                }
            }
            return unknown ? nil : false
        }
    }

    private func single(_ op: CQL2Operator, _ args: [CQL2Expression]) throws(FilterError) -> CQL2Expression {
        guard args.count == 1 else { throw FilterError.typeMismatch(operator: op.rawValue, found: args.map { _ in "?" }) }
        return args[0]
    }

    private func pair(_ op: CQL2Operator, _ args: [CQL2Expression]) throws(FilterError) -> (CQL2Expression, CQL2Expression) {
        guard args.count == 2 else { throw FilterError.typeMismatch(operator: op.rawValue, found: args.map { _ in "?" }) }
        return (args[0], args[1])
    }

    /// CASEI/ACCENTI of a literal, applied now (so a literal LIKE pattern compiles once).
    private static func folded(_ expression: CQL2Expression) -> CQL2Expression? {
        switch expression {
        case .string: return expression
        case .operation(.casei, let args) where args.count == 1:
            guard case .string(let text) = folded(args[0]) else { return nil }
            return .string(TextFolding.caseFolded(text))
        case .operation(.accenti, let args) where args.count == 1:
            guard case .string(let text) = folded(args[0]) else { return nil }
            return .string(TextFolding.accentFolded(text))
        default: return nil
        }
    }

    // MARK: - operands

    private func operand(_ expression: CQL2Expression) throws(FilterError) -> Operand {
        switch expression {
        case .string(let text): return .text { _, _ in text }
        case .number(let value): return .number { _, _ in value }
        case .boolean(let value): return .boolean { _, _ in value }
        case .property(let name): return try property(name)
        case .bbox(let numbers):
            let half = numbers.count / 2
            let lower = try transform(CQL2Position(x: numbers[0], y: numbers[1]))
            let upper = try transform(CQL2Position(x: numbers[half], y: numbers[half + 1]))
            guard let box = BoundingBox(minLon: min(lower.x, upper.x), minLat: min(lower.y, upper.y), maxLon: max(lower.x, upper.x), maxLat: max(lower.y, upper.y))
            else { throw FilterError.invalidLiteral("BBOX") }
            return .geometry(.box(box))
        case .geometry(let geometry):
            return .geometry(.shape(try shape(geometry)))
        case .array:
            throw FilterError.typeMismatch(operator: "array", found: ["array"])
        case .timestamp, .date, .interval:
            throw FilterError.unsupported("temporal literals")
        case .function(let name, _):
            throw FilterError.unsupported(name)
        case .operation(let op, let args):
            switch op {
            case .casei, .accenti:
                guard case .text(let get) = try operand(try single(op, args)) else {
                    throw FilterError.typeMismatch(operator: op.rawValue.uppercased(), found: [try operand(args[0]).typeName])
                }
                let fold: @Sendable (String) -> String = op == .casei ? TextFolding.caseFolded : TextFolding.accentFolded
                return .text { snapshot, position in get(snapshot, position).map(fold) }
            case .plus, .minus, .times, .divide, .modulo, .integerDivide, .power:
                let (left, right) = try pair(op, args)
                guard case .number(let x) = try operand(left), case .number(let y) = try operand(right) else {
                    throw FilterError.typeMismatch(operator: op.rawValue, found: [try operand(left).typeName, try operand(right).typeName])
                }
                let apply = Self.arithmetic(op)
                return .number { snapshot, position in
                    guard let p = x(snapshot, position), let q = y(snapshot, position) else { return nil }
                    return apply(p, q)
                }
            default:
                // A predicate used as a value: a boolean operand (`(floors > 3) = true`).
                let inner = try condition(expression)
                return .boolean(inner)
            }
        }
    }

    /// §7.6 arithmetic on numbers; a division by zero is unknown (null), not infinity.
    private static func arithmetic(_ op: CQL2Operator) -> @Sendable (Double, Double) -> Double? {
        switch op {
        case .plus: { $0 + $1 }
        case .minus: { $0 - $1 }
        case .times: { $0 * $1 }
        case .divide: { $1 == 0 ? nil : $0 / $1 }
        case .modulo: { $1 == 0 ? nil : $0.truncatingRemainder(dividingBy: $1) }
        case .integerDivide: { $1 == 0 ? nil : ($0 / $1).rounded(.towardZero) }
        default: { let value = pow($0, $1); return value.isFinite ? value : nil }
        }
    }

    /// The collection's queryable named `name`, as a getter from the snapshot's layer.
    private func property(_ name: String) throws(FilterError) -> Operand {
        if name == "geometry" { return .geometry(.feature) }
        guard let property = collection.queryables.first(where: { $0.rawValue == name }) else {
            throw FilterError.unknownProperty(name, queryables: ["geometry"] + collection.queryables.map(\.rawValue))
        }
        switch (collection, property) {
        case (.parcels, .id): return .text { snapshot, position in snapshot.parcels.values[Int(position)].id.rawValue }
        case (.parcels, .zoneCode): return .text { snapshot, position in snapshot.parcels.values[Int(position)].zoneCode?.rawValue }
        case (.parcels, .currentUse): return .text { snapshot, position in snapshot.parcels.values[Int(position)].currentUse?.rawValue }
        case (.parcels, .floors): return .number { snapshot, position in snapshot.parcels.values[Int(position)].floors.map(Double.init) }
        case (.zones, .id): return .text { snapshot, position in snapshot.zones.values[Int(position)].id.rawValue }
        case (.zones, .code): return .text { snapshot, position in snapshot.zones.values[Int(position)].code.rawValue }
        case (.zones, .nameFa): return .text { snapshot, position in snapshot.zones.values[Int(position)].nameFa }
        case (.zones, .nameEn): return .text { snapshot, position in snapshot.zones.values[Int(position)].nameEn }
        case (.facilities, .id): return .text { snapshot, position in snapshot.facilities[Int(position)].id.rawValue }
        case (.facilities, .category): return .text { snapshot, position in snapshot.facilities[Int(position)].category.rawValue }
        case (.facilities, .categoryFa): return .text { snapshot, position in snapshot.facilities[Int(position)].categoryFa }
        case (.facilities, .nameFa): return .text { snapshot, position in snapshot.facilities[Int(position)].nameFa }
        case (.facilities, .nameEn): return .text { snapshot, position in snapshot.facilities[Int(position)].nameEn }
        default:
            throw FilterError.unknownProperty(name, queryables: ["geometry"] + collection.queryables.map(\.rawValue))
        }
    }

    // MARK: - geometry

    private func shape(_ geometry: CQL2Geometry) throws(FilterError) -> PlanarShape {
        let projected = try geometry.mapPositions(transform)
        var shape = PlanarShape()
        func flat(_ points: [CQL2Position]) -> [Double] { points.flatMap { [$0.x, $0.y] } }
        func polygon(_ rings: [[CQL2Position]]) -> Polygon {
            Polygon(exterior: Ring(xy: flat(rings[0])), holes: rings.dropFirst().map { Ring(xy: flat($0)) })
        }
        func add(_ geometry: CQL2Geometry) {
            switch geometry {
            case .point(let point): shape.add(point: point.x, point.y)
            case .multiPoint(let points): for point in points { shape.add(point: point.x, point.y) }
            case .lineString(let line): shape.add(line: flat(line))
            case .multiLineString(let lines): for line in lines { shape.add(line: flat(line)) }
            case .polygon(let rings): shape.add(polygon(rings))
            case .multiPolygon(let polygons): for rings in polygons { shape.add(polygon(rings)) }
            case .collection(let members): for member in members { add(member) }
            }
        }
        add(projected)
        return shape
    }

    /// `a` and `b` share a point, per feature: the literal tested against the feature's outline
    /// (after the boxes), a BBOX literal through the layer's own box tests.
    private func intersection(_ a: GeometryOperand, _ b: GeometryOperand) -> @Sendable (CitySnapshot, Int32) -> Bool {
        let collection = self.collection
        switch (a, b) {
        case (.feature, .feature):
            return { _, _ in true }
        case (.feature, .box(let box)), (.box(let box), .feature):
            switch collection {
            case .parcels:
                return { snapshot, position in
                    snapshot.parcelOutlines.intersects(position, minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat)
                }
            case .zones:
                return { snapshot, position in
                    snapshot.zoneOutlines.intersects(position, minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat)
                }
            case .facilities:
                return { snapshot, position in box.contains(snapshot.facilities[Int(position)].location) }
            }
        case (.feature, .shape(let shape)), (.shape(let shape), .feature):
            guard let shapeBox = shape.bbox else { return { _, _ in false } }
            switch collection {
            case .parcels:
                return { snapshot, position in
                    snapshot.parcelOutlines.bbox(position).intersects(shapeBox)
                        && PlanarShape(snapshot.parcelOutlines.polygonal(position, isMulti: true)).intersects(shape)
                }
            case .zones:
                return { snapshot, position in
                    snapshot.zoneOutlines.bbox(position).intersects(shapeBox)
                        && PlanarShape(snapshot.zoneOutlines.polygonal(position, isMulti: true)).intersects(shape)
                }
            case .facilities:
                return { snapshot, position in
                    let location = snapshot.facilities[Int(position)].location
                    return shapeBox.contains(location) && shape.covers(location.lon, location.lat)
                }
            }
        case (.shape(let first), .shape(let second)):
            let meets = first.intersects(second)
            return { _, _ in meets }
        case (.shape(let shape), .box(let box)), (.box(let box), .shape(let shape)):
            let meets = shape.intersects(box)
            return { _, _ in meets }
        case (.box(let first), .box(let second)):
            let meets = first.intersects(second)
            return { _, _ in meets }
        }
    }

    /// The box of the literal in an `S_INTERSECTS(geometry, literal)` that the whole filter
    /// requires (itself, or a term of a top-level AND); with several, their intersection, and an
    /// empty one selects nothing (a box of zero area far away would do the same: none is made).
    func envelope(of expression: CQL2Expression) throws(FilterError) -> BoundingBox? {
        var terms: [CQL2Expression] = [expression]
        if case .operation(.and, let args) = expression { terms = args }
        var result: BoundingBox?
        for term in terms {
            guard case .operation(.sIntersects, let args) = term, args.count == 2 else { continue }
            let literal: CQL2Expression
            switch (args[0], args[1]) {
            case (.property("geometry"), let other), (let other, .property("geometry")): literal = other
            default: continue
            }
            guard case .geometry(let operand) = try operand(literal), let box = operand.bbox else { continue }
            if let current = result {
                let minLon = max(current.minLon, box.minLon), minLat = max(current.minLat, box.minLat)
                let maxLon = min(current.maxLon, box.maxLon), maxLat = min(current.maxLat, box.maxLat)
                guard minLon <= maxLon, minLat <= maxLat else { return BoundingBox(uncheckedMinLon: 1, minLat: 1, maxLon: 0, maxLat: 0) }
                result = BoundingBox(uncheckedMinLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat)
            } else {
                result = box
            }
        }
        return result
    }
}
