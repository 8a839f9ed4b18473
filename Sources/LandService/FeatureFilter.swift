package import CQL2
package import GeoCore
import GeoFormats
package import LandModel
import Synchronization
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
    /// A literal that reads but means nothing: a position outside the filter's CRS.
    case invalidLiteral(String)
    /// A DE-9IM function (S_WITHIN, …) given a GEOMETRYCOLLECTION of points with lines or
    /// polygons: the predicates' patterns need one dimension a side (OGC 06-103r4 §6.1.15.3).
    case mixedDimensions(operator: String)
}

/// A CQL2 filter compiled once against a collection's queryables (OGC 21-065; issue 18 point 3):
/// every property resolved to a column of the snapshot's layer and every operator to a typed
/// step, so nothing is looked up or re-interpreted per feature. Property names are matched in a
/// fixed table and never evaluated (the lesson of GeoServer's CVE-2024-36401).
///
/// Evaluation is by column over the candidates, not feature by feature: each step turns the
/// candidates into an array of values or truth values in one tight loop. A text property with few
/// distinct values (a parcel's use or zone code) is a column of codes into its vocabulary, so
/// `current_use = 'commercial'`, `LIKE`, `IN`, CASEI and ACCENTI are decided once per word of
/// the vocabulary and then gathered by code — a 100k-parcel layer is filtered in well under a
/// millisecond. Logic is SQL's three-valued logic (OGC 21-065 §7.4.4: a comparison with a null is
/// unknown; NOT unknown is unknown); a feature is selected only when the filter is true.
package struct FeatureFilter: Sendable {
    package let collection: FeatureCollectionID
    /// A box that every selected feature's geometry meets, from the S_INTERSECTS terms the whole
    /// filter requires (top-level AND): the candidates come from the R-tree, not a scan.
    package let envelope: BoundingBox?
    /// Whether the filter names `valid_from` or `valid_to`: the caller then passes each
    /// feature's validity (from the history) to `select`.
    package let readsValidity: Bool
    let condition: Condition

    /// Compiles `expression` for `collection`; `geometryTransform` brings a literal's positions
    /// from the filter's CRS (`filter-crs`) to CRS84, and throws for a position outside it.
    package init(
        _ expression: CQL2Expression, collection: FeatureCollectionID,
        geometryTransform: @escaping (CQL2Position) throws(FilterError) -> CQL2Position = { $0 }
    ) throws(FilterError) {
        let compiler = FilterCompiler(collection: collection, transform: geometryTransform)
        self.collection = collection
        self.condition = try compiler.condition(expression)
        self.envelope = try compiler.envelope(of: expression)
        self.readsValidity = Self.names(["valid_from", "valid_to"], in: expression)
    }

    private static func names(_ properties: Set<String>, in expression: CQL2Expression) -> Bool {
        switch expression {
        case .property(let name): properties.contains(name)
        case .operation(_, let args), .function(_, let args), .array(let args): args.contains { names(properties, in: $0) }
        case .interval(let start, let end): names(properties, in: start) || names(properties, in: end)
        default: false
        }
    }

    /// The candidates (positions of `snapshot`'s layer, in order; nil for the whole layer) for
    /// which the filter is true; `validities` are the layer's features' validities (`valid_from`, `valid_to`).
    package func select(_ candidates: [Int32]?, in snapshot: CitySnapshot, validities: ValidityColumns = .none) -> [Int32] {
        let rows = Rows(snapshot: snapshot, candidates: candidates, layerCount: snapshot.count(of: collection), validities: validities)
        guard rows.count > 0 else { return [] }
        let truths = condition(rows)
        // Counted first, then written into a buffer of that size: no growth, no checks per append.
        let count = truths.withUnsafeBufferPointer { truths in truths.reduce(0) { $0 + ($1 == Truth.true ? 1 : 0) } }
        return [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            var next = 0
            truths.withUnsafeBufferPointer { truths in
                for offset in 0..<truths.count where truths[offset] == Truth.true {
                    buffer[next] = candidates.map { $0[offset] } ?? Int32(offset)
                    next += 1
                }
            }
            initialized = next
        }
    }
}

/// The validity of each feature of a layer, [valid_from, valid_to), as milliseconds since 1970
/// by position (`null` for none: unchanged since the import, or today's version's end), made
/// once per published snapshot (or per `datetime` selection) so that a filter gathers them.
package struct ValidityColumns: Sendable {
    static let null = Int64.min
    /// No feature has a validity (the layer never changed): both columns empty.
    package static let none = ValidityColumns(starts: [], ends: [])

    let starts: [Int64]
    let ends: [Int64]

    private init(starts: [Int64], ends: [Int64]) {
        self.starts = starts
        self.ends = ends
    }

    /// The columns of a layer of `count` features, of which those in `validities` have one.
    package init(count: Int, validities: [Int32: Validity]) {
        guard !validities.isEmpty else {
            self = .none
            return
        }
        var starts = [Int64](repeating: Self.null, count: count), ends = starts
        for (position, validity) in validities where Int(position) < count {
            starts[Int(position)] = validity.from.flatMap { RFC3339.milliseconds($0) } ?? Self.null
            ends[Int(position)] = validity.to.flatMap { RFC3339.milliseconds($0) } ?? Self.null
        }
        self.init(starts: starts, ends: ends)
    }
}

