import GeoCore
import GeoProjection
import Testing

/// Known answers from PROJ 9.1.1's `cs2cs` (proj-bin), the command beside each value.
@Suite("CRSTransformer")
struct CRSTransformerTests {
    /// Azadi Tower area, Tehran.
    let tehran = Coordinate(uncheckedLon: 51.4, lat: 35.7)

    @Test("CRS84 to EPSG:32639 matches cs2cs")
    func utm39North() throws {
        let transformer = try CRSTransformer(target: .epsg32639)
        // echo "51.4 35.7" | cs2cs -d 3 OGC:CRS84 EPSG:32639  →  536187.189 3950748.613
        let (easting, northing) = try transformer.forward(tehran)
        #expect(abs(easting - 536187.189) < 0.001)
        #expect(abs(northing - 3950748.613) < 0.001)
        // echo "51.3890 35.6892" | cs2cs -d 3 OGC:CRS84 EPSG:32639  →  535196.782 3949546.789
        let xy = try transformer.forward([51.4, 35.7, 51.3890, 35.6892])
        #expect(abs(xy[2] - 535196.782) < 0.001)
        #expect(abs(xy[3] - 3949546.789) < 0.001)
    }

    @Test("CRS84 to EPSG:3857 matches cs2cs")
    func webMercator() throws {
        let transformer = try CRSTransformer(target: .epsg3857)
        // echo "51.4 35.7" | cs2cs -d 3 OGC:CRS84 EPSG:3857  →  5721821.827 4259419.966
        // echo "0 0" | cs2cs -d 3 OGC:CRS84 EPSG:3857  →  0.000 0.000
        // echo "-180 85.0511287798066" | cs2cs -d 3 OGC:CRS84 EPSG:3857  →  -20037508.343 20037508.343
        let xy = try transformer.forward([51.4, 35.7, 0, 0, -180, 85.0511287798066])
        #expect(abs(xy[0] - 5721821.827) < 0.001)
        #expect(abs(xy[1] - 4259419.966) < 0.001)
        #expect(abs(xy[2]) < 0.001 && abs(xy[3]) < 0.001)
        #expect(abs(xy[4] + 20037508.343) < 0.001)
        #expect(abs(xy[5] - 20037508.343) < 0.001)
    }

    @Test("EPSG:4326 comes out latitude first")
    func epsg4326IsLatitudeFirst() throws {
        let transformer = try CRSTransformer(target: .epsg4326)
        // echo "51.4 35.7" | cs2cs -d 9 OGC:CRS84 EPSG:4326  →  35.700000000 51.400000000
        let (first, second) = try transformer.forward(tehran)
        #expect(abs(first - 35.7) < 1e-9)
        #expect(abs(second - 51.4) < 1e-9)
        let back = try transformer.inverse([35.7, 51.4])
        #expect(abs(back[0] - 51.4) < 1e-9 && abs(back[1] - 35.7) < 1e-9)
    }

    @Test("CRS84 to itself is the identity")
    func crs84Identity() throws {
        // echo "51.4 35.7" | cs2cs -d 9 OGC:CRS84 OGC:CRS84  →  51.400000000 35.700000000
        let transformer = try CRSTransformer(target: .crs84)
        #expect(try transformer.forward([51.4, 35.7, -0.5, 12.25]) == [51.4, 35.7, -0.5, 12.25])
    }

    @Test("inverse matches cs2cs and forward then inverse returns the input", arguments: [SupportedCRS.epsg3857, .epsg32639, .epsg4326])
    func roundTrip(crs: SupportedCRS) throws {
        let transformer = try CRSTransformer(target: crs)
        let input: [Double] = [51.4, 35.7, 48.1, 25.3, 53.9, 39.7, 51.0, 35.0]
        let back = try transformer.inverse(try transformer.forward(input))
        for (original, returned) in zip(input, back) {
            #expect(abs(original - returned) < 1e-9)
        }
        if crs == .epsg32639 {
            // echo "536187.189 3950748.613" | cs2cs -d 9 EPSG:32639 OGC:CRS84  →  51.399999995 35.700000000
            let lonLat = try transformer.inverse([536187.189, 3950748.613])
            #expect(abs(lonLat[0] - 51.399999995) < 1e-9)
            #expect(abs(lonLat[1] - 35.700000000) < 1e-9)
        }
    }

    @Test("empty input gives empty output")
    func emptyArray() throws {
        #expect(try CRSTransformer(target: .epsg3857).forward([]) == [])
    }

    @Test("a position outside the projection's domain throws")
    func outsideDomainThrows() throws {
        // echo "51 91" | cs2cs -d 3 OGC:CRS84 EPSG:3857  →  * * inf ("webmerc: Invalid latitude")
        let mercator = try CRSTransformer(target: .epsg3857)
        let error = #expect(throws: ProjectionError.self) { try mercator.forward([51.4, 35.7, 51, 91]) }
        guard case .transformFailed(.epsg3857, let code) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        // PROJ_ERR_COORD_TRANSFM_INVALID_COORD (2049) in proj.h: "for e.g lat > 90deg".
        #expect(code == 2049)
        // echo "1e10 1e10" | cs2cs -d 3 EPSG:32639 OGC:CRS84  →  * * inf
        let utm = try CRSTransformer(target: .epsg32639)
        #expect(throws: ProjectionError.self) { try utm.inverse([1e10, 1e10]) }
        #expect(throws: ProjectionError.self) { try utm.inverseBoundingBox(lower: (0, 0), upper: (1e10, 1e10)) }
    }

    @Test("a whole geometry keeps its shape and gets projected positions")
    func geometry() throws {
        let transformer = try CRSTransformer(target: .epsg32639)
        let ring = Ring(xy: [51.4, 35.7, 51.3890, 35.6892, 51.39, 35.70, 51.4, 35.7])
        let hole = Ring(xy: [51.395, 35.698, 51.394, 35.697, 51.395, 35.697, 51.395, 35.698])
        let polygonal = Polygonal(parts: [Polygon(exterior: ring, holes: [hole])], isMulti: true)
        guard case .polygonal(let projected) = try transformer.forward(.polygonal(polygonal)) else {
            Issue.record("geometry type changed")
            return
        }
        #expect(projected.isMulti)
        #expect(projected.parts.count == 1)
        #expect(projected.parts[0].holes.count == 1)
        #expect(projected.parts[0].exterior.count == 4)
        // Same values as in utm39North (cs2cs).
        #expect(abs(projected.parts[0].exterior.xy[0] - 536187.189) < 0.001)
        #expect(abs(projected.parts[0].exterior.xy[3] - 3949546.789) < 0.001)
        #expect(abs(projected.bbox.minLon - 535196.782) < 0.001)

        guard case .lineString(let line) = try transformer.forward(.lineString([tehran, tehran])),
            case .point(let point) = try transformer.forward(.point(tehran)),
            case .multiLineString(let lines) = try transformer.forward(.multiLineString([[tehran], [tehran, tehran]]))
        else {
            Issue.record("geometry type changed")
            return
        }
        #expect(line.count == 2 && lines.map(\.count) == [1, 2])
        #expect(abs(point.lon - 536187.189) < 0.001 && abs(point.lat - 3950748.613) < 0.001)
        #expect(line[1] == point && lines[1][0] == point)
    }
}
