package import GeoCore
package import LandModel

/// A feature of a polygon layer (parcels, zones) whose outline the layer keeps once, in its flat
/// outlines (`PolygonalOutlines`), and not as arrays of its own: issue 17 point 8 asks for one
/// flat coordinate array per layer; at 1M parcels the per-feature outlines were 195 MB beside the
/// same coordinates in the flat outlines, and 2M allocations to make at every start-up.
package protocol OutlinedFeature: LayerFeature {
    /// The feature without its outline: what the layer keeps per feature.
    associatedtype Values: Sendable
    var valuesWithoutOutline: Values { get }
    var geometry: Polygonal { get }
    init(_ values: Values, outline: Polygonal)
    static func id(of values: Values) -> ID
    /// Whether the outline was a MultiPolygon (the flat outlines keep parts, not the type).
    static func isMulti(_ values: Values) -> Bool
}

/// A parcel without its outline.
package struct ParcelValues: Sendable, Hashable {
    package var id: ParcelID
    package var zoneCode: ZoneCode?
    package var areaSquareMeters: Double
    package var currentUse: LandUse?
    package var floors: Int?
    package var address: String?
    package var extraPropertiesJSON: String
    package var isMulti: Bool

    package init(
        id: ParcelID, zoneCode: ZoneCode?, areaSquareMeters: Double, currentUse: LandUse?, floors: Int?, address: String?,
        extraPropertiesJSON: String, isMulti: Bool
    ) {
        self.id = id
        self.zoneCode = zoneCode
        self.areaSquareMeters = areaSquareMeters
        self.currentUse = currentUse
        self.floors = floors
        self.address = address
        self.extraPropertiesJSON = extraPropertiesJSON
        self.isMulti = isMulti
    }
}

extension ParcelValues {
    /// The same values with the address in a string of its own. A city loaded from the store
    /// keeps these copies, made while the rows read are still alive, so that the rows' memory —
    /// outlines and addresses side by side — is all freed together and can go back to the system:
    /// keeping the rows' own address strings left 1M of them scattered among the freed outlines,
    /// ~280 MB that malloc could not give back at 1M parcels (issue 17 point 8).
    var withOwnStrings: ParcelValues {
        var copy = self
        copy.address = address.map { address in
            let utf8 = address.utf8
            return String(unsafeUninitializedCapacity: utf8.count) { buffer in buffer.initialize(fromContentsOf: utf8) }
        }
        return copy
    }
}

extension Parcel: OutlinedFeature {
    package var valuesWithoutOutline: ParcelValues {
        ParcelValues(
            id: id, zoneCode: zoneCode, areaSquareMeters: areaSquareMeters, currentUse: currentUse, floors: floors, address: address,
            extraPropertiesJSON: extraPropertiesJSON, isMulti: geometry.isMulti)
    }

    package init(_ values: ParcelValues, outline: Polygonal) {
        self.init(
            id: values.id, geometry: outline, zoneCode: values.zoneCode, areaSquareMeters: values.areaSquareMeters,
            currentUse: values.currentUse, floors: values.floors, address: values.address, extraPropertiesJSON: values.extraPropertiesJSON)
    }

    package static func id(of values: ParcelValues) -> ParcelID { values.id }
    package static func isMulti(_ values: ParcelValues) -> Bool { values.isMulti }
}

/// A zone without its outline.
package struct ZoneValues: Sendable, Hashable {
    package var id: ZoneID
    package var code: ZoneCode
    package var nameFa: String?
    package var nameEn: String?
    package var extraPropertiesJSON: String
    package var isMulti: Bool
}

extension Zone: OutlinedFeature {
    package var valuesWithoutOutline: ZoneValues {
        ZoneValues(id: id, code: code, nameFa: nameFa, nameEn: nameEn, extraPropertiesJSON: extraPropertiesJSON, isMulti: geometry.isMulti)
    }

    package init(_ values: ZoneValues, outline: Polygonal) {
        self.init(
            id: values.id, geometry: outline, code: values.code, nameFa: values.nameFa, nameEn: values.nameEn,
            extraPropertiesJSON: values.extraPropertiesJSON)
    }

    package static func id(of values: ZoneValues) -> ZoneID { values.id }
    package static func isMulti(_ values: ZoneValues) -> Bool { values.isMulti }
}

/// A polygon layer's features by position (= id order): each one its values and its outline from
/// the layer's flat outlines. Reading a feature makes its outline's arrays; what reads only
/// values (lookups' properties, statistics, search) reads `values` and makes nothing.
package struct OutlinedFeatures<Feature: OutlinedFeature>: RandomAccessCollection, Sendable {
    package let values: ChunkedArray<Feature.Values>
    package let outlines: PolygonalOutlines

    init(values: ChunkedArray<Feature.Values>, outlines: PolygonalOutlines) {
        self.values = values
        self.outlines = outlines
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { values.count }

    /// Feature `position`'s bounding box, without making its outline.
    package func bbox(_ position: Int) -> BoundingBox { outlines.bbox(Int32(position)) }

    package subscript(position: Int) -> Feature {
        let stored = values[position]
        return Feature(stored, outline: outlines.polygonal(Int32(position), isMulti: Feature.isMulti(stored)))
    }
}

/// A feature of a layer kept in id order (`PositionsByID`).
package protocol LayerFeature: Sendable {
    associatedtype ID: Comparable
    var id: ID { get }
}

extension Parcel: LayerFeature {}
extension Zone: LayerFeature {}

/// The position of a feature by its id in a layer sorted by id: a binary search (20 comparisons
/// of ids at 1M parcels), nil for an id the layer does not have. A dictionary of 1M parcel ids
/// held 40–50 MB and took a tenth of a start-up to build.
package struct PositionsByID<Feature: OutlinedFeature> {
    let values: ChunkedArray<Feature.Values>

    init(_ features: OutlinedFeatures<Feature>) { values = features.values }

    package subscript(id: Feature.ID) -> Int32? {
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if Feature.id(of: values[middle]) < id { low = middle + 1 } else { high = middle }
        }
        return low < values.count && Feature.id(of: values[low]) == id ? Int32(low) : nil
    }
}