/// Three-valued truth in a byte: AND is the minimum, OR the maximum, NOT is `2 − x`.
enum Truth {
    static let `false`: UInt8 = 0
    static let unknown: UInt8 = 1
    static let `true`: UInt8 = 2
}

/// What a compiled step reads: the layer of one snapshot and the candidates' positions in it
/// (nil: the whole layer, whose columns are then read as they are, without a gather).
struct Rows {
    let snapshot: CitySnapshot
    let candidates: [Int32]?
    let count: Int
    let validities: ValidityColumns

    init(snapshot: CitySnapshot, candidates: [Int32]?, layerCount: Int, validities: ValidityColumns = .none) {
        self.snapshot = snapshot
        self.candidates = candidates
        self.count = candidates?.count ?? layerCount
        self.validities = validities
    }

    /// The candidates' values of a whole-layer column.
    func gather<Value>(_ column: [Value]) -> [Value] {
        guard let candidates else { return column }
        return candidates.map { column[Int($0)] }
    }

    /// `body` of each candidate's position, in order.
    func map<Value>(_ body: (Int32) -> Value) -> [Value] {
        guard let candidates else { return (0..<Int32(count)).map(body) }
        return candidates.map(body)
    }
}

/// A compiled condition: one truth value per candidate.
typealias Condition = @Sendable (Rows) -> [UInt8]

/// Text values of the candidates: one literal, a coded column (codes into a vocabulary, −1 for
/// none), or one value per candidate.
enum TextValues {
    case constant(String?)
    case coded(codes: [Int32], vocabulary: [String])
    case each([String?])

    /// The same values through `transform` (CASEI, ACCENTI): the vocabulary, not every row.
    func map(_ transform: (String) -> String) -> TextValues {
        switch self {
        case .constant(let text): .constant(text.map(transform))
        case .coded(let codes, let vocabulary): .coded(codes: codes, vocabulary: vocabulary.map(transform))
        case .each(let texts): .each(texts.map { $0.map(transform) })
        }
    }

    func value(_ row: Int) -> String? {
        switch self {
        case .constant(let text): text
        case .coded(let codes, let vocabulary): codes[row] < 0 ? nil : vocabulary[Int(codes[row])]
        case .each(let texts): texts[row]
        }
    }
}

/// Number values of the candidates: a literal or one per candidate; NaN stands for none.
enum NumberValues {
    case constant(Double)
    case each([Double])

    func value(_ row: Int) -> Double {
        switch self {
        case .constant(let value): value
        case .each(let values): values[row]
        }
    }
}

/// Arrays of text of the candidates (a zone's allowed uses): a literal or one per candidate.
enum ArrayValues {
    case constant([String])
    case each([[String]?])

    func value(_ row: Int) -> [String]? {
        switch self {
        case .constant(let items): items
        case .each(let items): items[row]
        }
    }
}

/// A compiled value of one type.
/// A time of OGC 21-065 §7.13 in milliseconds since 1970 UTC: an instant is a span whose ends
/// are equal, a DATE its whole day (as the cql2 reference evaluator reads one), an open end
/// (`'..'`, or a validity with no start or end) `Int64.min` or `Int64.max`.
struct TimeSpan: Equatable {
    var start: Int64
    var end: Int64

    static let whole = TimeSpan(start: .min, end: .max)
    static let dayMilliseconds: Int64 = 86_400_000

    /// `text` as written in a literal: an RFC 3339 date-time, or a full-date (its whole day).
    init?(literal text: String) {
        if text.utf8.count == 10, let midnight = RFC3339.milliseconds(text + "T00:00:00Z") {
            self.init(start: midnight, end: midnight + Self.dayMilliseconds - 1)
        } else if let instant = RFC3339.milliseconds(text) {
            self.init(start: instant, end: instant)
        } else {
            return nil
        }
    }

    init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }
}

enum TimeValues {
    case constant(TimeSpan?)
    case each([TimeSpan?])

    func value(_ row: Int) -> TimeSpan? {
        switch self {
        case .constant(let span): span
        case .each(let spans): spans[row]
        }
    }
}

private enum Operand {
    case text(@Sendable (Rows) -> TextValues)
    case number(@Sendable (Rows) -> NumberValues)
    case boolean(Condition)
    case textArray(@Sendable (Rows) -> ArrayValues)
    case geometry(GeometryOperand)
    /// Instants (`isInterval` false: a TIMESTAMP, DATE or validity instant) or intervals.
    case time(isInterval: Bool, @Sendable (Rows) -> TimeValues)

