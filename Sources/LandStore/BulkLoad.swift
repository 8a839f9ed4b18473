import GeoCore

/// Loading the geometry tables in bulk (an import) without SpatiaLite's per-row triggers, then
/// writing their spatial indexes packed, straight into the R*Tree's tables.
///
/// `CreateSpatialIndex` and `AddGeometryColumn` attach triggers that run for every inserted row:
/// `gii_<table>_geom` deletes from and inserts into the R*Tree through `RTreeAlign()`, which
/// formats and prepares its SQL on every call, and `tmi_<table>_geom` updates
/// `geometry_columns_time`. On the generated 100k city they made most of the import's write
/// time (perf: sqlite3Parser and sqlite3_str_vappendf per row). Dropping them inside the
/// import's transaction and creating them again from their own SQL before it commits keeps the
/// schema as SpatiaLite made it; a failed import rolls the drops back with everything else. The
/// type and SRID check (`ggi_…`) stays: it is one lookup in `geometry_columns` per row.
///
/// Even inserted through one prepared statement, SQLite's R*Tree costs about 12–14 µs a row
/// (1M parcels: 11.9 s filled in table order, 16.6 s in Hilbert order, 14.5 s row by row), more
/// than the rows themselves. So the boxes are kept while loading and the tree is packed at the
/// end, Sort-Tile-Recursive (Leutenegger et al., 1997), and written in the R*Tree module's own
/// format (sqlite/ext/rtree/rtree.c: `<name>_node` blobs of a 4-byte header and 24-byte cells,
/// `<name>_rowid` from each entry to its leaf, `<name>_parent` from each node to its parent).
/// `rtreecheck()` checks the result in the tests and in `zamin check`.
final class BulkLoad {
    static let geometryTables = ["parcel", "zone", "facility", "street"]
    /// The page cache of an import's connection while it loads.
    static let cacheKibibytes = 65_536

    private let connection: Connection
    private let triggers: [(name: String, sql: String)]
    /// Per table, each loaded row's id and box.
    private var entries: [String: [PackedEntry]] = [:]

    /// Drops the per-row triggers (inside the caller's transaction).
    init(_ connection: Connection) throws(StoreError) {
        self.connection = connection
        // PostgreSQL: GiST indexes are kept by the server; nothing to drop or pack.
        guard connection.dialect == .sqlite else {
            triggers = []
            return
        }
        let names = Self.geometryTables.flatMap { ["gii_\($0)_geom", "tmi_\($0)_geom"] }
        let quoted = names.map { "'\($0)'" }.joined(separator: ", ")
        triggers = try connection.cached(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (\(quoted))", name: "bulkLoadTriggers"
        ).all { ($0.string(0) ?? "", $0.string(1) ?? "") }
        for (name, _) in triggers { try connection.execute("DROP TRIGGER \"\(name)\"", name: "drop \(name)") }
    }

    /// Notes the row just inserted into `table`, for its spatial index.
    func loaded(_ table: String, box: BoundingBox) {
        guard !triggers.isEmpty else { return }
        entries[table, default: []].append(PackedEntry(id: connection.lastInsertRowID, box: box))
    }

    /// Writes the spatial indexes and creates the triggers again.
    func finish() throws(StoreError) {
        for table in Self.geometryTables where triggers.contains(where: { $0.name == "gii_\(table)_geom" }) {
            try writeIndex("idx_\(table)_geom", entries[table] ?? [])
        }
        entries = [:]
        for (name, sql) in triggers { try connection.execute(sql, name: "create \(name)") }
        for table in Self.geometryTables where triggers.contains(where: { $0.name == "tmi_\(table)_geom" }) {
            try connection.execute(
                """
                UPDATE geometry_columns_time SET last_insert = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                WHERE Lower(f_table_name) = '\(table)' AND Lower(f_geometry_column) = 'geom'
                """, name: "geometry_columns_time \(table)")
        }
    }

    /// Replaces the (empty) R*Tree `name` with a packed tree of `entries`.
    private func writeIndex(_ name: String, _ entries: [PackedEntry]) throws(StoreError) {
        // The layers were emptied in this transaction, and with them the index; anything left
        // would be a corrupt index, which the packed tree must not hide.
        let left = try connection.cached("SELECT count(*) FROM \"\(name)_rowid\"", name: "\(name) rows").all { $0.int(0) ?? 0 }.first ?? 0
        guard left == 0 else {
            throw .sqlite(code: 0, statement: "bulk load of \(name)", message: "\(left) entries left in the index of an emptied table")
        }
        // Every node has the root's size (rtree.c getNodeSize); 51 cells at most.
        let nodeSize = try connection.cached("SELECT length(data) FROM \"\(name)_node\" WHERE nodeno = 1", name: "\(name) node size")
            .all { $0.int(0) ?? 0 }.first ?? 0
        let capacity = (nodeSize - 4) / PackedEntry.cellSize
        guard capacity >= 2 else {
            throw .sqlite(code: 0, statement: "bulk load of \(name)", message: "unexpected node size \(nodeSize)")
        }
        try connection.execute("DELETE FROM \"\(name)_node\"", name: "\(name) clear nodes")
        try connection.execute("DELETE FROM \"\(name)_parent\"", name: "\(name) clear parents")
        let writeNode = "INSERT INTO \"\(name)_node\" (nodeno, data) VALUES (?1, ?2)"
        let writeRowid = "INSERT INTO \"\(name)_rowid\" (rowid, nodeno) VALUES (?1, ?2)"
        let writeParent = "INSERT INTO \"\(name)_parent\" (nodeno, parentnode) VALUES (?1, ?2)"

        let tree = PackedTree(entries, capacity: capacity)
        for (level, nodes) in tree.levels.enumerated() {
            for node in nodes {
                var data = [UInt8](repeating: 0, count: nodeSize)
                if node.number == 1 { data.storeBigEndian(UInt16(tree.levels.count - 1), at: 0) }  // the tree's depth
                data.storeBigEndian(UInt16(node.children.count), at: 2)
                for (position, child) in node.children.enumerated() {
                    child.write(into: &data, at: 4 + position * PackedEntry.cellSize)
                    if level == 0 {
                        try connection.cached(writeRowid, name: "\(name) rowid").bind(Int(child.id), at: 1).bind(Int(node.number), at: 2).run()
                    } else {
                        try connection.cached(writeParent, name: "\(name) parent").bind(Int(child.id), at: 1).bind(Int(node.number), at: 2).run()
                    }
                }
                try connection.cached(writeNode, name: "\(name) node").bind(Int(node.number), at: 1).bind(blob: data, at: 2).run()
            }
        }
    }
}

