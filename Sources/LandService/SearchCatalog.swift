package import LandModel
package import GeoCore
package import GeoFormats

/// Normalised search keys (SearchText) of facility names and parcel ids and addresses, by the
/// positions of the snapshot that holds it (`CitySnapshot.searchCatalog`): built with every
/// snapshot built from its layers (start-up, a reload, a feature added, removed or edited), kept
/// by attribute edits (approvals and rezonings change a parcel's use, floors or zone, never its
/// id or address).
package struct SearchCatalog: Sendable {
    let facilityKeys: [[String]]
    /// The parcels' keys as UTF-8 in one buffer each: 1M address keys as strings were 1M heap
    /// objects of ~144 bytes (issue 17 point 8).
    let parcelIDKeys: PackedTexts
    let parcelAddressKeys: PackedTexts

    /// The keys of `parcels` (whole parcels as loaded, or a snapshot's values) by position.
    init<Parcels: RandomAccessCollection & Sendable>(parcels: Parcels, facilities: [Facility])
    where Parcels.Element: SearchableParcel, Parcels.Index == Int {
        // Over every core: folding 1M addresses is a large part of a start-up (issue 17 point 8).
        self.init(
            parcelIDKeys: Self.packed(Parallel.map(parcels) { SearchText.normalized($0.id.rawValue) }),
            parcelAddressKeys: Self.packed(Parallel.map(parcels) { SearchText.normalized($0.address ?? "") }), facilities: facilities)
    }

    private static func packed(_ keys: [String]) -> PackedTexts {
        // Reserved exactly: grown by doubling, the buffer would hold up to twice the keys.
        var texts = PackedTexts(reservingCapacity: keys.count, textBytes: keys.reduce(0) { $0 + $1.utf8.count })
        for key in keys { texts.append(key.utf8) }
        return texts
    }

    /// The catalogue with the parcels' keys folded before (a snapshot image's).
    init(parcelIDKeys: PackedTexts, parcelAddressKeys: PackedTexts, facilities: [Facility]) {
        facilityKeys = facilities.map { facility in
            [facility.nameFa, facility.nameEn].compactMap { $0 }.map(SearchText.normalized).filter { !$0.isEmpty }
        }
        self.parcelIDKeys = parcelIDKeys
        self.parcelAddressKeys = parcelAddressKeys
    }
}

/// What the catalogue folds of a parcel.
protocol SearchableParcel: Sendable {
    var id: ParcelID { get }
    var address: String? { get }
}

extension Parcel: SearchableParcel {}
extension ParcelValues: SearchableParcel {}

/// One search result: a facility or a parcel, with its rank (0 exact, 1 prefix, 2 contains).
package struct SearchHit: Sendable, Equatable {
    package enum Kind: String, Sendable { case facility, parcel }
    package var kind: Kind
    package var position: Int32
    package var rank: Int
}

/// A page of hits and what every match counts (issue 21 point 5: facets).
package struct SearchResult: Sendable, Equatable {
    package var hits: [SearchHit]
    /// Every match, not only the page's.
    package var total: Int
    package var facilitiesByCategory: [FacilityCategory: Int]
    package var parcels: Int

    /// The matches per search group (a facility of a category in two groups counts in both), in
    /// the groups' order; groups without a match are listed with 0.
    package var groups: [(group: SearchGroup, count: Int)] {
        SearchGroup.allCases.map { group in
            (group, facilitiesByCategory.reduce(0) { $0 + (group.contains($1.key) ? $1.value : 0) })
        }
    }
}

