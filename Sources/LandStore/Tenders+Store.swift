package import LandModel
import GeoFormats

/// Tenders and their sealed bids (issue 21 point 3). A bid's amount is stored only as its HPKE
/// ciphertext (hex); the tender's private key is stored nowhere. The bidder's national id and
/// phone are personal data: no API answer shows them, and the audit names bids by id only.
extension LandStore {
    /// Stores a new tender under the next free id (`T-0001`, …), chosen inside the write so that
    /// publishers at once get one each; `makeKey` makes the tender's key for that id (its shares
    /// name the tender) and returns the public key to store and what the caller keeps (the
    /// shares, stored nowhere); nil refuses the committee (`conflict`).
    package func publishTender<Kept: Sendable>(
        _ notice: TenderNotice, committee: TenderCommittee, actor: String,
        makeKey: @escaping @Sendable (TenderID) -> (publicKey: [UInt8], kept: Kept)?
    ) async throws(StoreError) -> (tender: Tender, kept: Kept) {
        try await writer.publishTender(notice, committee: committee, actor: actor, makeKey: makeKey)
    }

    package func tender(_ id: TenderID) async throws(StoreError) -> Tender? {
        try await readers.read { (connection) throws(StoreError) in try Self.tender(id, connection) }
    }

    static func tender(_ id: TenderID, _ connection: Connection) throws(StoreError) -> Tender? {
        try connection.cached(SQL.tenderByID, name: "tenderByID").bind(id.rawValue, at: 1).all(Self.tender).first
    }

    /// Every tender, newest first; only those still taking bids at `openAt` when given.
    package func tenders(openAt now: String? = nil) async throws(StoreError) -> [Tender] {
        try await readers.read { (connection) throws(StoreError) in
            let all = try connection.cached(SQL.allTenders, name: "allTenders").all(Self.tender)
            guard let now else { return all }
            return all.filter { $0.takesBids(at: now) }
        }
    }

    /// Stores a sealed bid if the tender takes bids at the writer's clock; `conflict` when it
    /// does not (opened, or its opening time has come: a late bid is refused by the server's clock).
    package func submitBid(
        tender: TenderID, trackingCode: TrackingCode, bidder: Bidder, sealedAmount: [UInt8], actor: String
    ) async throws(StoreError) -> SealedTenderBid {
        try await writer.submitBid(tender: tender, trackingCode: trackingCode, bidder: bidder, sealedAmount: sealedAmount, actor: actor)
    }

