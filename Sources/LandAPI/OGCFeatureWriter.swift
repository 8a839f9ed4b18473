import GeoCore
import GeoFormats
import LandModel
import LandService

/// Writes the features of the snapshot as GeoJSON (RFC 7946) with the streaming writer: the
/// properties are our columns first, in a fixed order, then the dataset's extra properties
/// (`extraPropertiesJSON`, which LandServices has already cleared of our column names and put in
/// compact form, so it is copied as text) in their own order; a feature's `id` is the dataset id.
enum OGCFeatureWriter {
    /// One whole Feature; `geometry` in the output CRS (`FeatureCRS.project`).
    static func feature(
        _ writer: inout GeoJSONWriter, snapshot: CitySnapshot, collection: FeatureCollectionID, position: Int,
        crs: FeatureCRS
    ) throws(FeatureCRSError) {
        let geometry = try crs.project(self.geometry(snapshot: snapshot, collection: collection, position: position))
        writer.beginFeature(id: id(snapshot: snapshot, collection: collection, position: position))
        properties(&writer.json, snapshot: snapshot, collection: collection, position: position)
        writer.endFeature(geometry: geometry)
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

    /// The members of the `properties` object (the caller has opened it).
    static func properties(_ json: inout JSONWriter, snapshot: CitySnapshot, collection: FeatureCollectionID, position: Int) {
        switch collection {
        case .parcels:
            let parcel = snapshot.parcels[position]
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
            json.members(ofObject: parcel.extraPropertiesJSON)
        case .zones:
            let zone = snapshot.zones[position]
            json.key("id")
            json.string(zone.id.rawValue)
            json.key("code")
            json.string(zone.code.rawValue)
            json.key("name_fa")
            optional(&json, zone.nameFa)
            json.key("name_en")
            optional(&json, zone.nameEn)
            json.members(ofObject: zone.extraPropertiesJSON)
        case .facilities:
            let facility = snapshot.facilities[position]
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
            json.members(ofObject: facility.extraPropertiesJSON)
        }
    }

    private static func optional(_ json: inout JSONWriter, _ text: String?) {
        if let text { json.string(text) } else { json.null() }
    }
}
