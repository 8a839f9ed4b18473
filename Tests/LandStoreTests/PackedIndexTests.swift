import Foundation
import GeoCore
// @testable for `Connection`, `PackedTree` and `PackedEntry`: the R*Tree's own tables are read
// and planted with raw SQL.
@testable import LandStore
import Logging
import Testing
import TestSupport

/// An import writes each layer's R*Tree packed, straight into the R*Tree module's tables
/// (BulkLoad.swift). Checked against SQLite's own `rtreecheck()`, against windows answered by
/// the geometries themselves (SpatiaLite's MBR functions, no index), and after edits made
/// through SpatiaLite's triggers on the packed tree.
@Suite("Packed spatial index of an import")
struct PackedIndexTests {
    static func connection(_ path: String) throws -> Connection {
        let connection = try Connection(path: path, mode: .readWrite)
        try connection.loadSpatiaLite()
        return connection
    }

    static func check(_ connection: Connection, _ index: String) throws -> [String] {
        try connection.cached("SELECT rtreecheck('\(index)')", name: "check").all { $0.string(0) ?? "" }
    }

    /// Row ids whose index box meets the window, and those whose geometry's box does.
    static func window(_ connection: Connection, _ box: BoundingBox, grownBy margin: Double = 0) throws -> (index: Set<Int>, geometry: Set<Int>) {
        let index = try connection.cached(
            "SELECT pkid FROM idx_parcel_geom WHERE xmin <= ?3 AND xmax >= ?1 AND ymin <= ?4 AND ymax >= ?2", name: "index window"
        ).bind(box.minLon, at: 1).bind(box.minLat, at: 2).bind(box.maxLon, at: 3).bind(box.maxLat, at: 4).all { $0.int(0) ?? 0 }
        let geometry = try connection.cached(
            """
            SELECT rowid FROM parcel WHERE MbrMinX(geom) <= ?3 AND MbrMaxX(geom) >= ?1 AND MbrMinY(geom) <= ?4 AND MbrMaxY(geom) >= ?2
            """, name: "geometry window"
        ).bind(box.minLon - margin, at: 1).bind(box.minLat - margin, at: 2).bind(box.maxLon + margin, at: 3).bind(box.maxLat + margin, at: 4)
            .all { $0.int(0) ?? 0 }
        return (Set(index), Set(geometry))
    }