    var typeName: String {
        switch self {
        case .text: "string"
        case .number: "number"
        case .boolean: "boolean"
        case .textArray: "array"
        case .geometry: "geometry"
        case .time(let isInterval, _): isInterval ? "interval" : "instant"
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

    // MARK: - conditions

    func condition(_ expression: CQL2Expression) throws(FilterError) -> Condition {
        switch expression {
        case .boolean(let value):
            let truth = value ? Truth.true : Truth.false
            return { rows in [UInt8](repeating: truth, count: rows.count) }
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
            return Self.combine(parts, all: op == .and)
        case .not:
            let inner = try condition(try single(op, args))
            return { rows in inner(rows).map { Truth.true - $0 } }
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            let (left, right) = try pair(op, args)
            return try comparison(op, try operand(left), try operand(right))
        case .like:
            let (left, right) = try pair(op, args)
            let value = try operand(left), pattern = try operand(right)
            guard case .text(let texts) = value, case .text(let patterns) = pattern else {
                throw FilterError.typeMismatch(operator: "LIKE", found: [value.typeName, pattern.typeName])
            }
            return { rows in
                let patternValues = patterns(rows)
                if case .constant(let literal) = patternValues {
                    // One pattern: compiled once, tested once per distinct value of a coded column.
                    guard let literal else { return [UInt8](repeating: Truth.unknown, count: rows.count) }
                    let compiled = LikePattern(literal)
                    return Self.truths(texts(rows), count: rows.count) { compiled.matches($0) }
                }
                let textValues = texts(rows)
                return (0..<rows.count).map { row in
                    guard let text = textValues.value(row), let pattern = patternValues.value(row) else { return Truth.unknown }
                    return LikePattern(pattern).matches(text) ? Truth.true : Truth.false
                }
            }
        case .between:
            guard args.count == 3 else { throw FilterError.typeMismatch(operator: "BETWEEN", found: args.map { _ in "?" }) }
            let value = try operand(args[0]), low = try operand(args[1]), high = try operand(args[2])
            guard case .number(let x) = value, case .number(let lower) = low, case .number(let upper) = high else {
                throw FilterError.typeMismatch(operator: "BETWEEN", found: [value.typeName, low.typeName, high.typeName])
            }
            return { rows in
                let values = x(rows), lows = lower(rows), highs = upper(rows)
                return (0..<rows.count).map { row in
                    let v = values.value(row), a = lows.value(row), b = highs.value(row)
                    if v.isNaN || a.isNaN || b.isNaN { return Truth.unknown }
                    return a <= v && v <= b ? Truth.true : Truth.false
                }
            }
        case .in:
            let (left, right) = try pair(op, args)
            guard case .array(let items) = right else { throw FilterError.typeMismatch(operator: "IN", found: [try operand(right).typeName]) }
            let value = try operand(left)
            var tests: [Condition] = []
            for item in items { tests.append(try comparison(.equal, value, try operand(item))) }
            // OGC 21-065 §8 `inListOperands` (and the JSON schema's `minItems: 1`): a list of at least one.
            guard !tests.isEmpty else { throw FilterError.typeMismatch(operator: "IN", found: ["empty list"]) }
            return Self.combine(tests, all: false)
        case .isNull:
            switch try operand(try single(op, args)) {
            case .text(let texts):
                return { rows in Self.truths(texts(rows), count: rows.count, null: Truth.true) { _ in false } }
            case .number(let numbers):
                return { rows in
                    let values = numbers(rows)
                    return (0..<rows.count).map { values.value($0).isNaN ? Truth.true : Truth.false }
                }
            case .boolean(let inner):
                return { rows in inner(rows).map { $0 == Truth.unknown ? Truth.true : Truth.false } }
            case .textArray(let arrays):
                return { rows in
                    let values = arrays(rows)
                    return (0..<rows.count).map { values.value($0) == nil ? Truth.true : Truth.false }
                }
            case .geometry:
                return { rows in [UInt8](repeating: Truth.false, count: rows.count) }
            case .time(_, let times):
                return { rows in
                    let values = times(rows)
                    return (0..<rows.count).map { values.value($0) == nil ? Truth.true : Truth.false }
                }
            }
        case .sIntersects, .sDisjoint:
            let (left, right) = try pair(op, args)
            let a = try operand(left), b = try operand(right)
            guard case .geometry(let first) = a, case .geometry(let second) = b else {
                throw FilterError.typeMismatch(operator: op.rawValue.uppercased(), found: [a.typeName, b.typeName])
            }
            let meets = intersection(first, second)
            let (hit, miss) = op == .sIntersects ? (Truth.true, Truth.false) : (Truth.false, Truth.true)
            return { rows in rows.map { meets(rows.snapshot, $0) ? hit : miss } }
        case .sEquals, .sTouches, .sWithin, .sOverlaps, .sCrosses, .sContains:
            let (left, right) = try pair(op, args)
            let a = try operand(left), b = try operand(right)
            guard case .geometry(let first) = a, case .geometry(let second) = b else {
                throw FilterError.typeMismatch(operator: op.rawValue.uppercased(), found: [a.typeName, b.typeName])
            }
            let holds = try relation(op, first, second)
            return { rows in rows.map { holds(rows.snapshot, $0) ? Truth.true : Truth.false } }
        case .tAfter, .tBefore, .tContains, .tDisjoint, .tDuring, .tEquals, .tFinishedBy, .tFinishes, .tIntersects, .tMeets,
            .tMetBy, .tOverlappedBy, .tOverlaps, .tStartedBy, .tStarts:
            let (left, right) = try pair(op, args)
            let a = try operand(left), b = try operand(right)
            guard case .time(_, let x) = a, case .time(_, let y) = b else {
                throw FilterError.typeMismatch(operator: op.rawValue.uppercased(), found: [a.typeName, b.typeName])
            }
            return Self.timeTruths(x, y, Self.temporalRelation(op))
        case .aEquals, .aContains, .aContainedBy, .aOverlaps:
            // OGC 21-065 §7.11, arrays compared as sets (as the cql2 reference evaluator does):
            // A_EQUALS the same items; A_CONTAINS every item of the second is in the first;
            // A_CONTAINEDBY the reverse; A_OVERLAPS an item in common.
            let (left, right) = try pair(op, args)
            let x = try textArray(left, op), y = try textArray(right, op)
            return { rows in
                let first = x(rows), second = y(rows)
                return (0..<rows.count).map { row in
                    guard let a = first.value(row), let b = second.value(row) else { return Truth.unknown }
                    let holds: Bool =
                        switch op {
                        case .aEquals: Set(a) == Set(b)
                        case .aContains: Set(b).isSubset(of: a)
                        case .aContainedBy: Set(a).isSubset(of: b)
                        default: !Set(a).isDisjoint(with: b)
                        }
                    return holds ? Truth.true : Truth.false
                }
            }
        default:
            // A value where a condition belongs (`floors + 1`, `CASEI(name)`): the filter needs a boolean.
            throw FilterError.typeMismatch(operator: "filter", found: [try operand(.operation(op, args)).typeName])
        }
    }

    /// AND (the minimum truth) or OR (the maximum) of `parts`, candidate by candidate.
    private static func combine(_ parts: [Condition], all: Bool) -> Condition {
        { rows in
            var result = parts[0](rows)
            for part in parts.dropFirst() {
                let next = part(rows)
                // Raw buffers: a checked, uniqueness-tested write per candidate was a third of the time.
                result.withUnsafeMutableBufferPointer { target in
                    next.withUnsafeBufferPointer { source in
                        if all {
                            for i in 0..<target.count { target[i] = min(target[i], source[i]) }
                        } else {
                            for i in 0..<target.count { target[i] = max(target[i], source[i]) }
                        }
                    }
                }
            }
            return result
        }
    }

    /// Truth per candidate of `test` on each text; a missing text is `null` (unknown unless said).
    /// A coded column is tested once per word of its vocabulary.
    private static func truths(_ values: TextValues, count: Int, null: UInt8 = Truth.unknown, _ test: (String) -> Bool) -> [UInt8] {
        switch values {
        case .constant(let text):
            return [UInt8](repeating: text.map { test($0) ? Truth.true : Truth.false } ?? null, count: count)
        case .coded(let codes, let vocabulary):
            let table = vocabulary.map { test($0) ? Truth.true : Truth.false }
            return [UInt8](unsafeUninitializedCapacity: codes.count) { buffer, initialized in
                codes.withUnsafeBufferPointer { codes in
                    table.withUnsafeBufferPointer { table in
                        for i in 0..<codes.count { buffer[i] = codes[i] < 0 ? null : table[Int(codes[i])] }
                    }
                }
                initialized = codes.count
            }
        case .each(let texts):
            return texts.map { text in text.map { test($0) ? Truth.true : Truth.false } ?? null }
        }
    }

    /// An array operand: an array literal, an array-valued property, or one text (an array of one).
    private func textArray(_ expression: CQL2Expression, _ op: CQL2Operator) throws(FilterError) -> @Sendable (Rows) -> ArrayValues {
        let value = try operand(expression)
        switch value {
        case .textArray(let get): return get
        case .text(let get):
            return { rows in
                let texts = get(rows)
                if case .constant(let text) = texts { return .constant(text.map { [$0] } ?? []) }
                return .each((0..<rows.count).map { texts.value($0).map { [$0] } })
            }
        default:
            throw FilterError.typeMismatch(operator: op.rawValue.uppercased(), found: [value.typeName])
        }
    }

    private func comparison(_ op: CQL2Operator, _ a: Operand, _ b: Operand) throws(FilterError) -> Condition {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            let holds = Self.order(op)
            return { rows in
                let left = x(rows), right = y(rows)
                if case .each(let values) = left, case .constant(let bound) = right, !bound.isNaN {
                    return Self.compared(values, op, bound)
                }
                return (0..<rows.count).map { row in
                    let p = left.value(row), q = right.value(row)
                    if p.isNaN || q.isNaN { return Truth.unknown }
                    return holds(p, q) ? Truth.true : Truth.false
                }
            }
        case (.text(let x), .text(let y)):
            // Unicode scalar (UTF-8 byte) order, as the Rust and SQL evaluators compare; `==` on
            // Swift strings would also equate canonically equivalent spellings.
            let holds: @Sendable (String, String) -> Bool = { p, q in
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
            return { rows in
                let left = x(rows), right = y(rows)
                if case .constant(let literal) = right {
                    guard let literal else { return [UInt8](repeating: Truth.unknown, count: rows.count) }
                    return Self.truths(left, count: rows.count) { holds($0, literal) }
                }
                if case .constant(let literal) = left {
                    guard let literal else { return [UInt8](repeating: Truth.unknown, count: rows.count) }
                    return Self.truths(right, count: rows.count) { holds(literal, $0) }
                }
                return (0..<rows.count).map { row in
                    guard let p = left.value(row), let q = right.value(row) else { return Truth.unknown }
                    return holds(p, q) ? Truth.true : Truth.false
                }
            }
        case (.time(false, let x), .time(false, let y)):
            // Instants in time order (§7.13's comparisons of TIMESTAMP and DATE): a DATE, being
            // its whole day, is before a timestamp only when the day has ended before it.
            let holds: @Sendable (TimeSpan, TimeSpan) -> Bool =
                switch op {
                case .equal: { $0 == $1 }
                case .notEqual: { $0 != $1 }
                case .less: { $0.end < $1.start }
                case .lessOrEqual: { $0.end < $1.start || $0 == $1 }
                case .greater: { $0.start > $1.end }
                default: { $0.start > $1.end || $0 == $1 }
                }
            return Self.timeTruths(x, y, holds)
        case (.boolean(let x), .boolean(let y)) where op == .equal || op == .notEqual:
            let wantEqual = op == .equal
            return { rows in
                let left = x(rows), right = y(rows)
                return (0..<rows.count).map { row in
                    if left[row] == Truth.unknown || right[row] == Truth.unknown { return Truth.unknown }
                    return (left[row] == right[row]) == wantEqual ? Truth.true : Truth.false
                }
            }
        default:
            throw FilterError.typeMismatch(operator: op.rawValue, found: [a.typeName, b.typeName])
        }
    }

    /// `holds` of each candidate's pair of times; unknown when either is null.
    private static func timeTruths(
        _ x: @escaping @Sendable (Rows) -> TimeValues, _ y: @escaping @Sendable (Rows) -> TimeValues,
        _ holds: @escaping @Sendable (TimeSpan, TimeSpan) -> Bool
    ) -> Condition {
        { rows in
            let left = x(rows), right = y(rows)
            if case .constant(let p) = left, case .constant(let q) = right {
                let truth = p.flatMap { p in q.map { holds(p, $0) ? Truth.true : Truth.false } } ?? Truth.unknown
                return [UInt8](repeating: truth, count: rows.count)
            }
            return (0..<rows.count).map { row in
                guard let p = left.value(row), let q = right.value(row) else { return Truth.unknown }
                return holds(p, q) ? Truth.true : Truth.false
            }
        }
    }

    /// OGC 21-065 §7.13 Table 6 (Allen's interval relations over closed intervals; an instant is
    /// an interval whose ends are equal).
    private static func temporalRelation(_ op: CQL2Operator) -> @Sendable (TimeSpan, TimeSpan) -> Bool {
        switch op {
        case .tAfter: { a, b in a.start > b.end }
        case .tBefore: { a, b in a.end < b.start }
        case .tContains: { a, b in a.start < b.start && a.end > b.end }
        case .tDisjoint: { a, b in a.start > b.end || a.end < b.start }
        case .tDuring: { a, b in a.start > b.start && a.end < b.end }
        case .tEquals: { a, b in a == b }
        case .tFinishedBy: { a, b in a.start < b.start && a.end == b.end }
        case .tFinishes: { a, b in a.start > b.start && a.end == b.end }
        case .tMeets: { a, b in a.end == b.start }
        case .tMetBy: { a, b in a.start == b.end }
        case .tOverlappedBy: { a, b in a.start > b.start && a.start < b.end && a.end > b.end }
        case .tOverlaps: { a, b in a.start < b.start && a.end > b.start && a.end < b.end }
        case .tStartedBy: { a, b in a.start == b.start && a.end > b.end }
        case .tStarts: { a, b in a.start == b.start && a.end < b.end }
        default: { a, b in a.start <= b.end && a.end >= b.start }  // T_INTERSECTS
        }
    }

    /// A column against one number (`floors > 3`), the operator chosen once outside the loop; NaN
    /// (none) is unknown.
    private static func compared(_ values: [Double], _ op: CQL2Operator, _ bound: Double) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: values.count) { buffer, initialized in
            values.withUnsafeBufferPointer { values in
                func fill(_ holds: (Double) -> Bool) {
                    for i in 0..<values.count {
                        let v = values[i]
                        buffer[i] = v.isNaN ? Truth.unknown : holds(v) ? Truth.true : Truth.false
                    }
                }
                switch op {
                case .equal: fill { $0 == bound }
                case .notEqual: fill { $0 != bound }
                case .less: fill { $0 < bound }
                case .lessOrEqual: fill { $0 <= bound }
                case .greater: fill { $0 > bound }
                default: fill { $0 >= bound }
                }
            }
            initialized = values.count
        }
    }

