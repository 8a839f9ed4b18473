package import LandModel
import LandStore
import SealedBids

/// Why a tender step cannot be taken (issue 21 point 3); the API maps each to its status once.
package enum TenderProblem: Sendable, Equatable {
    case tenderNotFound
    /// The opening time has come or the tender was opened: no bid, and no withdrawal, is taken.
    case closed
    /// An auction's bid below its minimum, a procurement's above its maximum, or nothing.
    case amountOutOfRange(kind: TenderKind, reservePrice: UInt64)
    case bidNotFound
    case bidWithdrawn
    /// The opening was asked for before the opening time (the server's clock).
    case tooEarly(opensAt: String)
    case alreadyOpened
    case tooFewShares(have: Int, need: Int)
    /// Share `position` (from 0) is not a share of this tender (mistyped, another tender's, repeated).
    case badShare(position: Int)
    /// The shares are well formed but do not give the tender's key: one of them is not genuine.
    case sharesDoNotMatch
    case invalidCommittee
}

extension LandServices {
    /// The server's clock as the stores write instants (RFC 3339 UTC, milliseconds): tenders'
    /// opening times compare with it as text.
    package static var now: String { Timestamp.now() }

    /// Largest amount or price in rials (fits the stores' 64-bit integers with room to spare).
    package static let largestAmount: UInt64 = 1_000_000_000_000_000_000

    /// Publishes a tender: a new X25519 key whose private half is split at once into the
    /// committee's shares. The shares are returned here, once, and stored nowhere; the key
    /// itself is forgotten when this returns.
    package func publishTender(
        _ notice: TenderNotice, committee: TenderCommittee, actor: String
    ) async throws(ServiceError) -> (tender: Tender, shares: [String]) {
        // The key is made inside the write that picks the tender's number (its shares name it).
        let published: (tender: Tender, kept: [String])
        do {
            published = try await store.publishTender(notice, committee: committee, actor: actor) { id in
                guard let ceremony = try? TenderKeyCeremony.create(tenderID: id.rawValue, threshold: committee.threshold, members: committee.members)
                else { return nil }
                return (ceremony.publicKey, ceremony.shares)
            }
        } catch .conflict {
            throw .tender(.invalidCommittee)
        } catch {
            throw .store(error)
        }
        return (published.tender, published.kept)
    }

    package func tender(_ id: TenderID) async throws(ServiceError) -> Tender {
        let found: Tender?
        do { found = try await store.tender(id) } catch { throw .store(error) }
        guard let found else { throw .tender(.tenderNotFound) }
        return found
    }

    package func tenders(openOnly: Bool) async throws(ServiceError) -> [Tender] {
        do { return try await store.tenders(openAt: openOnly ? Timestamp.now() : nil) } catch { throw .store(error) }
    }

    /// Seals the amount to the tender's key (HPKE; the bid's tracking code as associated data)
    /// and stores it; the amount itself is never written anywhere.
    package func submitBid(to id: TenderID, bidder: Bidder, amount: UInt64, actor: String) async throws(ServiceError) -> SealedTenderBid {
        let tender = try await tender(id)
        guard tender.takesBids(at: Timestamp.now()) else { throw .tender(.closed) }
        guard amount <= Self.largestAmount, tender.notice.admits(amount) else {
            throw .tender(.amountOutOfRange(kind: tender.notice.kind, reservePrice: tender.notice.reservePrice))
        }
        let trackingCode = Self.newTrackingCode()
        let sealed: [UInt8]
        do {
            sealed = try SealedBid.sealAmount(amount, bidID: trackingCode.rawValue, tenderID: id.rawValue, to: tender.publicKey)
        } catch {
            throw .store(.abandoned)
        }
        do throws(StoreError) {
            return try await store.submitBid(tender: id, trackingCode: trackingCode, bidder: bidder, sealedAmount: sealed, actor: actor)
        } catch .conflict {
            throw .tender(.closed)  // the opening time came while the bid was sealed
        } catch .notFound {
            throw .tender(.tenderNotFound)
        } catch {
            throw .store(error)
        }
    }

    package func bid(trackingCode: TrackingCode) async throws(ServiceError) -> SealedTenderBid {
        let found: SealedTenderBid?
        do { found = try await store.bid(trackingCode: trackingCode) } catch { throw .store(error) }
        guard let found else { throw .tender(.bidNotFound) }
        return found
    }

    package func withdrawBid(trackingCode: TrackingCode, nationalID: NationalID, actor: String) async throws(ServiceError) -> SealedTenderBid {
        let bid = try await bid(trackingCode: trackingCode)
        guard bid.bidder.nationalID == nationalID else { throw .tender(.bidNotFound) }
        guard bid.withdrawnAt == nil else { throw .tender(.bidWithdrawn) }
        do throws(StoreError) {
            return try await store.withdrawBid(trackingCode: trackingCode, nationalID: nationalID, actor: actor)
        } catch .conflict {
            throw .tender(.closed)
        } catch .notFound {
            throw .tender(.bidNotFound)
        } catch {
            throw .store(error)
        }
    }

    /// The opening: from the opening time on, `shareTexts` (at least the committee's threshold)
    /// rebuild the tender's key, every bid not withdrawn is opened, and the result — best amount
    /// for the kind, ties to the earliest bid — is recorded once and returned. The key exists
    /// only in this call.
    package func openTender(_ id: TenderID, shareTexts: [String], actor: String) async throws(ServiceError) -> Tender {
        let tender = try await tender(id)
        guard tender.result == nil else { throw .tender(.alreadyOpened) }
        let now = Timestamp.now()
        guard now >= tender.notice.opensAt else { throw .tender(.tooEarly(opensAt: tender.notice.opensAt)) }
        let opener: TenderOpener
        do {
            opener = try TenderKeyCeremony.recover(
                tenderID: id.rawValue, publicKey: tender.publicKey, threshold: tender.committee.threshold, shareTexts: shareTexts)
        } catch {
            switch error {
            case .tooFewShares(let have, let need): throw .tender(.tooFewShares(have: have, need: need))
            case .shareText(let position, _): throw .tender(.badShare(position: position))
            case .duplicateShare(let position, _, _): throw .tender(.badShare(position: position))
            default: throw .tender(.sharesDoNotMatch)
            }
        }
        do throws(StoreError) {
            return try await store.openTender(id, actor: actor) { bids, now in
                var opened: [(id: Int, submittedAt: String, amount: UInt64)] = []
                for bid in bids {
                    // A ciphertext that does not open under the rebuilt key was not sealed to
                    // this tender for this bid (moved or altered in the database): it is left out,
                    // and the result's count of bids says how many were opened.
                    guard let amount = try? opener.openAmount(sealed: bid.sealedAmount, bidID: bid.trackingCode.rawValue) else { continue }
                    opened.append((bid.id, bid.submittedAt, amount))
                }
                let ranked = TenderResult.ranking(opened, kind: tender.notice.kind)
                return TenderResult(
                    openedAt: now, bids: ranked.count, winningAmount: ranked.first?.amount, winningBid: ranked.first?.id,
                    losingAmounts: ranked.dropFirst().map(\.amount))
            }
        } catch .conflict {
            // Opened meanwhile, or the writer's clock is not yet at the opening time.
            let now = try await self.tender(id)
            throw .tender(now.result != nil ? .alreadyOpened : .tooEarly(opensAt: now.notice.opensAt))
        } catch {
            throw .store(error)
        }
    }
}
