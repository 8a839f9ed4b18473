import GeoCore
import Testing
import TestSupport

@Suite("Lower bound of the geodesic distance from a point to a box")
struct GeodesicLowerBoundTests {
    /// Checks the bound against the exact distance to many points of the box (its corners, edge points
    /// and interior samples): a lower bound of the distance to the box is below each of them.
    /// The squared form the k-nearest search ranks by (`squaredMeters`) is held to the same test.
    func checkNeverExceeds(_ q: Coordinate, _ box: BoundingBox, random: inout SeededRandom) {
        let bound = GeodesicLowerBound(from: q).meters(minLon: box.minLon, minLat: box.minLat, maxLon: box.maxLon, maxLat: box.maxLat)
        let squared = GeodesicLowerBound(from: q).squaredMeters(minLon: box.minLon, minLat: box.minLat, maxLon: box.maxLon, maxLat: box.maxLat)
        var samples: [Coordinate] = [
            Coordinate(uncheckedLon: box.minLon, lat: box.minLat), Coordinate(uncheckedLon: box.maxLon, lat: box.minLat),
            Coordinate(uncheckedLon: box.minLon, lat: box.maxLat), Coordinate(uncheckedLon: box.maxLon, lat: box.maxLat),
            // The point of the box nearest in lon/lat terms: the clamp of the query.
            Coordinate(uncheckedLon: min(max(q.lon, box.minLon), box.maxLon), lat: min(max(q.lat, box.minLat), box.maxLat)),
        ]
        for _ in 0..<8 {
            samples.append(Coordinate(uncheckedLon: random.uniform(box.minLon...box.maxLon), lat: random.uniform(box.minLat...box.maxLat)))
            samples.append(Coordinate(uncheckedLon: box.minLon, lat: random.uniform(box.minLat...box.maxLat)))
            samples.append(Coordinate(uncheckedLon: box.maxLon, lat: random.uniform(box.minLat...box.maxLat)))
        }
        for sample in samples {
            let exact = q.geodesicDistanceMeters(to: sample)
            #expect(bound <= exact, "seed \(random.seed): query \(q) box \(box) bound \(bound) > exact \(exact) to \(sample)")
            #expect(squared <= exact * exact, "seed \(random.seed): query \(q) box \(box) squared bound \(squared) > \(exact)²")
        }
    }

    func randomBox(_ random: inout SeededRandom, maxSize: Double) -> BoundingBox {
        let w = random.uniform(0...maxSize), h = random.uniform(0...maxSize / 2)
        let minLon = random.uniform(-180...(180 - w)), minLat = random.uniform(-90...(90 - h))
        return BoundingBox(uncheckedMinLon: minLon, minLat: minLat, maxLon: minLon + w, maxLat: minLat + h)
    }

