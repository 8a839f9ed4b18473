import GeoCore
import LandModel
package import VectorTiles

extension CitySnapshot {
    /// One Mapbox Vector Tile of `collections` (a layer each, named as the collection) from this
    /// snapshot (issue 19): candidates from each layer's R-tree for the tile widened by its
    /// buffer, cut and encoded by `VectorTileEncoder`; nil when no feature is left (a 204). A
    /// polygon under a pixel (16 of the 4,096 units, a 256-pixel tile's pixel) is left out, so
    /// that a city-wide tile holds the zones and the parcels large enough to see, not 100,000
    /// specks. Every answer comes from the snapshot it is asked of: an edit publishes a new
    /// snapshot, and the next tile is cut from it.
    ///
    /// Attributes: parcels `id`, `zone_code`, `current_use`, `floors`, `conformity`
    /// (conforming, conditional or non_conforming: the current use against the rules of the
    /// zone code that governs the parcel); zones `id`, `zone_code`, `name_fa`, `name_en`;
    /// facilities `id`, `category`, `name_fa`, `name_en`. A feature's MVT id is its position + 1.
    package func vectorTile(_ address: TileAddress, collections: [FeatureCollectionID]) -> [UInt8]? {
        let buffer = 64
        var encoder = VectorTileEncoder(address, buffer: buffer, minimumSize: 16)
        let box = address.lonLatBox(margin: Double(buffer) / Double(VectorTileEncoder.extent))
        for collection in collections {
            encoder.beginLayer(collection.rawValue)
            switch collection {
            case .parcels:
                for position in Self.positions(in: parcelIndex, box: box, where: { _ in true }) {
                    let values = parcels.values[Int(position)]
                    var properties: [(String, TileValue)] = [("id", .string(values.id.rawValue))]
                    if let code = values.zoneCode { properties.append(("zone_code", .string(code.rawValue))) }
                    if let use = values.currentUse { properties.append(("current_use", .string(use.rawValue))) }
                    if let floors = values.floors { properties.append(("floors", .integer(Int64(floors)))) }
                    if let conformity = tileConformity(ofParcelAt: position) { properties.append(("conformity", .string(conformity))) }
                    encoder.addPolygonal(
                        parcelOutlines.polygonal(position, isMulti: values.isMulti), id: UInt64(position) + 1, properties: properties)
                }
            case .zones:
                for position in Self.positions(in: zoneIndex, box: box, where: { _ in true }) {
                    let values = zones.values[Int(position)]
                    var properties: [(String, TileValue)] = [("id", .string(values.id.rawValue)), ("zone_code", .string(values.code.rawValue))]
                    if let name = values.nameFa { properties.append(("name_fa", .string(name))) }
                    if let name = values.nameEn { properties.append(("name_en", .string(name))) }
                    encoder.addPolygonal(zoneOutlines.polygonal(position, isMulti: values.isMulti), id: UInt64(position) + 1, properties: properties)
                }
            case .facilities:
                for position in facilities(in: box) {
                    let facility = facilities[Int(position)]
                    var properties: [(String, TileValue)] = [("id", .string(facility.id.rawValue)), ("category", .string(facility.category.rawValue))]
                    if let name = facility.nameFa { properties.append(("name_fa", .string(name))) }
                    if let name = facility.nameEn { properties.append(("name_en", .string(name))) }
                    encoder.addPoint(lon: facility.location.lon, lat: facility.location.lat, id: UInt64(position) + 1, properties: properties)
                }
            }
        }
        let bytes = encoder.bytes()
        return encoder.isEmpty ? nil : bytes
    }

    /// As `conformity(of:)` decides it, in the words of the tiles' attribute.
    private func tileConformity(ofParcelAt position: Int32) -> String? {
        guard let use = parcels.values[Int(position)].currentUse, let code = zoneCode(ofParcelAt: position), let rule = rules[code] else {
            return nil
        }
        if rule.allowedUses.contains(use) { return "conforming" }
        return rule.conditionalUses.contains(use) ? "conditional" : "non_conforming"
    }
}
