import LandModel
import LandService
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
}