    package func bid(trackingCode: TrackingCode) async throws(StoreError) -> SealedTenderBid? {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.bidByTracking, name: "bidByTracking").bind(trackingCode.rawValue, at: 1).all(Self.bid).first
        }
    }

    /// Withdraws a bid before the opening time (its bidder's national id must match); `conflict`
    /// once the tender no longer takes bids or the bid was withdrawn, `notFound` otherwise.
    package func withdrawBid(trackingCode: TrackingCode, nationalID: NationalID, actor: String) async throws(StoreError) -> SealedTenderBid {
        try await writer.withdrawBid(trackingCode: trackingCode, nationalID: nationalID, actor: actor)
    }

    /// The opening, in one write transaction: every bid of the tender not withdrawn (by id) is
    /// handed to `decide` with the writer's clock, and the result it returns is recorded once.
    /// `conflict` when the tender was already opened (the first result stands) or its opening
    /// time has not come. The tender's row is locked first, as every bid and withdrawal locks it,
    /// so no bid taken before the opening time can commit after the bids were read (several
    /// nodes on PostgreSQL included).
    package func openTender(
        _ id: TenderID, actor: String, decide: @escaping @Sendable ([SealedTenderBid], String) -> TenderResult
    ) async throws(StoreError) -> Tender {
        try await writer.openTender(id, actor: actor, decide: decide)
    }

    static func tender(_ row: Statement) throws(StoreError) -> Tender {
        guard let kind = TenderKind(rawValue: row.string(5) ?? ""), let publicKey = Hex.bytes(row.string(13) ?? "") else {
            throw StoreError.sqlite(code: 0, statement: "tender", message: "a stored tender does not decode")
        }
        let notice = TenderNotice(
            title: BilingualText(fa: row.string(1) ?? "", en: row.string(2) ?? ""),
            details: BilingualText(fa: row.string(3) ?? "", en: row.string(4) ?? ""), kind: kind,
            parcels: Self.strings(fromJSON: row.string(6) ?? "[]").map(ParcelID.init),
            facilities: Self.strings(fromJSON: row.string(7) ?? "[]").map(FacilityID.init),
            reservePrice: UInt64(max(0, row.int(8) ?? 0)), deposit: UInt64(max(0, row.int(9) ?? 0)), opensAt: row.string(10) ?? "")
        return Tender(
            id: TenderID(row.string(0) ?? ""), notice: notice,
            committee: TenderCommittee(threshold: row.int(11) ?? 0, members: row.int(12) ?? 0), publicKey: publicKey,
            publishedAt: row.string(14) ?? "", result: row.string(15).flatMap(Self.result(fromJSON:)))
    }

    static func bid(_ row: Statement) throws(StoreError) -> SealedTenderBid {
        guard let nationalID = NationalID(row.string(3) ?? ""), let phone = MobileNumber(row.string(4) ?? ""),
            let sealed = Hex.bytes(row.string(5) ?? "")
        else {
            throw StoreError.sqlite(code: 0, statement: "bid", message: "a stored bid does not decode")
        }
        return SealedTenderBid(
            id: row.int(0) ?? 0, tender: TenderID(row.string(1) ?? ""), trackingCode: TrackingCode(row.string(2) ?? ""),
            bidder: Bidder(nationalID: nationalID, phone: phone), sealedAmount: sealed, submittedAt: row.string(6) ?? "",
            withdrawnAt: row.string(7))
    }

    static func strings(fromJSON text: String) -> [String] {
        (try? JSONParser.parse(Array(text.utf8)))?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func stringsJSON(_ values: [String]) -> String {
        var writer = JSONWriter()
        writer.beginArray()
        for value in values { writer.string(value) }
        writer.endArray()
        return writer.text
    }

    /// Amounts are written as decimal strings: JSON numbers lose digits past 2^53.
    static func resultJSON(_ result: TenderResult) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("opened_at"); writer.string(result.openedAt)
        writer.key("bids"); writer.number(result.bids)
        writer.key("winning_amount"); if let amount = result.winningAmount { writer.string(String(amount)) } else { writer.null() }
        writer.key("winning_bid"); if let bid = result.winningBid { writer.number(bid) } else { writer.null() }
        writer.key("losing_amounts")
        writer.beginArray()
        for amount in result.losingAmounts { writer.string(String(amount)) }
        writer.endArray()
        writer.endObject()
        return writer.text
    }

    static func result(fromJSON text: String) -> TenderResult? {
        guard case .object(let object)? = try? JSONParser.parse(Array(text.utf8)), let openedAt = object["opened_at"]?.stringValue else { return nil }
        return TenderResult(
            openedAt: openedAt, bids: Int(object["bids"]?.numberValue ?? 0),
            winningAmount: object["winning_amount"]?.stringValue.flatMap { UInt64($0) },
            winningBid: object["winning_bid"]?.numberValue.map { Int($0) },
            losingAmounts: (object["losing_amounts"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { UInt64($0) } })
    }
}

extension StoreWriter {
    func publishTender<Kept: Sendable>(
        _ notice: TenderNotice, committee: TenderCommittee, actor: String,
        makeKey: @Sendable (TenderID) -> (publicKey: [UInt8], kept: Kept)?
    ) throws(StoreError) -> (tender: Tender, kept: Kept) {
        try connection.transaction { () throws(StoreError) -> (tender: Tender, kept: Kept) in
            let now = Timestamp.now()
            // The next free number: the count, and past any id taken otherwise (a restore).
            var number = (try connection.cached(SQL.tenderCount, name: "tenderCount").all { $0.int(0) ?? 0 }.first ?? 0) + 1
            var id = TenderID("T-" + Self.padded(number))
            while try LandStore.tender(id, connection) != nil {
                number += 1
                id = TenderID("T-" + Self.padded(number))
            }
            guard let key = makeKey(id) else { throw .conflict(what: "the committee") }
            let publicKey = key.publicKey
            try connection.cached(SQL.insertTender, name: "insertTender")
                .bind(id.rawValue, at: 1).bind(notice.title.fa, at: 2).bind(notice.title.en, at: 3).bind(notice.details.fa, at: 4)
                .bind(notice.details.en, at: 5).bind(notice.kind.rawValue, at: 6)
                .bind(LandStore.stringsJSON(notice.parcels.map(\.rawValue)), at: 7)
                .bind(LandStore.stringsJSON(notice.facilities.map(\.rawValue)), at: 8)
                .bind(Int(notice.reservePrice), at: 9).bind(Int(notice.deposit), at: 10).bind(notice.opensAt, at: 11)
                .bind(committee.threshold, at: 12).bind(committee.members, at: 13).bind(Hex.string(publicKey), at: 14).bind(now, at: 15)
                .bind(actor, at: 16).run()
            try audit(at: now, actor: actor, action: "tender.publish", target: "tender:\(id.rawValue)", before: nil, after: nil)
            return (Tender(id: id, notice: notice, committee: committee, publicKey: publicKey, publishedAt: now, result: nil), key.kept)
        }
    }