/// What `/search` is asked for, validated by the API.
package struct SearchQuery: Sendable {
    /// Free text, already non-empty; nil for a pure property search (use/zone/bbox).
    package var text: String?
    package var categories: Set<FacilityCategory>?
    package var landUse: LandUse?
    package var zoneCode: ZoneCode?
    package var bbox: BoundingBox?
    package var limit: Int

    package init(
        text: String?, categories: Set<FacilityCategory>?, landUse: LandUse?, zoneCode: ZoneCode?, bbox: BoundingBox?,
        limit: Int
    ) {
        self.text = text
        self.categories = categories
        self.landUse = landUse
        self.zoneCode = zoneCode
        self.bbox = bbox
        self.limit = limit
    }

    /// A search for parcels only: by land use or zone, or a category filter is absent and the
    /// text looks like a parcel query.
    var wantsFacilities: Bool { landUse == nil && zoneCode == nil }
    var wantsParcels: Bool { categories == nil }
}

extension CitySnapshot {
    /// Facilities by name (fa or en) and category, parcels by id or address, ranked exact >
    /// prefix > contains, then facilities before parcels, then by id; Persian normalisation on
    /// both sides. Without text, lists the parcels of a land use / zone / box by id.
    package func search(_ query: SearchQuery) -> SearchResult {
        let catalog = searchCatalog
        let needle = query.text.map(SearchText.normalized)
        let packedNeedle = needle.map(SearchText.Query.init(normalized:))
        var hits: [SearchHit] = []
        if query.wantsFacilities && (needle != nil || query.categories != nil) {
            for (position, facility) in facilities.enumerated() {
                if let categories = query.categories, !categories.contains(facility.category) { continue }
                if let bbox = query.bbox, !bbox.contains(facility.location) { continue }
                var rank = needle == nil ? 0 : Int.max
                if let needle {
                    for key in catalog.facilityKeys[position] {
                        if let r = SearchText.matchRank(query: needle, candidate: key) { rank = min(rank, r) }
                    }
                }
                if rank != Int.max { hits.append(SearchHit(kind: .facility, position: Int32(position), rank: rank)) }
            }
        }
        if query.wantsParcels && (needle != nil || query.landUse != nil || query.zoneCode != nil) {
            for position in parcelPositions(zone: query.zoneCode, bbox: query.bbox) {
                if let use = query.landUse, parcels.values[Int(position)].currentUse != use { continue }
                var rank = needle == nil ? 0 : Int.max
                if let packedNeedle {
                    if let r = catalog.parcelIDKeys.withText(Int(position), { SearchText.matchRank(query: packedNeedle, candidate: $0) }) {
                        rank = r
                    }
                    if let r = catalog.parcelAddressKeys.withText(Int(position), { SearchText.matchRank(query: packedNeedle, candidate: $0) }) {
                        rank = min(rank, r)
                    }
                }
                if rank != Int.max { hits.append(SearchHit(kind: .parcel, position: position, rank: rank)) }
            }
        }
        // Stable order: rank, facilities before parcels, then id (positions are in id order).
        hits.sort { ($0.rank, $0.kind == .facility ? 0 : 1, $0.position) < ($1.rank, $1.kind == .facility ? 0 : 1, $1.position) }
        var byCategory: [FacilityCategory: Int] = [:]
        var parcelCount = 0
        for hit in hits {
            if hit.kind == .facility { byCategory[facilities[Int(hit.position)].category, default: 0] += 1 } else { parcelCount += 1 }
        }
        return SearchResult(hits: Array(hits.prefix(query.limit)), total: hits.count, facilitiesByCategory: byCategory, parcels: parcelCount)
    }
}

extension CitySnapshot {
    /// "Business opportunities" (issue 21 point 3) beside open tenders: vacant parcels whose zone
    /// allows commercial use outright, by id, in `bbox` when given.
    package func vacantCommercialParcels(bbox: BoundingBox?) -> [Int32] {
        let vacant = LandUse("vacant"), commercial = LandUse("commercial")
        return parcelPositions(zone: nil, bbox: bbox).filter { position in
            guard parcels.values[Int(position)].currentUse == vacant, let code = zoneCode(ofParcelAt: position) else { return false }
            return rules[code]?.allowedUses.contains(commercial) ?? false
        }
    }
}