    @Test("never exceeds the exact distance: random points and boxes of every size, anywhere")
    func neverExceedsAnywhere() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 21))
        for round in 0..<1_500 {
            let q = Coordinate(uncheckedLon: random.uniform(-180...180), lat: random.uniform(-90...90))
            let box = randomBox(&random, maxSize: [0.001, 0.1, 5, 60, 300][round % 5])
            checkNeverExceeds(q, box, random: &random)
        }
    }

    @Test("never exceeds the exact distance: boxes spanning the query's latitude or longitude, and near the poles")
    func neverExceedsSpecialPlacements() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 22))
        for round in 0..<1_500 {
            let q = Coordinate(uncheckedLon: random.uniform(-180...180), lat: random.uniform(-90...90))
            let w = random.uniform(0.0001...20), h = random.uniform(0.0001...10)
            var box: BoundingBox
            switch round % 4 {
            case 0:  // spans the query's latitude, to the east or west
                let minLon = q.lon + random.uniform(-40...40)
                box = BoundingBox(uncheckedMinLon: minLon, minLat: q.lat - h / 2, maxLon: minLon + w, maxLat: q.lat + h / 2)
            case 1:  // spans the query's longitude, to the north or south
                let minLat = q.lat + random.uniform(-30...30)
                box = BoundingBox(uncheckedMinLon: q.lon - w / 2, minLat: minLat, maxLon: q.lon + w / 2, maxLat: minLat + h)
            case 2:  // near a pole
                let north = random.next() % 2 == 0
                let minLat = north ? random.uniform(80...89.99) : random.uniform(-90 ... -80.01)
                let minLon = random.uniform(-180...170)
                box = BoundingBox(uncheckedMinLon: minLon, minLat: minLat, maxLon: minLon + random.uniform(0...10), maxLat: min(90, minLat + 5))
            default:  // near the equator, short north–south gaps: where the bound is tightest
                let minLon = q.lon + random.uniform(-1e-4...1e-4)
                box = BoundingBox(
                    uncheckedMinLon: minLon, minLat: random.uniform(-0.01...0.01), maxLon: minLon + 1e-5, maxLat: 0.011)
            }
            box = BoundingBox(
                uncheckedMinLon: max(-180, box.minLon), minLat: max(-90, box.minLat),
                maxLon: min(180, box.maxLon), maxLat: min(90, box.maxLat))
            guard box.minLon <= box.maxLon, box.minLat <= box.maxLat else { continue }
            checkNeverExceeds(q, box, random: &random)
        }
    }

    @Test("never exceeds the exact distance: boxes within 1° of the query (the near case), wide boxes and the antimeridian")
    func neverExceedsNearby() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 23))
        for round in 0..<3_000 {
            let q = Coordinate(uncheckedLon: random.uniform(-180...180), lat: random.uniform(-89...89))
            let gapLon = random.uniform(-1.2...1.2), gapLat = random.uniform(-1.2...1.2)
            let w = [random.uniform(0...0.01), random.uniform(0...2), random.uniform(170...359)][round % 3]
            let h = random.uniform(0...[0.01, 1, 5][round % 3])
            var minLon = gapLon >= 0 ? q.lon + gapLon : q.lon + gapLon - w
            var minLat = gapLat >= 0 ? q.lat + gapLat : q.lat + gapLat - h
            minLon = min(max(minLon, -180), 180 - w)
            minLat = min(max(minLat, -90), 90 - h)
            checkNeverExceeds(q, BoundingBox(uncheckedMinLon: minLon, minLat: minLat, maxLon: minLon + w, maxLat: minLat + h), random: &random)
        }
    }

    @Test("boxes inside a search extent near the query: the extent's scales never exceed the box's own bound")
    func extentScalesNeverExceed() {
        var random = SeededRandom(seed: SeededRandom.seed(default: 24))
        var withScales = 0
        for round in 0..<3_000 {
            let q = Coordinate(uncheckedLon: random.uniform(-179...179), lat: random.uniform(-88...88))
            // An extent of up to 1.2° a side around or beside the query (some beyond the near case).
            let w = random.uniform(0...1.2), h = random.uniform(0...1.2)
            let minLon = max(-180, min(180 - w, q.lon + random.uniform(-1.2...0.2)))
            let minLat = max(-90, min(90 - h, q.lat + random.uniform(-1.2...0.2)))
            let extent = (minLon: minLon, minLat: minLat, maxLon: minLon + w, maxLat: minLat + h)
            let bound = GeodesicLowerBound(from: q)
            guard let scales = bound.nearScales(forBoxesIn: extent) else {
                // Refused only when some corner of the extent is more than 1° away in an axis.
                #expect(max(abs(q.lat - extent.minLat), abs(q.lat - extent.maxLat)) > 1
                    || max(abs(q.lon - extent.minLon), abs(q.lon - extent.maxLon)) > 1, "round \(round)")
                continue
            }
            withScales += 1
            // A box inside the extent, sometimes a point.
            let bw = random.uniform(0...w) * (round % 4 == 0 ? 0 : 1), bh = random.uniform(0...h) * (round % 4 == 0 ? 0 : 1)
            let boxLon = random.uniform(extent.minLon...(extent.maxLon - bw)), boxLat = random.uniform(extent.minLat...(extent.maxLat - bh))
            let fast = bound.squaredMeters(minLon: boxLon, minLat: boxLat, maxLon: boxLon + bw, maxLat: boxLat + bh, scales: scales)
            let own = bound.squaredMeters(minLon: boxLon, minLat: boxLat, maxLon: boxLon + bw, maxLat: boxLat + bh)
            // Equal in exact arithmetic when the box's spread is the extent's: a rounding apart then.
            #expect(fast <= own * (1 + 1e-15), "seed \(random.seed), round \(round): \(fast) > \(own)")
            if w <= 0.2 && h <= 0.2 && abs(q.lat) <= 70 {
                #expect(fast >= own * 0.98, "seed \(random.seed), round \(round): a city-sized extent loses more than 2 %")
            }
            for _ in 0..<4 {
                let sample = Coordinate(uncheckedLon: random.uniform(boxLon...(boxLon + bw)), lat: random.uniform(boxLat...(boxLat + bh)))
                let exact = q.geodesicDistanceMeters(to: sample)
                #expect(fast <= exact * exact, "seed \(random.seed), round \(round): \(fast) > \(exact)²")
            }
        }
        #expect(withScales > 1_000)
    }

    @Test("is 0 inside the box and tight within 1 % at city scale")
    func zeroInsideAndTightNearby() {
        let q = Coordinate(uncheckedLon: 51.4, lat: 35.7)
        let bound = GeodesicLowerBound(from: q)
        #expect(bound.meters(minLon: 51.39, minLat: 35.69, maxLon: 51.41, maxLat: 35.71) == 0)
        // The point (51.42, 35.71): geod says 2122.980187 m (see GeodesicDistanceTests).
        let b = bound.meters(to: Coordinate(uncheckedLon: 51.42, lat: 35.71))
        #expect(b <= 2122.980187 && b >= 0.99 * 2122.980187, "\(b)")
    }
}
