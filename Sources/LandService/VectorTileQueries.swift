import Foundation
import GeoCore
import LandModel
package import VectorTiles

extension CitySnapshot {
    /// One Mapbox Vector Tile of `collections` (a layer each, named as the collection) from this
    /// snapshot (issue 19): candidates from each layer's R-tree for the tile widened by its
    /// buffer, cut and encoded by `VectorTileEncoder`; nil when no feature is left (a 204). A
    /// zone under a pixel (16 of the 4,096 units, a 256-pixel tile's pixel) is left out, and
    /// parcels under three pixels become pixel cells coloured by their use, so that a city-wide
    /// tile holds land use everywhere, not 100,000 specks. Every answer comes from the snapshot it is asked of: an edit publishes a new
    /// snapshot, and the next tile is cut from it.
    ///
    /// Attributes: parcels `id`, `zone_code`, `current_use`, `floors`, `conformity`
    /// (conforming, conditional or non_conforming: the current use against the rules of the
    /// zone code that governs the parcel), and for the cells of parcels under a pixel (no `id`)
    /// `parcels`, `current_use` and `conformity` (`addLandUseCells`); zones `id`, `zone_code`, `name_fa`, `name_en`;
    /// facilities `id`, `category`, `name_fa`, `name_en` (and `facilities` when it stands for several). A feature's MVT id is its position + 1.
    package func vectorTile(_ address: TileAddress, collections: [FeatureCollectionID]) -> [UInt8]? {
        let buffer = 64
        var encoder = VectorTileEncoder(address, buffer: buffer, minimumSize: 16)
        let box = address.lonLatBox(margin: Double(buffer) / Double(VectorTileEncoder.extent))
        // A feature whose box is under 14 units both ways cannot reach the encoder's 16 after
        // rounding: left out from its box, before any projection (most parcels at zoom 11-13).
        // A unit is a fixed span of longitude, and (Mercator being conformal) that span times the
        // cosine of the latitude: the smallest where the tile is nearest a pole.
        let tileBox = address.lonLatBox(margin: 0)
        let unitLongitude = (tileBox.maxLon - tileBox.minLon) / Double(VectorTileEncoder.extent)
        let poleward = max(abs(tileBox.minLat), abs(tileBox.maxLat)) * Double.pi / 180
        func isUnder(_ units: Double) -> (BoundingBox) -> Bool {
            let width = unitLongitude * units, height = unitLongitude * cos(poleward) * units
            return { $0.maxLon - $0.minLon < width && $0.maxLat - $0.minLat < height }
        }
        let isSpeck = isUnder(14)
        // A parcel under three pixels (46 units, rounding aside) is drawn as part of its pixel's
        // cell: one drawn alone would be a dot no one can point at, and a zoom-12 tile of a
        // 100k city held 56,000 of them (2.7 MB).
        let isSmallParcel = isUnder(46)
        for collection in collections {
            encoder.beginLayer(collection.rawValue)
            switch collection {
            case .parcels:
                // The snapshot's conformity column, taken once for the tile, not once per parcel.
                let conformity = filterColumns.parcelConformity(self)
                func addParcel(_ position: Int32) {
                    let values = parcels.values[Int(position)]
                    var properties: [(String, TileValue)] = [("id", .string(values.id.rawValue))]
                    if let code = values.zoneCode { properties.append(("zone_code", .string(code.rawValue))) }
                    if let use = values.currentUse { properties.append(("current_use", .string(use.rawValue))) }
                    if let floors = values.floors { properties.append(("floors", .integer(Int64(floors)))) }
                    let code = Int(conformity[Int(position)])
                    if code > 0 { properties.append(("conformity", .string(FilterColumnCache.conformityNames[code]))) }
                    encoder.addPolygonal(
                        parcelOutlines.polygonal(position, isMulti: values.isMulti), id: UInt64(position) + 1, properties: properties)
                }
                if address.zoom <= ParcelTileOverview.deepestZoom {
                    // City scale: the tile's parcels sorted out once per snapshot and zoom.
                    guard let tile = parcelTiles.tile(address, self) else { break }
                    for position in tile.large { addParcel(position) }
                    addLandUseCells(of: tile.specks, to: &encoder)
                    break
                }
                let uses = filterColumns.texts(.parcels, .currentUse, self)
                var specks: [ParcelTileOverview.Speck] = []
                for position in Self.positions(in: parcelIndex, box: box, where: { _ in true }) {
                    let outline = parcelOutlines.bbox(position)
                    if isSmallParcel(outline) {
                        let (x, y) = encoder.units(lon: (outline.minLon + outline.maxLon) / 2, lat: (outline.minLat + outline.maxLat) / 2)
                        if x >= 0, x < VectorTileEncoder.extent, y >= 0, y < VectorTileEncoder.extent {
                            specks.append(.init(cell: (y >> 4) << 8 | x >> 4, position: position, uses: uses, conformity: conformity))
                        }
                        continue
                    }
                    addParcel(position)
                }
                addLandUseCells(of: specks, to: &encoder)
            case .zones:
                for position in Self.positions(in: zoneIndex, box: box, where: { !isSpeck(zoneOutlines.bbox($0)) }) {
                    let values = zones.values[Int(position)]
                    var properties: [(String, TileValue)] = [("id", .string(values.id.rawValue)), ("zone_code", .string(values.code.rawValue))]
                    if let name = values.nameFa { properties.append(("name_fa", .string(name))) }
                    if let name = values.nameEn { properties.append(("name_en", .string(name))) }
                    encoder.addPolygonal(zoneOutlines.polygonal(position, isMulti: values.isMulti), id: UInt64(position) + 1, properties: properties)
                }
            case .facilities:
                // Thinned: one facility per category and 64-unit cell (4 pixels, a marker's
                // radius) stands for the others there (`facilities`: how many), so a city-wide
                // tile is not 10,000 overlapping markers; once they stand apart, each is its own.
                var shown: [FacilityCell: Int] = [:]
                var represented: [(position: Int32, cell: FacilityCell)] = []
                for position in facilities(in: box) {
                    let facility = facilities[Int(position)]
                    let (x, y) = encoder.units(lon: facility.location.lon, lat: facility.location.lat)
                    let cell = FacilityCell(column: x >> 6, row: y >> 6, category: facility.category.rawValue)
                    if shown[cell] == nil { represented.append((position, cell)) }
                    shown[cell, default: 0] += 1
                }
                for (position, cell) in represented {
                    let facility = facilities[Int(position)]
                    var properties: [(String, TileValue)] = [("id", .string(facility.id.rawValue)), ("category", .string(facility.category.rawValue))]
                    if let name = facility.nameFa { properties.append(("name_fa", .string(name))) }
                    if let name = facility.nameEn { properties.append(("name_en", .string(name))) }
                    if let count = shown[cell], count > 1 { properties.append(("facilities", .integer(Int64(count)))) }
                    encoder.addPoint(lon: facility.location.lon, lat: facility.location.lat, id: UInt64(position) + 1, properties: properties)
                }
            }
        }
        let bytes = encoder.bytes()
        return encoder.isEmpty ? nil : bytes
    }

