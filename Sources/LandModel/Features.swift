package import GeoCore

/// A cadastral parcel (قطعه). `extraPropertiesJSON` keeps the dataset's properties we have no
/// column for, as a JSON object, so nothing a city brings is lost on import.
package struct Parcel: Sendable, Hashable {
    package var id: ParcelID
    package var geometry: Polygonal
    package var zoneCode: ZoneCode?
    package var areaSquareMeters: Double
    package var currentUse: LandUse?
    package var floors: Int?
    package var address: String?
    package var extraPropertiesJSON: String

    package init(
        id: ParcelID, geometry: Polygonal, zoneCode: ZoneCode?, areaSquareMeters: Double, currentUse: LandUse?,
        floors: Int?, address: String?, extraPropertiesJSON: String = "{}"
    ) {
        self.id = id
        self.geometry = geometry
        self.zoneCode = zoneCode
        self.areaSquareMeters = areaSquareMeters
        self.currentUse = currentUse
        self.floors = floors
        self.address = address
        self.extraPropertiesJSON = extraPropertiesJSON
    }
}

/// A land-use zone (پهنه) governed by the rules of its code.
package struct Zone: Sendable, Hashable {
    package var id: ZoneID
    package var geometry: Polygonal
    package var code: ZoneCode
    package var nameFa: String?
    package var nameEn: String?
    package var extraPropertiesJSON: String

    package init(
        id: ZoneID, geometry: Polygonal, code: ZoneCode, nameFa: String?, nameEn: String?,
        extraPropertiesJSON: String = "{}"
    ) {
        self.id = id
        self.geometry = geometry
        self.code = code
        self.nameFa = nameFa
        self.nameEn = nameEn
        self.extraPropertiesJSON = extraPropertiesJSON
    }
}

/// A point of interest: hospital, school, metro station, park, …
package struct Facility: Sendable, Hashable {
    package var id: FacilityID
    package var location: Coordinate
    package var category: FacilityCategory
    package var categoryFa: String?
    package var nameFa: String?
    package var nameEn: String?
    package var extraPropertiesJSON: String

    package init(
        id: FacilityID, location: Coordinate, category: FacilityCategory, categoryFa: String?, nameFa: String?,
        nameEn: String?, extraPropertiesJSON: String = "{}"
    ) {
        self.id = id
        self.location = location
        self.category = category
        self.categoryFa = categoryFa
        self.nameFa = nameFa
        self.nameEn = nameEn
        self.extraPropertiesJSON = extraPropertiesJSON
    }
}

/// A street centre line (optional layer).
package struct Street: Sendable, Hashable {
    package var id: String
    package var geometry: Geometry
    package var name: String?
    package var extraPropertiesJSON: String

    package init(id: String, geometry: Geometry, name: String?, extraPropertiesJSON: String = "{}") {
        self.id = id
        self.geometry = geometry
        self.name = name
        self.extraPropertiesJSON = extraPropertiesJSON
    }
}

/// The rules of one zone code (zoning_rules.json). Percentages are of the parcel area:
/// coverage = ground floor footprint, density = total floor area (تراکم ساختمانی).
package struct ZoningRule: Sendable, Hashable {
    package var code: ZoneCode
    package var nameFa: String?
    package var nameEn: String?
    package var allowedUses: [LandUse]
    package var conditionalUses: [LandUse]
    package var maxFloors: Int?
    package var maxCoveragePercent: Double?
    package var maxDensityPercent: Double?
    package var minParcelAreaSquareMeters: Double?
    package var notes: String?

    package init(
        code: ZoneCode, nameFa: String?, nameEn: String?, allowedUses: [LandUse], conditionalUses: [LandUse],
        maxFloors: Int?, maxCoveragePercent: Double?, maxDensityPercent: Double?, minParcelAreaSquareMeters: Double?,
        notes: String?
    ) {
        self.code = code
        self.nameFa = nameFa
        self.nameEn = nameEn
        self.allowedUses = allowedUses
        self.conditionalUses = conditionalUses
        self.maxFloors = maxFloors
        self.maxCoveragePercent = maxCoveragePercent
        self.maxDensityPercent = maxDensityPercent
        self.minParcelAreaSquareMeters = minParcelAreaSquareMeters
        self.notes = notes
    }
}

/// Everything one dataset folder holds, validated and ready to store.
package struct Dataset: Sendable {
    package var name: String
    package var parcels: [Parcel]
    package var zones: [Zone]
    package var facilities: [Facility]
    package var streets: [Street]
    package var rules: [ZoningRule]

    package init(
        name: String, parcels: [Parcel], zones: [Zone], facilities: [Facility], streets: [Street], rules: [ZoningRule]
    ) {
        self.name = name
        self.parcels = parcels
        self.zones = zones
        self.facilities = facilities
        self.streets = streets
        self.rules = rules
    }
}

/// A feature whose dataset properties without a column of their own are kept as JSON
/// (`extraPropertiesJSON`). `columnNames` are the property names the API writes from the feature's
/// own fields (OGC items, lookups): dataset properties of the same names are dropped when a city is
/// loaded (LandServices), so what is left can be written after them as it is, without a second
/// copy of a name.
package protocol HasExtraProperties {
    static var columnNames: Set<String> { get }
    var extraPropertiesJSON: String { get set }
}

extension Parcel: HasExtraProperties {
    package static let columnNames: Set<String> = ["id", "zone_code", "area_m2", "current_use", "floors", "address"]
}

extension Zone: HasExtraProperties {
    package static let columnNames: Set<String> = ["id", "code", "name_fa", "name_en"]
}

extension Facility: HasExtraProperties {
    package static let columnNames: Set<String> = ["id", "name_fa", "name_en", "category", "category_fa"]
}
