import Foundation
import GeoCore
import GeoFormats
import LandModel
import LandStore
import SpatialIndex
@testable import LandService
import Testing
import TestSupport

extension SnapshotImage {
    /// The snapshot the image at `path` holds, if it is one of the city in the state `stamp`
    /// describes (what `LandServices.open` loads without catching up).
    static func read(from path: String, expecting stamp: ImageStamp) -> CitySnapshot? {
        read(from: path, accepting: { $0 == stamp })?.snapshot
    }
}

/// Issue 17 point 8: a snapshot image read back answers as the snapshot built from the store, and
/// an image of another state, a damaged or a truncated one is refused (never used, never a crash).
@Suite("Snapshot images")
struct SnapshotImageTests {
    static let stamp = ImageStamp(
        city: CityStamp(
            database: "sqlite:/test.db", version: CityVersion(number: 7, changedAt: "2026-12-07T01:02:03.456Z"),
            importedAt: "2026-12-06T00:00:00.000Z", reshapedAt: nil),
        file: [4096, 1_700_000_000, 123, 0])

    /// Every value and every answer of `image` is the one `built` gives.
    static func expectSame(_ image: CitySnapshot, _ built: CitySnapshot, seed: UInt64) {
        #expect(Array(image.parcels) == Array(built.parcels))
        #expect(Array(image.zones) == Array(built.zones))
        #expect(image.facilities == built.facilities)
        #expect(image.rules == built.rules)
        #expect(built.parcels.indices.allSatisfy { image.parcelPosition[built.parcels[$0].id] == Int32($0) })
        #expect(built.zones.indices.allSatisfy { image.zonePosition[built.zones[$0].id] == Int32($0) })
        #expect(image.landUses == built.landUses && image.categories == built.categories)
        for position in 0..<built.parcels.count {
            let same = image.parcelGeometryJSON.withJSON(of: position) { text in built.parcelGeometryJSON.withJSON(of: position) { Array($0) == Array(text) } }
            if !same { Issue.record("parcel \(position)'s GeoJSON text differs"); break }
        }
        // Lookups, windows and nearest at random points of the city's extent, against the
        // snapshot built from the store and against brute force over the outlines.
        var random = SeededRandom(seed: seed)
        let extent = built.parcels.reduce(built.parcels[0].geometry.bbox) { $0.union($1.geometry.bbox) }
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * Double(random.next() % 1_000_000) / 1_000_000 }
        var hits = 0
        for _ in 0..<400 {
            let point = Coordinate(uncheckedLon: uniform(extent.minLon, extent.maxLon), lat: uniform(extent.minLat, extent.maxLat))
            let found = image.parcel(at: point)
            let brute = built.parcels.indices.first { built.parcels[$0].geometry.contains(point) }.map(Int32.init)
            #expect(found == brute, "parcel at \(point)")
            if found != nil { hits += 1 }
            #expect(image.zones(at: point) == built.zones(at: point))
            #expect(image.nearestFacilities(to: point, k: 3, categories: nil) == built.nearestFacilities(to: point, k: 3, categories: nil))
            let box = BoundingBox(uncheckedMinLon: point.lon, minLat: point.lat, maxLon: point.lon + 0.002, maxLat: point.lat + 0.002)
            #expect(image.parcels(intersecting: box) == built.parcels(intersecting: box))
        }
        #expect(hits > 20, "the points fall on parcels often enough to test lookups")
        for text in ["خیابان", "P-0001", "بیمارستان", "park", "ولیعصر"] {
            let query = SearchQuery(text: text, categories: nil, landUse: nil, zoneCode: nil, bbox: nil, limit: 50)
            #expect(image.search(query) == built.search(query), "search \(text)")
        }
    }

    static func imagePath() throws -> String { try Fixtures.temporaryDirectory("zamin-image").appending(path: "city.image").path }

    @Test("an image read back answers as the snapshot built from the store", arguments: ["tehran", "helsinki"])
    func roundTrip(dataset: String) async throws {
        let built = try await TestCity.shared(dataset).snapshots.snapshot
        let path = try Self.imagePath()
        try SnapshotImage.write(built, stamp: Self.stamp, to: path)
        let image = try #require(SnapshotImage.read(from: path, expecting: Self.stamp))
        Self.expectSame(image, built, seed: 3)
    }

    @Test("a snapshot with reshaped parcels in its overlays is saved as its compacted self")
    func reshapedSnapshot() async throws {
        let first = try await TestCity.shared().snapshots.snapshot
        var snapshot = first
        for position in [3, 500, 2000] {
            var parcel = snapshot.parcels[position]
            parcel.geometry = SnapshotEditTests.scaled(parcel.geometry, by: 0.5)
            snapshot = snapshot.reshaping(parcel: Int32(position), to: parcel)
        }
        #expect(!snapshot.parcelIndex.isCompact, "the reshapes are in the overlays")
        let path = try Self.imagePath()
        try SnapshotImage.write(snapshot, stamp: Self.stamp, to: path)
        let image = try #require(SnapshotImage.read(from: path, expecting: Self.stamp))
        Self.expectSame(image, snapshot.replacingLayers(parcels: Array(snapshot.parcels)), seed: 5)
        #expect(image.parcels[500].geometry == SnapshotEditTests.scaled(first.parcels[500].geometry, by: 0.5))
    }

    @Test("an image of another state of the city is not used")
    func otherState() async throws {
        let built = try await TestCity.shared().snapshots.snapshot
        let path = try Self.imagePath()
        try SnapshotImage.write(built, stamp: Self.stamp, to: path)
        var others: [ImageStamp] = []
        var stamp = Self.stamp
        stamp.city.version.number += 1
        others.append(stamp)
        stamp = Self.stamp
        stamp.city.version.changedAt = "2026-12-07T01:02:03.457Z"
        others.append(stamp)
        stamp = Self.stamp
        stamp.city.importedAt = nil
        others.append(stamp)
        stamp = Self.stamp
        stamp.city.reshapedAt = "2026-12-07T00:00:00.000Z"
        others.append(stamp)
        stamp = Self.stamp
        stamp.city.database = "sqlite:/other.db"
        others.append(stamp)
        stamp = Self.stamp
        stamp.file[1] += 1  // the file written by another tool since
        others.append(stamp)
        stamp = Self.stamp
        stamp.file[3] = 32  // a WAL with frames
        others.append(stamp)
        stamp = Self.stamp
        stamp.city.lastChange = "12 2026-12-07T01:02:03.456Z parcel P-000001"
        others.append(stamp)
        for other in others { #expect(SnapshotImage.read(from: path, expecting: other) == nil, "\(other)") }
        #expect(SnapshotImage.read(from: path + ".none", expecting: Self.stamp) == nil, "no file")
    }

    @Test("only an image of an older state of the same PostgreSQL city, import and reshape is caught up")
    func catchUpRules() throws {
        var imaged = Self.stamp
        imaged.file = []
        imaged.city.database = "postgres://127.0.0.1:5432/city"
        imaged.city.lastChange = "12 2026-12-07T01:02:03.456Z parcel P-000001"
        var current = imaged
        current.city.version = CityVersion(number: 9, changedAt: "2026-12-08T00:00:00.000Z")
        current.city.lastChange = "15 2026-12-08T00:00:00.000Z facility place-0001"
        #expect(imaged.canCatchUp(to: current))
        var refused: [(String, ImageStamp)] = []
        var other = current
        other.city.version.number = imaged.city.version.number
        refused.append(("the same version", other))
        other = current
        other.city.version.number = imaged.city.version.number - 1
        refused.append(("an older version", other))
        other = current
        other.city.importedAt = "2026-12-07T12:00:00.000Z"
        refused.append(("imported again", other))
        other = current
        other.city.reshapedAt = "2026-12-07T12:00:00.000Z"
        refused.append(("reshaped since", other))
        other = current
        other.city.database = "postgres://127.0.0.1:5432/another"
        refused.append(("another database", other))
        for (why, state) in refused { #expect(!imaged.canCatchUp(to: state), "\(why)") }
        // SQLite keeps no change log: its images are used only for the state they were made of.
        var file = Self.stamp
        var later = file
        later.city.version.number += 2
        later.file[1] += 5
        #expect(!file.canCatchUp(to: later))
        file.file = []
        later.file = []
        #expect(!file.canCatchUp(to: later), "a SQLite database name")
    }

    @Test("a damaged or truncated image is refused, whichever byte is hit")
    func damagedImages() async throws {
        let built = try await TestCity.shared("helsinki").snapshots.snapshot
        let path = try Self.imagePath()
        try SnapshotImage.write(built, stamp: Self.stamp, to: path)
        let original = try Data(contentsOf: URL(filePath: path))
        let damagedPath = path + ".damaged"
        var random = SeededRandom(seed: 11)
        for trial in 0..<120 {
            var bytes = original
            // The first trials hit the header and the stamp, the others anywhere.
            let offset = trial < 40 ? trial * 3 : Int(random.next() % UInt64(bytes.count))
            bytes[offset] ^= UInt8(1 + random.next() % 255)
            try bytes.write(to: URL(filePath: damagedPath))
            if let read = SnapshotImage.read(from: damagedPath, expecting: Self.stamp) {
                // Only the zero padding between sections may be hit without notice.
                #expect(Array(read.parcels) == Array(built.parcels) && read.facilities == built.facilities, "byte \(offset)")
            }
        }
        for trial in 0..<40 {
            let length = trial < 20 ? trial * 7 : Int(random.next() % UInt64(original.count))
            try original.prefix(length).write(to: URL(filePath: damagedPath))
            #expect(SnapshotImage.read(from: damagedPath, expecting: Self.stamp) == nil, "\(length) of \(original.count) bytes")
        }
    }
}
