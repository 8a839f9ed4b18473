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
        case .parcels: snapshot.parcels.values[position].id.rawValue
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

    /// The members of the `properties` object (the caller has opened it): the layer's one writer
    /// (`FeatureJSON`) with the OGC options — the dataset's fields and extra properties, no texts
    /// in the request's language; with `validity` (only when the request had `datetime`, so that
    /// answers without it stay as they were) the version's `valid_from` and `valid_to`.
    static func properties(
        _ json: inout JSONWriter, snapshot: CitySnapshot, collection: FeatureCollectionID, position: Int, validity: Validity?
    ) {
        // Each layer's writer borrows the feature in the array: no copy of its strings (a copy
        // retained and released every one of them, for each of the 100 features of a page).
        let options = FeatureJSON.Options.ogc(validity: validity)
        switch collection {
        case .parcels:
            FeatureJSON.parcelProperties(snapshot.parcels.values[position], zoneCode: snapshot.parcels.values[position].zoneCode, options: options, into: &json)
        case .zones:
            let zone = snapshot.zones[position]
            FeatureJSON.zoneProperties(zone, rule: snapshot.rules[zone.code], options: options, into: &json)
        case .facilities:
            FeatureJSON.facilityProperties(snapshot.facilities[position], options: options, into: &json)
            // Today's inspection only: an answer of another instant (`validity`) has none.
            if validity == nil {
                FeatureJSON.inspection(snapshot.information.inspections.latest(for: snapshot.facilities[position].id), into: &json)
            }
        }
    }
}
