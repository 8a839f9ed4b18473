import Foundation
import GeoFormats
import LandModel
import LandService
import Logging
import Testing
import TestSupport

/// Issue 21 point 3 on the store the suite runs against (SQLite, or PostgreSQL under
/// `scripts/test`): amounts are in no byte of the database before the opening (the file and its
/// WAL, or a `pg_dump`), the opening needs the committee's threshold of genuine shares and the
/// opening time by the server's clock, and the result is the brute-force ranking, computed once.
@Suite("Tenders with sealed bids", .serialized)
struct TenderTests {
    static func notice(_ kind: TenderKind, reserve: UInt64, opensIn seconds: Double) -> TenderNotice {
        let opensAt = Date.now.addingTimeInterval(seconds)
        let millis = Int64((opensAt.timeIntervalSince1970 * 1000).rounded())
        return TenderNotice(
            title: BilingualText(fa: "اجاره غرفه", en: "Booth lease"), details: BilingualText(fa: "غرفه ۳", en: "Booth 3"), kind: kind,
            parcels: [ParcelID("P-000001")], facilities: [], reservePrice: reserve, deposit: 1_000,
            opensAt: RFC3339.string(milliseconds: millis))
    }

    static let bidder = Bidder(nationalID: NationalID("0013542419")!, phone: MobileNumber("09121234567")!)

