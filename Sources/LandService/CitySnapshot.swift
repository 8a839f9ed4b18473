package import LandModel
import Synchronization
package import GeoCore
package import SpatialIndex
package import GeoFormats

/// Everything the hot path reads, as one immutable value: the layers in id order and their
/// spatial indexes. A write builds the next snapshot and publishes it whole (`SnapshotHolder`),
/// so a reader sees the city before or after a change, never half of it.
///
/// Index ids are positions in the layer arrays (`Int32`), and the arrays are sorted by id, so
/// sorting positions sorts by id: pages of OGC items never overlap or skip.
package struct CitySnapshot: Sendable {
    /// The layers' features in id order, each its values and its outline from the flat outlines.
    package let parcels: OutlinedFeatures<Parcel>
    package let zones: OutlinedFeatures<Zone>
    package let facilities: [Facility]
    /// Each facility's location in Earth-centred coordinates, for trig-free nearest distances.
    package let facilityCentred: [EarthCentredPoint]
    package let rules: [ZoneCode: ZoningRule]
    /// Positions by id, found by binary search in the layers (they are in id order): a
    /// dictionary of 1M parcel ids held 40–50 MB and took a tenth of a start-up to build.
    package var parcelPosition: PositionsByID<Parcel> { PositionsByID(parcels) }
    package var zonePosition: PositionsByID<Zone> { PositionsByID(zones) }
    package let facilityPosition: [FacilityID: Int32]

    package let parcelIndex: LayerIndex
    package let zoneIndex: LayerIndex
    /// Parcel and zone outlines by position, flat and in index order, for the exact tests of
    /// lookups and windows (the same outlines as `geometry`; edits never change an outline).
    package let parcelOutlines: PolygonalOutlines
    package let zoneOutlines: PolygonalOutlines
    /// Parcel and zone geometries as GeoJSON text in CRS84 (`FeatureCRS.crs84`'s decimals), by
    /// position: what every default response copies instead of formatting coordinates.
    package let parcelGeometryJSON: RenderedGeometries
    package let zoneGeometryJSON: RenderedGeometries
    /// Every facility's tree, with its points in leaf order for the nearest searches.
    let facilityTree: FacilityTree
    package var facilityIndex: LayerIndex { facilityTree.index }
    /// One index per category, for "the nearest hospital" without scanning other categories.
    package let facilityIndexByCategory: [FacilityCategory: FacilityTree]
    /// Category vocabulary of this dataset, sorted.
    package let categories: [FacilityCategory]
    /// Land-use vocabulary: every use named by a parcel or by a rule, sorted.
    package let landUses: [LandUse]
    /// How many parcels have each use, so that an edit keeps `landUses` current without a scan.
    private let parcelUseCounts: [LandUse: Int]
    /// Identifies the facility layer this snapshot was built with: edits keep it, a snapshot
    /// built from the store (start-up, a reload after another process's change) gets a new one,
    /// so what is rendered once from the facilities (LandAPI's `FacilityTexts`) can tell it is stale.
    package let facilityLayer: Int
    /// The search keys of these layers' names, ids and addresses, by position.
    let searchCatalog: SearchCatalog
    /// Districts, projects and sensitive sites (issue 21), replaced whole by an import or a sync.
    package let information: InformationLayers
    /// The layers' queryables as columns for CQL2 filters (`FeatureFilter`), made on first use.
    let filterColumns = FilterColumnCache()
    /// The parcels per tile at city-scale zooms, made on first use (`vectorTile`).
    let parcelTiles = ParcelTileOverview()
    /// The districts' parcel and facility figures, made on first use (`districtFigures`).
    let districtFigureCache = MadeOnce<[DistrictFigures]>()

    package init(parcels: [Parcel], zones: [Zone], facilities: [Facility], rules: [ZoningRule], information: InformationLayers = .empty) {
        // The search keys beside the layers, on two cores: a node serves nothing until this is
        // done (issue 17 point 8).
        let parcels = Self.sortedByID(parcels, \.id)
        let facilities = Self.sortedByID(facilities, \.id)
        let (layers, catalog) = Parallel.both(
            {
                (
                    parcels: PolygonLayer(sorted: parcels, values: { $0.valuesWithoutOutline.withOwnStrings }),
                    zones: PolygonLayer(sorted: Self.sortedByID(zones, \.id)),
                    facilities: FacilityLayer(sorted: facilities)
                )
            },
            { SearchCatalog(parcels: parcels, facilities: facilities) })
        self.init(
            rules: Self.byCode(rules),
            parcels: layers.parcels, zones: layers.zones, facilities: layers.facilities, sharedCatalog: catalog, information: information)
    }

    /// The snapshot of a snapshot image (`SnapshotImage`): the parcel layer's parts and search
    /// keys as they were saved; the small layers built as from the store.
    init(
        imagedParcels parcels: ChunkedArray<ParcelValues>, index: LayerIndex, outlines: PolygonalOutlines, geometryJSON: RenderedGeometries,
        idKeys: PackedTexts, addressKeys: PackedTexts, zones: [Zone], facilities: [Facility], rules: [ZoningRule],
        information: InformationLayers
    ) {
        let facilities = Self.sortedByID(facilities, \.id)
        let (parcelLayer, others) = Parallel.both(
            {
                PolygonLayer<Parcel>(values: parcels, index: index, outlines: outlines, geometryJSON: geometryJSON)
            },
            {
                (
                    zones: PolygonLayer(sorted: Self.sortedByID(zones, \.id)),
                    facilities: FacilityLayer(sorted: facilities)
                )
            })
        self.init(
            rules: Self.byCode(rules),
            parcels: parcelLayer, zones: others.zones, facilities: others.facilities,
            sharedCatalog: SearchCatalog(parcelIDKeys: idKeys, parcelAddressKeys: addressKeys, facilities: facilities),
            information: information)
    }

    /// The rules by their zone code; the first of a code wins.
    private static func byCode(_ rules: [ZoningRule]) -> [ZoneCode: ZoningRule] {
        Dictionary(rules.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The features in id order: as they are when they already are (a store loads them so),
    /// else gathered by their ids' order (a layer with features added at its end): sorting the
    /// ids' positions, not the features, which moved 1M structs (2 s at 1M parcels).
    private static func sortedByID<Feature, ID: Comparable>(_ features: [Feature], _ id: (Feature) -> ID) -> [Feature] {
        let ids = features.map(id)
        if zip(ids, ids.dropFirst()).allSatisfy({ $0 < $1 }) { return features }
        return ids.indices.sorted { ids[$0] < ids[$1] }.map { features[$0] }
    }

    /// The snapshot with the given layers built anew from these features and the others shared as
    /// they are (an edit of one layer, the versions of one layer at an instant).
    package func replacingLayers(parcels: [Parcel]? = nil, zones: [Zone]? = nil, facilities: [Facility]? = nil) -> CitySnapshot {
        CitySnapshot(
            rules: rules,
            parcels: parcels.map { PolygonLayer(sorted: Self.sortedByID($0, \.id)) } ?? parcelLayer,
            zones: zones.map { PolygonLayer(sorted: Self.sortedByID($0, \.id)) } ?? zoneLayer,
            facilities: facilities.map { FacilityLayer(sorted: Self.sortedByID($0, \.id)) } ?? FacilityLayer(self),
            sharedCatalog: parcels == nil && facilities == nil ? searchCatalog : nil,
            parcelUseCounts: parcels == nil ? parcelUseCounts : nil, information: information)
    }

    /// The snapshot with other values of some parcels and zones, by position (same ids, order
    /// and outlines: an approval, a rezoning, a PATCH of values), every index shared; the search
    /// catalogue too unless a parcel's address changed (`searchTextChanged`). Costs a chunk of
    /// each layer per changed feature (`ChunkedArray`), not the layer.
    func replacingValues(parcels parcelChanges: [Int32: Parcel], zones zoneChanges: [Int32: Zone], searchTextChanged: Bool = false) -> CitySnapshot {
        let useCounts = useCounts(after: parcelChanges.map { (self.parcels.values[Int($0.key)].currentUse, $0.value.currentUse) })
        var parcels = self.parcels.values
        for (position, parcel) in parcelChanges { parcels[Int(position)] = parcel.valuesWithoutOutline }
        var zones = self.zones.values
        for (position, zone) in zoneChanges { zones[Int(position)] = zone.valuesWithoutOutline }
        return CitySnapshot(
            rules: rules, parcels: parcelLayer.withValues(parcels), zones: zoneLayer.withValues(zones),
            facilities: FacilityLayer(self), sharedCatalog: searchTextChanged ? nil : searchCatalog,
            parcelUseCounts: useCounts, information: information)
    }

    /// The snapshot with parcel `position` replaced by `parcel`, outline included (same id): the
    /// layer's overlays take the new outline (`PolygonLayer.reshaping`); the other layers, the
    /// positions and, unless the address changed, the search catalogue are shared.
    func reshaping(parcel position: Int32, to parcel: Parcel) -> CitySnapshot {
        let old = parcels.values[Int(position)]
        return CitySnapshot(
            rules: rules, parcels: parcelLayer.reshaping(position, to: parcel), zones: zoneLayer,
            facilities: FacilityLayer(self), sharedCatalog: old.address == parcel.address ? searchCatalog : nil,
            parcelUseCounts: useCounts(after: [(old.currentUse, parcel.currentUse)]), information: information)
    }

    /// `parcelUseCounts` once each parcel of use `old` has use `new`.
    private func useCounts(after changes: [(old: LandUse?, new: LandUse?)]) -> [LandUse: Int] {
        var counts = parcelUseCounts
        for (old, new) in changes {
            if let use = old {
                counts[use, default: 0] -= 1
                if counts[use] == 0 { counts[use] = nil }
            }
            if let use = new { counts[use, default: 0] += 1 }
        }
        return counts
    }

    /// The snapshot with zone `position` replaced by `zone`, outline included (same id).
    func reshaping(zone position: Int32, to zone: Zone) -> CitySnapshot {
        CitySnapshot(
            rules: rules, parcels: parcelLayer, zones: zoneLayer.reshaping(position, to: zone),
            facilities: FacilityLayer(self), sharedCatalog: searchCatalog, parcelUseCounts: parcelUseCounts, information: information)
    }

    private var parcelLayer: PolygonLayer<Parcel> {
        PolygonLayer(values: parcels.values, index: parcelIndex, outlines: parcelOutlines, geometryJSON: parcelGeometryJSON)
    }

    private var zoneLayer: PolygonLayer<Zone> {
        PolygonLayer(values: zones.values, index: zoneIndex, outlines: zoneOutlines, geometryJSON: zoneGeometryJSON)
    }

    private init(
        rules: [ZoneCode: ZoningRule], parcels: PolygonLayer<Parcel>, zones: PolygonLayer<Zone>,
        facilities: FacilityLayer, sharedCatalog: SearchCatalog? = nil, parcelUseCounts: [LandUse: Int]? = nil,
        information: InformationLayers
    ) {
        self.information = information
        self.rules = rules
        self.parcels = parcels.features
        self.parcelIndex = parcels.index
        self.parcelOutlines = parcels.outlines
        self.parcelGeometryJSON = parcels.geometryJSON
        self.zones = zones.features
        self.zoneIndex = zones.index
        self.zoneOutlines = zones.outlines
        self.zoneGeometryJSON = zones.geometryJSON
        self.facilities = facilities.features
        self.facilityCentred = facilities.centred
        self.facilityPosition = facilities.position
        self.facilityTree = facilities.tree
        self.facilityIndexByCategory = facilities.byCategory
        self.categories = facilities.categories
        self.facilityLayer = facilities.layer
        let layer = parcels.values
        let useCounts = parcelUseCounts ?? layer.indices.reduce(into: [:]) { counts, position in
            if let use = layer[position].currentUse { counts[use, default: 0] += 1 }
        }
        self.parcelUseCounts = useCounts
        var uses = Set(useCounts.keys)
        for rule in rules.values { uses.formUnion(rule.allowedUses); uses.formUnion(rule.conditionalUses) }
        self.landUses = uses.sorted()
        self.searchCatalog = sharedCatalog ?? SearchCatalog(parcels: self.parcels.values, facilities: self.facilities)
    }

    /// A polygon layer (parcels, zones): its features' values by id and what is built from
    /// their outlines.
    private struct PolygonLayer<Feature: OutlinedFeature>: Sendable {
        let values: ChunkedArray<Feature.Values>
        let index: LayerIndex
        let outlines: PolygonalOutlines
        let geometryJSON: RenderedGeometries

        var features: OutlinedFeatures<Feature> { OutlinedFeatures(values: values, outlines: outlines) }

        /// The layer of `features`, already in id order; the GeoJSON texts are rendered on
        /// another core while the index and the flat outlines are built. The features' own
        /// outlines are not kept: the flat outlines hold them.
        init(sorted features: [Feature], values: (Feature) -> Feature.Values = \.valuesWithoutOutline) {
            self.values = ChunkedArray(features.lazy.map(values))
            let outlines = features.map(\.geometry)
            let (built, geometryJSON) = Parallel.both(
                {
                    let index = CitySnapshot.index(outlines.map(\.bbox))
                    return (index: index, outlines: PolygonalOutlines(outlines, layoutOrder: index.base.idsInLeafOrder))
                },
                { RenderedGeometries(outlines.lazy.map { .polygonal($0) }, decimals: FeatureCRS.crs84.fractionDigits) })
            index = built.index
            self.outlines = built.outlines
            self.geometryJSON = geometryJSON
        }

        init(values: ChunkedArray<Feature.Values>, index: LayerIndex, outlines: PolygonalOutlines, geometryJSON: RenderedGeometries) {
            self.values = values
            self.index = index
            self.outlines = outlines
            self.geometryJSON = geometryJSON
        }

        /// The same layer with other values of its features (same order and outlines).
        func withValues(_ values: ChunkedArray<Feature.Values>) -> Self {
            Self(values: values, index: index, outlines: outlines, geometryJSON: geometryJSON)
        }

        /// The same layer with feature `position` replaced by `feature`, whose outline may differ
        /// (same id, so the same position): the index, the flat outlines and the rendered texts
        /// take the new outline in their overlays, and are built again from the outlines once
        /// an overlay holds `LayerIndex.compactionThreshold` of them (issue 16 point 8: an edit
        /// must not grow memory without bound). 100k parcels: 1.3–1.9 s per reshape when every
        /// reshape rebuilt the layer.
        func reshaping(_ position: Int32, to feature: Feature) -> Self {
            var values = self.values
            values[Int(position)] = feature.valuesWithoutOutline
            let outline = feature.geometry
            var index = self.index
            let box = outline.bbox
            index.upsert(id: position, minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat)
            var outlines = self.outlines.replacing(position, with: outline)
            var geometryJSON = self.geometryJSON.replacing(Int(position), with: .polygonal(outline))
            if index.needsCompaction || outlines.replacedCount > LayerIndex.compactionThreshold
                || geometryJSON.replacedCount > LayerIndex.compactionThreshold
            {
                index = index.compacted()
                let all = Array(OutlinedFeatures<Feature>(values: values, outlines: outlines).lazy.map(\.geometry))
                outlines = PolygonalOutlines(all, layoutOrder: index.base.idsInLeafOrder)
                geometryJSON = RenderedGeometries(all.lazy.map { .polygonal($0) }, decimals: geometryJSON.decimals)
            }
            return Self(values: values, index: index, outlines: outlines, geometryJSON: geometryJSON)
        }
    }

    private struct FacilityLayer: Sendable {
        let features: [Facility]
        let centred: [EarthCentredPoint]
        let position: [FacilityID: Int32]
        let tree: FacilityTree
        let byCategory: [FacilityCategory: FacilityTree]
        let categories: [FacilityCategory]
        let layer: Int

        init(sorted facilities: [Facility]) {
            features = facilities
            centred = features.map { EarthCentredPoint($0.location) }
            position = Dictionary(uniqueKeysWithValues: features.enumerated().map { ($1.id, Int32($0)) })
            tree = FacilityTree(
                index: CitySnapshot.index(features.map { BoundingBox(point: $0.location) }, nodeSize: CitySnapshot.facilityNodeSize),
                centred: centred)
            var grouped: [FacilityCategory: (boxes: [Double], ids: [Int32])] = [:]
            for (position, facility) in features.enumerated() {
                let point = facility.location
                grouped[facility.category, default: ([], [])].boxes += [point.lon, point.lat, point.lon, point.lat]
                grouped[facility.category, default: ([], [])].ids.append(Int32(position))
            }
            byCategory = grouped.mapValues { [centred] in
                FacilityTree(index: LayerIndex(boxes: $0.boxes, ids: $0.ids, nodeSize: CitySnapshot.facilityNodeSize), centred: centred)
            }
            categories = grouped.keys.sorted()
            layer = facilityLayers.add(1, ordering: .relaxed).newValue
        }

        init(_ snapshot: CitySnapshot) {
            features = snapshot.facilities
            centred = snapshot.facilityCentred
            position = snapshot.facilityPosition
            tree = snapshot.facilityTree
            byCategory = snapshot.facilityIndexByCategory
            categories = snapshot.categories
            layer = snapshot.facilityLayer
        }
    }

    /// Node size of the facility trees. Their searches are k-nearest, whose leaf items each cost a
    /// key (a chord, often a distance): smaller leaves key fewer items that cannot win. zamin-bench,
    /// 5-nearest of 10k facilities, sizes alternated in one process: 8 was 4–7 % faster than the
    /// polygon layers' 16 (6 and 10 about the same as 8, 4 and 24 slower).
    static let facilityNodeSize = 8

    private static func index(_ boxes: [BoundingBox], nodeSize: Int = 16) -> LayerIndex {
        var flat: [Double] = []
        flat.reserveCapacity(boxes.count * 4)
        for box in boxes { flat += [box.minLon, box.minLat, box.maxLon, box.maxLat] }
        return LayerIndex(boxes: flat, ids: (0..<Int32(boxes.count)).map { $0 }, nodeSize: nodeSize)
    }

    // MARK: - point lookups

    /// The parcel containing the point (GeoCore's boundary rule: a point on an edge shared by two
    /// parcels belongs to exactly one); if parcels overlap, the one with the smallest id.
    package func parcel(at point: Coordinate) -> Int32? {
        Self.positions(in: parcelIndex, box: BoundingBox(point: point)) { parcelOutlines.contains($0, x: point.lon, y: point.lat) }.first
    }

    /// Every zone containing the point, by id (OSM land-use areas may overlap; Tehran's tile).
    package func zones(at point: Coordinate) -> [Int32] {
        Self.positions(in: zoneIndex, box: BoundingBox(point: point)) { zoneOutlines.contains($0, x: point.lon, y: point.lat) }
    }

    // MARK: - windows

    /// Parcels whose polygon meets the box (exact, not just their bounding box), by id.
    package func parcels(intersecting box: BoundingBox) -> [Int32] {
        Self.positions(in: parcelIndex, meeting: box) {
            parcelOutlines.intersects($0, minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat)
        }
    }

    package func zones(intersecting box: BoundingBox) -> [Int32] {
        Self.positions(in: zoneIndex, meeting: box) {
            zoneOutlines.intersects($0, minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat)
        }
    }

    /// The index's candidates for `box` that pass the exact test, in position (= id) order.
    static func positions(in index: LayerIndex, box: BoundingBox, where isHit: (Int32) -> Bool) -> [Int32] {
        var candidates: [Int32] = []
        index.search(minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat, into: &candidates)
        return candidates.filter(isHit).sorted()
    }

    /// As `positions(in:box:where:)` for "meets the closed `box`": a feature whose box lies inside
    /// `box` meets it without reading its outline (a non-empty outline lies within its own box).
    private static func positions(in index: LayerIndex, meeting box: BoundingBox, where isHit: (Int32) -> Bool) -> [Int32] {
        var hits: [Int32] = []
        var overlapping: [Int32] = []
        index.search(minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat, contained: &hits, overlapping: &overlapping)
        for candidate in overlapping where isHit(candidate) { hits.append(candidate) }
        hits.sort()
        return hits
    }

    package func facilities(in box: BoundingBox) -> [Int32] {
        var found: [Int32] = []
        facilityIndex.search(minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat, into: &found)
        return found.sorted()
    }

    // MARK: - nearest

    /// For each of `categories`, the nearest facility of that category (nil when it has none):
    /// one metric (the query point's trigonometry) and one search buffer for them all — what
    /// `/lookup` asks on every request.
    package func nearestFacility(to point: Coordinate, ofEach categories: [FacilityCategory]) -> [NearbyFacility?] {
        var buffer = NearestSearchBuffer()
        var results: [Neighbor] = []
        results.reserveCapacity(1)
        let keys = nearestKeys(from: point)
        return categories.map { category in
            guard let tree = facilityIndexByCategory[category] else { return nil }
            results.removeAll(keepingCapacity: true)
            tree.index.nearest(metric(keys, for: tree), k: 1, buffer: &buffer, into: &results)
            return results.first.map { NearbyFacility(position: $0.id, distanceMeters: GeodesicNearestKeys.meters(fromKey: $0.distance)) }
        }
    }

    /// The keys of the nearest searches from `point`: every facility tree (all, or one category)
    /// lies inside the whole layer's extent, which lets the box bound take its cheapest form.
    private func nearestKeys(from point: Coordinate) -> GeodesicNearestKeys {
        let extent = facilityIndex.extent.map { (minLon: $0.minX, minLat: $0.minY, maxLon: $0.maxX, maxLat: $0.maxY) }
        return GeodesicNearestKeys(from: point, searchExtent: extent)
    }

    /// The metric of a search of `tree`.
    private func metric(_ keys: GeodesicNearestKeys, for tree: FacilityTree) -> GeodesicMetric {
        GeodesicMetric(keys: keys, facilities: facilities, centred: facilityCentred, centredInLeafOrder: tree.centredInLeafOrder)
    }

    /// The k facilities nearest to `point` by geodesic distance on WGS 84, ordered by distance,
    /// then id; only those of `categories` when given, only within `maxDistanceMeters`.
    package func nearestFacilities(
        to point: Coordinate, k: Int, categories: Set<FacilityCategory>?, maxDistanceMeters: Double = .infinity
    ) -> [NearbyFacility] {
        var buffer = NearestSearchBuffer()
        var results: [Neighbor] = []
        let keys = nearestKeys(from: point)
        let maxKey = GeodesicNearestKeys.key(fromMeters: maxDistanceMeters)
        func found(_ neighbor: Neighbor) -> NearbyFacility {
            NearbyFacility(position: neighbor.id, distanceMeters: GeodesicNearestKeys.meters(fromKey: neighbor.distance))
        }
        guard let categories else {
            facilityTree.index.nearest(metric(keys, for: facilityTree), k: k, maxDistance: maxKey, buffer: &buffer, into: &results)
            return results.map(found)
        }
        // Each category has its own tree: search each for k, then keep the k best overall.
        for category in categories {
            guard let tree = facilityIndexByCategory[category] else { continue }
            tree.index.nearest(metric(keys, for: tree), k: k, maxDistance: maxKey, buffer: &buffer, into: &results)
        }
        results.sort { ($0.distance, $0.id) < ($1.distance, $1.id) }
        return results.prefix(k).map(found)
    }
}

/// A facility tree with its items' Earth-centred points in the tree's leaf order, so that a nearest
/// search reads the points of one leaf from consecutive memory (`NearestMetric.itemKey`'s slot;
/// read by id, they were the search's most frequent cache miss: perf annotate on zamin-bench).
package struct FacilityTree: Sendable {
    package let index: LayerIndex
    let centredInLeafOrder: [EarthCentredPoint]

    /// `centred`: every facility's point by position, as the tree's ids are.
    init(index: LayerIndex, centred: [EarthCentredPoint]) {
        self.index = index
        centredInLeafOrder = index.base.idsInLeafOrder.map { centred[Int($0)] }
    }
}

/// A facility found by a nearest search: its position in the snapshot and its geodesic distance.
package struct NearbyFacility: Sendable, Equatable {
    package var position: Int32
    package var distanceMeters: Double
}

/// Geodesic distance on WGS 84 for the nearest search, as GeoCore's keys in squared metres
/// (`GeodesicNearestKeys`; callers convert `maxDistance` and the results): the conservative box
/// bound prunes, the geodesic distance ranks (trig-free for the short lines of a city, so leaves
/// enter the queue with their exact distance).
struct GeodesicMetric: NearestMetric {
    let keys: GeodesicNearestKeys
    let facilities: [Facility]
    /// Each facility's Earth-centred point, by position (id).
    let centred: [EarthCentredPoint]
    /// The same points in the searched tree's leaf order (`itemKey`'s slot).
    let centredInLeafOrder: [EarthCentredPoint]

    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double {
        keys.lowerBound(minLon: minX, minLat: minY, maxLon: maxX, maxLat: maxY)
    }

    func exactDistance(toItem id: Int32) -> Double {
        keys.exactDistance(to: facilities[Int(id)].location, centred: centred[Int(id)])
    }

    func itemKey(toItem id: Int32, slot: Int, minX: Double, minY: Double, maxX: Double, maxY: Double, cutoff: Double) -> (key: Double, isExact: Bool) {
        keys.itemKey(centred: centredInLeafOrder[slot], minLon: minX, minLat: minY, maxLon: maxX, maxLat: maxY, cutoff: cutoff)
    }
}

/// Counts the facility layers built in this process (`CitySnapshot.facilityLayer`).
private let facilityLayers = Atomic<Int>(0)