/// An R*Tree cell: a row id (or a child node's number) and its box in 32-bit floats rounded
/// outwards, as the R*Tree module stores it (rtree.c rtreeValueDown/Up).
struct PackedEntry {
    static let cellSize = 8 + 4 * 4
    var id: Int64
    var minX: Float, maxX: Float, minY: Float, maxY: Float

    init(id: Int64, box: BoundingBox) {
        self.init(id: id, minX: Self.down(box.minLon), maxX: Self.up(box.maxLon), minY: Self.down(box.minLat), maxY: Self.up(box.maxLat))
    }

    init(id: Int64, minX: Float, maxX: Float, minY: Float, maxY: Float) {
        (self.id, self.minX, self.maxX, self.minY, self.maxY) = (id, minX, maxX, minY, maxY)
    }

    static func down(_ value: Double) -> Float {
        let rounded = Float(value)
        return Double(rounded) > value ? rounded.nextDown : rounded
    }

    static func up(_ value: Double) -> Float {
        let rounded = Float(value)
        return Double(rounded) < value ? rounded.nextUp : rounded
    }

    /// The cell as rtree.c writes it: the id, then min and max of each dimension, big-endian.
    func write(into data: inout [UInt8], at offset: Int) {
        data.storeBigEndian(UInt64(bitPattern: id), at: offset)
        for (index, value) in [minX, maxX, minY, maxY].enumerated() {
            data.storeBigEndian(value.bitPattern, at: offset + 8 + 4 * index)
        }
    }
}

/// A Sort-Tile-Recursive packing: leaves of `capacity` entries tiled in vertical slices, then
/// the same for each level above, up to one root, which is node 1 (rtree.c's root).
struct PackedTree {
    struct Node {
        var number: Int64
        var children: [PackedEntry]
    }

    /// Leaves first, the root last.
    private(set) var levels: [[Node]] = []

    init(_ entries: [PackedEntry], capacity: Int) {
        guard !entries.isEmpty else {
            levels = [[Node(number: 1, children: [])]]  // an empty root leaf, as CREATE VIRTUAL TABLE makes it
            return
        }
        var next: Int64 = 2
        var current = entries
        repeat {
            let groups = Self.tiles(current, capacity: capacity)
            let isRoot = groups.count == 1
            let nodes = groups.map { group -> Node in
                defer { if !isRoot { next += 1 } }
                return Node(number: isRoot ? 1 : next, children: group)
            }
            levels.append(nodes)
            current = nodes.map { node in
                let children = node.children
                return PackedEntry(
                    id: node.number, minX: children.map(\.minX).min()!, maxX: children.map(\.maxX).max()!,
                    minY: children.map(\.minY).min()!, maxY: children.map(\.maxY).max()!)
            }
        } while levels.last!.count > 1
    }

    /// Groups of at most `capacity` entries, near ones together.
    private static func tiles(_ entries: [PackedEntry], capacity: Int) -> [[PackedEntry]] {
        guard entries.count > capacity else { return [entries] }
        let leaves = (entries.count + capacity - 1) / capacity
        let slices = Int(Double(leaves).squareRoot().rounded(.up))
        let perSlice = slices * capacity
        let byX = entries.sorted { $0.minX + $0.maxX < $1.minX + $1.maxX }
        var groups: [[PackedEntry]] = []
        groups.reserveCapacity(leaves)
        var start = 0
        while start < byX.count {
            let slice = byX[start..<min(start + perSlice, byX.count)].sorted { $0.minY + $0.maxY < $1.minY + $1.maxY }
            var at = 0
            while at < slice.count {
                groups.append(Array(slice[at..<min(at + capacity, slice.count)]))
                at += capacity
            }
            start += perSlice
        }
        return groups
    }
}

extension [UInt8] {
    fileprivate mutating func storeBigEndian<Value: FixedWidthInteger>(_ value: Value, at offset: Int) {
        withUnsafeMutableBytes { $0.storeBytes(of: value.bigEndian, toByteOffset: offset, as: Value.self) }
    }
}
