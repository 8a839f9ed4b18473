import CQL2
import Testing

/// The text and JSON encodings against hand-written trees (OGC 21-065 §8, §9), the faults with
/// their character offsets, and the bounds. The evaluation itself is checked end to end against
/// the PyPI `cql2` evaluator and shapely (Tests/e2e/test_cql2.py).
@Suite("CQL2 parsing")
struct CQL2ParserTests {
    private func text(_ filter: String) throws -> CQL2Expression { try CQL2TextParser.parse(filter) }
    private func json(_ filter: String) throws -> CQL2Expression { try CQL2JSONReader.parse(filter) }
    private func property(_ name: String) -> CQL2Expression { .property(name) }

    /// Pairs in the shape of the standard's examples (Annex B), each written in both encodings
    /// by hand: both must give the same tree.
    @Test("text and JSON forms give the same tree")
    func encodingsAgree() throws {
        let pairs: [(String, String)] = [
            ("landsat:scene_id = 'LC82030282019133LGN00'", #"{"op":"=","args":[{"property":"landsat:scene_id"},"LC82030282019133LGN00"]}"#),
            ("eo:cloud_cover BETWEEN 0.1 AND 50", #"{"op":"between","args":[{"property":"eo:cloud_cover"},0.1,50]}"#),
            ("name LIKE 'Smith%'", #"{"op":"like","args":[{"property":"name"},"Smith%"]}"#),
            ("\"value\" IS NULL", #"{"op":"isNull","args":[{"property":"value"}]}"#),
            ("value IS NOT NULL", #"{"op":"not","args":[{"op":"isNull","args":[{"property":"value"}]}]}"#),
            ("cityName IN ('Toronto', 'Frankfurt', 'Tokyo')", #"{"op":"in","args":[{"property":"cityName"},["Toronto","Frankfurt","Tokyo"]]}"#),
            ("floors NOT BETWEEN 1 AND 3", #"{"op":"not","args":[{"op":"between","args":[{"property":"floors"},1,3]}]}"#),
            ("CASEI(road_class) IN (CASEI('Οδος'), CASEI('Straße'))",
             #"{"op":"in","args":[{"op":"casei","args":[{"property":"road_class"}]},[{"op":"casei","args":["Οδος"]},{"op":"casei","args":["Straße"]}]]}"#),
            ("ACCENTI(etat_vol) = ACCENTI('débárquér')",
             #"{"op":"=","args":[{"op":"accenti","args":[{"property":"etat_vol"}]},{"op":"accenti","args":["débárquér"]}]}"#),
            ("S_INTERSECTS(geometry, POINT(36.319836 32.288087))",
             #"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[36.319836,32.288087]}]}"#),
            ("S_INTERSECTS(geometry, BBOX(-128.098, 50.225, -127.235, 50.478))",
             #"{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[-128.098,50.225,-127.235,50.478]}]}"#),
            ("S_INTERSECTS(geometry, POLYGON((-77.0824 38.7886, -77.0189 38.7886, -77.0189 38.8351, -77.0824 38.7886)))",
             #"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[-77.0824,38.7886],[-77.0189,38.7886],[-77.0189,38.8351],[-77.0824,38.7886]]]}]}"#),
            ("S_INTERSECTS(geometry, MULTIPOINT((1 2), (3 4)))",
             #"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}]}"#),
            ("floors * 2 > 5 AND floors % 3 <> 0 OR -floors < -10",
             #"{"op":"or","args":[{"op":"and","args":[{"op":">","args":[{"op":"*","args":[{"property":"floors"},2]},5]},{"op":"<>","args":[{"op":"%","args":[{"property":"floors"},3]},0]}]},{"op":"<","args":[{"op":"*","args":[-1,{"property":"floors"}]},-10]}]}"#),
            ("floors div 2 = 1", #"{"op":"=","args":[{"op":"div","args":[{"property":"floors"},2]},1]}"#),
            ("NOT (a = 1 OR b = TRUE)", #"{"op":"not","args":[{"op":"or","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"=","args":[{"property":"b"},true]}]}]}"#),
            ("A_CONTAINS(layer:ids, ('layers-ca', 'layers-us'))", #"{"op":"a_contains","args":[{"property":"layer:ids"},["layers-ca","layers-us"]]}"#),
            ("T_INTERSECTS(event_date, INTERVAL('1969-07-16T05:32:00Z', '1969-07-24T16:50:35Z'))",
             #"{"op":"t_intersects","args":[{"property":"event_date"},{"interval":["1969-07-16T05:32:00Z","1969-07-24T16:50:35Z"]}]}"#),
            ("updated >= DATE('1970-01-01')", #"{"op":">=","args":[{"property":"updated"},{"date":"1970-01-01"}]}"#),
            ("avg(windSpeed) < 4", #"{"op":"<","args":[{"op":"avg","args":[{"property":"windSpeed"}]},4]}"#),
        ]
        for (textForm, jsonForm) in pairs {
            #expect(try text(textForm) == json(jsonForm), "\(textForm)")
        }
    }

    @Test("keywords are case-insensitive; precedence: NOT over AND over OR")
    func precedence() throws {
        let a = CQL2Expression.operation(.equal, [property("a"), .number(1)])
        let b = CQL2Expression.operation(.equal, [property("b"), .number(2)])
        let c = CQL2Expression.operation(.equal, [property("c"), .number(3)])
        #expect(try text("a = 1 or b = 2 AND not c = 3") == .operation(.or, [a, .operation(.and, [b, .operation(.not, [c])])]))
        #expect(try text("(a = 1 OR b = 2) and c = 3") == .operation(.and, [.operation(.or, [a, b]), c]))
        // Arithmetic: × before +, left to right.
        #expect(
            try text("1 + 2 * 3 - 4 = x")
                == .operation(.equal, [.operation(.minus, [.operation(.plus, [.number(1), .operation(.times, [.number(2), .number(3)])]), .number(4)]), property("x")]))
        // A Persian property name and text.
        #expect(try text("نام = 'تهران'") == .operation(.equal, [property("نام"), .string("تهران")]))
        // A doubled quote inside a literal.
        #expect(try text("name = 'O''Brien'") == .operation(.equal, [property("name"), .string("O'Brien")]))
    }

    /// Faults carry the character (Unicode scalar) offset where they were found.
    @Test("syntax errors name the place and what was expected")
    func errors() {
        func fault(_ filter: String) -> CQL2SyntaxError? {
            do {
                _ = try CQL2TextParser.parse(filter)
                return nil
            } catch {
                return error
            }
        }
        #expect(fault("floors >")?.offset == 8)
        #expect(fault("floors > 3 AND")?.offset == 14)
        #expect(fault("floors = 3 3")?.offset == 11)
        #expect(fault("(floors = 3")?.problem == .unexpected(found: nil, expected: [")"]))
        #expect(fault("name = 'open")?.problem == .unterminatedString)
        #expect(fault("name = 'open")?.offset == 7)
        // Offsets count characters, not bytes: the fault after a Persian word.
        #expect(fault("نام = ")?.offset == 6)
        #expect(fault("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))")?.problem == .invalidGeometry(.openRing))
        #expect(fault("S_INTERSECTS(geometry, POINT Z(1 2 3))")?.problem == .invalidGeometry(.not2D))
        #expect(fault("x = 1e999")?.problem == .invalidNumber("1e999"))
        #expect(fault("floors NOT 3") != nil)
        // §8 inListOperands: at least one item.
        #expect(fault("floors IN ()") != nil)
        #expect(fault("") != nil)
    }

    @Test("depth, size and length are bounded before any evaluation")
    func limits() {
        let deep = String(repeating: "(", count: 10_000) + "a = 1" + String(repeating: ")", count: 10_000)
        #expect(throws: CQL2SyntaxError.self) { try CQL2TextParser.parse(deep) }
        let nots = String(repeating: "NOT ", count: 5_000) + "a = 1"
        #expect(throws: CQL2SyntaxError.self) { try CQL2TextParser.parse(nots) }
        let chain = "a = " + Array(repeating: "1", count: 5_000).joined(separator: " + ")
        #expect(throws: CQL2SyntaxError.self) { try CQL2TextParser.parse(chain) }
        let wide = Array(repeating: "a = 1", count: 6_000).joined(separator: " OR ")
        #expect(throws: CQL2SyntaxError.self) { try CQL2TextParser.parse(wide) }
        let long = "a = '" + String(repeating: "x", count: 300_000) + "'"
        #expect(throws: CQL2SyntaxError.self) { try CQL2TextParser.parse(long) }
        let deepJSON = String(repeating: #"{"op":"not","args":["#, count: 2_000) + "true" + String(repeating: "]}", count: 2_000)
        #expect(throws: CQL2SyntaxError.self) { try CQL2JSONReader.parse(deepJSON) }
        // Within the bounds: 90 levels and a 1,000-term OR parse.
        let nested = String(repeating: "(", count: 90) + "a = 1" + String(repeating: ")", count: 90)
        #expect((try? CQL2TextParser.parse(nested)) != nil)
        #expect((try? CQL2TextParser.parse(Array(repeating: "a = 1", count: 1_000).joined(separator: " OR "))) != nil)
    }

    @Test("malformed JSON and members are faults, not crashes")
    func jsonFaults() {
        for bad in ["{", "[1,", #"{"op":1}"#, #"{"property":2}"#, #"{"bbox":[1,2,3]}"#, #"{"interval":["a"]}"#, "null", #"{"x":1}"#,
            #"{"type":"Point","coordinates":[1]}"#, #"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#]
        {
            #expect(throws: CQL2SyntaxError.self, "\(bad)") { try CQL2JSONReader.parse(bad) }
        }
    }
}

@Suite("CQL2 LIKE")
struct LikePatternTests {
    @Test("% and _ and escapes, by Unicode scalar")
    func wildcards() {
        #expect(LikePattern("Smith%").matches("Smithson"))
        #expect(!LikePattern("Smith%").matches("Smit"))
        #expect(LikePattern("%son").matches("Smithson"))
        #expect(LikePattern("S_ith%").matches("Smith"))
        #expect(!LikePattern("S_ith").matches("Sith"))
        #expect(LikePattern("100\\%").matches("100%"))
        #expect(!LikePattern("100\\%").matches("1000"))
        #expect(LikePattern("a\\_b").matches("a_b"))
        #expect(!LikePattern("a\\_b").matches("axb"))
        #expect(LikePattern("%").matches(""))
        #expect(!LikePattern("_").matches(""))
        #expect(LikePattern("بیمار%").matches("بیمارستان امام"))
        #expect(LikePattern("_یمارستان").matches("بیمارستان"))
        #expect(LikePattern("%a%b%c%").matches("xxaxxbxxcxx"))
        #expect(!LikePattern("%a%b%c%").matches("xxcxxbxxaxx"))
    }

    /// Brute force: every pattern over {a, b, %, _} up to length 4 against every text over
    /// {a, b} up to length 5, by a plain recursive matcher.
    @Test("agrees with a recursive matcher")
    func bruteForce() {
        func reference(_ pattern: [Character], _ text: [Character]) -> Bool {
            guard let first = pattern.first else { return text.isEmpty }
            switch first {
            case "%": return (0...text.count).contains { reference(Array(pattern.dropFirst()), Array(text.dropFirst($0))) }
            case "_": return !text.isEmpty && reference(Array(pattern.dropFirst()), Array(text.dropFirst()))
            default: return text.first == first && reference(Array(pattern.dropFirst()), Array(text.dropFirst()))
            }
        }
        func all(_ alphabet: [Character], upTo length: Int) -> [[Character]] {
            var result: [[Character]] = [[]]
            var frontier: [[Character]] = [[]]
            for _ in 0..<length {
                frontier = frontier.flatMap { prefix in alphabet.map { prefix + [$0] } }
                result += frontier
            }
            return result
        }
        for pattern in all(["a", "b", "%", "_"], upTo: 4) {
            let compiled = LikePattern(String(pattern))
            for text in all(["a", "b"], upTo: 5) {
                #expect(compiled.matches(String(text)) == reference(pattern, text), "\(String(pattern)) ~ \(String(text))")
            }
        }
    }

    @Test("5,000 percent signs against a long text finish")
    func pathological() {
        let pattern = LikePattern(String(repeating: "%a", count: 2_500) + "b")
        #expect(!pattern.matches(String(repeating: "a", count: 4_000)))
    }
}
