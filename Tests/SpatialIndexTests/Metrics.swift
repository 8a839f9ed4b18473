import GeoCore
import SpatialIndex

/// Euclidean distance in the plane to point items stored by id; the box bound is the distance to the
/// box (exact for a point box, so ties between bound and exact keys are exercised).
struct PlanarPointMetric: NearestMetric {
    let x: Double, y: Double
    /// x, y per id.
    let points: [Double]
    var allowed: Set<Int32>? = nil
    /// Queue leaves with their exact distance (`itemKey`) instead of the box bound.
    var keysAreExact = false

    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double {
        let dx = max(minX - x, 0, x - maxX), dy = max(minY - y, 0, y - maxY)
        return (dx * dx + dy * dy).squareRoot()
    }

    func exactDistance(toItem id: Int32) -> Double {
        let dx = points[2 * Int(id)] - x, dy = points[2 * Int(id) + 1] - y
        return (dx * dx + dy * dy).squareRoot()
    }

    func includes(_ id: Int32) -> Bool { allowed?.contains(id) ?? true }

    func itemKey(toItem id: Int32, slot: Int, minX: Double, minY: Double, maxX: Double, maxY: Double, cutoff: Double) -> (key: Double, isExact: Bool) {
        keysAreExact
            ? (exactDistance(toItem: id), true)
            : (lowerBound(minX: minX, minY: minY, maxX: maxX, maxY: maxY), false)
    }
}

/// WGS 84 geodesic metres from a query point to point items (facilities), the production pairing:
/// GeoCore's exact distance and its conservative box bound.
struct GeodesicPointMetric: NearestMetric {
    let query: Coordinate
    let bound: GeodesicLowerBound
    let points: [Coordinate]
    let categories: [Int]
    let category: Int?

    init(query: Coordinate, points: [Coordinate], categories: [Int] = [], category: Int? = nil) {
        self.query = query
        bound = GeodesicLowerBound(from: query)
        self.points = points
        self.categories = categories
        self.category = category
    }

    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double {
        bound.meters(minLon: minX, minLat: minY, maxLon: maxX, maxLat: maxY)
    }

    func exactDistance(toItem id: Int32) -> Double { query.geodesicDistanceMeters(to: points[Int(id)]) }

    func includes(_ id: Int32) -> Bool { category.map { categories[Int(id)] == $0 } ?? true }
}

/// The production pairing of LandService's GeodesicMetric, keys in squared metres: leaves within
/// GeodesicFromPoint's short lines enter the queue with their distance from it (or are dropped on
/// their chord beyond the cutoff), farther ones with the box bound and Karney's distance when they
/// reach the front.
struct ShortLinePointMetric: NearestMetric {
    let keys: GeodesicNearestKeys
    let points: [Coordinate]
    let centred: [EarthCentredPoint]
    /// `centred` in the searched tree's leaf order (`itemKey`'s slot), as LandService's FacilityTree.
    let centredInLeafOrder: [EarthCentredPoint]

    /// `extent`: a box holding every point the searches see (nil: the per-box bound).
    init(
        query: Coordinate, points: [Coordinate], centred: [EarthCentredPoint], centredInLeafOrder: [EarthCentredPoint],
        extent: (minX: Double, minY: Double, maxX: Double, maxY: Double)?
    ) {
        keys = GeodesicNearestKeys(from: query, searchExtent: extent.map { ($0.minX, $0.minY, $0.maxX, $0.maxY) })
        self.points = points
        self.centred = centred
        self.centredInLeafOrder = centredInLeafOrder
    }

    /// `centred` (by id) in `tree`'s leaf order.
    static func inLeafOrder(_ centred: [EarthCentredPoint], of tree: LayerIndex) -> [EarthCentredPoint] {
        tree.base.idsInLeafOrder.map { centred[Int($0)] }
    }

    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double {
        keys.lowerBound(minLon: minX, minLat: minY, maxLon: maxX, maxLat: maxY)
    }

    func exactDistance(toItem id: Int32) -> Double { keys.exactDistance(to: points[Int(id)], centred: centred[Int(id)]) }

    func itemKey(toItem id: Int32, slot: Int, minX: Double, minY: Double, maxX: Double, maxY: Double, cutoff: Double) -> (key: Double, isExact: Bool) {
        keys.itemKey(centred: centredInLeafOrder[slot], minLon: minX, minLat: minY, maxLon: maxX, maxLat: maxY, cutoff: cutoff)
    }
}

extension Array where Element == Double {
    /// Appends one box.
    mutating func appendBox(_ minX: Double, _ minY: Double, _ maxX: Double, _ maxY: Double) {
        append(minX); append(minY); append(maxX); append(maxY)
    }
}
