package import VectorTiles
import Synchronization

/// Vector tiles cut from the snapshot published last (issue 19 point 3): a tile asked again is
/// not cut again until the next publication, which empties the cache (a tile is never older than
/// the snapshot an answer reads). Bounded by bytes: past `budget` the oldest tiles go first.
final class TileCache: Sendable {
    private struct Key: Hashable {
        let address: TileAddress
        let collections: [FeatureCollectionID]
    }

    private struct State {
        var publication = 0
        /// nil: the tile is empty (a 204).
        var tiles: [Key: [UInt8]?] = [:]
        var order: [Key] = []
        var bytes = 0
    }

    private let budget: Mutex<Int>
    private let state = Mutex(State())

    init(budget: Int = 64 << 20) { self.budget = Mutex(budget) }

    func setBudget(_ bytes: Int) {
        budget.withLock { $0 = bytes }
        state.withLock { $0 = State(publication: $0.publication) }
    }

    func tile(
        _ address: TileAddress, collections: [FeatureCollectionID], publication: Int, cut: () -> [UInt8]?
    ) -> [UInt8]? {
        let key = Key(address: address, collections: collections)
        let budget = budget.withLock { $0 }
        guard budget > 0 else { return cut() }
        if let kept = state.withLock({ $0.publication == publication ? $0.tiles[key] : nil }) { return kept }
        let tile = cut()
        state.withLock { state in
            if publication > state.publication { state = State(publication: publication) }
            guard publication == state.publication, state.tiles[key] == nil else { return }
            state.tiles[key] = .some(tile)
            state.order.append(key)
            state.bytes += (tile?.count ?? 0) + 64
            while state.bytes > budget, !state.order.isEmpty {
                let oldest = state.order.removeFirst()
                state.bytes -= ((state.tiles.removeValue(forKey: oldest) ?? nil)?.count ?? 0) + 64
            }
        }
        return tile
    }
}

extension LandServices {
    /// The bytes of tiles kept (0: none, every tile cut afresh).
    package func setTileCacheBudget(bytes: Int) { tileCache.setBudget(bytes) }

    /// A vector tile of the published snapshot (`CitySnapshot.vectorTile`), through the cache.
    package func vectorTile(_ address: TileAddress, collections: [FeatureCollectionID]) -> [UInt8]? {
        let published = snapshots.published
        return tileCache.tile(address, collections: collections, publication: published.version) {
            published.withSnapshot { $0.vectorTile(address, collections: collections) }
        }
    }
}
