/// A CQL2 expression as both encodings read it (OGC 21-065 "Common Query Language"): the text
/// encoding (§8, cql2-text) and the JSON encoding (§9, cql2-json) parse to the same tree, so a
/// filter means the same whichever way a client sent it, and tests can compare the two forms.
///
/// The tree is untyped, as the JSON encoding is (`{"op": …, "args": […]}`): what a property is
/// and whether an operator applies to it is decided once, when the expression is compiled
/// against a collection's queryables (LandService's `FeatureFilter`).
package indirect enum CQL2Expression: Sendable, Equatable {
    case property(String)
    case string(String)
    case number(Double)
    case boolean(Bool)
    /// `TIMESTAMP('…')` / `{"timestamp": "…"}`: RFC 3339 text as written, checked when compiled.
    case timestamp(String)
    /// `DATE('…')` / `{"date": "…"}`.
    case date(String)
    /// `INTERVAL(a, b)` / `{"interval": [a, b]}`; an open end is `.string("..")`.
    case interval(CQL2Expression, CQL2Expression)
    case geometry(CQL2Geometry)
    /// `BBOX(x1, y1, x2, y2)` (or six numbers with heights).
    case bbox([Double])
    /// `('a', 'b')` in the text encoding, a JSON array in the JSON one.
    case array([CQL2Expression])
    case operation(CQL2Operator, [CQL2Expression])
    /// A function the standard leaves to servers (§7.11 "Custom functions"); none is offered, so
    /// compiling one is an error naming it.
    case function(String, [CQL2Expression])
}

/// The operators of OGC 21-065 by their cql2-json names (§9, the `op` member), which are also
/// the text encoding's keywords and symbols.
package enum CQL2Operator: String, Sendable, CaseIterable {
    case and, or, not
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case like, between, `in`, isNull
    case casei, accenti
    case plus = "+", minus = "-", times = "*", divide = "/", modulo = "%", integerDivide = "div", power = "^"
    case sIntersects = "s_intersects", sEquals = "s_equals", sDisjoint = "s_disjoint", sTouches = "s_touches"
    case sWithin = "s_within", sOverlaps = "s_overlaps", sCrosses = "s_crosses", sContains = "s_contains"
    case tAfter = "t_after", tBefore = "t_before", tContains = "t_contains", tDisjoint = "t_disjoint"
    case tDuring = "t_during", tEquals = "t_equals", tFinishedBy = "t_finishedby", tFinishes = "t_finishes"
    case tIntersects = "t_intersects", tMeets = "t_meets", tMetBy = "t_metby", tOverlappedBy = "t_overlappedby"
    case tOverlaps = "t_overlaps", tStartedBy = "t_startedby", tStarts = "t_starts"
    case aEquals = "a_equals", aContains = "a_contains", aContainedBy = "a_containedby", aOverlaps = "a_overlaps"

    /// The operator named in JSON's `op` or by a text function name, case-insensitively
    /// (§8: keywords are case-insensitive; cql2-json writes them in lower case).
    package init?(name: String) {
        let lowered = name.lowercased()
        if lowered == "isnull" { self = .isNull; return }
        guard let found = CQL2Operator(rawValue: lowered) else { return nil }
        self = found
    }

    /// Operators written as a function call in the text encoding: `S_INTERSECTS(a, b)`.
    var isFunctionStyle: Bool {
        switch self {
        case .casei, .accenti: true
        default: rawValue.hasPrefix("s_") || rawValue.hasPrefix("t_") || rawValue.hasPrefix("a_")
        }
    }
}

