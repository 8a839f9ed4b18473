import Foundation
import GeoCore
import GeoFormats
import LandModel
import LandStore
// @testable for `applying(before:after:)`, the path every Part 4 edit publishes through.
@testable import LandService
import Testing
import TestSupport

/// Value edits of a snapshot copy a chunk of the layer (`ChunkedArray`) and keep the land-use
/// vocabulary by counts: checked here against plain arrays and a recount by brute force.
@Suite("Snapshot value edits")
struct SnapshotEditTests {
    @Test("a chunked array reads and writes like an array, and a copy keeps its values", arguments: [0, 1, 511, 512, 513, 1500])
    func chunkedArrayAgainstArray(count: Int) {
        var random = SeededRandom(seed: UInt64(count) + 7)
        var model = (0..<count).map { $0 * 3 }
        var chunked = ChunkedArray(model)
        #expect(Array(chunked) == model && chunked.count == count)
        for _ in 0..<(count == 0 ? 0 : 200) {
            let position = Int(random.next() % UInt64(count))
            let value = Int(random.next() % 1000)
            let before = chunked
            let beforeModel = model
            chunked[position] = value
            model[position] = value
            #expect(Array(before) == beforeModel, "the copy taken before the write is untouched")
            #expect(chunked[position] == value)
        }
        #expect(Array(chunked) == model)
        #expect(chunked.reversed() == model.reversed() && chunked.firstIndex(of: -1) == nil)
    }

