/// Tenders and auctions (مزایده و مناقصه, issue 21 point 3): the municipality leases plots and
/// shops or buys works; citizens bid in sealed envelopes that only the tender committee opens,
/// together, at the opening time.
package enum TenderKind: String, CaseIterable, Sendable {
    /// مزایده: the highest bid wins; `reservePrice` is the minimum.
    case auction
    /// مناقصه: the lowest bid wins; `reservePrice` is the maximum.
    case procurement
}

package struct TenderID: Hashable, Comparable, Sendable, CustomStringConvertible {
    package let rawValue: String
    package init(_ rawValue: String) { self.rawValue = rawValue }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8) }
    package var description: String { rawValue }
}

/// What an administrator publishes.
package struct TenderNotice: Sendable, Equatable {
    package var title: BilingualText
    package var details: BilingualText
    package var kind: TenderKind
    package var parcels: [ParcelID]
    package var facilities: [FacilityID]
    /// Rials: the minimum of an auction, the maximum of a procurement.
    package var reservePrice: UInt64
    /// Rials a bidder deposits (guarantee), published with the notice.
    package var deposit: UInt64
    /// RFC 3339 UTC: bids are taken before it, and the envelopes opened from it on.
    package var opensAt: String

    package init(
        title: BilingualText, details: BilingualText, kind: TenderKind, parcels: [ParcelID], facilities: [FacilityID], reservePrice: UInt64,
        deposit: UInt64, opensAt: String
    ) {
        self.title = title
        self.details = details
        self.kind = kind
        self.parcels = parcels
        self.facilities = facilities
        self.reservePrice = reservePrice
        self.deposit = deposit
        self.opensAt = opensAt
    }

    /// Whether an amount may be bid at all: at least the minimum of an auction, at most the
    /// maximum of a procurement, and above nothing.
    package func admits(_ amount: UInt64) -> Bool {
        guard amount > 0 else { return false }
        switch kind {
        case .auction: return amount >= reservePrice
        case .procurement: return amount <= reservePrice
        }
    }
}

/// The tender committee: `threshold` of `members` shares open the envelopes.
package struct TenderCommittee: Sendable, Equatable {
    package var threshold: Int
    package var members: Int
    package init(threshold: Int, members: Int) {
        self.threshold = threshold
        self.members = members
    }
}

/// The published outcome of an opening, computed once.
package struct TenderResult: Sendable, Equatable {
    package var openedAt: String
    package var bids: Int
    /// nil when no bid was left (every bid withdrawn, or none).
    package var winningAmount: UInt64?
    /// The winning bid's id (for the municipality; its bidder is not public).
    package var winningBid: Int?
    /// Every other bid's amount, best first, without who bid it.
    package var losingAmounts: [UInt64]

    package init(openedAt: String, bids: Int, winningAmount: UInt64?, winningBid: Int?, losingAmounts: [UInt64]) {
        self.openedAt = openedAt
        self.bids = bids
        self.winningAmount = winningAmount
        self.winningBid = winningBid
        self.losingAmounts = losingAmounts
    }

    /// Ranks the opened bids: the best amount for the kind first, ties by the earliest bid
    /// (submission instant, then id).
    package static func ranking(
        _ bids: [(id: Int, submittedAt: String, amount: UInt64)], kind: TenderKind
    ) -> [(id: Int, submittedAt: String, amount: UInt64)] {
        bids.sorted { first, second in
            if first.amount != second.amount { return kind == .auction ? first.amount > second.amount : first.amount < second.amount }
            return (first.submittedAt, first.id) < (second.submittedAt, second.id)
        }
    }
}

/// A tender as stored: the notice, the committee, the public key bids are sealed to, and the
/// result once opened.
package struct Tender: Sendable, Equatable {
    package var id: TenderID
    package var notice: TenderNotice
    package var committee: TenderCommittee
    /// X25519 public key (32 bytes): the private half exists only as the committee's shares.
    package var publicKey: [UInt8]
    package var publishedAt: String
    package var result: TenderResult?

    package init(id: TenderID, notice: TenderNotice, committee: TenderCommittee, publicKey: [UInt8], publishedAt: String, result: TenderResult?) {
        self.id = id
        self.notice = notice
        self.committee = committee
        self.publicKey = publicKey
        self.publishedAt = publishedAt
        self.result = result
    }

    /// Whether bids are taken at `now` (RFC 3339 UTC, the server's clock).
    package func takesBids(at now: String) -> Bool { result == nil && now < notice.opensAt }
}

/// Who bids. Personal data: shown to no one through the API, never logged; kept for the
/// municipality's contract with the winner. `description` is redacted.
package struct Bidder: Sendable, Equatable, CustomStringConvertible {
    package var nationalID: NationalID
    package var phone: MobileNumber
    package init(nationalID: NationalID, phone: MobileNumber) {
        self.nationalID = nationalID
        self.phone = phone
    }
    package var description: String { "Bidder(redacted)" }
}

/// A sealed bid as stored: its amount only as HPKE ciphertext to the tender's key.
package struct SealedTenderBid: Sendable, Equatable {
    package var id: Int
    package var tender: TenderID
    package var trackingCode: TrackingCode
    package var bidder: Bidder
    package var sealedAmount: [UInt8]
    package var submittedAt: String
    package var withdrawnAt: String?

    package init(
        id: Int, tender: TenderID, trackingCode: TrackingCode, bidder: Bidder, sealedAmount: [UInt8], submittedAt: String, withdrawnAt: String?
    ) {
        self.id = id
        self.tender = tender
        self.trackingCode = trackingCode
        self.bidder = bidder
        self.sealedAmount = sealedAmount
        self.submittedAt = submittedAt
        self.withdrawnAt = withdrawnAt
    }
}
