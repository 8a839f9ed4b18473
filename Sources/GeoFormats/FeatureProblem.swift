package import GeoCore

/// One feature of a FeatureCollection, as read (RFC 7946 §3.2).
package struct GeoJSONFeature: Sendable, Equatable {
    /// Position in the collection's `features` array, from 0.
    package var index: Int
    /// The GeoJSON `id` member (a number is written as its decimal text), else the `id`
    /// property when it is a string or a number, else nil.
    package var id: String?
    /// nil only when the reader was asked to accept null geometries.
    package var geometry: Geometry?
    /// The `properties` member in document order; empty when absent or null.
    package var properties: JSONObject

    package init(index: Int, id: String?, geometry: Geometry?, properties: JSONObject) {
        self.index = index
        self.id = id
        self.geometry = geometry
        self.properties = properties
    }
}

/// A feature that was skipped, and why.
package struct FeatureProblem: Sendable, Hashable, CustomStringConvertible {
    package var index: Int
    package var id: String?
    package var reason: GeometryProblem

    package init(index: Int, id: String?, reason: GeometryProblem) {
        self.index = index
        self.id = id
        self.reason = reason
    }

    /// "feature 12 (id P-000013): ring 0 of polygon 0 is not closed".
    package var description: String {
        let name = id.map { "feature \(index) (id \($0))" } ?? "feature \(index) (no id)"
        return "\(name): \(reason)"
    }
}

/// Which coordinate of a position.
package enum CoordinateAxis: Sendable, Hashable {
    case lon, lat
}

/// A ring of a polygonal geometry: `polygon` counts the polygons of a MultiPolygon (0 for a
/// Polygon), `ring` counts rings within it, 0 being the exterior (RFC 7946 §3.1.6).
package struct RingLocation: Sendable, Hashable, CustomStringConvertible {
    package var polygon: Int
    package var ring: Int

    package init(polygon: Int, ring: Int) {
        self.polygon = polygon
        self.ring = ring
    }

    package var description: String {
        "ring \(ring) of polygon \(polygon) (\(ring == 0 ? "exterior" : "hole"))"
    }
}

/// Why one feature was not read. Checks run in the order of the cases; the first one found is
/// reported.
package enum GeometryProblem: Sendable, Hashable, CustomStringConvertible {
    /// The feature is not shaped as RFC 7946 §3.2 says.
    case malformed(StructureProblem)
    /// `geometry` is absent or null (RFC 7946 §3.2 allows null; our layers need a geometry).
    case missingGeometry
    /// A geometry type we do not read: MultiPoint, GeometryCollection, or an unknown name.
    case unsupportedGeometryType(String)
    /// No positions at all: `[]` coordinates, a polygon without rings.
    case emptyGeometry
    /// A coordinate too large for a `Double` (JSON has no NaN): `position` counts the positions
    /// of the geometry in document order from 0.
    case nonFiniteCoordinate(CoordinateAxis, position: Int)
    /// Outside -180…180 (lon) or -90…90 (lat) degrees (RFC 7946 §4: WGS 84).
    case coordinateOutOfRange(CoordinateAxis, value: Double, position: Int)
    /// RFC 7946 §3.1.4: a LineString has two or more positions.
    case lineTooShort(line: Int, positions: Int)
    /// RFC 7946 §3.1.6: a linear ring has four or more positions.
    case ringTooShort(RingLocation, positions: Int)
    /// RFC 7946 §3.1.6: the first and last positions are identical.
    case ringNotClosed(RingLocation)
    /// Two non-adjacent edges cross or touch (OGC 06-103r4 §6.1.7.1: a ring is simple).
    /// Edges are numbered from 0 after dropping repeated consecutive positions.
    case selfIntersectingRing(RingLocation, edge: Int, otherEdge: Int)
    /// All positions on one line (OGC 06-103r4 §6.1.11.1: a polygon's interior is connected
    /// and non-empty).
    case zeroAreaRing(RingLocation)

    package var description: String {
        switch self {
        case .malformed(let problem): return "malformed feature: \(problem)"
        case .missingGeometry: return "geometry is missing or null"
        case .unsupportedGeometryType(let type): return "unsupported geometry type \"\(type)\""
        case .emptyGeometry: return "geometry has no positions"
        case .nonFiniteCoordinate(let axis, let position):
            return "\(axis) of position \(position) is not a finite number"
        case .coordinateOutOfRange(let axis, let value, let position):
            let range = axis == .lon ? "-180…180" : "-90…90"
            var text: [UInt8] = []
            NumberFormatting.appendShortest(value, to: &text)
            return "\(axis) \(String(decoding: text, as: UTF8.self)) of position \(position) is outside \(range)"
        case .lineTooShort(let line, let positions):
            return "line \(line) has \(positions) position\(positions == 1 ? "" : "s"), fewer than 2"
        case .ringTooShort(let ring, let positions):
            return "\(ring) has \(positions) position\(positions == 1 ? "" : "s"), fewer than 4"
        case .ringNotClosed(let ring): return "\(ring) is not closed: its last position differs from its first"
        case .zeroAreaRing(let ring): return "\(ring) has zero area"
        case .selfIntersectingRing(let ring, let edge, let otherEdge):
            return "\(ring) intersects itself: edges \(edge) and \(otherEdge) meet"
        }
    }
}

/// How a feature's JSON departs from RFC 7946 §3.1–3.2 while still being valid JSON.
package enum StructureProblem: Sendable, Hashable, CustomStringConvertible {
    /// An element of `features` is not an object.
    case featureNotObject
    /// `type` is absent or is not "Feature".
    case typeNotFeature
    /// `id` is neither a string nor a number.
    case idNotStringOrNumber
    /// `properties` is neither an object nor null.
    case propertiesNotObject
    /// `geometry` is neither an object nor null.
    case geometryNotObject
    /// The geometry has no string `type`.
    case geometryTypeMissing
    /// The geometry has no `coordinates`.
    case coordinatesMissing
    /// `coordinates` are not nested as the type requires, or a position is not an array of two
    /// or more numbers (RFC 7946 §3.1.1).
    case coordinatesMisnested(geometryType: String)

    package var description: String {
        switch self {
        case .featureNotObject: return "not a JSON object"
        case .typeNotFeature: return "\"type\" is not \"Feature\""
        case .idNotStringOrNumber: return "\"id\" is neither a string nor a number"
        case .propertiesNotObject: return "\"properties\" is neither an object nor null"
        case .geometryNotObject: return "\"geometry\" is neither an object nor null"
        case .geometryTypeMissing: return "the geometry has no \"type\""
        case .coordinatesMissing: return "the geometry has no \"coordinates\""
        case .coordinatesMisnested(let type):
            return "the coordinates are not those of a \(type) (arrays of positions of two or more numbers)"
        }
    }
}
