import Foundation
import GeoCore
import GeoFormats
import TestSupport
import Testing

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16, uppercase: true).count == 1 ? "0" + String($0, radix: 16, uppercase: true) : String($0, radix: 16, uppercase: true) }.joined()
}

private func bytes(hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        result.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return result
}

/// Expected bytes from SpatiaLite itself (the store's reader and writer):
///   sqlite3 :memory: ".load mod_spatialite" "select hex(AsBinary(GeomFromText('POINT(51.4231 35.7006)',4326)))"
/// and likewise for each WKT below; the big-endian point from
///   python3 -c "import struct; print(struct.pack('>BIdd',0,1,51.4231,35.7006).hex())"
@Suite("WKB")
struct WKBTests {
    static let cases: [(String, Geometry, String)] = [
        ("POINT(51.4231 35.7006)", .point(Coordinate(uncheckedLon: 51.4231, lat: 35.7006)),
         "010100000003780B2428B64940EFC9C342ADD94140"),
        ("POLYGON((0 0,1 0,1 1,0 0))", .polygonal(Polygonal(Polygon(exterior: Ring(xy: [0, 0, 1, 0, 1, 1, 0, 0])))),
         "0103000000010000000400000000000000000000000000000000000000000000000000F03F0000000000000000000000000000F03F000000000000F03F00000000000000000000000000000000"),
        ("MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((2 2,3 2,3 3,2 2),(2.2 2.1,2.8 2.1,2.8 2.7,2.2 2.1)))",
         .polygonal(Polygonal(parts: [
            Polygon(exterior: Ring(xy: [0, 0, 1, 0, 1, 1, 0, 0])),
            Polygon(exterior: Ring(xy: [2, 2, 3, 2, 3, 3, 2, 2]), holes: [Ring(xy: [2.2, 2.1, 2.8, 2.1, 2.8, 2.7, 2.2, 2.1])]),
         ], isMulti: true)),
         "0106000000020000000103000000010000000400000000000000000000000000000000000000000000000000F03F0000000000000000000000000000F03F000000000000F03F000000000000000000000000000000000103000000020000000400000000000000000000400000000000000040000000000000084000000000000000400000000000000840000000000000084000000000000000400000000000000040040000009A99999999990140CDCCCCCCCCCC00406666666666660640CDCCCCCCCCCC004066666666666606409A999999999905409A99999999990140CDCCCCCCCCCC0040"),
        ("LINESTRING(51.1 35.2,51.3 35.4)", .lineString([Coordinate(uncheckedLon: 51.1, lat: 35.2), Coordinate(uncheckedLon: 51.3, lat: 35.4)]),
         "010200000002000000CDCCCCCCCC8C49409A999999999941406666666666A649403333333333B34140"),
        ("MULTILINESTRING((1 2,3 4),(5 6,7 8,9 10))",
         .multiLineString([
            [Coordinate(uncheckedLon: 1, lat: 2), Coordinate(uncheckedLon: 3, lat: 4)],
            [Coordinate(uncheckedLon: 5, lat: 6), Coordinate(uncheckedLon: 7, lat: 8), Coordinate(uncheckedLon: 9, lat: 10)],
         ]),
         "010500000002000000010200000002000000000000000000F03F000000000000004000000000000008400000000000001040010200000003000000000000000000144000000000000018400000000000001C40000000000000204000000000000022400000000000002440"),
    ]

    @Test("encode gives SpatiaLite's bytes; decode reads them back", arguments: 0..<5)
    func knownBytes(index: Int) throws {
        let (wkt, geometry, expected) = Self.cases[index]
        #expect(hex(WKB.encode(geometry)) == expected, "\(wkt)")
        #expect(try WKB.decode(bytes(hex: expected)) == geometry, "\(wkt)")
    }

    @Test("big-endian input")
    func bigEndian() throws {
        #expect(try WKB.decode(bytes(hex: "00000000014049b628240b78034041d9ad42c3c9ef")) == .point(Coordinate(uncheckedLon: 51.4231, lat: 35.7006)))
    }

    @Test("all Tehran and Helsinki geometries round-trip")
    func roundTripGeoData() throws {
        for name in ["tehran/parcels.geojson", "tehran/facilities.geojson", "helsinki/landuse.geojson", "helsinki/streets.geojson"] {
            let reading = try GeoJSONReader.readFeatureCollection([UInt8](try Data(contentsOf: Fixtures.dataset(name))))
            for feature in reading.features {
                let geometry = try #require(feature.geometry)
                #expect(try WKB.decode(WKB.encode(geometry)) == geometry)
            }
        }
    }

    @Test("hostile input throws with the offset, never traps")
    func hostile() {
        func error(_ hexText: String) -> GeoFormatError? {
            do {
                _ = try WKB.decode(bytes(hex: hexText))
                return nil
            } catch { return error }
        }
        #expect(error("") == .invalidWKB(.truncated, byteOffset: 0))
        #expect(error("02") == .invalidWKB(.invalidByteOrder(2), byteOffset: 0))
        #expect(error("0101000000") == .invalidWKB(.truncated, byteOffset: 5))
        #expect(error("0104000000") == .invalidWKB(.unsupportedType(4), byteOffset: 1))
        #expect(error("01E9030000") == .invalidWKB(.unsupportedType(1001), byteOffset: 1))
        #expect(error("0102000000FFFFFFFF") == .invalidWKB(.truncated, byteOffset: 5))  // 4 billion points promised
        #expect(error("010200000000000000") == .invalidWKB(.emptyGeometry, byteOffset: 5))
        #expect(error("0101000000000000000000F87F0000000000000000") == .invalidWKB(.coordinateOutOfRange, byteOffset: 5))  // NaN
        #expect(error("010100000000000000008066400000000000000000") == nil)  // lon 180 is in range
        #expect(error("010100000000000000000067400000000000000000") == .invalidWKB(.coordinateOutOfRange, byteOffset: 5))  // lon 184
        #expect(error("010100000003780B2428B64940EFC9C342ADD9414000") == .invalidWKB(.trailingBytes, byteOffset: 21))
        #expect(error("01060000000100000001020000000100000000000000000000000000000000000000") == .invalidWKB(.unexpectedMemberType(expected: 3, found: 2), byteOffset: 9))
        // Every prefix of a valid blob fails cleanly; random mutations never trap.
        let valid = bytes(hex: Self.cases[2].2)
        for end in 0..<valid.count {
            #expect(throws: GeoFormatError.self) { try WKB.decode(Array(valid[..<end])) }
        }
        var random = SeededRandom(seed: SeededRandom.seed(default: 5))
        for _ in 0..<20_000 {
            var mutated = valid
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            _ = try? WKB.decode(mutated)
        }
    }
}
