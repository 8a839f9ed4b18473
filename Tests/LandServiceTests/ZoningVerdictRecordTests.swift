import Foundation
import LandModel
import LandService
import Testing

/// The zoning check stored with a request is a versioned record (issue 15 point 3): a row in the
/// shape written before versions existed still reads, a row of this version reads back equal, and
/// one of a version newer than this server is refused rather than misread.
@Suite("Stored zoning verdicts: every version written so far reads")
struct ZoningVerdictRecordTests {
    /// Written by hand in the shape `ZoningVerdict.json` had until issue 15 (no `version`).
    static let unversioned = """
        {"zone_code":"R121","allowed":false,"needs_approval":false,"checks":[\
        {"rule":"use","ok":true,"outcome":"use_allowed","limit":{"allowed":["residential","green"],"conditional":["education"]},"requested":"residential"},\
        {"rule":"floors","ok":false,"outcome":"exceeds_limit","limit":4,"requested":7},\
        {"rule":"min_parcel_area","ok":true,"outcome":"no_limit","limit":null,"requested":250.5}]}
        """

    @Test("a row in the old, unversioned shape reads with every check")
    func oldShapeReads() throws {
        let record = try #require(ZoningVerdictRecord(json: Self.unversioned))
        #expect(record.zoneCode == ZoneCode("R121"))
        #expect(!record.isAllowed && !record.needsApproval)
        #expect(record.checks.map(\.rule) == [.use, .floors, .minParcelArea])
        #expect(record.checks.map(\.isOK) == [true, false, true])
        #expect(record.checks.map(\.outcome) == [.useAllowed, .exceedsLimit, .noLimit])
        #expect(record.checks[0].limit == .uses(allowed: [LandUse("residential"), LandUse("green")], conditional: [LandUse("education")]))
        #expect(record.checks[1].limit == .number(4) && record.checks[1].requested == .number(7))
        #expect(record.checks[2].limit == ZoningCheckItem.Limit.none && record.checks[2].requested == .number(250.5))
        #expect(record.checks[0].requested == .use(LandUse("residential")))
    }

    @Test("a record written now carries its version and reads back equal")
    func currentVersionRoundTrips() throws {
        let record = try #require(ZoningVerdictRecord(json: Self.unversioned))
        let stored = record.json
        #expect(stored.hasPrefix("{\"version\":1,"))
        #expect(ZoningVerdictRecord(json: stored) == record)
    }

    @Test("a version newer than this server, or a row that is not a record, is refused")
    func unknownVersionsAreRefused() {
        let future = Self.unversioned.replacingOccurrences(of: "{\"zone_code\"", with: "{\"version\":2,\"zone_code\"")
        #expect(ZoningVerdictRecord(json: future) == nil)
        #expect(ZoningVerdictRecord(json: "{}") == nil)
        #expect(ZoningVerdictRecord(json: "not json") == nil)
        #expect(ZoningVerdictRecord(json: Self.unversioned.replacingOccurrences(of: "exceeds_limit", with: "maybe")) == nil)
    }
}