    /// At least four digits: T-0001 … T-9999, then T-10000.
    static func padded(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Takes the tender's row lock (PostgreSQL; SQLite's write lock is the database's) before a
    /// bid, a withdrawal or the opening reads it.
    private func lockTender(_ id: TenderID) throws(StoreError) {
        try connection.cached(SQL.lockTender, name: "lockTender").bind(id.rawValue, at: 1).run()
    }

    func submitBid(
        tender id: TenderID, trackingCode: TrackingCode, bidder: Bidder, sealedAmount: [UInt8], actor: String
    ) throws(StoreError) -> SealedTenderBid {
        try connection.transaction { () throws(StoreError) -> SealedTenderBid in
            // The clock is read inside the write, after the tender's lock: a bid committed is one
            // taken before the opening, and the opening reads it.
            try lockTender(id)
            let now = Timestamp.now()
            guard let tender = try LandStore.tender(id, connection) else { throw .notFound(what: "tender \(id.rawValue)") }
            guard tender.takesBids(at: now) else { throw .conflict(what: "tender \(id.rawValue) takes no more bids") }
            try connection.cached(SQL.insertBid, name: "insertBid")
                .bind(id.rawValue, at: 1).bind(trackingCode.rawValue, at: 2).bind(bidder.nationalID.digits, at: 3)
                .bind(bidder.phone.digits, at: 4).bind(Hex.string(sealedAmount), at: 5).bind(now, at: 6).run()
            let bidID = Int(connection.lastInsertedRowID)
            try audit(at: now, actor: actor, action: "tender.bid", target: "tender:\(id.rawValue)", before: nil, after: "{\"bid\":\(bidID)}")
            return SealedTenderBid(
                id: bidID, tender: id, trackingCode: trackingCode, bidder: bidder, sealedAmount: sealedAmount, submittedAt: now, withdrawnAt: nil)
        }
    }

    func withdrawBid(trackingCode: TrackingCode, nationalID: NationalID, actor: String) throws(StoreError) -> SealedTenderBid {
        try connection.transaction { () throws(StoreError) -> SealedTenderBid in
            let now = Timestamp.now()
            guard var bid = try connection.cached(SQL.bidByTracking, name: "bidByTracking").bind(trackingCode.rawValue, at: 1).all(LandStore.bid).first,
                bid.bidder.nationalID == nationalID
            else { throw .notFound(what: "bid") }
            guard bid.withdrawnAt == nil else { throw .conflict(what: "the bid was withdrawn") }
            try lockTender(bid.tender)
            guard let tender = try LandStore.tender(bid.tender, connection), tender.takesBids(at: now) else {
                throw .conflict(what: "tender \(bid.tender.rawValue) takes no more changes")
            }
            try connection.cached(SQL.withdrawBid, name: "withdrawBid").bind(bid.id, at: 1).bind(now, at: 2).run()
            try audit(at: now, actor: actor, action: "tender.withdraw", target: "tender:\(bid.tender.rawValue)", before: nil, after: "{\"bid\":\(bid.id)}")
            bid.withdrawnAt = now
            return bid
        }
    }

    func openTender(_ id: TenderID, actor: String, decide: @Sendable ([SealedTenderBid], String) -> TenderResult) throws(StoreError) -> Tender {
        try connection.transaction { () throws(StoreError) -> Tender in
            try lockTender(id)
            let now = Timestamp.now()
            guard var tender = try LandStore.tender(id, connection) else { throw .notFound(what: "tender \(id.rawValue)") }
            guard tender.result == nil else { throw .conflict(what: "tender \(id.rawValue) was opened") }
            guard now >= tender.notice.opensAt else { throw .conflict(what: "tender \(id.rawValue) opens at \(tender.notice.opensAt)") }
            let bids = try connection.cached(SQL.activeBids, name: "activeBids").bind(id.rawValue, at: 1).all(LandStore.bid)
            let result = decide(bids, now)
            let text = LandStore.resultJSON(result)
            try connection.cached(SQL.recordTenderResult, name: "recordTenderResult").bind(id.rawValue, at: 1).bind(text, at: 2).run()
            try audit(at: now, actor: actor, action: "tender.open", target: "tender:\(id.rawValue)", before: nil, after: text)
            tender.result = result
            return tender
        }
    }
}

extension SQL {
    // MARK: tenders (migration 11)
    static let tenderColumns = """
        tender_id, title_fa, title_en, details_fa, details_en, kind, parcels, facilities, reserve_price, deposit, opens_at,
          threshold, members, public_key, published_at, result
        """
    static let tenderCount = "SELECT count(*) FROM tender"
    static let tenderByID = "SELECT \(tenderColumns) FROM tender WHERE tender_id = ?1"
    static let allTenders = "SELECT \(tenderColumns) FROM tender ORDER BY published_at DESC, tender_id DESC"
    static let insertTender = """
        INSERT INTO tender (tender_id, title_fa, title_en, details_fa, details_en, kind, parcels, facilities, reserve_price, deposit,
          opens_at, threshold, members, public_key, published_at, published_by)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
        """
    static let recordTenderResult = "UPDATE tender SET result = ?2 WHERE tender_id = ?1 AND result IS NULL"
    /// A write that changes nothing: it takes the row's lock until the transaction ends.
    static let lockTender = "UPDATE tender SET published_by = published_by WHERE tender_id = ?1"
    static let bidColumns = "bid_id, tender_id, tracking_code, national_id, phone, sealed_amount, submitted_at, withdrawn_at"
    static let insertBid = """
        INSERT INTO tender_bid (tender_id, tracking_code, national_id, phone, sealed_amount, submitted_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        """
    static let bidByTracking = "SELECT \(bidColumns) FROM tender_bid WHERE tracking_code = ?1"
    static let activeBids = "SELECT \(bidColumns) FROM tender_bid WHERE tender_id = ?1 AND withdrawn_at IS NULL ORDER BY bid_id"
    static let withdrawBid = "UPDATE tender_bid SET withdrawn_at = ?2 WHERE bid_id = ?1"
}

extension Migrations {
    /// Tenders (issue 21) in either dialect (`key`: the assigned integer key's declaration).
    static func tenderTables(key: String) -> [String] {
        [
            """
            CREATE TABLE tender (
              tender_id TEXT PRIMARY KEY,
              title_fa TEXT NOT NULL, title_en TEXT NOT NULL, details_fa TEXT NOT NULL, details_en TEXT NOT NULL,
              kind TEXT NOT NULL CHECK (kind IN ('auction', 'procurement')),
              parcels TEXT NOT NULL, facilities TEXT NOT NULL,
              reserve_price BIGINT NOT NULL CHECK (reserve_price >= 0), deposit BIGINT NOT NULL CHECK (deposit >= 0),
              opens_at TEXT NOT NULL,
              threshold BIGINT NOT NULL CHECK (threshold >= 2), members BIGINT NOT NULL CHECK (members >= threshold AND members <= 255),
              public_key TEXT NOT NULL, published_at TEXT NOT NULL, published_by TEXT NOT NULL,
              result TEXT)
            """,
            """
            CREATE TABLE tender_bid (
              bid_id \(key),
              tender_id TEXT NOT NULL REFERENCES tender (tender_id),
              tracking_code TEXT NOT NULL UNIQUE,
              national_id TEXT NOT NULL, phone TEXT NOT NULL,
              sealed_amount TEXT NOT NULL,
              submitted_at TEXT NOT NULL, withdrawn_at TEXT)
            """,
            "CREATE INDEX tender_bid_by_tender ON tender_bid (tender_id, bid_id)",
        ]
    }
}