    /// The parcels too small to draw, generalised: each 16-unit cell (a pixel) holding the centre
    /// of one or more of them becomes a square of the use most of them have (ties: the first
    /// use in code order), with `parcels` (how many) and `conformity` (the most frequent), and
    /// a row's run of cells of one use and one conformity is one rectangle. A city-wide tile
    /// then shows land use everywhere in a few thousand features instead of 100,000.
    private func addLandUseCells(of specks: [ParcelTileOverview.Speck], to encoder: inout VectorTileEncoder) {
        guard !specks.isEmpty else { return }
        // Codes, not words: the snapshot's coded use column and conformity column (made once
        // per snapshot), so a city-wide tile counts 100,000 parcels without hashing a string.
        let uses = filterColumns.texts(.parcels, .currentUse, self)
        let useCount = uses.vocabulary.count, conformityCount = FilterColumnCache.conformityNames.count
        struct Cell { let column: Int, row: Int }
        let size = 16, side = VectorTileEncoder.extent / size
        // A tile's 256 × 256 cells indexed directly (a slot number, −1 for none): no hashing.
        var slots = [Int32](repeating: -1, count: side * side)
        var cells: [Cell] = []
        var useTallies: [Int] = [], conformityTallies: [Int] = [], parcelsIn: [Int] = []
        for speck in specks {
            let index = Int(speck.cell)
            let slot: Int
            if slots[index] >= 0 {
                slot = Int(slots[index])
            } else {
                slot = cells.count
                slots[index] = Int32(slot)
                cells.append(Cell(column: index & (side - 1), row: index >> 8))
                useTallies.append(contentsOf: repeatElement(0, count: useCount))
                conformityTallies.append(contentsOf: repeatElement(0, count: conformityCount))
                parcelsIn.append(0)
            }
            parcelsIn[slot] += 1
            if speck.use >= 0 { useTallies[slot * useCount + Int(speck.use)] += 1 }
            if speck.conformity > 0 { conformityTallies[slot * conformityCount + Int(speck.conformity)] += 1 }
        }
        /// The most frequent code of a slot's tally (ties: the first), nil when none was counted.
        func most(_ tallies: [Int], _ slot: Int, _ width: Int, from first: Int) -> Int? {
            var best: Int?, bestCount = 0
            for code in first..<width where tallies[slot * width + code] > bestCount {
                (best, bestCount) = (code, tallies[slot * width + code])
            }
            return best
        }
        // The cells share a handful of attributes: each key and value interned once per tile.
        let keys = ["parcels", "current_use", "conformity"]
        var interned = [[Int: [UInt32]]](repeating: [:], count: keys.count)
        func tags(_ key: Int, _ code: Int, _ value: @autoclosure () -> TileValue) -> [UInt32] {
            if let tags = interned[key][code] { return tags }
            let (keyIndex, valueIndex) = encoder.tag(keys[key], value())
            interned[key][code] = [keyIndex, valueIndex]
            return [keyIndex, valueIndex]
        }
        // Row by row, west to east: the slots are laid out that way, so no sort is needed.
        var order: [Int] = []
        order.reserveCapacity(cells.count)
        for slot in slots where slot >= 0 { order.append(Int(slot)) }
        let orderCount = order.count
        var index = 0
        while index < orderCount {
            let first = order[index]
            let use = most(useTallies, first, useCount, from: 0), code = most(conformityTallies, first, conformityCount, from: 1)
            var last = first, count = parcelsIn[first]
            while index + 1 < orderCount {
                let next = order[index + 1]
                guard cells[next].row == cells[first].row, cells[next].column == cells[last].column + 1,
                    most(useTallies, next, useCount, from: 0) == use, most(conformityTallies, next, conformityCount, from: 1) == code
                else { break }
                last = next
                count += parcelsIn[next]
                index += 1
            }
            var cellTags = tags(0, count, .integer(Int64(count)))
            if let use { cellTags += tags(1, use, .string(uses.vocabulary[use])) }
            if let code { cellTags += tags(2, code, .string(FilterColumnCache.conformityNames[code])) }
            encoder.addRectangle(
                minX: cells[first].column * size, minY: cells[first].row * size, maxX: (cells[last].column + 1) * size,
                maxY: (cells[first].row + 1) * size, tags: cellTags)
            index += 1
        }
    }

    private struct FacilityCell: Hashable {
        let column: Int, row: Int
        let category: String
    }
}