    @Test("a position by id is the id's index in the layer, and nil for every id the layer has not")
    func positionsByID() async throws {
        let snapshot = try await TestCity.shared().snapshots.snapshot
        let ids = snapshot.parcels.map(\.id.rawValue)
        for (index, id) in ids.enumerated() { #expect(snapshot.parcelPosition[ParcelID(id)] == Int32(index)) }
        // Ids around each one: before the first, between neighbours, after the last, prefixes.
        var absent = ["", " ", "~", "P", "P-", "Z-001", "\u{10FFFF}"]
        for id in ids.prefix(50) + ids.suffix(50) { absent += [id + "0", id + " ", String(id.dropLast())] }
        for id in Set(absent).subtracting(ids) { #expect(snapshot.parcelPosition[ParcelID(id)] == nil, "\(id)") }
        for (index, zone) in snapshot.zones.enumerated() { #expect(snapshot.zonePosition[zone.id] == Int32(index)) }
        #expect(snapshot.zonePosition[ZoneID("no such zone")] == nil)
        let empty = snapshot.replacingLayers(parcels: [])
        #expect(empty.parcelPosition[ParcelID(ids[0])] == nil)
    }

    @Test("after random edits of uses, the vocabulary equals a recount and earlier snapshots keep their values")
    func landUsesFollowEdits() async throws {
        let services = try await TestCity.shared()
        let first = services.snapshots.snapshot
        let uses = Array(Set(first.parcels.compactMap(\.currentUse))) + [LandUse("observatory"), LandUse("mooring")]
        var random = SeededRandom(seed: 16)
        var snapshot = first
        var model = Array(first.parcels)
        for step in 0..<300 {
            var edits: [ParcelID: ParcelAttributes] = [:]
            for _ in 0..<(1 + Int(random.next() % 3)) {
                // 20 parcels, so that uses come and go (a use no parcel and no rule names must leave).
                let position = Int(random.next() % 20) * (model.count / 20)
                let use: LandUse? = random.next() % 10 == 0 ? nil : uses[Int(random.next() % UInt64(uses.count))]
                let parcel = model[position]
                edits[parcel.id] = ParcelAttributes(zoneCode: parcel.zoneCode, currentUse: use, floors: step)
            }
            for (id, values) in edits {
                let position = Int(snapshot.parcelPosition[id]!)
                model[position].currentUse = values.currentUse
                model[position].floors = values.floors
            }
            snapshot = snapshot.replacingAttributes(edits)
            var expected = Set(model.compactMap(\.currentUse))
            for rule in snapshot.rules.values { expected.formUnion(rule.allowedUses + rule.conditionalUses) }
            #expect(snapshot.landUses == expected.sorted(), "step \(step)")
        }
        #expect(Array(snapshot.parcels) == model)
        let parcel = first.parcels[0]
        let observed = first.replacingAttributes([parcel.id: ParcelAttributes(zoneCode: parcel.zoneCode, currentUse: LandUse("observatory"), floors: 1)])
        #expect(observed.landUses.contains(LandUse("observatory")) && !first.landUses.contains(LandUse("observatory")))
        let back = observed.replacingAttributes([parcel.id: ParcelAttributes(zoneCode: parcel.zoneCode, currentUse: parcel.currentUse, floors: 1)])
        #expect(back.landUses == first.landUses, "a use no parcel has any more leaves the vocabulary")
        #expect(Array(first.parcels) == Array(services.snapshots.snapshot.parcels), "the first snapshot is untouched")
    }

    /// `polygonal` scaled about its first vertex by `factor` (a reshape that keeps the id).
    static func scaled(_ polygonal: Polygonal, by factor: Double) -> Polygonal {
        let x0 = polygonal.parts[0].exterior.xy[0], y0 = polygonal.parts[0].exterior.xy[1]
        func ring(_ ring: Ring) -> Ring {
            Ring(xy: ring.xy.enumerated().map { index, value in index % 2 == 0 ? x0 + (value - x0) * factor : y0 + (value - y0) * factor })
        }
        return Polygonal(parts: polygonal.parts.map { Polygon(exterior: ring($0.exterior), holes: $0.holes.map(ring)) }, isMulti: polygonal.isMulti)
    }

    @Test("reshapes through the overlays answer lookups, windows and geometry texts as brute force does, across compaction")
    func reshapesAgainstBruteForce() async throws {
        let services = try await TestCity.shared()
        var snapshot = services.snapshots.snapshot
        var random = SeededRandom(seed: 8)
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * Double(random.next() % 1_000_000) / 1_000_000 }
        let extent = snapshot.parcels.dropFirst().reduce(snapshot.parcels[0].geometry.bbox) { $0.union($1.geometry.bbox) }
        for step in 1...1_100 {  // past LayerIndex.compactionThreshold (1,024) reshapes
            let position = Int(random.next() % UInt64(snapshot.parcels.count))
            var parcel = snapshot.parcels[position]
            let old = StoredFeature.parcel(parcel)
            parcel.geometry = Self.scaled(parcel.geometry, by: uniform(0.5, 1.5))
            snapshot = snapshot.applying(before: old, after: .parcel(parcel))
            #expect(snapshot.parcels[position].geometry == parcel.geometry)
            guard step % 550 == 0 else { continue }
            let outlines = Array(snapshot.parcels.map(\.geometry))
            for _ in 0..<120 {
                let point = Coordinate(uncheckedLon: uniform(extent.minLon, extent.maxLon), lat: uniform(extent.minLat, extent.maxLat))
                // Overlapping parcels (reshapes grow some): the smallest id, i.e. position, wins.
                let expected = outlines.indices.first { index in
                    outlines[index].parts.contains { BruteForce.evenOddContains([$0.exterior] + $0.holes, x: point.lon, y: point.lat) }
                }
                #expect(snapshot.parcel(at: point).map(Int.init) == expected, "step \(step), point \(point)")
                let size = uniform(0.0002, 0.003)
                let window = BoundingBox(uncheckedMinLon: point.lon, minLat: point.lat, maxLon: point.lon + size, maxLat: point.lat + size)
                let inWindow = outlines.indices.filter { index in
                    outlines[index].parts.contains {
                        BruteForce.polygonIntersectsBox($0, minX: window.minLon, minY: window.minLat, maxX: window.maxLon, maxY: window.maxLat)
                    }
                }
                #expect(snapshot.parcels(intersecting: window).map(Int.init).sorted() == inWindow, "step \(step), window \(window)")
            }
            // The rendered text of each parcel is its outline (7 decimals), read back by Foundation.
            for index in stride(from: 0, to: outlines.count, by: 97) {
                let text = snapshot.parcelGeometryJSON.withJSON(of: index) { Data($0) }
                let json = try JSONSerialization.jsonObject(with: text) as! [String: Any]
                let first = ((json["coordinates"] as! [Any])[0] as! [Any])
                let ring = (outlines[index].isMulti ? (first[0] as! [[Double]]) : (first as! [[Double]])).flatMap { $0 }
                let exterior = outlines[index].parts[0].exterior.xy
                #expect(ring.count == exterior.count && zip(ring, exterior).allSatisfy { abs($0 - $1) <= 0.5e-7 + 1e-12 }, "parcel \(index)")
            }
        }
    }

    @Test("another process's changes — values, outlines, additions, removals — applied to a snapshot equal a city built from scratch")
    func othersChangesAgainstRebuild() async throws {
        let services = try await TestCity.shared()
        let first = services.snapshots.snapshot
        var random = SeededRandom(seed: 17)
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * Double(random.next() % 1_000_000) / 1_000_000 }
        var snapshot = first
        // The model: the layers as the store would hold them after each batch of changes.
        var parcels = Array(first.parcels), zones = Array(first.zones), facilities = Array(first.facilities)
        for round in 0..<12 {
            var changes = CityChanges(
                since: CityVersion(number: round, changedAt: nil), version: CityVersion(number: round + 1, changedAt: nil),
                parcels: [:], zones: [:], facilities: [:], needsWholeCity: false)
            for _ in 0..<(1 + Int(random.next() % 6)) {
                let position = Int(random.next() % UInt64(parcels.count))
                switch random.next() % 4 {
                case 0:  // values
                    parcels[position].floors = Int(random.next() % 30)
                    parcels[position].address = "خیابان \(round)"
                    changes.parcels[parcels[position].id] = parcels[position]
                case 1:  // outline
                    parcels[position].geometry = Self.scaled(parcels[position].geometry, by: uniform(0.6, 1.2))
                    changes.parcels[parcels[position].id] = parcels[position]
                case 2:  // removal
                    changes.parcels[parcels[position].id] = Parcel?.none
                    parcels.remove(at: position)
                default:  // addition: a copy of a parcel, moved off the city, under a new id
                    var added = parcels[position]
                    added.id = ParcelID("X-\(round)-\(random.next() % 100_000)")
                    added.geometry = Self.scaled(added.geometry, by: 0.5)
                    guard changes.parcels[added.id] == nil, !parcels.contains(where: { $0.id == added.id }) else { continue }
                    parcels.append(added)
                    changes.parcels[added.id] = added
                }
            }
            if round % 3 == 0 {
                let zone = Int(random.next() % UInt64(zones.count))
                zones[zone].nameEn = "Zone \(round)"
                changes.zones[zones[zone].id] = zones[zone]
                let facility = Int(random.next() % UInt64(facilities.count))
                changes.facilities[facilities[facility].id] = Facility?.none
                facilities.remove(at: facility)
            }
            snapshot = snapshot.applying(changes)
            // Brute force: the layers the model holds, as sets by id (positions of additions may differ).
            #expect(Dictionary(uniqueKeysWithValues: snapshot.parcels.map { ($0.id, $0.floors) })
                == Dictionary(uniqueKeysWithValues: parcels.map { ($0.id, $0.floors) }), "round \(round)")
            #expect(Set(snapshot.zones.map(\.nameEn)) == Set(zones.map(\.nameEn)) && Set(snapshot.facilities.map(\.id)) == Set(facilities.map(\.id)))
            for parcel in parcels where random.next() % 40 == 0 || changes.parcels[parcel.id] != nil {
                let position = try #require(snapshot.parcelPosition[parcel.id])
                #expect(snapshot.parcels[Int(position)].geometry == parcel.geometry && snapshot.parcels[Int(position)].address == parcel.address)
            }
            // Lookups at random points: the parcel whose outline holds the point, by brute force.
            let extent = parcels.dropFirst().reduce(parcels[0].geometry.bbox) { $0.union($1.geometry.bbox) }
            for _ in 0..<60 {
                let point = Coordinate(uncheckedLon: uniform(extent.minLon, extent.maxLon), lat: uniform(extent.minLat, extent.maxLat))
                let holders = Set(parcels.filter { parcel in
                    parcel.geometry.parts.contains { BruteForce.evenOddContains([$0.exterior] + $0.holes, x: point.lon, y: point.lat) }
                }.map(\.id))
                let found = snapshot.parcel(at: point).map { snapshot.parcels[Int($0)].id }
                #expect(found.map(holders.contains) ?? holders.isEmpty, "round \(round), point \(point)")
            }
        }
    }
}