/// A geometry literal (WKT in the text encoding, GeoJSON in the JSON one; OGC 21-065 §8.3.2,
/// §9.3.2), positions as (x, y) in the filter's CRS: CRS84 unless `filter-crs` says otherwise.
package indirect enum CQL2Geometry: Sendable, Equatable {
    case point(CQL2Position)
    case multiPoint([CQL2Position])
    case lineString([CQL2Position])
    case multiLineString([[CQL2Position]])
    case polygon([[CQL2Position]])
    case multiPolygon([[[CQL2Position]]])
    case collection([CQL2Geometry])

    /// Every position, in order (for projecting and for counting).
    package var positionCount: Int {
        switch self {
        case .point: 1
        case .multiPoint(let points), .lineString(let points): points.count
        case .multiLineString(let lines), .polygon(let lines): lines.reduce(0) { $0 + $1.count }
        case .multiPolygon(let polygons): polygons.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        case .collection(let members): members.reduce(0) { $0 + $1.positionCount }
        }
    }

    /// The same geometry with every position passed through `transform`.
    package func mapPositions<E: Error>(_ transform: (CQL2Position) throws(E) -> CQL2Position) throws(E) -> CQL2Geometry {
        func line(_ points: [CQL2Position]) throws(E) -> [CQL2Position] {
            var result: [CQL2Position] = []
            result.reserveCapacity(points.count)
            for point in points { result.append(try transform(point)) }
            return result
        }
        func lines(_ list: [[CQL2Position]]) throws(E) -> [[CQL2Position]] {
            var result: [[CQL2Position]] = []
            for item in list { result.append(try line(item)) }
            return result
        }
        switch self {
        case .point(let point): return .point(try transform(point))
        case .multiPoint(let points): return .multiPoint(try line(points))
        case .lineString(let points): return .lineString(try line(points))
        case .multiLineString(let list): return .multiLineString(try lines(list))
        case .polygon(let rings): return .polygon(try lines(rings))
        case .multiPolygon(let polygons):
            var result: [[[CQL2Position]]] = []
            for polygon in polygons { result.append(try lines(polygon)) }
            return .multiPolygon(result)
        case .collection(let members):
            var result: [CQL2Geometry] = []
            for member in members { result.append(try member.mapPositions(transform)) }
            return .collection(result)
        }
    }
}

package struct CQL2Position: Sendable, Equatable {
    package var x: Double
    package var y: Double

    package init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// What was wrong with a filter, for a 400 that names the place (§8 and §9 leave the error's
/// form to the API; OGC 19-079r2 Part 3 `/req/filter/filter-param` asks for a 400).
package struct CQL2SyntaxError: Error, Sendable, Equatable {
    /// Characters (Unicode scalars) from the start of the text before the fault; for cql2-json,
    /// the offset in the JSON text where the faulty member's value starts, when known.
    package var offset: Int
    package var problem: Problem

    package enum Problem: Sendable, Equatable {
        /// `expected` lists what would have been valid, `found` what was there (or nil at the end).
        case unexpected(found: String?, expected: [String])
        case unterminatedString
        case invalidNumber(String)
        case invalidGeometry(GeometryFault)
        case invalidJSON
        case invalidJSONMember(String)
        case tooDeep(limit: Int)
        case tooManyNodes(limit: Int)
        case tooManyPositions(limit: Int)
        case tooLong(limit: Int)
    }

    /// Words for what was expected that are not symbols or keywords, for the API to put into
    /// each language (keywords and symbols are shown as they are written).
    package static let operand = "<operand>", number = "<number>", geometry = "<geometry>", end = "<end>", quotedText = "<quoted>"

    /// Why a geometry literal is refused (WKT, OGC 06-103r4 §7; GeoJSON, RFC 7946 §3.1).
    package enum GeometryFault: Sendable, Equatable {
        case shortLine, openRing, not2D, bboxCount
        case unknownType(String)
    }

    package init(offset: Int, _ problem: Problem) {
        self.offset = offset
        self.problem = problem
    }
}

/// Bounds on what one filter may cost, checked while parsing (before any work per feature):
/// a deep or huge expression is refused, not evaluated (issue 18 point 4).
package struct CQL2Limits: Sendable {
    package var maximumLength = 256 * 1024
    package var maximumDepth = 100
    package var maximumNodes = 5_000
    package var maximumPositions = 100_000

    package init() {}
}
