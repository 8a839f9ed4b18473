import GeoCore
import GeoProjection
import Testing

@Suite("CRSTransformers")
struct CRSTransformersTests {
    @Test("CRS84 requests return the input unchanged")
    func crs84PassesThrough() throws {
        let transformers = CRSTransformers()
        #expect(try transformers.forward([51.4, 35.7], to: .crs84) == [51.4, 35.7])
        let box = try transformers.crs84BoundingBox(lower: (51.3, 35.6), upper: (51.5, 35.8), in: .crs84)
        #expect(box == BoundingBox(minLon: 51.3, minLat: 35.6, maxLon: 51.5, maxLat: 35.8))
    }

    @Test("the cache gives the same answers as cs2cs")
    func knownAnswers() throws {
        let transformers = CRSTransformers()
        // echo "51.4 35.7" | cs2cs -d 3 OGC:CRS84 EPSG:3857  →  5721821.827 4259419.966
        let mercator = try transformers.forward([51.4, 35.7], to: .epsg3857)
        #expect(abs(mercator[0] - 5721821.827) < 0.001 && abs(mercator[1] - 4259419.966) < 0.001)
        // echo "51.4 35.7" | cs2cs -d 9 OGC:CRS84 EPSG:4326  →  35.700000000 51.400000000
        guard case .point(let point) = try transformers.forward(.point(Coordinate(uncheckedLon: 51.4, lat: 35.7)), to: .epsg4326)
        else {
            Issue.record("geometry type changed")
            return
        }
        #expect(abs(point.lon - 35.7) < 1e-9 && abs(point.lat - 51.4) < 1e-9)
        // printf "35.6 51.3\n35.8 51.5\n" | cs2cs -d 3 EPSG:4326 EPSG:3857  →  5710689.878 4245720.660 / 5732953.776 4273136.462
        let box = try transformers.crs84BoundingBox(
            lower: (5710689.878, 4245720.660), upper: (5732953.776, 4273136.462), in: .epsg3857)
        #expect(abs(box.minLon - 51.3) < 1e-7 && abs(box.maxLat - 35.8) < 1e-7)
    }

    @Test("many tasks create and use transformers concurrently")
    func concurrentUse() async throws {
        let transformers = CRSTransformers()
        let crsList: [SupportedCRS] = [.epsg3857, .epsg32639, .epsg4326]
        let failures = await withTaskGroup(of: Int.self) { group in
            for task in 0..<48 {
                group.addTask {
                    let crs = crsList[task % crsList.count]
                    var failures = 0
                    for _ in 0..<50 {
                        // Forward then inverse through the shared cache must return the input.
                        do {
                            let projected = try transformers.forward([51.4, 35.7, 52.0, 36.0], to: crs)
                            let back = try transformers.withTransformer(to: crs) { (transformer) throws(ProjectionError) in
                                try transformer.inverse(projected)
                            }
                            if abs(back[0] - 51.4) > 1e-9 || abs(back[3] - 36.0) > 1e-9 { failures += 1 }
                        } catch {
                            failures += 1
                        }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
