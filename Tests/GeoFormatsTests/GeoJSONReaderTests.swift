import Foundation
import GeoCore
import GeoFormats
import TestSupport
import Testing

private func read(_ text: String, allowsNullGeometry: Bool = false) throws(GeoFormatError) -> FeatureCollectionReading {
    try GeoJSONReader.readFeatureCollection(Array(text.utf8), allowsNullGeometry: allowsNullGeometry)
}

/// A collection of one feature with the given geometry JSON.
private func collection(geometry: String, id: String = #""F-1""#) -> String {
    #"{"type":"FeatureCollection","features":[{"type":"Feature","id":\#(id),"properties":{},"geometry":\#(geometry)}]}"#
}

/// The one problem of a one-feature collection.
private func problem(geometry: String) throws -> GeometryProblem? {
    let reading = try read(collection(geometry: geometry))
    #expect(reading.features.isEmpty)
    #expect(reading.problems.count == 1)
    return reading.problems.first?.reason
}

private let square = "[[0,0],[1,0],[1,1],[0,1],[0,0]]"

@Suite("GeoJSONReader")
struct GeoJSONReaderTests {
    /// Values read by hand from the file:
    ///   head -2 GeoData/tehran/parcels.geojson | tail -1   (P-000001, 5 positions, first 51.4001944,35.6928709)
    ///   tail -2 GeoData/tehran/parcels.geojson | head -1   (P-006673, 6 positions, third 51.4288988,35.7157323)
    ///   grep -c '"type":"Feature"' GeoData/tehran/parcels.geojson   → 6673
    @Test("Tehran parcels: 6,673 polygons, ids and coordinates as in the file")
    func tehranParcels() throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.dataset("tehran/parcels.geojson")))
        let reading = try GeoJSONReader.readFeatureCollection(bytes)
        #expect(reading.problems == [])
        #expect(reading.features.count == 6673)
        let first = try #require(reading.features.first)
        #expect(first.index == 0)
        #expect(first.id == "P-000001")
        #expect(first.properties["zone_code"] == .string("R121"))
        #expect(first.properties["area_m2"] == .number(600.6))
        #expect(first.properties["floors"] == .number(4))
        #expect(first.properties.members.map(\.key) == ["id", "zone_code", "area_m2", "current_use", "floors", "address_fa"])
        guard case .polygonal(let polygonal) = first.geometry else {
            Issue.record("P-000001 is not polygonal")
            return
        }
        #expect(!polygonal.isMulti)
        #expect(polygonal.parts.count == 1 && polygonal.parts[0].holes.isEmpty)
        #expect(polygonal.parts[0].exterior.count == 5)
        #expect(Array(polygonal.parts[0].exterior.xy.prefix(4)) == [51.4001944, 35.6928709, 51.4003809, 35.6928703])
        let last = try #require(reading.features.last)
        #expect(last.index == 6672 && last.id == "P-006673")
        guard case .polygonal(let lastPolygonal) = last.geometry else {
            Issue.record("P-006673 is not polygonal")
            return
        }
        #expect(lastPolygonal.parts[0].exterior.count == 6)
        #expect(lastPolygonal.parts[0].exterior.position(2) == Coordinate(lon: 51.4288988, lat: 35.7157323))
        #expect(Set(reading.features.compactMap(\.id)).count == 6673)
    }

    /// Every GeoData file against Foundation: same count, same ids, same coordinates.
    @Test("GeoData files agree with Foundation's JSONSerialization", arguments: [
        "tehran/parcels.geojson", "tehran/zones.geojson", "tehran/facilities.geojson",
        "helsinki/parcels.geojson", "helsinki/landuse.geojson", "helsinki/facilities.geojson", "helsinki/streets.geojson",
    ])
    func agreesWithFoundation(name: String) throws {
        let url = Fixtures.dataset(name)
        let reading = try GeoJSONReader.readFeatureCollection([UInt8](try Data(contentsOf: url)))
        let oracle = try Fixtures.foundationFeatures(url)
        #expect(reading.features.count + reading.problems.count == oracle.count)
        var byIndex: [Int: GeoJSONFeature] = [:]
        for feature in reading.features { byIndex[feature.index] = feature }
        for problem in reading.problems {
            Issue.record("\(name): \(problem)")  // GeoData is clean: any problem is a reader bug
        }
        for (index, expected) in oracle.enumerated() {
            guard let feature = byIndex[index] else { continue }
            #expect(feature.id == (expected["id"] as? String) ?? ((expected["properties"] as? [String: Any])?["id"] as? String))
            let geometry = try #require(expected["geometry"] as? [String: Any])
            #expect(flatCoordinates(geometry["coordinates"] as Any) == flatCoordinates(of: try #require(feature.geometry)))
        }
    }

    @Test("feature problems carry the index, the id and the reason")
    func problems() throws {
        let features = [
            #"{"type":"Feature","id":"A","properties":{},"geometry":{"type":"Polygon","coordinates":[\#(square)]}}"#,
            #"{"type":"Feature","id":"B","properties":{},"geometry":null}"#,
            #"{"type":"Feature","id":"C","properties":{}}"#,
            #"{"type":"Feature","id":"D","geometry":{"type":"MultiPoint","coordinates":[[1,2]]}}"#,
            #"{"type":"Feature","id":"E","geometry":{"type":"Polygon","coordinates":[]}}"#,
            #"{"type":"Feature","id":"F","geometry":{"type":"Polygon","coordinates":[[[0,0],[181,0],[1,1],[0,0]]]}}"#,
            #"{"type":"Feature","id":"G","geometry":{"type":"Point","coordinates":[10,-90.5]}}"#,
            #"{"type":"Feature","id":"H","geometry":{"type":"Point","coordinates":[1e999,0]}}"#,
            #"{"type":"Feature","id":"I","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}"#,
            #"{"type":"Feature","id":"J","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}"#,
            #"{"type":"Feature","id":"K","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}"#,
            #"{"type":"Feature","id":"L","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[2,2],[0,0]]]}}"#,
            #"{"type":"Feature","id":"M","geometry":{"type":"Polygon","coordinates":[[0,0],[1,1]]}}"#,
            #"[1,2]"#,
            #"{"type":"Feat","id":"O","geometry":{"type":"Point","coordinates":[1,2]}}"#,
            #"{"type":"Feature","properties":{"id":"P"},"geometry":{"coordinates":[1,2]}}"#,
            #"{"type":"Feature","id":17,"geometry":{"type":"Point"}}"#,
            #"{"type":"Feature","id":"R","geometry":{"type":"LineString","coordinates":[[1,2]]}}"#,
            #"{"type":"Feature","id":"S","properties":[],"geometry":{"type":"Point","coordinates":[1,2]}}"#,
            #"{"type":"Feature","id":"T","geometry":{"type":"MultiPolygon","coordinates":[[\#(square)],[\#(square),[[0.2,0.2],[0.4,0.2],[0.2,0.2],[0.2,0.2]]]]}}"#,
            #"{"type":"Feature","id":{},"geometry":{"type":"Point","coordinates":[1,2]}}"#,
            #"{"type":"Feature","id":"V","geometry":[1,2]}"#,
            #"{"type":"Feature","id":"W","geometry":{"type":"Point","coordinates":[1,"2"]}}"#,
            #"{"type":"Feature","id":"X","geometry":{"coordinates":[[0,0],[1,1]],"type":"LineString"}}"#,
        ]
        let text = #"{"type":"FeatureCollection","features":[\#(features.joined(separator: ",\n"))]}"#
        let reading = try read(text)
        #expect(reading.features.map(\.id) == ["A", "X"])
        let ring = { (polygon: Int, ring: Int) in RingLocation(polygon: polygon, ring: ring) }
        let expected: [FeatureProblem] = [
            FeatureProblem(index: 1, id: "B", reason: .missingGeometry),
            FeatureProblem(index: 2, id: "C", reason: .missingGeometry),
            FeatureProblem(index: 3, id: "D", reason: .unsupportedGeometryType("MultiPoint")),
            FeatureProblem(index: 4, id: "E", reason: .emptyGeometry),
            FeatureProblem(index: 5, id: "F", reason: .coordinateOutOfRange(.lon, value: 181, position: 1)),
            FeatureProblem(index: 6, id: "G", reason: .coordinateOutOfRange(.lat, value: -90.5, position: 0)),
            FeatureProblem(index: 7, id: "H", reason: .nonFiniteCoordinate(.lon, position: 0)),
            FeatureProblem(index: 8, id: "I", reason: .ringTooShort(ring(0, 0), positions: 3)),
            FeatureProblem(index: 9, id: "J", reason: .ringNotClosed(ring(0, 0))),
            FeatureProblem(index: 10, id: "K", reason: .selfIntersectingRing(ring(0, 0), edge: 0, otherEdge: 2)),
            FeatureProblem(index: 11, id: "L", reason: .zeroAreaRing(ring(0, 0))),
            FeatureProblem(index: 12, id: "M", reason: .malformed(.coordinatesMisnested(geometryType: "Polygon"))),
            FeatureProblem(index: 13, id: nil, reason: .malformed(.featureNotObject)),
            FeatureProblem(index: 14, id: "O", reason: .malformed(.typeNotFeature)),
            FeatureProblem(index: 15, id: "P", reason: .malformed(.geometryTypeMissing)),
            FeatureProblem(index: 16, id: "17", reason: .malformed(.coordinatesMissing)),
            FeatureProblem(index: 17, id: "R", reason: .lineTooShort(line: 0, positions: 1)),
            FeatureProblem(index: 18, id: "S", reason: .malformed(.propertiesNotObject)),
            FeatureProblem(index: 19, id: "T", reason: .zeroAreaRing(ring(1, 1))),
            FeatureProblem(index: 20, id: nil, reason: .malformed(.idNotStringOrNumber)),
            FeatureProblem(index: 21, id: "V", reason: .malformed(.geometryNotObject)),
            FeatureProblem(index: 22, id: "W", reason: .malformed(.coordinatesMisnested(geometryType: "Point"))),
        ]
        #expect(reading.problems == expected)
        for (got, want) in zip(reading.problems, expected) where got != want {
            Issue.record("got \(got), want \(want)")
        }
    }

    @Test("problem messages name the feature's index and id")
    func messages() {
        let location = RingLocation(polygon: 0, ring: 1)
        #expect(
            FeatureProblem(index: 12, id: "P-000013", reason: .ringNotClosed(location)).description
                == "feature 12 (id P-000013): ring 1 of polygon 0 (hole) is not closed: its last position differs from its first")
        #expect(
            FeatureProblem(index: 3, id: nil, reason: .coordinateOutOfRange(.lat, value: 91.5, position: 2)).description
                == "feature 3 (no id): lat 91.5 of position 2 is outside -90…90")
        #expect(
            FeatureProblem(index: 0, id: "Z", reason: .unsupportedGeometryType("GeometryCollection")).description
                == "feature 0 (id Z): unsupported geometry type \"GeometryCollection\"")
        #expect(
            FeatureProblem(index: 5, id: "K", reason: .selfIntersectingRing(RingLocation(polygon: 0, ring: 0), edge: 0, otherEdge: 2))
                .description == "feature 5 (id K): ring 0 of polygon 0 (exterior) intersects itself: edges 0 and 2 meet")
    }

    @Test("geometry types: Point, LineString, MultiLineString, Polygon with hole, MultiPolygon")
    func geometryTypes() throws {
        let point = try read(collection(geometry: #"{"type":"Point","coordinates":[51.4231,35.7006,1200]}"#))
        #expect(point.features.first?.geometry == .point(Coordinate(lon: 51.4231, lat: 35.7006)!))
        let line = try read(collection(geometry: #"{"type":"LineString","coordinates":[[1,2],[3,4]]}"#))
        #expect(line.features.first?.geometry == .lineString([Coordinate(lon: 1, lat: 2)!, Coordinate(lon: 3, lat: 4)!]))
        let lines = try read(collection(geometry: #"{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8],[9,10]]]}"#))
        #expect(lines.features.first?.geometry == .multiLineString([[.init(uncheckedLon: 1, lat: 2), .init(uncheckedLon: 3, lat: 4)],
            [.init(uncheckedLon: 5, lat: 6), .init(uncheckedLon: 7, lat: 8), .init(uncheckedLon: 9, lat: 10)]]))
        let hole = "[[0.2,0.2],[0.2,0.4],[0.4,0.4],[0.4,0.2],[0.2,0.2]]"
        let polygon = try read(collection(geometry: #"{"type":"Polygon","coordinates":[\#(square),\#(hole)]}"#))
        let expectedPolygon = Polygon(
            exterior: Ring(xy: [0, 0, 1, 0, 1, 1, 0, 1, 0, 0]), holes: [Ring(xy: [0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2])])
        #expect(polygon.features.first?.geometry == .polygonal(Polygonal(expectedPolygon)))
        let multi = try read(collection(geometry: #"{"coordinates":[[\#(square),\#(hole)],[\#(square)]],"type":"MultiPolygon"}"#))
        let expectedMulti = Polygonal(parts: [expectedPolygon, Polygon(exterior: Ring(xy: [0, 0, 1, 0, 1, 1, 0, 1, 0, 0]))], isMulti: true)
        #expect(multi.features.first?.geometry == .polygonal(expectedMulti))
    }

    @Test("ids: string, number, properties.id fallback")
    func ids() throws {
        #expect(try read(collection(geometry: #"{"type":"Point","coordinates":[1,2]}"#, id: "42")).features.first?.id == "42")
        #expect(try read(collection(geometry: #"{"type":"Point","coordinates":[1,2]}"#, id: "4.5")).features.first?.id == "4.5")
        #expect(try read(collection(geometry: #"{"type":"Point","coordinates":[1,2]}"#, id: #""\u0041-1""#)).features.first?.id == "A-1")
        let fallback = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":7},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#
        #expect(try read(fallback).features.first?.id == "7")
    }

    @Test("repeated positions and touching at a shared vertex of adjacent edges are not self-intersections")
    func validRings() throws {
        #expect(try read(collection(geometry: #"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,0],[1,1],[0,1],[0,0]]]}"#)).problems == [])
        // Bow-tie through one vertex: edges 1 and 4 meet at (1,1) without being adjacent.
        #expect(
            try problem(geometry: #"{"type":"Polygon","coordinates":[[[0,0],[1,1],[2,0],[2,2],[1,1],[0,2],[0,0]]]}"#)
                == .selfIntersectingRing(RingLocation(polygon: 0, ring: 0), edge: 0, otherEdge: 3))
    }

    @Test("null geometry accepted when asked")
    func nullGeometry() throws {
        let reading = try read(collection(geometry: "null"), allowsNullGeometry: true)
        #expect(reading.problems == [])
        #expect(reading.features.count == 1 && reading.features[0].geometry == nil)
    }

    @Test("documents that are not FeatureCollections throw with the byte offset")
    func documentErrors() {
        func error(_ text: String) -> GeoFormatError? {
            do {
                _ = try read(text)
                return nil
            } catch { return error }
        }
        #expect(error("[]") == .notFeatureCollection(.notAnObject, byteOffset: 0))
        #expect(error(#"{"type":"Feature","features":[]}"#) == .notFeatureCollection(.typeNotFeatureCollection, byteOffset: 8))
        #expect(error(#"{"type":"FeatureCollection"}"#) == .notFeatureCollection(.missingFeatures, byteOffset: 27))
        #expect(error(#"{"type":"FeatureCollection","features":{}}"#) == .notFeatureCollection(.featuresNotAnArray, byteOffset: 39))
        #expect(error(#"{"features":[]}"#) == .notFeatureCollection(.typeNotFeatureCollection, byteOffset: 0))
        #expect(error(#"{"type":"FeatureCollection","features":[{"type":"Feature",}]}"#) == .invalidJSON(.unexpectedByte(UInt8(ascii: "}")), byteOffset: 58))
        #expect(error(#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0]x]]}}]}"#)
            == .invalidJSON(.unexpectedByte(UInt8(ascii: "x")), byteOffset: 114))
        #expect(error(#"{"type":"FeatureCollection","features":[]} []"#) == .invalidJSON(.trailingContent, byteOffset: 43))
        #expect(error(#"{"type":"FeatureCollection","features":[]"#) == .invalidJSON(.unexpectedEndOfInput, byteOffset: 41))
        // Members after `features` are read too, `type` included.
        #expect(throws: Never.self) { try read(#"{"features":[],"bbox":[1,2,3,4],"type":"FeatureCollection"}"#) }
    }

    @Test("streaming: one feature at a time")
    func streaming() throws {
        let text = #"{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]}},[],{"type":"Feature","id":"b","geometry":{"type":"Point","coordinates":[3,4]}}]}"#
        var reader = try GeoJSONReader(Array(text.utf8))
        var kinds: [String] = []
        while let result = try reader.next() {
            switch result {
            case .feature(let feature): kinds.append("feature \(feature.id ?? "")")
            case .problem(let problem): kinds.append("problem \(problem.index)")
            }
        }
        #expect(kinds == ["feature a", "problem 1", "feature b"])
        #expect(try reader.next() == nil)
    }
}

/// All numbers of a Foundation coordinates array, in order (lon, lat only).
private func flatCoordinates(_ value: Any) -> [Double] {
    guard let array = value as? [Any] else { return [] }
    if let first = array.first, first is NSNumber, !(first is [Any]) {
        return array.prefix(2).compactMap { ($0 as? NSNumber)?.doubleValue }
    }
    return array.flatMap(flatCoordinates)
}

private func flatCoordinates(of geometry: Geometry) -> [Double] {
    switch geometry {
    case .point(let point): return [point.lon, point.lat]
    case .lineString(let line): return line.flatMap { [$0.lon, $0.lat] }
    case .multiLineString(let lines): return lines.flatMap { $0.flatMap { [$0.lon, $0.lat] } }
    case .polygonal(let polygonal): return polygonal.parts.flatMap { ([$0.exterior] + $0.holes).flatMap(\.xy) }
    }
}
