import GeoCore
import GeoFormats
import LandModel
import LandService

/// Writes the features of the snapshot as GeoJSON (RFC 7946) with the streaming writer: the
/// properties are our columns first, in a fixed order, then the dataset's extra properties
/// (`extraPropertiesJSON`, which LandServices has already cleared of our column names and put in
/// compact form, so it is copied as text) in their own order; a feature's `id` is the dataset id.
enum OGCFeatureWriter {
    /// One whole Feature; `geometry` in the output CRS (`FeatureCRS.project`); `validity` when
    /// the request had `datetime`.
    static func feature(
        _ writer: inout GeoJSONWriter, snapshot: CitySnapshot, collection: FeatureCollectionID, position: Int,
        crs: FeatureCRS, validity: Validity?
    ) throws(FeatureCRSError) {
        if crs == .crs84, let rendered = renderedGeometries(snapshot: snapshot, collection: collection),
            rendered.decimals == writer.decimals
        {
            writer.beginFeature(id: id(snapshot: snapshot, collection: collection, position: position))
            properties(&writer.json, snapshot: snapshot, collection: collection, position: position, validity: validity)
            writer.endFeature(geometryOf: position, in: rendered)
            return
        }
        let geometry = try crs.project(self.geometry(snapshot: snapshot, collection: collection, position: position))
        writer.beginFeature(id: id(snapshot: snapshot, collection: collection, position: position))
        properties(&writer.json, snapshot: snapshot, collection: collection, position: position, validity: validity)
        writer.endFeature(geometry: geometry)
    }

    /// The layer's geometries already written as CRS84 GeoJSON, for the layers that keep them
    /// (polygons; a facility's point is cheaper to write than to look up).
    static func renderedGeometries(snapshot: CitySnapshot, collection: FeatureCollectionID) -> RenderedGeometries? {
        switch collection {
        case .parcels: snapshot.parcelGeometryJSON
        case .zones: snapshot.zoneGeometryJSON
        case .facilities: nil
        }
    }

    static func id(snapshot: CitySnapshot, collection: FeatureCollectionID, position: Int) -> String {
        switch collection {
        case .parcels: snapshot.parcels[position].id.rawValue
        case .zones: snapshot.zones[position].id.rawValue
        case .facilities: snapshot.facilities[position].id.rawValue
        }
    }

    static func geometry(snapshot: CitySnapshot, collection: FeatureCollectionID, position: Int) -> Geometry {
        switch collection {
        case .parcels: .polygonal(snapshot.parcels[position].geometry)
        case .zones: .polygonal(snapshot.zones[position].geometry)
        case .facilities: .point(snapshot.facilities[position].location)
        }
    }

    /// The members of the `properties` object (the caller has opened it). With `validity` (only
    /// when the request had `datetime`, so that answers without it stay as they were), the
    /// answered version's `valid_from` and `valid_to` follow our columns, RFC 3339 in UTC, null
    /// for an open end (see `Validity`); an extra property of the same name is then left out.
    static func properties(
        _ json: inout JSONWriter, snapshot: CitySnapshot, collection: FeatureCollectionID, position: Int, validity: Validity?
    ) {
        // Each layer's writer borrows the feature in the array: no copy of its strings (a copy
        // retained and released every one of them, for each of the 100 features of a page).
        switch collection {
        case .parcels: parcelProperties(&json, snapshot.parcels[position], validity: validity)
        case .zones: zoneProperties(&json, snapshot.zones[position], validity: validity)
        case .facilities: facilityProperties(&json, snapshot.facilities[position], validity: validity)
        }
    }

    private static func parcelProperties(_ json: inout JSONWriter, _ parcel: borrowing Parcel, validity: Validity?) {
        json.key("id")
        json.string(parcel.id.rawValue)
        json.key("zone_code")
        optional(&json, parcel.zoneCode?.rawValue)
        json.key("area_m2")
        json.number(parcel.areaSquareMeters, decimals: 1)
        json.key("current_use")
        optional(&json, parcel.currentUse?.rawValue)
        json.key("floors")
        if let floors = parcel.floors { json.number(floors) } else { json.null() }
        json.key("address")
        optional(&json, parcel.address)
        validityAndExtras(&json, validity: validity, extras: parcel.extraPropertiesJSON)
    }

    private static func zoneProperties(_ json: inout JSONWriter, _ zone: borrowing Zone, validity: Validity?) {
        json.key("id")
        json.string(zone.id.rawValue)
        json.key("code")
        json.string(zone.code.rawValue)
        json.key("name_fa")
        optional(&json, zone.nameFa)
        json.key("name_en")
        optional(&json, zone.nameEn)
        validityAndExtras(&json, validity: validity, extras: zone.extraPropertiesJSON)
    }

    private static func facilityProperties(_ json: inout JSONWriter, _ facility: borrowing Facility, validity: Validity?) {
        json.key("id")
        json.string(facility.id.rawValue)
        json.key("name_fa")
        optional(&json, facility.nameFa)
        json.key("name_en")
        optional(&json, facility.nameEn)
        json.key("category")
        json.string(facility.category.rawValue)
        json.key("category_fa")
        optional(&json, facility.categoryFa)
        validityAndExtras(&json, validity: validity, extras: facility.extraPropertiesJSON)
    }

    private static func validityAndExtras(_ json: inout JSONWriter, validity: Validity?, extras: String) {
        if let validity {
            json.key("valid_from")
            optional(&json, validity.from)
            json.key("valid_to")
            optional(&json, validity.to)
        }
        // LandServices has cleared the extras of our column names (copied as text); only a
        // `datetime` answer has two more names to leave out.
        if validity == nil { json.members(ofObject: extras) } else { extrasWithoutValidity(&json, extras) }
    }

    private static let validityNames: Set<String> = ["valid_from", "valid_to"]

    private static func optional(_ json: inout JSONWriter, _ text: String?) {
        if let text { json.string(text) } else { json.null() }
    }

    /// The extra properties (compact JSON object) without `valid_from`/`valid_to`.
    private static func extrasWithoutValidity(_ json: inout JSONWriter, _ text: String) {
        guard text != "{}", case .object(let object)? = try? JSONParser.parse(Array(text.utf8)) else { return }
        for member in object.members where !validityNames.contains(member.key) {
            json.key(member.key)
            json.value(member.value)
        }
    }
}