    private static func order(_ op: CQL2Operator) -> @Sendable (Double, Double) -> Bool {
        switch op {
        case .equal: { $0 == $1 }
        case .notEqual: { $0 != $1 }
        case .less: { $0 < $1 }
        case .lessOrEqual: { $0 <= $1 }
        case .greater: { $0 > $1 }
        default: { $0 >= $1 }
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

    // MARK: - operands

    private func operand(_ expression: CQL2Expression) throws(FilterError) -> Operand {
        switch expression {
        case .string(let text): return .text { _ in .constant(text) }
        case .number(let value): return .number { _ in .constant(value) }
        case .boolean(let value):
            let truth = value ? Truth.true : Truth.false
            return .boolean { rows in [UInt8](repeating: truth, count: rows.count) }
        case .property(let name): return try property(name)
        case .bbox(let numbers):
            let half = numbers.count / 2
            let lower = try transform(CQL2Position(x: numbers[0], y: numbers[1]))
            let upper = try transform(CQL2Position(x: numbers[half], y: numbers[half + 1]))
            guard lower.y <= upper.y else { throw FilterError.invalidLiteral("BBOX") }
            if lower.x > upper.x {
                // OGC 21-065 §7.9 (as OGC 17-069r4 §7.15.3's bbox): a west edge east of the east
                // edge crosses the antimeridian: the boxes on either side of it.
                var shape = PlanarShape()
                for (west, east) in [(lower.x, 180.0), (-180.0, upper.x)] {
                    shape.add(Polygon(exterior: Ring(xy: [west, lower.y, east, lower.y, east, upper.y, west, upper.y, west, lower.y])))
                }
                return .geometry(.shape(shape))
            }
            guard let box = BoundingBox(minLon: lower.x, minLat: lower.y, maxLon: upper.x, maxLat: upper.y) else {
                throw FilterError.invalidLiteral("BBOX")
            }
            return .geometry(.box(box))
        case .geometry(let geometry):
            return .geometry(.shape(try shape(geometry)))
        case .array(let items):
            var texts: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw FilterError.typeMismatch(operator: "array", found: [try operand(item).typeName]) }
                texts.append(text)
            }
            let literal = texts
            return .textArray { _ in .constant(literal) }
        case .timestamp(let text), .date(let text):
            guard let span = TimeSpan(literal: text) else { throw FilterError.invalidLiteral("'\(text)'") }
            return .time(isInterval: false) { _ in .constant(span) }
        case .interval(let first, let second):
            let start = try intervalEnd(first), end = try intervalEnd(second)
            return .time(isInterval: true) { rows in
                let starts = start(rows), ends = end(rows)
                if case .constant(let a) = starts, case .constant(let b) = ends {
                    return .constant(TimeSpan(start: a?.start ?? .min, end: b?.end ?? .max))
                }
                return .each((0..<rows.count).map { TimeSpan(start: starts.value($0)?.start ?? .min, end: ends.value($0)?.end ?? .max) })
            }
        case .function(let name, _):
            throw FilterError.unsupported(name)
        case .operation(let op, let args):
            switch op {
            case .casei, .accenti:
                let inner = try operand(try single(op, args))
                guard case .text(let texts) = inner else { throw FilterError.typeMismatch(operator: op.rawValue.uppercased(), found: [inner.typeName]) }
                let fold: @Sendable (String) -> String = op == .casei ? TextFolding.caseFolded : TextFolding.accentFolded
                return .text { rows in texts(rows).map(fold) }
            case .plus, .minus, .times, .divide, .modulo, .integerDivide, .power:
                let (left, right) = try pair(op, args)
                let a = try operand(left), b = try operand(right)
                guard case .number(let x) = a, case .number(let y) = b else {
                    throw FilterError.typeMismatch(operator: op.rawValue, found: [a.typeName, b.typeName])
                }
                let apply = Self.arithmetic(op)
                return .number { rows in
                    let p = x(rows), q = y(rows)
                    if case .constant(let first) = p, case .constant(let second) = q { return .constant(apply(first, second)) }
                    return .each((0..<rows.count).map { apply(p.value($0), q.value($0)) })
                }
            default:
                // A predicate used as a value (`(floors > 3) = true`).
                return .boolean(try condition(expression))
            }
        }
    }

