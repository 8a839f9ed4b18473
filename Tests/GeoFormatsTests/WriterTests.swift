import Foundation
import GeoCore
import GeoFormats
import TestSupport
import Testing

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite("JSONWriter and GeoJSONWriter")
struct WriterTests {
    @Test("JSONWriter: commas, nesting and escapes, known bytes")
    func jsonWriterKnownBytes() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.beginArray()
        writer.number(1)
        writer.number(2.5, decimals: 3)
        writer.bool(true)
        writer.null()
        writer.beginObject()
        writer.endObject()
        writer.endArray()
        writer.key("s\"")
        writer.string("q\" b\\ \n\t\u{1}\u{1F} / تهران 😀")
        writer.key("n")
        writer.number(0.1)
        writer.endObject()
        #expect(text(writer.bytes) == #"{"a":[1,2.5,true,null,{}],"s\"":"q\" b\\ \n\t\u0001\u001f / تهران 😀","n":0.1}"#)
    }

    /// The escaper checks eight bytes at a time: strings of every length 0…40 with one or two
    /// characters that need escaping at every position (or none), read back by Foundation.
    @Test("strings of every length with escapes at every position read back unchanged")
    func escapesAtEveryPosition() throws {
        let specials: [Character] = ["\"", "\\", "\n", "\u{0}", "\u{1F}", "\t"]
        let plain: [Character] = ["a", "ت", "۱", "😀", " ", "/", "\u{7F}", "~", "!", "#"]
        var random = SeededRandom(seed: SeededRandom.seed(default: 22))
        for length in 0...40 {
            for specialPosition in -1..<length {
                var characters = (0..<length).map { _ in plain[Int.random(in: 0..<plain.count, using: &random)] }
                if specialPosition >= 0 { characters[specialPosition] = specials[Int.random(in: 0..<specials.count, using: &random)] }
                if length > 3 && specialPosition % 3 == 0 { characters[length - 1] = specials[Int.random(in: 0..<specials.count, using: &random)] }
                let string = String(characters)
                var writer = JSONWriter()
                writer.string(string)
                let read = try JSONSerialization.jsonObject(with: Data(writer.bytes), options: [.fragmentsAllowed]) as? String
                #expect(read == string, "seed \(random.seed): \(text(writer.bytes))")
                #expect(try JSONParser.parse(writer.bytes) == .string(string))
            }
        }
    }

    /// A value with every kind of JSON content, written by us and read by Foundation.
    @Test("JSONWriter output read back by Foundation equals the input")
    func roundTripThroughFoundation() throws {
        var random = SeededRandom(seed: SeededRandom.seed(default: 21))
        for _ in 0..<300 {
            let value = randomValue(depth: 0, &random)
            var writer = JSONWriter()
            writer.value(value)
            let object = try JSONSerialization.jsonObject(with: Data(writer.bytes), options: [.fragmentsAllowed])
            // swift-corelibs-foundation's JSONSerialization is off by a few ulps on some 17-digit
            // numbers (351959.26940122363 reads as 351959.2694012236; Python's float() agrees
            // with us), so against it numbers match to 1e-15 relative; exactness is checked by
            // our parser below and by NumberFormattingTests.shortestRoundTrips.
            #expect(nearlyEqual(foundationValue(object), sortedKeys(value)), "seed \(random.seed): \(text(writer.bytes))")
            // And our own parser reads back exactly what was written, order included.
            #expect(try JSONParser.parse(writer.bytes) == value)
        }
    }

    @Test("GeoJSONWriter: a feature, known bytes, fixed key order and decimals")
    func featureKnownBytes() {
        var writer = GeoJSONWriter(decimals: 7)
        let ring = Ring(xy: [51.40019444, 35.6928709, 51.4003809, 35.69287, 51.4003956, 35.69318, 51.40019444, 35.6928709])
        writer.feature(
            id: "P-1", properties: ["zone_code": .string("R121"), "area_m2": .number(600.6)],
            geometry: .polygonal(Polygonal(Polygon(exterior: ring))))
        #expect(
            text(writer.bytes)
                == #"{"type":"Feature","id":"P-1","properties":{"zone_code":"R121","area_m2":600.6},"geometry":{"type":"Polygon","coordinates":[[[51.4001944,35.6928709],[51.4003809,35.69287],[51.4003956,35.69318],[51.4001944,35.6928709]]]}}"#)
    }

    @Test("GeoJSONWriter: every geometry type, metres with 3 decimals, no -0")
    func geometries() {
        var writer = GeoJSONWriter(decimals: 3)
        writer.geometry(.point(Coordinate(uncheckedLon: 535123.45678, lat: -0.0001)))
        #expect(text(writer.takeBytes()) == #"{"type":"Point","coordinates":[535123.457,0]}"#)
        writer = GeoJSONWriter(decimals: 7)
        writer.geometry(.lineString([Coordinate(uncheckedLon: 1, lat: 2), Coordinate(uncheckedLon: 3.5, lat: 4)]))
        #expect(text(writer.takeBytes()) == #"{"type":"LineString","coordinates":[[1,2],[3.5,4]]}"#)
        writer = GeoJSONWriter(decimals: 7)
        writer.geometry(.multiLineString([[Coordinate(uncheckedLon: 1, lat: 2), Coordinate(uncheckedLon: 3, lat: 4)], [Coordinate(uncheckedLon: 5, lat: 6), Coordinate(uncheckedLon: 7, lat: 8)]]))
        #expect(text(writer.takeBytes()) == #"{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8]]]}"#)
        let square = Ring(xy: [0, 0, 1, 0, 1, 1, 0, 0])
        let hole = Ring(xy: [0.5, 0.25, 0.75, 0.25, 0.75, 0.5, 0.5, 0.25])
        writer = GeoJSONWriter(decimals: 7)
        writer.geometry(.polygonal(Polygonal(parts: [Polygon(exterior: square, holes: [hole]), Polygon(exterior: square)], isMulti: true)))
        #expect(
            text(writer.takeBytes())
                == #"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.5,0.25],[0.75,0.25],[0.75,0.5],[0.5,0.25]]],[[[0,0],[1,0],[1,1],[0,0]]]]}"#)
        writer = GeoJSONWriter(decimals: 7)
        writer.geometry(nil)
        #expect(text(writer.takeBytes()) == "null")
    }

    @Test("FeatureCollection with extra members; Tehran parcels written and read back unchanged")
    func collectionRoundTrip() throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.dataset("tehran/parcels.geojson")))
        let original = try GeoJSONReader.readFeatureCollection(bytes)
        var writer = GeoJSONWriter(decimals: 7)
        writer.beginFeatureCollection(members: ["numberMatched": .number(6673)])
        for feature in original.features {
            writer.feature(id: feature.id, properties: feature.properties, geometry: feature.geometry)
        }
        writer.endFeatureCollection(members: ["numberReturned": .number(6673), "links": .array([])])
        let written = writer.bytes
        // Our reader: same features, field for field (the file has 7 decimals, so nothing rounds).
        let again = try GeoJSONReader.readFeatureCollection(written)
        #expect(again.problems == [])
        #expect(again.features == original.features)
        // The same bytes as the file, apart from its line breaks.
        #expect(text(written).hasPrefix(#"{"type":"FeatureCollection","numberMatched":6673,"features":[{"type":"Feature","id":"P-000001","properties":{"id":"P-000001","zone_code":"R121","area_m2":600.6,"#))
        #expect(text(written).hasSuffix(#"]}}],"numberReturned":6673,"links":[]}"#))
        // Foundation reads it as the original file.
        let ours = try JSONSerialization.jsonObject(with: Data(written)) as? [String: Any]
        let theirs = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        #expect((ours?["features"] as? NSArray) == (theirs?["features"] as? NSArray))
    }
}

