/// The text encoding of CQL2 (OGC 21-065 §8, Annex A's BNF), read by recursive descent into a
/// `CQL2Expression`. One precedence ladder serves boolean and arithmetic expressions alike —
/// OR < AND < NOT < predicates < + − < × ÷ % div < ^ < unary − < primaries — so a parenthesis may
/// hold either (`(floors + 1) > 3`, `(a = 1 OR b = 2) AND c = 3`); whether each operand has the
/// right type is checked when the tree is compiled, not here.
///
/// Depth, node count, positions and length are bounded (`CQL2Limits`): 10,000 nested
/// parentheses are a 400 after at most `maximumDepth` levels, not a stack overflow.
package struct CQL2TextParser {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private var nodes = 0
    private var positions = 0
    private let limits: CQL2Limits

    /// The tree of `text`, or the first fault with its place.
    package static func parse(_ text: String, limits: CQL2Limits = CQL2Limits()) throws(CQL2SyntaxError) -> CQL2Expression {
        var parser = CQL2TextParser(bytes: Array(text.utf8), limits: limits)
        do throws(Fault) {
            guard parser.bytes.count <= limits.maximumLength else {
                throw Fault(at: 0, .tooLong(limit: limits.maximumLength))
            }
            let expression = try parser.expression()
            parser.skipSpace()
            if parser.index < parser.bytes.count {
                throw Fault(at: parser.index, .unexpected(found: parser.tokenText(), expected: ["AND", "OR", CQL2SyntaxError.end]))
            }
            return expression
        } catch {
            throw CQL2SyntaxError(offset: parser.characterOffset(error.byteOffset), error.problem)
        }
    }

    private init(bytes: [UInt8], limits: CQL2Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// A fault at a UTF-8 offset; turned into a character offset once, on the way out.
    private struct Fault: Error {
        var byteOffset: Int
        var problem: CQL2SyntaxError.Problem
        init(at byteOffset: Int, _ problem: CQL2SyntaxError.Problem) {
            self.byteOffset = byteOffset
            self.problem = problem
        }
    }

    private func characterOffset(_ byteOffset: Int) -> Int {
        let end = min(byteOffset, bytes.count)
        return String(decoding: bytes[..<end], as: UTF8.self).unicodeScalars.count
    }

    // MARK: - the ladder

    private mutating func expression() throws(Fault) -> CQL2Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= limits.maximumDepth else { throw Fault(at: index, .tooDeep(limit: limits.maximumDepth)) }
        var terms = [try andTerm()]
        while keyword("OR") { terms.append(try andTerm()) }
        return terms.count == 1 ? terms[0] : try node(.operation(.or, terms))
    }

    private mutating func andTerm() throws(Fault) -> CQL2Expression {
        var factors = [try notFactor()]
        while keyword("AND") { factors.append(try notFactor()) }
        return factors.count == 1 ? factors[0] : try node(.operation(.and, factors))
    }

    private mutating func notFactor() throws(Fault) -> CQL2Expression {
        if keyword("NOT") {
            depth += 1
            defer { depth -= 1 }
            guard depth <= limits.maximumDepth else { throw Fault(at: index, .tooDeep(limit: limits.maximumDepth)) }
            return try node(.operation(.not, [try notFactor()]))
        }
        return try predicate()
    }

    /// §8.2 comparison predicates: binary comparisons, `[NOT] LIKE`, `[NOT] BETWEEN … AND …`,
    /// `[NOT] IN (…)`, `IS [NOT] NULL`.
    private mutating func predicate() throws(Fault) -> CQL2Expression {
        let left = try additive()
        skipSpace()
        for symbol in ["<>", "<=", ">=", "=", "<", ">"] where symbolAhead(symbol) {
            index += symbol.utf8.count
            let right = try additive()
            return try node(.operation(CQL2Operator(rawValue: symbol)!, [left, right]))
        }
        let mark = index
        let negated = keyword("NOT")
        if keyword("LIKE") {
            return try negate(negated, try node(.operation(.like, [left, try additive()])))
        }
        if keyword("BETWEEN") {
            let low = try additive()
            guard keyword("AND") else { throw Fault(at: index, .unexpected(found: tokenText(), expected: ["AND"])) }
            let high = try additive()
            return try negate(negated, try node(.operation(.between, [left, low, high])))
        }
        if keyword("IN") {
            skipSpace()
            guard symbolAhead("(") else { throw Fault(at: index, .unexpected(found: tokenText(), expected: ["("])) }
            // `IN (1)` is a list of one, not a parenthesised number.
            let listed = try primary()
            let list: [CQL2Expression] = if case .array(let items) = listed { items } else { [listed] }
            // §8 `inListOperands`: at least one item.
            guard !list.isEmpty else { throw Fault(at: index - 1, .unexpected(found: ")", expected: [CQL2SyntaxError.operand])) }
            return try negate(negated, try node(.operation(.in, [left, .array(list)])))
        }
        if negated {
            throw Fault(at: index, .unexpected(found: tokenText(), expected: ["LIKE", "BETWEEN", "IN"]))
        }
        index = mark
        if keyword("IS") {
            let not = keyword("NOT")
            guard keyword("NULL") else { throw Fault(at: index, .unexpected(found: tokenText(), expected: ["NULL", "NOT NULL"])) }
            return try negate(not, try node(.operation(.isNull, [left])))
        }
        return left
    }

    private mutating func negate(_ negated: Bool, _ expression: CQL2Expression) throws(Fault) -> CQL2Expression {
        negated ? try node(.operation(.not, [expression])) : expression
    }

    private mutating func additive() throws(Fault) -> CQL2Expression {
        var left = try multiplicative()
        var chain = Chain(depth)
        while true {
            try chain.extend(limits, at: index)
            skipSpace()
            if symbolAhead("+") {
                index += 1
                left = try node(.operation(.plus, [left, try multiplicative()]))
            } else if symbolAhead("-") {
                index += 1
                left = try node(.operation(.minus, [left, try multiplicative()]))
            } else {
                return left
            }
        }
    }

    private mutating func multiplicative() throws(Fault) -> CQL2Expression {
        var left = try power()
        var chain = Chain(depth)
        while true {
            try chain.extend(limits, at: index)
            skipSpace()
            let op: CQL2Operator
            if symbolAhead("*") { op = .times; index += 1 }
            else if symbolAhead("/") { op = .divide; index += 1 }
            else if symbolAhead("%") { op = .modulo; index += 1 }
            else if keyword("DIV") { op = .integerDivide }
            else { return left }
            left = try node(.operation(op, [left, try power()]))
        }
    }

    private mutating func power() throws(Fault) -> CQL2Expression {
        let base = try unary()
        skipSpace()
        if symbolAhead("^") {
            index += 1
            return try node(.operation(.power, [base, try unary()]))
        }
        return base
    }

    /// `-x`: a negative number literal, else −1 × x (the JSON encoding has no unary minus).
    private mutating func unary() throws(Fault) -> CQL2Expression {
        skipSpace()
        if symbolAhead("-") {
            index += 1
            depth += 1
            defer { depth -= 1 }
            guard depth <= limits.maximumDepth else { throw Fault(at: index, .tooDeep(limit: limits.maximumDepth)) }
            let operand = try unary()
            if case .number(let value) = operand { return .number(-value) }
            return try node(.operation(.times, [.number(-1), operand]))
        }
        if symbolAhead("+") {
            index += 1
            return try unary()
        }
        return try primary()
    }

    /// A run of left-associative operators (`1 + 1 + 1 …`) nests its tree one level per
    /// operator without recursing here; the compiler recurses, so the run counts as depth.
    private struct Chain {
        var depth: Int
        init(_ depth: Int) { self.depth = depth }
        mutating func extend(_ limits: CQL2Limits, at index: Int) throws(Fault) {
            depth += 1
            guard depth <= limits.maximumDepth + 1 else { throw Fault(at: index, .tooDeep(limit: limits.maximumDepth)) }
        }
    }

    // MARK: - primaries

    private mutating func primary() throws(Fault) -> CQL2Expression {
        skipSpace()
        let start = index
        guard index < bytes.count else { throw Fault(at: index, .unexpected(found: nil, expected: [CQL2SyntaxError.operand])) }
        let byte = bytes[index]
        if byte == UInt8(ascii: "(") {
            index += 1
            skipSpace()
            if symbolAhead(")") {
                index += 1
                return try node(.array([]))
            }
            let first = try expression()
            if consume(",") {
                let items = [first] + (try commaSeparated { (parser) throws(Fault) in try parser.expression() })
                try expect(")")
                return try node(.array(items))
            }
            try expect(")")
            return first
        }
        if byte == UInt8(ascii: "'") { return try node(.string(try stringLiteral())) }
        if isDigit(byte) || byte == UInt8(ascii: ".") { return try node(.number(try numberLiteral())) }
        if byte == UInt8(ascii: "\"") {
            // §8.2 `propertyName`: a double-quoted identifier may hold any character.
            index += 1
            var text: [UInt8] = []
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                text.append(bytes[index])
                index += 1
            }
            guard index < bytes.count else { throw Fault(at: start, .unterminatedString) }
            index += 1
            return try node(.property(String(decoding: text, as: UTF8.self)))
        }
        guard isIdentifierStart(byte) else {
            throw Fault(at: index, .unexpected(found: tokenText(), expected: [CQL2SyntaxError.operand]))
        }
        let name = identifier()
        switch name.uppercased() {
        case "TRUE": return try node(.boolean(true))
        case "FALSE": return try node(.boolean(false))
        case "DATE", "TIMESTAMP":
            try expect("(")
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "'") else {
                throw Fault(at: index, .unexpected(found: tokenText(), expected: [CQL2SyntaxError.quotedText]))
            }
            let value = try stringLiteral()
            try expect(")")
            return try node(name.uppercased() == "DATE" ? .date(value) : .timestamp(value))
        case "INTERVAL":
            try expect("(")
            let first = try intervalEnd()
            try expect(",")
            let second = try intervalEnd()
            try expect(")")
            return try node(.interval(first, second))
        case "BBOX":
            try expect("(")
            let numbers = try commaSeparated { (parser) throws(Fault) in try parser.signedNumber() }
            try expect(")")
            guard numbers.count == 4 || numbers.count == 6 else { throw Fault(at: start, .invalidGeometry(.bboxCount)) }
            return try node(.bbox(numbers))
        case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION":
            return try node(.geometry(try geometryBody(name.uppercased(), start: start)))
        default:
            break
        }
        skipSpace()
        guard symbolAhead("(") else { return try node(.property(name)) }
        // A function call: the standard's operators written as functions, or a custom one.
        index += 1
        var arguments: [CQL2Expression] = []
        if !consume(")") {
            arguments = try commaSeparated { (parser) throws(Fault) in try parser.expression() }
            try expect(")")
        }
        if let op = CQL2Operator(name: name), op.isFunctionStyle { return try node(.operation(op, arguments)) }
        return try node(.function(name, arguments))
    }

    /// An end of an interval: a quoted instant or `'..'`, DATE(…)/TIMESTAMP(…), or a property.
    private mutating func intervalEnd() throws(Fault) -> CQL2Expression {
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "'") { return try node(.string(try stringLiteral())) }
        return try primary()
    }

    /// WKT after its keyword (OGC 21-065 §8.3.2 refers to ISO 19162-style WKT): `POINT(x y)`,
    /// `MULTIPOINT((x y), (x y))` or `MULTIPOINT(x y, x y)`, … A `Z` dimension is refused: every
    /// feature lies at height 0 and a third number would be silently dropped.
    private mutating func geometryBody(_ kind: String, start: Int) throws(Fault) -> CQL2Geometry {
        skipSpace()
        if keyword("Z") || keyword("M") || keyword("ZM") {
            throw Fault(at: start, .invalidGeometry(.not2D))
        }
        switch kind {
        case "POINT":
            try expect("(")
            let point = try position()
            try expect(")")
            return .point(point)
        case "LINESTRING":
            return .lineString(try line(start: start))
        case "POLYGON":
            return .polygon(try rings(start: start))
        case "MULTIPOINT":
            // Both forms of OGC 06-103r4 §7.2.5: MULTIPOINT((1 2), (3 4)) and MULTIPOINT(1 2, 3 4).
            return .multiPoint(
                try parenthesised { (parser) throws(Fault) in
                    guard parser.consume("(") else { return try parser.position() }
                    let point = try parser.position()
                    try parser.expect(")")
                    return point
                })
        case "MULTILINESTRING":
            return .multiLineString(try parenthesised { (parser) throws(Fault) in try parser.line(start: start) })
        case "MULTIPOLYGON":
            return .multiPolygon(try parenthesised { (parser) throws(Fault) in try parser.rings(start: start) })
        default:  // GEOMETRYCOLLECTION
            return .collection(
                try parenthesised { (parser) throws(Fault) in
                    parser.skipSpace()
                    let memberStart = parser.index
                    let name = parser.identifier().uppercased()
                    guard ["POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON"].contains(name) else {
                        throw Fault(at: memberStart, .unexpected(found: name.isEmpty ? parser.tokenText() : name, expected: [CQL2SyntaxError.geometry]))
                    }
                    return try parser.geometryBody(name, start: memberStart)
                })
        }
    }

    /// `((x y, …), (x y, …))`: closed rings of at least 4 positions (OGC 06-103r4 §6.1.11).
    private mutating func rings(start: Int) throws(Fault) -> [[CQL2Position]] {
        try parenthesised { (parser) throws(Fault) in
            let ring = try parser.positionList()
            guard ring.count >= 4, ring.first == ring.last else { throw Fault(at: start, .invalidGeometry(.openRing)) }
            return ring
        }
    }

    /// `(x y, …)` of at least 2 positions (OGC 06-103r4 §6.1.7).
    private mutating func line(start: Int) throws(Fault) -> [CQL2Position] {
        let line = try positionList()
        guard line.count >= 2 else { throw Fault(at: start, .invalidGeometry(.shortLine)) }
        return line
    }

    private mutating func positionList() throws(Fault) -> [CQL2Position] {
        try parenthesised { (parser) throws(Fault) in try parser.position() }
    }

    /// `(item, item, …)`: at least one.
    private mutating func parenthesised<Item>(_ item: (inout CQL2TextParser) throws(Fault) -> Item) throws(Fault) -> [Item] {
        try expect("(")
        let items = try commaSeparated(item)
        try expect(")")
        return items
    }

    /// `item, item, …`: at least one, each read by `item`.
    private mutating func commaSeparated<Item>(_ item: (inout CQL2TextParser) throws(Fault) -> Item) throws(Fault) -> [Item] {
        var items = [try item(&self)]
        while consume(",") { items.append(try item(&self)) }
        return items
    }

    private mutating func position() throws(Fault) -> CQL2Position {
        positions += 1
        guard positions <= limits.maximumPositions else { throw Fault(at: index, .tooManyPositions(limit: limits.maximumPositions)) }
        let x = try signedNumber()
        let y = try signedNumber()
        return CQL2Position(x: x, y: y)
    }

    private mutating func signedNumber() throws(Fault) -> Double {
        skipSpace()
        var sign = 1.0
        if symbolAhead("-") {
            sign = -1
            index += 1
        } else if symbolAhead("+") {
            index += 1
        }
        skipSpace()
        guard index < bytes.count, isDigit(bytes[index]) || bytes[index] == UInt8(ascii: ".") else {
            throw Fault(at: index, .unexpected(found: tokenText(), expected: [CQL2SyntaxError.number]))
        }
        return sign * (try numberLiteral())
    }

    // MARK: - tokens

    private mutating func node(_ expression: CQL2Expression) throws(Fault) -> CQL2Expression {
        nodes += 1
        guard nodes <= limits.maximumNodes else { throw Fault(at: index, .tooManyNodes(limit: limits.maximumNodes)) }
        return expression
    }

    /// §8.2 `characterLiteral`: single quotes, a quote inside doubled (`'O''Brien'`).
    private mutating func stringLiteral() throws(Fault) -> String {
        let start = index
        index += 1
        var text: [UInt8] = []
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "'") {
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "'") {
                    text.append(UInt8(ascii: "'"))
                    index += 2
                    continue
                }
                index += 1
                return String(decoding: text, as: UTF8.self)
            }
            text.append(bytes[index])
            index += 1
        }
        throw Fault(at: start, .unterminatedString)
    }

    /// §8.2 `unsignedNumericLiteral`: digits, an optional fraction, an optional exponent.
    private mutating func numberLiteral() throws(Fault) -> Double {
        let start = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw Fault(at: start, .invalidNumber(text)) }
        return value
    }

    /// Letters (any non-ASCII byte counts, so Persian property names read), digits, `_`, `.`, `:`.
    private mutating func identifier() -> String {
        let start = index
        while index < bytes.count, isIdentifierStart(bytes[index]) || isDigit(bytes[index])
            || bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ":")
        {
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A keyword, case-insensitively, as a whole word; consumed if present.
    private mutating func keyword(_ word: String) -> Bool {
        skipSpace()
        let word = Array(word.utf8)
        guard index + word.count <= bytes.count else { return false }
        for (offset, letter) in word.enumerated() where bytes[index + offset] | 0x20 != letter | 0x20 { return false }
        let end = index + word.count
        if end < bytes.count, isIdentifierStart(bytes[end]) || isDigit(bytes[end]) { return false }
        index = end
        return true
    }

    private func symbolAhead(_ symbol: String) -> Bool {
        let symbol = Array(symbol.utf8)
        guard index + symbol.count <= bytes.count else { return false }
        return bytes[index..<(index + symbol.count)].elementsEqual(symbol)
    }

    private mutating func consume(_ symbol: String) -> Bool {
        skipSpace()
        guard symbolAhead(symbol) else { return false }
        index += symbol.utf8.count
        return true
    }

    private mutating func expect(_ symbol: String) throws(Fault) {
        guard consume(symbol) else { throw Fault(at: index, .unexpected(found: tokenText(), expected: [symbol])) }
    }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || (0x09...0x0D).contains(bytes[index]) { index += 1 }
    }

    /// The token at the current place, for error messages (at most 20 characters), nil at the end.
    private func tokenText() -> String? {
        guard index < bytes.count else { return nil }
        var end = index + 1
        if isIdentifierStart(bytes[index]) || isDigit(bytes[index]) {
            while end < bytes.count, end - index < 20, isIdentifierStart(bytes[end]) || isDigit(bytes[end]) { end += 1 }
        }
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_") || byte >= 0x80
    }
}
