package import GeoCore
import LandModel
import SpatialIndex

/// The feature collections of OGC API – Features (OGC 17-069r4 §7.13): one per layer.
package enum FeatureCollectionID: String, CaseIterable, Sendable {
    case parcels, zones, facilities

    /// The properties a client may filter on with `name=value` (OGC 19-079r2 Part 3
    /// `/req/queryables-query-parameters`), in the order the queryables document lists them.
    package var queryables: [QueryableProperty] {
        switch self {
        case .parcels: [.id, .zoneCode, .currentUse, .floors, .validFrom, .validTo]
        case .zones: [.id, .code, .nameFa, .nameEn, .allowedUses, .conditionalUses, .validFrom, .validTo]
        case .facilities: [.id, .category, .categoryFa, .nameFa, .nameEn, .validFrom, .validTo]
        }
    }

    /// The queryables a client may compare with `name=value`: not the array-valued ones, which
    /// only a CQL2 filter's array functions compare (A_CONTAINS, …), nor the validity instants,
    /// which a CQL2 filter's temporal functions and comparisons read (and `datetime` selects by).
    package var equalityQueryables: [QueryableProperty] { queryables.filter { $0.valueType == .string || $0.valueType == .integer } }

    /// Point layers and polygon layers: the `format` of the geometry queryable.
    package var isPointLayer: Bool { self == .facilities }
}

/// A property of a collection that can be compared with a value from the query string.
package enum QueryableProperty: String, CaseIterable, Sendable {
    case id
    case zoneCode = "zone_code"
    case currentUse = "current_use"
    case floors
    case code
    case nameFa = "name_fa"
    case nameEn = "name_en"
    case category
    case categoryFa = "category_fa"
    /// A zone's uses by its code's rule in the rules catalogue (derived, not stored with the zone).
    case allowedUses = "allowed_uses"
    case conditionalUses = "conditional_uses"
    /// The validity of the version answered, [valid_from, valid_to), from the history: null
    /// (open) for a feature unchanged since the import, and `valid_to` null for today's version.
    case validFrom = "valid_from"
    case validTo = "valid_to"

    /// `array` is an array of strings; `timestamp` an RFC 3339 instant (JSON Schema `string`
    /// with `format: date-time`).
    package enum ValueType: String, Sendable { case string, integer, array, timestamp }

    /// JSON Schema type (OGC 19-079r2 `/req/queryables/queryables-schema`: every non-spatial
    /// queryable has a `type`).
    package var valueType: ValueType {
        switch self {
        case .floors: .integer
        case .allowedUses, .conditionalUses: .array
        case .validFrom, .validTo: .timestamp
        default: .string
        }
    }
}

/// A value to compare a queryable with, typed at the API's edge (an integer property is never
/// compared with text).
package enum QueryValue: Sendable, Hashable {
    case text(String)
    case integer(Int)
}

/// `property = value`; a feature without the property does not match.
package struct PropertyEquals: Sendable, Hashable {
    package var property: QueryableProperty
    package var value: QueryValue

    package init(_ property: QueryableProperty, _ value: QueryValue) {
        self.property = property
        self.value = value
    }
}

/// The features of one collection that match a query, as positions in the snapshot's layer array
/// (sorted by position, hence by id: OGC pages never overlap or skip). `numberMatched` is
/// `count`, exact, from the index and the in-memory layer (no SQL).
package struct FeatureSelection: Sendable {
    package let collection: FeatureCollectionID
    /// nil: every feature of the layer, `0..<count`, without materialising the positions.
    private let positions: [Int32]?
    package let count: Int

    init(collection: FeatureCollectionID, positions: [Int32]?, count: Int) {
        self.collection = collection
        self.positions = positions
        self.count = count
    }

    /// The selection narrowed by a CQL2 filter (applied to the features a `datetime` chose,
    /// in the snapshot made of them).
    package func filtered(by filter: FeatureFilter, in snapshot: CitySnapshot, validities: ValidityColumns) -> FeatureSelection {
        let kept = filter.select(page(offset: 0, limit: count), in: snapshot, validities: validities)
        return FeatureSelection(collection: collection, positions: kept, count: kept.count)
    }

    /// Positions `offset ..< offset + limit` of the selection (fewer at the end, none past it).
    package func page(offset: Int, limit: Int) -> [Int32] {
        let start = min(offset, count)
        let end = start + min(limit, count - start)
        guard let positions else { return (start..<end).map { Int32($0) } }
        return Array(positions[start..<end])
    }
}