    /// An end of `INTERVAL(a, b)` (§7.13): `'..'` is open (nil), a quoted date or date-time an
    /// instant, a validity property each feature's (null: open, the validity being unbounded there).
    private func intervalEnd(_ expression: CQL2Expression) throws(FilterError) -> @Sendable (Rows) -> TimeValues {
        if case .string(let text) = expression {
            if text == ".." { return { _ in .constant(nil) } }
            guard let span = TimeSpan(literal: text) else { throw FilterError.invalidLiteral("'\(text)'") }
            return { _ in .constant(span) }
        }
        let end = try operand(expression)
        guard case .time(false, let times) = end else { throw FilterError.typeMismatch(operator: "INTERVAL", found: [end.typeName]) }
        return times
    }

    /// §7.6 arithmetic; NaN (none) in, none out, and a division by zero is none, not infinity.
    private static func arithmetic(_ op: CQL2Operator) -> @Sendable (Double, Double) -> Double {
        switch op {
        case .plus: { $0 + $1 }
        case .minus: { $0 - $1 }
        case .times: { $0 * $1 }
        case .divide: { $1 == 0 ? .nan : $0 / $1 }
        case .modulo: { $1 == 0 ? .nan : $0.truncatingRemainder(dividingBy: $1) }
        case .integerDivide: { $1 == 0 ? .nan : ($0 / $1).rounded(.towardZero) }
        default: { let value = pow($0, $1); return value.isFinite ? value : .nan }
        }
    }

