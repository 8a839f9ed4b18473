import GeoCore
import GeoProjection
import Testing

/// `bbox` with `bbox-crs` to a CRS84 box that covers it (OGC 18-058r1 /req/crs/bbox-crs-action).
@Suite("CRSTransformer.inverseBoundingBox")
struct BoundingBoxInverseTests {
    @Test("a UTM box across the central meridian: the top edge bulges north between the corners")
    func densifiedEdgeIsCovered() throws {
        let transformer = try CRSTransformer(target: .epsg32639)
        let box = try transformer.inverseBoundingBox(lower: (490000, 3940000), upper: (510000, 3960000))
        // printf "490000 3940000\n510000 3940000\n510000 3960000\n490000 3960000\n" | cs2cs -d 9 EPSG:32639 OGC:CRS84
        //   →  50.889595973 35.603699527 / 51.110404027 35.603699527 / 51.110652833 35.784027281 / 50.889347167 35.784027281
        // The corners alone would give maxLat 35.784027281, but the top edge at the central meridian is further north:
        // echo "500000 3960000" | cs2cs -d 9 EPSG:32639 OGC:CRS84  →  51.000000000 35.784078189
        #expect(abs(box.maxLat - 35.784078189) < 1e-8)
        #expect(box.maxLat >= 35.784078189)
        #expect(abs(box.minLat - 35.603699527) < 1e-8)
        #expect(abs(box.minLon - 50.889347167) < 1e-8)
        #expect(abs(box.maxLon - 51.110652833) < 1e-8)
    }

    @Test("every point of the requested box, sampled finely, lies in the CRS84 box", arguments: [SupportedCRS.epsg32639, .epsg3857])
    func coversRequestedBox(crs: SupportedCRS) throws {
        let transformer = try CRSTransformer(target: crs)
        // A box around Tehran in the target CRS, from the forward transform of two corners.
        let corners = try transformer.forward([51.2, 35.5, 51.6, 35.9])
        let lower = (corners[0], corners[1]), upper = (corners[2], corners[3])
        let box = try transformer.inverseBoundingBox(lower: lower, upper: upper)
        var samples: [Double] = []
        let n = 200
        for i in 0...n {
            for j in 0...n {
                samples.append(lower.0 + (upper.0 - lower.0) * Double(i) / Double(n))
                samples.append(lower.1 + (upper.1 - lower.1) * Double(j) / Double(n))
            }
        }
        let lonLat = try transformer.inverse(samples)
        var outside = 0
        for index in stride(from: 0, to: lonLat.count, by: 2)
        where !box.contains(Coordinate(uncheckedLon: lonLat[index], lat: lonLat[index + 1])) {
            outside += 1
        }
        #expect(outside == 0)
    }

    @Test("EPSG:4326 bbox is minLat, minLon, maxLat, maxLon")
    func epsg4326AxisOrder() throws {
        let transformer = try CRSTransformer(target: .epsg4326)
        let box = try transformer.inverseBoundingBox(lower: (35.6, 51.3), upper: (35.8, 51.5))
        #expect(abs(box.minLon - 51.3) < 1e-8 && abs(box.maxLon - 51.5) < 1e-8)
        #expect(abs(box.minLat - 35.6) < 1e-8 && abs(box.maxLat - 35.8) < 1e-8)
    }

    @Test("a Web Mercator box across the antimeridian widens to all longitudes")
    func antimeridian() throws {
        let transformer = try CRSTransformer(target: .epsg3857)
        // printf "19000000 4000000\n21000000 4000000\n" | cs2cs -d 9 EPSG:3857 OGC:CRS84
        //   →  170.679903983 33.785230070 / -171.353790335 33.785230070 (PROJ wraps past 180°)
        let box = try transformer.inverseBoundingBox(lower: (19_000_000, 4_000_000), upper: (21_000_000, 4_100_000))
        #expect(box.minLon == -180 && box.maxLon == 180)
        #expect(abs(box.minLat - 33.785230070) < 1e-8)
    }
}