extension CitySnapshot {
    /// Features of `collection` meeting `bbox` (exact geometry, not only the feature's box;
    /// OGC 17-069r4 §7.15.3), every filter (AND) and the CQL2 `filter` (OGC 19-079r2 Part 3), by
    /// id. A filter that requires its geometry to meet a literal takes its candidates from the
    /// R-tree (the literal's box), then tests each exactly; properties are read from the layer.
    package func selectFeatures(
        in collection: FeatureCollectionID, bbox: BoundingBox?, filters: [PropertyEquals], filter: FeatureFilter? = nil,
        validities: ValidityColumns = .none
    ) -> FeatureSelection {
        var positions: [Int32]?
        if let bbox {
            switch collection {
            case .parcels: positions = parcels(intersecting: bbox)
            case .zones: positions = zones(intersecting: bbox)
            case .facilities: positions = facilities(in: bbox)
            }
        }
        if let envelope = filter?.envelope {
            let candidates = candidates(in: collection, meeting: envelope)
            positions = positions.map { Self.common($0, candidates) } ?? candidates
        }
        if !filters.isEmpty {
            let candidates = positions ?? (0..<Int32(count(of: collection))).map { $0 }
            positions = candidates.filter { matches(collection, at: Int($0), filters) }
        }
        if let filter {
            positions = filter.select(positions, in: self, validities: validities)
        }
        if let positions { return FeatureSelection(collection: collection, positions: positions, count: positions.count) }
        return FeatureSelection(collection: collection, positions: nil, count: count(of: collection))
    }

    /// The positions whose box meets `box`, sorted: the index's candidates, not yet tested exactly.
    private func candidates(in collection: FeatureCollectionID, meeting box: BoundingBox) -> [Int32] {
        let index = switch collection {
        case .parcels: parcelIndex
        case .zones: zoneIndex
        case .facilities: facilityIndex
        }
        return Self.positions(in: index, box: box) { _ in true }
    }

    /// The positions in both sorted lists.
    private static func common(_ first: [Int32], _ second: [Int32]) -> [Int32] {
        var result: [Int32] = []
        var i = 0, j = 0
        while i < first.count, j < second.count {
            if first[i] < second[j] { i += 1 } else if first[i] > second[j] { j += 1 } else {
                result.append(first[i])
                i += 1
                j += 1
            }
        }
        return result
    }

    package func count(of collection: FeatureCollectionID) -> Int {
        switch collection {
        case .parcels: parcels.count
        case .zones: zones.count
        case .facilities: facilities.count
        }
    }

    /// The position of the feature with the dataset id `id`, nil if there is none.
    package func position(of id: String, in collection: FeatureCollectionID) -> Int32? {
        switch collection {
        case .parcels: parcelPosition[ParcelID(id)]
        case .zones: zonePosition[ZoneID(id)]
        case .facilities: facilityPosition[FacilityID(id)]
        }
    }

    /// The CRS84 box of every feature of the collection (its spatial extent, OGC 17-069r4 §7.14);
    /// nil for an empty layer.
    package func extent(of collection: FeatureCollectionID) -> BoundingBox? {
        switch collection {
        case .parcels: Self.union(parcels.indices.lazy.map(parcels.bbox))
        case .zones: Self.union(zones.indices.lazy.map(zones.bbox))
        case .facilities: Self.union(facilities.lazy.map { BoundingBox(point: $0.location) })
        }
    }

    private static func union(_ boxes: some Sequence<BoundingBox>) -> BoundingBox? {
        var result: BoundingBox?
        for box in boxes { result = result.map { $0.union(box) } ?? box }
        return result
    }

    private func matches(_ collection: FeatureCollectionID, at position: Int, _ filters: [PropertyEquals]) -> Bool {
        switch collection {
        case .parcels: Self.matches(parcels.values[position], filters)
        case .zones: Self.matches(zones.values[position], filters)
        case .facilities: Self.matches(facilities[position], filters)
        }
    }

    // One version of a feature against every filter (AND); a feature without the property does not match.

    static func matches(_ parcel: ParcelValues, _ filters: [PropertyEquals]) -> Bool {
        filters.allSatisfy { filter in
            switch filter.value {
            case .integer(let wanted): filter.property == .floors && parcel.floors == wanted
            case .text(let wanted): parcel.text(of: filter.property) == wanted
            }
        }
    }

    static func matches(_ zone: ZoneValues, _ filters: [PropertyEquals]) -> Bool {
        filters.allSatisfy { filter in
            guard case .text(let wanted) = filter.value else { return false }
            return zone.text(of: filter.property) == wanted
        }
    }

    static func matches(_ facility: Facility, _ filters: [PropertyEquals]) -> Bool {
        filters.allSatisfy { filter in
            guard case .text(let wanted) = filter.value else { return false }
            return facility.text(of: filter.property) == wanted
        }
    }
}

// The text queryables of each layer's features, read in one place for `name=value` (above) and
// CQL2 filters (`FilterColumnCache`); nil when the feature has no value or the layer no such
// queryable.

extension ParcelValues {
    func text(of property: QueryableProperty) -> String? {
        switch property {
        case .id: id.rawValue
        case .zoneCode: zoneCode?.rawValue
        case .currentUse: currentUse?.rawValue
        default: nil
        }
    }
}

extension ZoneValues {
    func text(of property: QueryableProperty) -> String? {
        switch property {
        case .id: id.rawValue
        case .code: code.rawValue
        case .nameFa: nameFa
        case .nameEn: nameEn
        default: nil
        }
    }
}

extension Facility {
    func text(of property: QueryableProperty) -> String? {
        switch property {
        case .id: id.rawValue
        case .category: category.rawValue
        case .categoryFa: categoryFa
        case .nameFa: nameFa
        case .nameEn: nameEn
        default: nil
        }
    }
}
