package import GeoCore

/// Streams GeoJSON (RFC 7946) into UTF-8 bytes with a fixed key order — `type`, `id`,
/// `properties`, `geometry` for a feature; `type`, `coordinates` for a geometry — and
/// coordinates with at most `decimals` decimals (RFC 7946 §11.2: 7 decimals of a degree are
/// about 1 cm), so the same input gives the same bytes.
///
///     var writer = GeoJSONWriter(decimals: 7)
///     writer.beginFeatureCollection()
///     writer.feature(id: "P-000001", properties: properties, geometry: geometry)
///     writer.endFeatureCollection(members: ["numberReturned": .number(1)])
///     send(writer.takeBytes())
package struct GeoJSONWriter: Sendable {
    /// The JSON writer underneath: write custom members or properties with it directly.
    package var json: JSONWriter
    /// Decimals of every coordinate: 7 for degrees, 3 for metres.
    package let decimals: Int

    package init(decimals: Int = 7, reservingCapacity capacity: Int = 0) {
        self.json = JSONWriter(reservingCapacity: capacity)
        self.decimals = decimals
    }

    package var bytes: [UInt8] { json.bytes }

    /// Returns the bytes written so far and empties the buffer, to stream in chunks.
    package mutating func takeBytes() -> [UInt8] { json.takeBytes() }

    // MARK: Geometry

    /// A geometry object (RFC 7946 §3.1); a polygonal geometry is written as the type it was
    /// read as (`Polygonal.isMulti`).
    package mutating func geometry(_ geometry: Geometry) {
        json.beginObject()
        json.key("type")
        switch geometry {
        case .point(let point):
            json.string("Point")
            json.key("coordinates")
            position(point.lon, point.lat)
        case .lineString(let line):
            json.string("LineString")
            json.key("coordinates")
            positions(line)
        case .multiLineString(let lines):
            json.string("MultiLineString")
            json.key("coordinates")
            json.beginArray()
            for line in lines { positions(line) }
            json.endArray()
        case .polygonal(let polygonal):
            json.string(polygonal.isMulti ? "MultiPolygon" : "Polygon")
            json.key("coordinates")
            if polygonal.isMulti { json.beginArray() }
            // A Polygon has exactly one part; a MultiPolygon is an array of them.
            for polygon in polygonal.isMulti ? polygonal.parts[...] : polygonal.parts.prefix(1) {
                json.beginArray()
                ring(polygon.exterior)
                for hole in polygon.holes { ring(hole) }
                json.endArray()
            }
            if polygonal.isMulti { json.endArray() }
        }
        json.endObject()
    }

    /// The geometry, or `null` (RFC 7946 §3.2: an unlocated feature).
    package mutating func geometry(_ geometry: Geometry?) {
        if let geometry { self.geometry(geometry) } else { json.null() }
    }

    @inline(__always)
    private mutating func position(_ lon: Double, _ lat: Double) {
        json.position(lon, lat, decimals: decimals)
    }

    private mutating func positions(_ coordinates: [Coordinate]) {
        json.beginArray()
        for coordinate in coordinates { position(coordinate.lon, coordinate.lat) }
        json.endArray()
    }

    private mutating func ring(_ ring: Ring) {
        json.beginArray()
        let xy = ring.xy
        var index = 0
        while index + 1 < xy.count {
            position(xy[index], xy[index + 1])
            index += 2
        }
        json.endArray()
    }

    // MARK: Features

    /// A whole Feature (RFC 7946 §3.2); `id` is omitted when nil.
    package mutating func feature(id: String?, properties: JSONObject, geometry: Geometry?) {
        beginFeature(id: id)
        json.members(of: properties)
        endFeature(geometry: geometry)
    }

    /// Writes `{"type":"Feature","id":…,"properties":{` — then write the properties with `json`
    /// (`json.key(…)`, a value, …) and close with `endFeature(geometry:)`.
    package mutating func beginFeature(id: String?) {
        json.beginObject()
        json.key("type")
        json.string("Feature")
        if let id {
            json.key("id")
            json.string(id)
        }
        json.key("properties")
        json.beginObject()
    }

    /// Closes the properties and writes the geometry: `},"geometry":…}`.
    package mutating func endFeature(geometry: Geometry?) {
        json.endObject()
        json.key("geometry")
        self.geometry(geometry)
        json.endObject()
    }

    /// As `endFeature(geometry:)` with feature `index`'s geometry from `rendered`, which must have
    /// been rendered with this writer's decimals.
    package mutating func endFeature(geometryOf index: Int, in rendered: RenderedGeometries) {
        json.endObject()
        json.key("geometry")
        rendered.withJSON(of: index) { json.value(rawJSON: $0) }
        json.endObject()
    }

    // MARK: FeatureCollection

    /// Writes `{"type":"FeatureCollection",` then `members` (e.g. OGC API `timeStamp`,
    /// `numberMatched`), then `"features":[`.
    package mutating func beginFeatureCollection(members: JSONObject = JSONObject()) {
        json.beginObject()
        json.key("type")
        json.string("FeatureCollection")
        json.members(of: members)
        json.key("features")
        json.beginArray()
    }

    /// Writes `]`, then `members` (e.g. `numberReturned`, `links`), then `}`.
    package mutating func endFeatureCollection(members: JSONObject = JSONObject()) {
        json.endArray()
        json.members(of: members)
        json.endObject()
    }
}
