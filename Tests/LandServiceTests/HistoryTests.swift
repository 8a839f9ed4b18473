import Foundation
import LandModel
import LandService
import Testing
import TestSupport

/// The city through time at the service level: three approvals on one parcel, and the
/// snapshot as of an instant inside each version answers with that version.
@Suite("History as of an instant")
struct HistoryTests {
    static let applicant = Applicant(name: "Sara Ahmadi", nationalID: NationalID("0012345679")!, phone: MobileNumber("09121234567")!)

    @Test("every version of a parcel is answered inside its validity; today's snapshot shares outlines and indexes")
    func versionsOfOneParcel() async throws {
        let services = try await TestCity.services()
        let id = ParcelID("P-000002")  // parcels.geojson: R121, residential, 1 floor
        var instants: [Date] = [Date.now]
        for (use, floors) in [("commercial", 2), ("office", 3), ("residential", 4)] {
            try await Task.sleep(for: .milliseconds(10))
            let filed = try await services.fileRequest(RequestFiling(
                parcelID: id, kind: .constructionPermit, requestedUse: LandUse(use), requestedFloors: floors,
                requestedZoneCode: nil, description: "", applicant: Self.applicant))
            _ = try await services.decide(request: filed.request.id, decision: .approve, reason: nil, by: "planner")
            try await Task.sleep(for: .milliseconds(10))
            instants.append(Date.now)
        }
        let expected: [(String, Int)] = [("residential", 1), ("commercial", 2), ("office", 3), ("residential", 4)]
        for (instant, (use, floors)) in zip(instants, expected) {
            let snapshot = try await services.snapshot(asOf: instant)
            let parcel = try #require(snapshot.parcels.first { $0.id == id })
            #expect(parcel.currentUse == LandUse(use) && parcel.floors == floors, "as of \(instant)")
        }
        let long = try await services.snapshot(asOf: Date(timeIntervalSince1970: 0))
        #expect(long.parcels.first { $0.id == id }?.floors == 1, "before the import: the city as imported")
        let now = services.snapshots.snapshot
        #expect(now.parcels.first { $0.id == id }?.floors == 4)
        #expect(long.parcels.count == now.parcels.count)
        #expect(long.parcels.filter { $0.id != id } == now.parcels.filter { $0.id != id }, "no other parcel differs")
        let changes = try await services.changes(in: nil, from: nil, to: nil).compactMap { entry -> ParcelChange? in
            if case .parcel(let change, let outlineChanged) = entry, !outlineChanged { change } else { nil }
        }
        #expect(changes.map(\.after.floors) == [2, 3, 4])
        #expect(zip(changes.dropFirst(), changes).allSatisfy { $0.validFrom == $1.at }, "each version began when the previous ended")
    }
}
