package import GeoCore

/// The city's information layers beside the cadastre (issue 21 points 2 and 4): each comes from
/// one GeoJSON file of a dataset folder, is checked whole on import and sync, and is replaced
/// whole when its file changes (`LandStore.replaceInformationLayer`: the old one kept in history).
package enum InformationLayerName: String, CaseIterable, Sendable {
    case districts
    case projects
    case sensitiveSites = "sensitive_sites"
    /// The restaurant-inspection feed (the folder's `lives/`, LIVES 1.0) with its links to facilities.
    case inspections

    /// The file a dataset folder keeps the layer in; a folder without it leaves the stored layer as it is.
    package var fileName: String { self == .inspections ? "lives/" : rawValue + ".geojson" }

    /// Sensitive sites (critical infrastructure) are for admin and planner keys only: no public
    /// answer, tile, statistic, error or log line ever reads them.
    package var isRestricted: Bool { self == .sensitiveSites }
}

/// A municipal district or region (منطقه): "your district" of `/lookup`, the unit of `/stats/districts`.
package struct District: Sendable, Hashable {
    package var id: String
    package var geometry: Polygonal
    package var nameFa: String
    package var nameEn: String

    package init(id: String, geometry: Polygonal, nameFa: String, nameEn: String) {
        self.id = id
        self.geometry = geometry
        self.nameFa = nameFa
        self.nameEn = nameEn
    }
}

/// Where a city project stands.
package enum ProjectStatus: String, CaseIterable, Sendable {
    case planned
    case underConstruction = "under_construction"
    case done
}

/// One of the city's major projects (a point or an outline).
package struct CityProject: Sendable, Hashable {
    package var id: String
    package var geometry: Geometry
    package var nameFa: String
    package var nameEn: String
    package var status: ProjectStatus
    /// In rials; nil when not published.
    package var budget: Double?
    /// Calendar dates, `YYYY-MM-DD` (checked on reading).
    package var startDate: String?
    package var endDate: String?
    package var contractor: String?
    package var progressPercent: Double?

    package init(
        id: String, geometry: Geometry, nameFa: String, nameEn: String, status: ProjectStatus, budget: Double?,
        startDate: String?, endDate: String?, contractor: String?, progressPercent: Double?
    ) {
        self.id = id
        self.geometry = geometry
        self.nameFa = nameFa
        self.nameEn = nameEn
        self.status = status
        self.budget = budget
        self.startDate = startDate
        self.endDate = endDate
        self.contractor = contractor
        self.progressPercent = progressPercent
    }
}

/// A site of critical infrastructure: seen by admin and planner keys only.
package struct SensitiveSite: Sendable, Hashable {
    package var id: String
    package var geometry: Geometry
    package var nameFa: String
    package var nameEn: String
    /// What it is (`substation`, `water_reservoir`, …): the city's own words.
    package var kind: String

    package init(id: String, geometry: Geometry, nameFa: String, nameEn: String, kind: String) {
        self.id = id
        self.geometry = geometry
        self.nameFa = nameFa
        self.nameEn = nameEn
        self.kind = kind
    }
}

/// A calendar date `YYYY-MM-DD` that exists (proleptic Gregorian; no time, no zone).
package enum CalendarDate {
    package static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), (1...12).contains(month), day >= 1 else {
            return false
        }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }
}

/// What citizens search by (issue 21 point 5): groups of facility categories with their names in
/// both languages. `/search?group=` selects by them, and every `/search` answer counts its
/// matches per group (`facets`). The categories are the dataset vocabularies' (Tehran's README,
/// OSM's `amenity=…` for Helsinki): a category in no group is still found by name.
package enum SearchGroup: String, CaseIterable, Sendable {
    case hotelsAndLodging = "hotels_lodging"
    case restaurants
    case historicPlaces = "historic_places"
    case recreation
    case tradeGuilds = "trade_guilds"
    case health = "health_medical"

    package var nameFa: String {
        switch self {
        case .hotelsAndLodging: "هتل و اقامتگاه"
        case .restaurants: "رستوران"
        case .historicPlaces: "اماکن تاریخی"
        case .recreation: "تفریحی"
        case .tradeGuilds: "اصناف"
        case .health: "خدمات درمانی و بهداشتی"
        }
    }

    package var nameEn: String {
        switch self {
        case .hotelsAndLodging: "Hotels and lodging"
        case .restaurants: "Restaurants"
        case .historicPlaces: "Historic places"
        case .recreation: "Recreation"
        case .tradeGuilds: "Trade guilds"
        case .health: "Health and medical services"
        }
    }

    /// Whether a facility category is in the group: by name, or for OSM's `key=value`
    /// categories by key where the whole key is the group's (`shop=…`, `historic=…`).
    package func contains(_ category: FacilityCategory) -> Bool {
        let name = category.rawValue
        return members.names.contains(name) || members.keys.contains { name.hasPrefix($0) }
    }

    private var members: (names: Set<String>, keys: [String]) {
        switch self {
        case .hotelsAndLodging: (["hotel", "hostel", "guest_house", "tourism=hotel", "tourism=hostel", "tourism=guest_house"], [])
        case .restaurants: (["restaurant", "cafe", "fast_food", "amenity=restaurant", "amenity=cafe", "amenity=fast_food"], [])
        case .historicPlaces: (["landmark", "museum", "shrine", "tourism=museum"], ["historic="])
        case .recreation:
            (["park", "recreation", "cinema", "theatre", "sports_centre", "cultural_centre", "leisure=park", "amenity=cinema", "amenity=theatre"], [])
        case .tradeGuilds: (["shopping_centre", "supermarket", "company_office", "office=company"], ["shop=", "craft="])
        case .health: (["hospital", "clinic", "pharmacy", "amenity=hospital", "amenity=clinic", "amenity=pharmacy", "amenity=doctors"], [])
        }
    }

    /// The groups a category is in, in declaration order.
    package static func groups(of category: FacilityCategory) -> [SearchGroup] {
        allCases.filter { $0.contains(category) }
    }
}