    /// Every window's answer from the index holds every parcel whose box meets it, and nothing
    /// more than float32 rounding (the index stores boxes rounded outwards) can add.
    static func expectWindowsMatch(_ connection: Connection, seed: UInt64) throws {
        let extent = try connection.cached("SELECT Min(MbrMinX(geom)), Min(MbrMinY(geom)), Max(MbrMaxX(geom)), Max(MbrMaxY(geom)) FROM parcel", name: "extent")
            .all { BoundingBox(uncheckedMinLon: $0.double(0)!, minLat: $0.double(1)!, maxLon: $0.double(2)!, maxLat: $0.double(3)!) }[0]
        var random = SeededRandom(seed: seed)
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * Double(random.next() % 1_000_000) / 1_000_000 }
        for _ in 0..<150 {
            let lon = uniform(extent.minLon, extent.maxLon), lat = uniform(extent.minLat, extent.maxLat)
            let size = uniform(0.0001, 0.01)
            let box = BoundingBox(uncheckedMinLon: lon, minLat: lat, maxLon: lon + size, maxLat: lat + size * 0.7)
            let exact = try window(connection, box)
            let loose = try window(connection, box, grownBy: 1e-5)
            #expect(exact.geometry.isSubset(of: exact.index), "window \(box): the index misses parcels")
            #expect(exact.index.isSubset(of: loose.geometry), "window \(box): the index answers parcels far outside")
        }
    }

    @Test("Tehran as imported: rtreecheck is ok on every layer, windows match the geometries, entries match the rows")
    func importedIndexes() async throws {
        let connection = try Self.connection(try await ImportedDatabase.copy("tehran"))
        for table in ["parcel", "zone", "facility", "street"] {
            #expect(try Self.check(connection, "idx_\(table)_geom") == ["ok"], "\(table)")
            let rows = try connection.cached("SELECT count(*) FROM \(table) WHERE geom IS NOT NULL", name: "rows").all { $0.int(0) }
            let entries = try connection.cached("SELECT count(*) FROM idx_\(table)_geom", name: "entries").all { $0.int(0) }
            #expect(rows == entries, "\(table)")
        }
        let depth = try connection.cached("SELECT hex(substr(data, 1, 2)) FROM idx_parcel_geom_node WHERE nodeno = 1", name: "depth").all { $0.string(0) }
        #expect(depth == ["0002"], "6,673 parcels, 51 to a node: leaves, one level, the root")
        try Self.expectWindowsMatch(connection, seed: 1)
    }

    @Test("edits through SpatiaLite's triggers keep the packed tree consistent")
    func editsAfterImport() async throws {
        let connection = try Self.connection(try await ImportedDatabase.copy("tehran"))
        // 300 copies of parcels moved 0.001° east (the triggers insert them into the index),
        // then every 7th parcel deleted (the triggers delete them, shrinking nodes).
        try connection.execute(
            """
            INSERT INTO parcel (parcel_id, zone_code, area_m2, current_use, floors, address, extra, geom)
            SELECT 'copy-' || parcel_id, zone_code, area_m2, current_use, floors, address, extra, ST_Translate(geom, 0.001, 0, 0)
            FROM parcel ORDER BY rowid LIMIT 300
            """, name: "copies")
        try connection.execute("DELETE FROM parcel WHERE rowid % 7 = 0", name: "deletes")
        #expect(try Self.check(connection, "idx_parcel_geom") == ["ok"])
        try Self.expectWindowsMatch(connection, seed: 2)
    }

    @Test("a planted fault in the packed tree is reported by the integrity check")
    func plantedFault() async throws {
        let path = try await ImportedDatabase.copy("tehran")
        let connection = try Self.connection(path)
        // A leaf forgets its parent: rtreecheck's "Mapping … missing from %_parent".
        try connection.execute("DELETE FROM idx_parcel_geom_parent WHERE nodeno = (SELECT max(nodeno) FROM idx_parcel_geom_parent)", name: "plant")
        let report = try await LandStore(path: path, create: false, logger: Logger(label: "test")).checkIntegrity()
        #expect(report.problems.contains { $0.table == "idx_parcel_geom" && $0.id == "rtreecheck" })
    }

    @Test("STR packing: each entry in one leaf, nodes within capacity, parents hold their children, one root numbered 1",
          arguments: [0, 1, 51, 52, 2601, 2602, 10_000])
    func packing(count: Int) {
        var random = SeededRandom(seed: UInt64(count))
        let entries = (0..<count).map { id -> PackedEntry in
            let x = Float(random.next() % 10_000) / 100, y = Float(random.next() % 10_000) / 100
            return PackedEntry(id: Int64(id + 1), minX: x, maxX: x + 0.5, minY: y, maxY: y + 0.3)
        }
        let tree = PackedTree(entries, capacity: 51)
        let leaves = tree.levels[0].flatMap(\.children)
        #expect(leaves.map(\.id).sorted() == entries.map(\.id), "every entry once")
        #expect(tree.levels.last!.map(\.number) == [1])
        let numbers = tree.levels.flatMap { $0.map(\.number) }
        #expect(Set(numbers).count == numbers.count)
        for (level, nodes) in tree.levels.enumerated() {
            for node in nodes {
                #expect(node.children.count <= 51)
                guard level > 0 else { continue }
                for child in node.children {
                    let below = tree.levels[level - 1].first { $0.number == child.id }!
                    #expect(below.children.allSatisfy {
                        $0.minX >= child.minX && $0.maxX <= child.maxX && $0.minY >= child.minY && $0.maxY <= child.maxY
                    })
                }
            }
        }
        #expect(tree.levels.count == (count <= 51 ? 1 : count <= 51 * 51 ? 2 : 3))
    }

    @Test("boxes are rounded outwards to 32-bit floats")
    func outwardRounding() {
        var random = SeededRandom(seed: 9)
        for _ in 0..<10_000 {
            let value = Double(random.next() % 1_000_000_000) / 1e7 - 50
            #expect(Double(PackedEntry.down(value)) <= value && Double(PackedEntry.up(value)) >= value)
            #expect(Double(PackedEntry.up(value)) - Double(PackedEntry.down(value)) <= 2 * Double(Float(value).ulp))
        }
    }
}