    /// The collection's queryable named `name`, as a column of the snapshot's layer.
    private func property(_ name: String) throws(FilterError) -> Operand {
        if name == "geometry" { return .geometry(.feature) }
        guard let property = collection.queryables.first(where: { $0.rawValue == name }) else {
            throw FilterError.unknownProperty(name, queryables: ["geometry"] + collection.queryables.map(\.rawValue))
        }
        let collection = self.collection
        if property.valueType == .array {
            // A zone's uses by its code's rule: a few hundred zones, read per candidate.
            return .textArray { rows in
                .each(rows.map { position in
                    guard collection == .zones, let rule = rows.snapshot.rules[rows.snapshot.zones.values[Int(position)].code] else { return nil }
                    return (property == .allowedUses ? rule.allowedUses : rule.conditionalUses).map(\.rawValue)
                })
            }
        }
        if property.valueType == .timestamp {
            let isStart = property == .validFrom
            return .time(isInterval: false) { rows in
                let column = isStart ? rows.validities.starts : rows.validities.ends
                guard !column.isEmpty else { return .constant(nil) }
                return .each(rows.gather(column).map { $0 == ValidityColumns.null ? nil : TimeSpan(start: $0, end: $0) })
            }
        }
        if property.valueType == .integer {
            return .number { rows in
                let column = rows.snapshot.filterColumns.numbers(collection, property, rows.snapshot)
                return .each(rows.gather(column))
            }
        }
        if property == .id {
            // Unique per feature: a vocabulary would be the layer's every id (a sorted set of 1M
            // strings, made again after each edit); read the candidates' ids instead.
            return .text { rows in .each(rows.map { FilterColumnCache.text(.id, of: collection, at: Int($0), in: rows.snapshot) }) }
        }
        return .text { rows in
            let column = rows.snapshot.filterColumns.texts(collection, property, rows.snapshot)
            return .coded(codes: rows.gather(column.codes), vocabulary: column.vocabulary)
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
            // A polygon literal's grid decides the features wholly inside or outside it from their
            // boxes; the rest (and every feature, for points and lines) get the exact test.
            let grid = ShapeGrid(shape)
            @Sendable func meets(_ outlines: PolygonalOutlines, _ position: Int32) -> Bool {
                let featureBox = outlines.bbox(position)
                guard featureBox.intersects(shapeBox) else { return false }
                switch grid?.place(of: featureBox) ?? .boundary {
                case .inside: return true
                case .outside: return false
                case .boundary: return PlanarShape(outlines.polygonal(position, isMulti: true)).intersects(shape)
                }
            }
            switch collection {
            case .parcels:
                return { snapshot, position in meets(snapshot.parcelOutlines, position) }
            case .zones:
                return { snapshot, position in meets(snapshot.zoneOutlines, position) }
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

    /// OGC 21-065 §7.10 spatial-functions: the DE-9IM predicates of OGC 06-103r4 §6.1.15.3
    /// between the feature and a literal, per feature from the intersection matrix
    /// (`PlanarShape.relation(to:)`). Each of them needs the two to meet, so a feature whose box
    /// misses the literal's is false without the matrix (and the R-tree gives the candidates
    /// when the filter requires the term: `envelope`).
    private func relation(_ op: CQL2Operator, _ a: GeometryOperand, _ b: GeometryOperand) throws(FilterError) -> @Sendable (CitySnapshot, Int32) -> Bool {
        let holds: @Sendable (IntersectionMatrix) -> Bool =
            switch op {
            case .sEquals: { $0.equals }
            case .sTouches: { $0.touches }
            case .sWithin: { $0.within }
            case .sOverlaps: { $0.overlaps }
            case .sCrosses: { $0.crosses }
            default: { $0.contains }
            }
        func literal(_ operand: GeometryOperand) throws(FilterError) -> PlanarShape {
            var shape: PlanarShape
            switch operand {
            case .feature: shape = PlanarShape()
            case .shape(let given): shape = given
            case .box(let box):
                shape = PlanarShape()
                shape.add(Polygon(exterior: Ring(xy: [
                    box.minLon, box.minLat, box.maxLon, box.minLat, box.maxLon, box.maxLat, box.minLon, box.maxLat, box.minLon, box.minLat,
                ])))
            }
            // A collection of points with lines or polygons has no one dimension the patterns need.
            guard shape.dimension != nil else { throw FilterError.mixedDimensions(operator: op.rawValue.uppercased()) }
            return shape
        }
        switch (a, b) {
        case (.feature, .feature):
            // A feature against itself: equal, within and containing itself, nothing else.
            let answer = op == .sEquals || op == .sWithin || op == .sContains
            return { _, _ in answer }
        case (.feature, let other), (let other, .feature):
            let shape = try literal(other)
            let featureFirst = if case .feature = a { true } else { false }
            let collection = self.collection
            guard let shapeBox = shape.bbox else { return { _, _ in false } }
            // A polygon literal's grid: a feature whose box lies in inside cells is in the
            // literal's interior, boundary and all (the matrix below), one in outside cells
            // meets nothing of it; only the rest are noded.
            let grid = ShapeGrid(shape)
            let featureDimension = collection == .facilities ? 0 : 2
            var inside = IntersectionMatrix(firstDimension: featureDimension, secondDimension: 2)
            (inside.interiorInterior, inside.boundaryInterior) = (true, featureDimension > 0)
            (inside.exteriorInterior, inside.exteriorBoundary) = (true, true)
            let insideAnswer = holds(featureFirst ? inside : inside.transposed)
            return { snapshot, position in
                let outlines = collection == .zones ? snapshot.zoneOutlines : snapshot.parcelOutlines
                let location = collection == .facilities ? snapshot.facilities[Int(position)].location : nil
                let featureBox = location.map { BoundingBox(uncheckedMinLon: $0.lon, minLat: $0.lat, maxLon: $0.lon, maxLat: $0.lat) }
                    ?? outlines.bbox(position)
                guard featureBox.intersects(shapeBox) else { return false }
                switch grid?.place(of: featureBox) ?? .boundary {
                case .inside: return insideAnswer
                case .outside: return false
                case .boundary: break
                }
                let feature = location.map { PlanarShape(point: $0) } ?? PlanarShape(outlines.polygonal(position, isMulti: true))
                guard let matrix = feature.relation(to: shape) else { return false }
                return holds(featureFirst ? matrix : matrix.transposed)
            }
        default:
            let answer = try literal(a).relation(to: try literal(b)).map(holds) ?? false
            return { _, _ in answer }
        }
    }

    /// The box of a literal in an `S_INTERSECTS(geometry, literal)` that the whole filter
    /// requires (itself, or a term of a top-level AND): with several, the smallest. Not their
    /// intersection: a large zone meets two boxes far apart without meeting the space between.
    func envelope(of expression: CQL2Expression) throws(FilterError) -> BoundingBox? {
        var terms: [CQL2Expression] = [expression]
        if case .operation(.and, let args) = expression { terms = args }
        var result: BoundingBox?
        for term in terms {
            // Every spatial function but S_DISJOINT holds only where the two meet.
            guard case .operation(let op, let args) = term, args.count == 2,
                [.sIntersects, .sEquals, .sTouches, .sWithin, .sOverlaps, .sCrosses, .sContains].contains(op)
            else { continue }
            let literal: CQL2Expression
            switch (args[0], args[1]) {
            case (.property("geometry"), let other), (let other, .property("geometry")): literal = other
            default: continue
            }
            guard case .geometry(let operand) = try operand(literal), let box = operand.bbox else { continue }
            func area(_ box: BoundingBox) -> Double { (box.maxLon - box.minLon) * (box.maxLat - box.minLat) }
            if result.map({ area(box) < area($0) }) ?? true { result = box }
        }
        return result
    }
}

/// The filterable columns of one snapshot's layers, made on the first filter that reads them and
/// kept with the snapshot (an edit publishes a new snapshot with an empty cache): a text
/// queryable as codes into its sorted vocabulary (−1 for none), a number one as doubles (NaN for
/// none). A 100k-parcel column costs a few milliseconds once; every filter after reads arrays.
package final class FilterColumnCache: Sendable {
    struct TextColumn: Sendable {
        let codes: [Int32]
        let vocabulary: [String]
    }

    private struct Key: Hashable {
        let collection: FeatureCollectionID
        let property: QueryableProperty
    }

    private let texts = Mutex<[Key: TextColumn]>([:])
    private let numbers = Mutex<[Key: [Double]]>([:])
    private let conformities = MadeOnce<[UInt8]>()

    /// What each code of `parcelConformity` means (0: no use or no rule), in name order.
    static let conformityNames = ["", "conditional", "conforming", "non_conforming"]

    /// Each parcel's current use against the rules of the zone code that governs it, as a code
    /// into `conformityNames` (for the tiles' attribute and their land-use cells).
    func parcelConformity(_ snapshot: CitySnapshot) -> [UInt8] {
        conformities.value {
            (0..<Int32(snapshot.parcels.count)).map { position in
                switch snapshot.conformity(ofParcelAt: position) {
                case nil: 0
                case .conditional: 1
                case .allowed: 2
                case .notAllowed: 3
                }
            }
        }
    }

    package init() {}

    func texts(_ collection: FeatureCollectionID, _ property: QueryableProperty, _ snapshot: CitySnapshot) -> TextColumn {
        let key = Key(collection: collection, property: property)
        if let column = texts.withLock({ $0[key] }) { return column }
        let values: [String?] = (0..<snapshot.count(of: collection)).map { Self.text(property, of: collection, at: $0, in: snapshot) }
        let vocabulary = Array(Set(values.compactMap { $0 })).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var codeOf: [String: Int32] = [:]
        for (code, word) in vocabulary.enumerated() { codeOf[word] = Int32(code) }
        let column = TextColumn(codes: values.map { $0.flatMap { codeOf[$0] } ?? -1 }, vocabulary: vocabulary)
        texts.withLock { $0[key] = column }
        return column
    }

    func numbers(_ collection: FeatureCollectionID, _ property: QueryableProperty, _ snapshot: CitySnapshot) -> [Double] {
        let key = Key(collection: collection, property: property)
        if let column = numbers.withLock({ $0[key] }) { return column }
        let column: [Double] = (0..<snapshot.count(of: collection)).map { position in
            switch (collection, property) {
            case (.parcels, .floors): snapshot.parcels.values[position].floors.map(Double.init) ?? .nan
            default: .nan
            }
        }
        numbers.withLock { $0[key] = column }
        return column
    }

    static func text(_ property: QueryableProperty, of collection: FeatureCollectionID, at position: Int, in snapshot: CitySnapshot) -> String? {
        switch collection {
        case .parcels: snapshot.parcels.values[position].text(of: property)
        case .zones: snapshot.zones.values[position].text(of: property)
        case .facilities: snapshot.facilities[position].text(of: property)
        }
    }
}
