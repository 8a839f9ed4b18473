import Foundation
import GeoCore
import Synchronization
import VectorTiles

/// The parcels sorted out per tile for the city-scale zooms (0 … 13), made once per snapshot and
/// zoom on the first tile asked at that zoom (issue 19 point 6: a zoom-11 tile of a 1M-parcel
/// city in ≤ 50 ms).
///
/// Why: at city scale nearly every parcel is under three pixels and only counts in its pixel's
/// land-use cell, yet cutting such a tile from the R-tree visits every parcel under it — reads
/// its outline for its box, projects its middle (a logarithm and a tangent), sorts the
/// positions — about 40 ms a tile for 100,000 parcels, ten times that for a million. Here each
/// parcel's middle and size in Web Mercator fractions are computed once per snapshot, and each
/// zoom's tiles hold their small parcels' cells and positions ready: a tile then only tallies
/// its cells. The few parcels big enough to be drawn alone at that zoom are listed with every
/// tile their widened box meets, in position order.
///
/// Memory: 24 bytes a parcel, plus 8 bytes a small parcel per zoom asked (each zoom's lists), kept
/// with the snapshot: a publication starts afresh, so no list is older than the snapshot.
final class ParcelTileOverview: Sendable {
    static let deepestZoom = 13

    /// A small parcel: its 16-unit cell in its tile (row × 256 + column), its use (a code of
    /// the snapshot's use column, −1 for none) and its conformity (a code of
    /// `FilterColumnCache.conformityNames`), so that tallying a tile reads nothing else.
    struct Speck: Sendable {
        let cell: UInt16
        let conformity: UInt8
        let use: Int32

        init(cell: Int, position: Int32, uses: FilterColumnCache.TextColumn, conformity: [UInt8]) {
            self.cell = UInt16(cell)
            self.use = uses.codes[Int(position)]
            self.conformity = conformity[Int(position)]
        }
    }

    struct Tile: Sendable {
        var specks: [Speck] = []
        var large: [Int32] = []
    }

    /// Each parcel's middle (of its box) and its box's larger side, in fractions of the square.
    private struct Placement: Sendable {
        let x: [Double]
        let y: [Double]
        let size: [Double]
    }

    private let placement = MadeOnce<Placement>()
    private let zooms = Mutex<[Int: [UInt64: Tile]]>([:])

    init() {}

    /// The tile's small parcels and the big ones that reach it, at a zoom ≤ `deepestZoom`.
    func tile(_ address: TileAddress, _ snapshot: CitySnapshot) -> Tile? {
        let tiles = self.tiles(at: address.zoom, snapshot)
        return tiles[Self.key(column: address.column, row: address.row)]
    }

    private static func key(column: Int, row: Int) -> UInt64 { UInt64(row) << 32 | UInt64(column) }

    private func tiles(at zoom: Int, _ snapshot: CitySnapshot) -> [UInt64: Tile] {
        if let tiles = zooms.withLock({ $0[zoom] }) { return tiles }
        let placement = self.placement(snapshot)
        let uses = snapshot.filterColumns.texts(.parcels, .currentUse, snapshot)
        let conformity = snapshot.filterColumns.parcelConformity(snapshot)
        let extent = VectorTileEncoder.extent
        let scale = Double(extent) * Double(1 << zoom)
        let last = (1 << zoom) - 1
        // Under three pixels (46 units) both ways: as `CitySnapshot.vectorTile` measures it
        // deeper down, here with the projected box itself.
        let smallest = 46 / scale
        var tiles: [UInt64: Tile] = [:]
        var lastKey = UInt64.max
        var lastTile = Tile()
        func flush() {
            if lastKey != .max { tiles[lastKey] = lastTile }
        }
        for position in 0..<placement.x.count where placement.size[position] < smallest {
            let x = Int((placement.x[position] * scale).rounded()), y = Int((placement.y[position] * scale).rounded())
            guard x >= 0, y >= 0, x >> 12 <= last, y >> 12 <= last else { continue }
            let key = Self.key(column: x >> 12, row: y >> 12)
            if key != lastKey {
                flush()
                lastKey = key
                lastTile = tiles.removeValue(forKey: key) ?? Tile()  // unshared, so appends do not copy
            }
            let cell = ((y & (extent - 1)) >> 4) << 8 | (x & (extent - 1)) >> 4
            lastTile.specks.append(Speck(cell: cell, position: Int32(position), uses: uses, conformity: conformity))
        }
        flush()
        // The big ones, with every tile their box widened by the 64-unit buffer meets.
        let buffer = 64.0
        for position in 0..<Int32(placement.x.count) where placement.size[Int(position)] >= smallest {
            let box = snapshot.parcelOutlines.bbox(position)
            let (west, north) = TileAddress.worldFraction(lon: box.minLon, lat: box.maxLat)
            let (east, south) = TileAddress.worldFraction(lon: box.maxLon, lat: box.minLat)
            func tileRange(_ low: Double, _ high: Double) -> ClosedRange<Int> {
                let first = max(0, Int(((low * scale - buffer) / Double(extent)).rounded(.down)))
                let end = min(last, Int(((high * scale + buffer) / Double(extent)).rounded(.down)))
                return first...max(first, end)
            }
            for row in tileRange(north, south) {
                for column in tileRange(west, east) {
                    tiles[Self.key(column: column, row: row), default: Tile()].large.append(position)
                }
            }
        }
        zooms.withLock { $0[zoom] = tiles }
        return tiles
    }

    private func placement(_ snapshot: CitySnapshot) -> Placement {
        placement.value { Self.placement(of: snapshot) }
    }

    private static func placement(of snapshot: CitySnapshot) -> Placement {
        let count = snapshot.parcels.count
        var xs = [Double](repeating: 0, count: count), ys = xs, sizes = xs
        for position in 0..<count {
            let box = snapshot.parcelOutlines.bbox(Int32(position))
            let middle = TileAddress.worldFraction(lon: (box.minLon + box.maxLon) / 2, lat: (box.minLat + box.maxLat) / 2)
            let (west, north) = TileAddress.worldFraction(lon: box.minLon, lat: box.maxLat)
            let (east, south) = TileAddress.worldFraction(lon: box.maxLon, lat: box.minLat)
            xs[position] = middle.x
            ys[position] = middle.y
            sizes[position] = max(east - west, south - north)
        }
        return Placement(x: xs, y: ys, size: sizes)
    }
}