private func randomValue(depth: Int, _ random: inout SeededRandom) -> JSONValue {
    switch Int.random(in: depth > 3 ? 0...3 : 0...5, using: &random) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &random))
    case 2:
        let choices: [Double] = [
            0, -0.5, 1e-7, 123456.789, 51.4231, -35.7006, 1e21, 0x1p-1074,
            Double(Int.random(in: -1_000_000...1_000_000, using: &random)),
            Double.random(in: -1e6...1e6, using: &random),
        ]
        return .number(choices.randomElement(using: &random)!)
    case 3:
        let pieces = ["a", "\"", "\\", "\n", "\u{0}", "\u{1F}", "تهران", "😀", "/", " ", "\u{7F}", "é"]
        return .string((0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined())
    case 4: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(depth: depth + 1, &random) })
    default:
        var object = JSONObject()
        for index in 0..<Int.random(in: 0...4, using: &random) {
            object.members.append(JSONMember(key: "k\(index)\(["", "\"", "ک", "\n"].randomElement(using: &random)!)", value: randomValue(depth: depth + 1, &random)))
        }
        return .object(object)
    }
}

/// Structural equality, numbers equal to 1e-15 relative.
private func nearlyEqual(_ left: JSONValue, _ right: JSONValue) -> Bool {
    switch (left, right) {
    case (.number(let a), .number(let b)): return a == b || abs(a - b) <= 1e-15 * max(abs(a), abs(b))
    case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy(nearlyEqual)
    case (.object(let a), .object(let b)):
        return a.count == b.count && zip(a.members, b.members).allSatisfy { $0.key == $1.key && nearlyEqual($0.value, $1.value) }
    default: return left == right
    }
}
