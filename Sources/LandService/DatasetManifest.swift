package import Foundation

/// `dataset.json`: names a dataset folder's files and maps the city's own property names onto
/// ours. A folder without one uses the Tehran layout (`tehran/README.md`), which is also what
/// `../shared/geodata/tools/gen_city.py` writes.
package struct DatasetManifest: Codable, Sendable, Equatable {
    package var name: String?
    /// The rules catalogue file (zoning_rules.json layout).
    package var rules: String
    package var parcels: LayerMapping
    package var zones: LayerMapping
    package var facilities: LayerMapping
    /// Optional: a missing file is fine.
    package var streets: LayerMapping?

    /// Which source property fills each of our fields. `nil` leaves the field empty. `id` nil means
    /// the GeoJSON `id` member, else the `id` property.
    package struct LayerMapping: Codable, Sendable, Equatable {
        package var file: String
        package var id: String?
        package var zoneCode: String?
        package var currentUse: String?
        package var floors: String?
        package var address: String?
        package var code: String?
        package var category: String?
        package var categoryFa: String?
        package var nameFa: String?
        package var nameEn: String?
        package var name: String?
        /// `"down"` accepts fractional floor counts and keeps the whole storeys (OSM's
        /// `building:levels` = 3.5 is three storeys and an attic); by default a fraction is an error.
        package var floorsRounding: String?

        enum CodingKeys: String, CodingKey {
            case file, id, floors, address, code, category, name
            case zoneCode = "zone_code", currentUse = "current_use", categoryFa = "category_fa"
            case nameFa = "name_fa", nameEn = "name_en", floorsRounding = "floors_rounding"
        }

        package init(
            file: String, id: String? = nil, zoneCode: String? = nil, currentUse: String? = nil, floors: String? = nil,
            address: String? = nil, code: String? = nil, category: String? = nil, categoryFa: String? = nil,
            nameFa: String? = nil, nameEn: String? = nil, name: String? = nil
        ) {
            self.file = file
            self.id = id
            self.zoneCode = zoneCode
            self.currentUse = currentUse
            self.floors = floors
            self.address = address
            self.code = code
            self.category = category
            self.categoryFa = categoryFa
            self.nameFa = nameFa
            self.nameEn = nameEn
            self.name = name
        }

        /// Source property names this mapping consumes; the rest go to `extra`.
        var mappedProperties: Set<String> {
            Set([id ?? "id", zoneCode, currentUse, floors, address, code, category, categoryFa, nameFa, nameEn, name].compactMap { $0 })
        }
    }

    /// The layout of `GeoData/tehran` and of `gen_city.py`'s output.
    package static let tehranLayout = DatasetManifest(
        name: nil, rules: "zoning_rules.json",
        parcels: LayerMapping(file: "parcels.geojson", zoneCode: "zone_code", currentUse: "current_use", floors: "floors", address: "address_fa"),
        zones: LayerMapping(file: "zones.geojson", code: "code", nameFa: "name_fa", nameEn: "name_en"),
        facilities: LayerMapping(file: "facilities.geojson", category: "category", categoryFa: "category_fa", nameFa: "name_fa", nameEn: "name_en"),
        streets: LayerMapping(file: "streets.geojson", name: "name"))
}
