import Foundation
import GeoFormats
import TestSupport
import Testing

private func parse(_ text: String) throws(GeoFormatError) -> JSONValue {
    try JSONParser.parse(Array(text.utf8))
}

/// The syntax problem and offset of a failing parse, nil if it parses.
private func failure(_ text: String) -> (JSONSyntaxProblem, Int)? {
    failure(Array(text.utf8))
}

private func failure(_ bytes: [UInt8]) -> (JSONSyntaxProblem, Int)? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        guard case .invalidJSON(let problem, let offset) = error else { return nil }
        return (problem, offset)
    }
}

/// Foundation's JSONSerialization output as a JSONValue (NSNumber booleans kept apart), so our
/// parser can be compared with an independent one.
func foundationValue(_ object: Any) -> JSONValue {
    switch object {
    case is NSNull: return .null
    case let number as NSNumber:
        // A JSON boolean comes back as an NSNumber of a char ("c"); JSON numbers never do.
        if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
        return .number(number.doubleValue)
    case let string as String: return .string(string)
    case let array as [Any]: return .array(array.map(foundationValue))
    case let dictionary as [String: Any]:
        // JSONSerialization forgets member order: compare with keys sorted.
        return .object(JSONObject(dictionary.keys.sorted().map { JSONMember(key: $0, value: foundationValue(dictionary[$0]!)) }))
    default: return .string("unexpected \(type(of: object))")
    }
}

/// Members sorted by key, recursively, a repeated key keeping its last value as `JSONObject`'s
/// subscript and Foundation do (for comparison with Foundation's unordered dictionaries).
func sortedKeys(_ value: JSONValue) -> JSONValue {
    switch value {
    case .array(let elements): return .array(elements.map(sortedKeys))
    case .object(let object):
        let keys = Set(object.members.map(\.key)).sorted()
        return .object(JSONObject(keys.map { JSONMember(key: $0, value: sortedKeys(object[$0]!)) }))
    default: return value
    }
}