    /// Every byte of the database as it is on disk now: the SQLite file and its WAL, or a dump.
    static func rawDatabase(_ location: String) throws -> [UInt8] {
        if location.hasPrefix("postgres://") {
            let dump = Process()
            dump.executableURL = URL(filePath: "/usr/bin/pg_dump")
            dump.arguments = ["--data-only", location]
            let pipe = Pipe()
            dump.standardOutput = pipe
            try dump.run()
            let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
            dump.waitUntilExit()
            #expect(dump.terminationStatus == 0)
            return Array(bytes)
        }
        var bytes: [UInt8] = []
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: location + suffix) { bytes += data }
        }
        return bytes
    }

    /// Until just past `instant` (RFC 3339) by this machine's clock, the server's.
    static func sleep(until instant: String) async throws {
        let target = Double(RFC3339.milliseconds(instant)!) / 1000 + 0.05
        let wait = target - Date.now.timeIntervalSince1970
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
    }

    static func contains(_ haystack: Data, _ needle: String) -> Bool {
        haystack.range(of: Data(needle.utf8)) != nil
    }

    /// A tender of `kind` opening `window` seconds from now, with `amounts` bid in order; nil when
    /// a bid came too late because the machine was slower than the window (the whole suite runs
    /// in parallel on two cores), so that the caller tries again with a longer one.
    static func tender(
        _ kind: TenderKind, reserve: UInt64, window: Double, committee: TenderCommittee, amounts: [UInt64], on services: LandServices
    ) async throws -> (tender: Tender, shares: [String], bids: [SealedTenderBid])? {
        let published = try await services.publishTender(Self.notice(kind, reserve: reserve, opensIn: window), committee: committee, actor: "admin")
        var bids: [SealedTenderBid] = []
        for amount in amounts {
            do {
                bids.append(try await services.submitBid(to: published.tender.id, bidder: Self.bidder, amount: amount, actor: "public"))
            } catch ServiceError.tender(.closed) {
                return nil
            }
        }
        return (published.tender, published.shares, bids)
    }

    static func tender(
        _ kind: TenderKind, reserve: UInt64, committee: TenderCommittee, amounts: [UInt64], on services: LandServices
    ) async throws -> (tender: Tender, shares: [String], bids: [SealedTenderBid]) {
        // An hour ahead, the opening is surely early, and an amount out of range is refused.
        let distant = try await services.publishTender(Self.notice(kind, reserve: reserve, opensIn: 3600), committee: committee, actor: "admin")
        await #expect(throws: ServiceError.tender(.tooEarly(opensAt: distant.tender.notice.opensAt))) {
            _ = try await services.openTender(distant.tender.id, shareTexts: distant.shares, actor: "planner")
        }
        let outOfRange = kind == .auction ? reserve - 1 : reserve + 1
        await #expect(throws: ServiceError.tender(.amountOutOfRange(kind: kind, reservePrice: reserve))) {
            _ = try await services.submitBid(to: distant.tender.id, bidder: Self.bidder, amount: outOfRange, actor: "public")
        }
        for window in [20.0, 60, 180, 600] {
            if let made = try await tender(kind, reserve: reserve, window: window, committee: committee, amounts: amounts, on: services) {
                return made
            }
        }
        throw ServiceError.tender(.closed)
    }

    @Test("sealed amounts are in no byte of the database; k−1 shares, a forged share and an early opening fail; the result is the brute-force ranking")
    func sealedUntilOpened() async throws {
        let location = try await TestDatabase.imported()
        let services = try await LandServices.open(databaseAt: location, logger: Logger(label: "test"))
        // Amounts no other column could hold by chance: 12 digits, distinct, two of them tied.
        let amounts: [UInt64] = [734_918_265_031, 912_345_678_123, 912_345_678_123, 455_500_600_777, 800_000_000_019]
        let (tender, shares, bids) = try await Self.tender(
            .auction, reserve: 100_000_000_000, committee: TenderCommittee(threshold: 3, members: 5), amounts: amounts, on: services)
        let published = (tender: tender, shares: shares)
        #expect(published.shares.count == 5)
        // A withdrawal is taken before the opening time only: when the machine was too slow for
        // it, the bid is left in, and the brute force below counts it.
        let withdrawn = try? await services.withdrawBid(trackingCode: bids[4].trackingCode, nationalID: Self.bidder.nationalID, actor: "public")
        let withdrawnID = withdrawn.map { _ in bids[4].id }
        // Another's national id cannot withdraw a bid.
        await #expect(throws: ServiceError.tender(.bidNotFound)) {
            _ = try await services.withdrawBid(trackingCode: bids[0].trackingCode, nationalID: NationalID("0499370899")!, actor: "public")
        }
        let raw = Data(try Self.rawDatabase(location))
        #expect(!raw.isEmpty)
        for amount in amounts {
            #expect(!Self.contains(raw, String(amount)), "amount \(amount) is readable in the database before the opening")
        }
        try await Self.sleep(until: published.tender.notice.opensAt)
        await #expect(throws: ServiceError.tender(.closed)) {
            _ = try await services.submitBid(to: published.tender.id, bidder: Self.bidder, amount: 999_999_999_999, actor: "public")
        }
        await #expect(throws: ServiceError.tender(.tooFewShares(have: 2, need: 3))) {
            _ = try await services.openTender(published.tender.id, shareTexts: Array(published.shares.prefix(2)), actor: "planner")
        }
        // A share whose bytes were changed (its text no longer checks out).
        var parts = published.shares[2].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        parts[3] = (parts[3].first == "A" ? "B" : "A") + parts[3].dropFirst()
        let forged = parts.joined(separator: ":")
        await #expect(throws: ServiceError.tender(.badShare(position: 2))) {
            _ = try await services.openTender(published.tender.id, shareTexts: [published.shares[0], published.shares[1], forged], actor: "planner")
        }
        // Another tender's share.
        let other = try await services.publishTender(
            Self.notice(.procurement, reserve: 5_000, opensIn: 60), committee: TenderCommittee(threshold: 3, members: 3), actor: "admin")
        await #expect(throws: ServiceError.tender(.badShare(position: 2))) {
            _ = try await services.openTender(published.tender.id, shareTexts: [published.shares[0], published.shares[1], other.shares[0]], actor: "planner")
        }
        #expect(try await services.tender(published.tender.id).result == nil)
        let opened = try await services.openTender(published.tender.id, shareTexts: [published.shares[4], published.shares[1], published.shares[3]], actor: "planner")
        // Brute force: the withdrawn bid out; highest first; the tie to the earlier bid.
        let active = zip(bids, amounts).filter { $0.0.id != withdrawnID }
        let best = active.map(\.1).max()!
        let firstBest = active.first { $0.1 == best }!.0
        let result = try #require(opened.result)
        #expect(result.bids == active.count)
        #expect(result.winningAmount == best && result.winningBid == firstBest.id && firstBest.id == bids[1].id)
        #expect(result.losingAmounts == active.map(\.1).sorted(by: >).dropFirst().map { $0 })
        await #expect(throws: ServiceError.tender(.alreadyOpened)) {
            _ = try await services.openTender(published.tender.id, shareTexts: Array(published.shares.prefix(3)), actor: "planner")
        }
        #expect(try await services.tender(published.tender.id).result == result)
        await services.close()
    }

    @Test("a procurement's lowest bid wins; bids above its maximum are refused")
    func procurement() async throws {
        let services = try await LandServices.open(databaseAt: try await TestDatabase.imported(), logger: Logger(label: "test"))
        let (tender, shares, _) = try await Self.tender(
            .procurement, reserve: 50_000, committee: TenderCommittee(threshold: 2, members: 2), amounts: [40_000, 31_000, 45_000], on: services)
        let published = (tender: tender, shares: shares)
        try await Self.sleep(until: published.tender.notice.opensAt)
        let result = try #require(try await services.openTender(published.tender.id, shareTexts: published.shares, actor: "p").result)
        #expect(result.winningAmount == 31_000 && result.losingAmounts == [40_000, 45_000] && result.bids == 3)
        await services.close()
    }
}
