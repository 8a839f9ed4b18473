import Foundation
import GeoCore
import Testing
@testable import VectorTiles

/// Tile arithmetic and the MVT encoding on figures worked by hand (MVT 2.1 §4.3's own example
/// commands: MoveTo 9, LineTo 8n+2, ClosePath 15, zigzag deltas). The comparison with an
/// independent decoder (PyPI mapbox-vector-tile) and clipper (shapely) is end to end.
@Suite("Vector tiles: WebMercatorQuad and MVT 2.1")
struct VectorTileEncoderTests {
    /// The longitude and latitude of tile units (x, y) of the zoom-0 tile.
    private func lonLat(_ x: Double, _ y: Double) -> (Double, Double) {
        let lon = x / 4096 * 360 - 180
        let lat = atan(sinh(Double.pi * (1 - 2 * y / 4096))) * 180 / Double.pi
        return (lon, lat)
    }

    private func square(_ points: [(Double, Double)]) -> Polygonal {
        var xy: [Double] = []
        for (x, y) in points + [points[0]] {
            let (lon, lat) = lonLat(x, y)
            xy += [lon, lat]
        }
        return Polygonal(parts: [Polygon(exterior: Ring(xy: xy))], isMulti: false)
    }

    /// The packed geometry of the only feature of the only layer (fields 3 → 2 → 4).
    private func geometry(_ tile: [UInt8]) throws -> [UInt32] {
        func fields(_ bytes: ArraySlice<UInt8>) -> [(Int, ArraySlice<UInt8>?, UInt64)] {
            var result: [(Int, ArraySlice<UInt8>?, UInt64)] = []
            var index = bytes.startIndex
            func varint() -> UInt64 {
                var value: UInt64 = 0, shift: UInt64 = 0
                while true {
                    let byte = bytes[index]
                    index += 1
                    value |= UInt64(byte & 0x7F) << shift
                    if byte < 0x80 { return value }
                    shift += 7
                }
            }
            while index < bytes.endIndex {
                let key = varint()
                if key & 7 == 2 {
                    let length = Int(varint())
                    result.append((Int(key >> 3), bytes[index..<(index + length)], 0))
                    index += length
                } else {
                    result.append((Int(key >> 3), nil, varint()))
                }
            }
            return result
        }
        let layer = try #require(fields(tile[...]).first { $0.0 == 3 }?.1)
        let feature = try #require(fields(layer).first { $0.0 == 2 }?.1)
        let packed = try #require(fields(feature).first { $0.0 == 4 }?.1)
        var values: [UInt32] = []
        var index = packed.startIndex
        while index < packed.endIndex {
            var value: UInt32 = 0, shift: UInt32 = 0
            while true {
                let byte = packed[index]
                index += 1
                value |= UInt32(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            values.append(value)
        }
        return values
    }

    @Test("tile addresses: zooms 0 to 20, rows and columns below 2^zoom")
    func addresses() {
        #expect(TileAddress(zoom: 0, row: 0, column: 0) != nil)
        #expect(TileAddress(zoom: 20, row: (1 << 20) - 1, column: 0) != nil)
        #expect(TileAddress(zoom: 21, row: 0, column: 0) == nil)
        #expect(TileAddress(zoom: 1, row: 2, column: 0) == nil)
        #expect(TileAddress(zoom: 3, row: 0, column: -1) == nil)
        // Zoom 1, row 0, column 1: the north-east quarter of the world.
        let box = TileAddress(zoom: 1, row: 0, column: 1)!.lonLatBox(margin: 0)
        #expect(box.minLon == 0 && box.maxLon == 180 && abs(box.minLat) < 1e-9)
        #expect(abs(box.maxLat - TileAddress.maximumLatitude) < 1e-9)
    }

    @Test("a square is MoveTo, LineTo 3, ClosePath, clockwise in tile units; the reversed ring too")
    func square() throws {
        let corners: [(Double, Double)] = [(10, 10), (20, 10), (20, 20), (10, 20)]
        let expected: [UInt32] = [9, 20, 20, 26, 20, 0, 0, 20, 19, 0, 15]
        for ring in [corners, corners.reversed()] {
            var encoder = VectorTileEncoder(TileAddress(zoom: 0, row: 0, column: 0)!)
            encoder.beginLayer("parcels")
            let added = encoder.addPolygonal(square(ring), id: 1, properties: [("id", .string("P-1"))])
            #expect(added)
            let commands = try geometry(encoder.bytes())
            // Either ring, written from its own first point but always clockwise: the same area, the same commands up to rotation.
            #expect(commands.count == expected.count)
            #expect(commands.first == 9 && commands[3] == 26 && commands.last == 15)
            // Clockwise with y down: the surveyor's area is positive.
            var x = 0, y = 0
            var points: [(Int, Int)] = []
            for (dx, dy) in [(commands[1], commands[2]), (commands[4], commands[5]), (commands[6], commands[7]), (commands[8], commands[9])] {
                x += Int(dx >> 1) ^ -Int(dx & 1)
                y += Int(dy >> 1) ^ -Int(dy & 1)
                points.append((x, y))
            }
            #expect(RoundedPolygonRepair.area(points) > 0)
            #expect(Set(points.map { "\($0.0),\($0.1)" }) == ["10,10", "20,10", "20,20", "10,20"])
        }
        var encoder = VectorTileEncoder(TileAddress(zoom: 0, row: 0, column: 0)!)
        encoder.beginLayer("parcels")
        encoder.addPolygonal(square(corners), id: 1, properties: [])
        #expect(try geometry(encoder.bytes()) == expected)
    }

    @Test("clipping: a square across the tile's edge is cut at the buffer; one wholly beyond is left out; a speck is dropped")
    func clipping() throws {
        var encoder = VectorTileEncoder(TileAddress(zoom: 0, row: 0, column: 0)!, buffer: 64, minimumSize: 16)
        encoder.beginLayer("zones")
        let beyond = encoder.addPolygonal(square([(5000, 10), (5100, 10), (5100, 100), (5000, 100)]), id: 1, properties: [])
        let speck = encoder.addPolygonal(square([(100, 100), (105, 100), (105, 105), (100, 105)]), id: 2, properties: [])
        #expect(!beyond && !speck && encoder.isEmpty)
        let across = encoder.addPolygonal(square([(4000, 100), (4200, 100), (4200, 300), (4000, 300)]), id: 3, properties: [])
        #expect(across)
        let commands = try geometry(encoder.bytes())
        var x = 0
        var xs: [Int] = []
        for index in [1, 4, 6, 8] {
            x += Int(commands[index] >> 1) ^ -Int(commands[index] & 1)
            xs.append(x)
        }
        #expect(xs.max() == 4096 + 64 && xs.min() == 4000)
    }
}