@Suite("JSONParser")
struct JSONParserTests {
    @Test("values of every kind, members kept in document order")
    func values() throws {
        let value = try parse(#" { "b" : [1, -2.5, 3e2, true, false, null], "a": {"x": "y"}, "c": [] , "d": {} } "#)
        let expected = JSONValue.object([
            "b": .array([.number(1), .number(-2.5), .number(300), .bool(true), .bool(false), .null]),
            "a": .object(["x": .string("y")]),
            "c": .array([]),
            "d": .object(JSONObject()),
        ])
        #expect(value == expected)
        #expect(value.objectValue?.members.map(\.key) == ["b", "a", "c", "d"])
        #expect(try parse("17") == .number(17))
        #expect(try parse(#""x""#) == .string("x"))
    }

    @Test("numbers: RFC 8259 grammar and correct rounding")
    func numbers() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("51.4001944", 51.4001944), ("35.6928709", 35.6928709), ("1E3", 1000),
            ("1e-7", 1e-7), ("-1.5e+2", -150), ("0.1", 0.1), ("123456789012345678901234567890", 1.2345678901234568e29),
            ("0.30000000000000004", 0.30000000000000004), ("2.2250738585072014e-308", 2.2250738585072014e-308),
            ("4.9e-324", 0x1p-1074), ("1.7976931348623157e308", 1.7976931348623157e308), ("9007199254740993", 9007199254740992),
            ("0.000000000000000000000000000001", 1e-30), ("1e400", .infinity), ("-1e400", -.infinity),
        ]
        for (text, expected) in cases {
            #expect(try parse(text) == .number(expected), "\(text)")
        }
        #expect(try parse("-0").numberValue?.sign == .minus)
        for bad in ["01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "-.5", "1.e3"] {
            #expect(failure(bad) != nil, "\(bad) must not parse")
        }
    }

    @Test("strings: escapes, surrogate pairs, UTF-8 kept")
    func strings() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        #expect(try parse(#""\u0041\u00e9\u06A9""#) == .string("Aéک"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))  // U+1F600 as a UTF-16 pair
        #expect(try parse(#""تهران، پلاک ۱""#) == .string("تهران، پلاک ۱"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test("syntax errors carry the problem and the byte offset")
    func errors() {
        #expect(failure("") ?? (.trailingContent, -1) == (.unexpectedEndOfInput, 0))
        #expect(failure("[1,]") ?? (.trailingContent, -1) == (.unexpectedByte(UInt8(ascii: "]")), 3))
        #expect(failure("{\"a\" 1}") ?? (.trailingContent, -1) == (.unexpectedByte(UInt8(ascii: "1")), 5))
        #expect(failure("{\"a\":1,}") ?? (.trailingContent, -1) == (.unexpectedByte(UInt8(ascii: "}")), 7))
        #expect(failure("[1] x") ?? (.unexpectedEndOfInput, -1) == (.trailingContent, 4))
        #expect(failure("\"abc") ?? (.trailingContent, -1) == (.unexpectedEndOfInput, 4))
        #expect(failure("\"a\u{1}b\"") ?? (.trailingContent, -1) == (.controlCharacterInString, 2))
        #expect(failure(#"["\x"]"#) ?? (.trailingContent, -1) == (.invalidEscape, 2))
        #expect(failure(#"["\u12G4"]"#) ?? (.trailingContent, -1) == (.invalidEscape, 2))
        #expect(failure(#""\ud83d""#) ?? (.trailingContent, -1) == (.unpairedSurrogate, 1))
        #expect(failure(#""\ude00x""#) ?? (.trailingContent, -1) == (.unpairedSurrogate, 1))
        #expect(failure(#""\ud83d\u0041""#) ?? (.trailingContent, -1) == (.unpairedSurrogate, 1))
        #expect(failure([0x22, 0x61, 0xC3, 0x28, 0x22]) ?? (.trailingContent, -1) == (.invalidUTF8, 2))
        #expect(failure([0x22, 0xE6, 0x97, 0x22]) ?? (.trailingContent, -1) == (.invalidUTF8, 1))
        #expect(failure("tru") ?? (.trailingContent, -1) == (.unexpectedEndOfInput, 3))
        #expect(failure("nul!") ?? (.trailingContent, -1) == (.unexpectedByte(UInt8(ascii: "!")), 3))
        #expect(failure("[1 2]") ?? (.trailingContent, -1) == (.unexpectedByte(UInt8(ascii: "2")), 3))
        #expect(failure("{1:2}") ?? (.trailingContent, -1) == (.unexpectedByte(UInt8(ascii: "1")), 1))
    }

    @Test("messages name the problem and the offset")
    func messages() {
        let error = GeoFormatError.invalidJSON(.unexpectedByte(UInt8(ascii: "]")), byteOffset: 3)
        #expect(error.description == "invalid JSON at byte 3: unexpected character ']'")
        #expect(error.byteOffset == 3)
    }

    @Test("nesting deeper than the limit is an error, not a stack overflow")
    func depthLimit() throws {
        let limit = JSONParser.defaultMaxDepth
        let ok = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try parse(ok) != .null)
        let deep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(failure(deep) ?? (.trailingContent, -1) == (.nestingTooDeep(limit: limit), limit))
        let hostile = String(repeating: "{\"a\":[", count: 100_000)
        #expect(failure(hostile).map { $0.0 } == .nestingTooDeep(limit: limit))
    }

    @Test("leading byte order mark is ignored")
    func byteOrderMark() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.number(1)]))
    }

    @Test("whole Tehran parcels file equals Foundation's JSONSerialization")
    func agreesWithFoundation() throws {
        for name in ["tehran/parcels.geojson", "tehran/facilities.geojson", "tehran/zoning_rules.json", "helsinki/streets.geojson"] {
            let data = try Data(contentsOf: Fixtures.dataset(name))
            let ours = try JSONParser.parse([UInt8](data))
            let theirs = foundationValue(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
            #expect(sortedKeys(ours) == theirs, "\(name)")
        }
    }

    /// Random bytes and random mutations of a valid document: the parser returns or throws,
    /// never traps; whenever Foundation accepts a mutated text, we must read the same value.
    @Test("fuzz: random bytes and mutations never crash")
    func fuzz() throws {
        var random = SeededRandom(seed: SeededRandom.seed(default: 11))
        let alphabet = Array(#"{}[]",:0123456789.eE+-tfnrulasx\ u"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xE6, 0xFF, 0xF0]
        for _ in 0..<3_000 {
            let count = Int.random(in: 0...40, using: &random)
            let bytes = (0..<count).map { _ in alphabet.randomElement(using: &random)! }
            _ = failure(bytes)
        }
        let document = Array(
            #"{"type":"FeatureCollection","features":[{"type":"Feature","id":7,"properties":{"s":"a\"\u00e9\ud83d\ude00","n":[1.5e3,-0,true,null]},"geometry":{"type":"Point","coordinates":[51.4,35.7]}}]}"#
                .utf8)
        var accepted = 0
        for _ in 0..<5_000 {
            var bytes = document
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0...3, using: &random) {
                case 0: bytes[index] = alphabet.randomElement(using: &random)!
                case 1: bytes.remove(at: index)
                case 2: bytes.insert(alphabet.randomElement(using: &random)!, at: index)
                default: bytes.removeSubrange(index...)
                }
                if bytes.isEmpty { break }
            }
            let ours = try? JSONParser.parse(bytes)
            _ = try? GeoJSONReader.readFeatureCollection(bytes)
            if let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) {
                accepted += 1
                let theirs = foundationValue(object)
                // Foundation reads lone surrogates and overflowing numbers leniently; compare
                // only where it produced a value we produced too.
                if let ours {
                    #expect(sortedKeys(ours) == theirs, "seed \(random.seed): \(String(decoding: bytes, as: UTF8.self))")
                }
            }
        }
        #expect(accepted > 100)
    }
}

@Suite("UTF-8 validation")
struct UTF8ValidationTests {
    /// Every 1–3 byte sequence from a set of boundary bytes: our reader accepts exactly what
    /// the standard library's validating initializer accepts (an independent implementation).
    @Test("accepts exactly what String(validating:) accepts")
    func agreesWithStandardLibrary() throws {
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        var sequences: [[UInt8]] = interesting.map { [$0] }
        for a in interesting { for b in interesting { sequences.append([a, b]) } }
        for a in interesting where a >= 0xE0 { for b in interesting { for c in interesting { sequences.append([a, b, c]) } } }
        for a: UInt8 in [0xF0, 0xF4, 0xF5] { for b in interesting { sequences.append([a, b, 0x80, 0x80]) } }
        for body in sequences {
            let quoted = [UInt8(ascii: "\"")] + body.filter { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C } + [UInt8(ascii: "\"")]
            let inner = Array(quoted.dropFirst().dropLast())
            let expected = String(validating: inner, as: UTF8.self)
            let ours = try? JSONParser.parse(quoted)
            #expect(ours == expected.map(JSONValue.string), "\(inner)")
        }
    }
}
