import SealedBids
import XCTest

final class TenderKeyTests: XCTestCase {
    let tender = "Tehran-1404-017"

    private func recoverError(
        tenderID: String? = nil, publicKey: [UInt8], threshold: Int, _ texts: [String]
    ) -> TenderKeyError? {
        do {
            _ = try TenderKeyCeremony.recover(tenderID: tenderID ?? tender, publicKey: publicKey, threshold: threshold, shareTexts: texts)
            return nil
        } catch { return error }
    }

    /// A share text with its bytes changed and its checksum recomputed: what a dishonest member could hand in.
    private func forged(_ text: String, tenderID: String, change: ([UInt8]) -> [UInt8]) throws -> String {
        let share = try ShareText.decode(text, tenderID: tenderID)
        return try ShareText.encode(ShamirShare(index: share.index, bytes: change(share.bytes)), tenderID: tenderID)
    }

    func testCreate() throws {
        let (publicKey, shares) = try TenderKeyCeremony.create(tenderID: tender, threshold: 3, members: 5)
        XCTAssertEqual(publicKey.count, 32)
        XCTAssertEqual(shares.count, 5)
        XCTAssertEqual(Set(shares).count, 5)
        for (i, text) in shares.enumerated() {
            XCTAssertTrue(text.hasPrefix("zamin-share:\(tender):\(i + 1):"), text)
            XCTAssertEqual(try ShareText.decode(text, tenderID: tender).bytes.count, 32)
        }
        // What is shared is the clamped key (RFC 7748 section 5), which recovery insists on.
        let key = try Shamir.combine(try shares.prefix(3).map { try ShareText.decode($0, tenderID: tender) })
        XCTAssertEqual(key[0] & 0x07, 0)
        XCTAssertEqual(key[31] & 0xC0, 0x40)
        let (otherKey, _) = try TenderKeyCeremony.create(tenderID: tender, threshold: 3, members: 5)
        XCTAssertNotEqual(publicKey, otherKey, "a fresh key per ceremony")
    }

    func testRecoverWithEveryThresholdSubsetAndWithAll() throws {
        let (publicKey, shares) = try TenderKeyCeremony.create(tenderID: tender, threshold: 3, members: 5)
        for subset in subsets(of: shares, size: 3) + subsets(of: shares, size: 4) + [shares, shares.reversed()] {
            let opener = try TenderKeyCeremony.recover(tenderID: tender, publicKey: publicKey, threshold: 3, shareTexts: subset)
            XCTAssertEqual(opener.publicKey, publicKey)
            XCTAssertEqual(opener.tenderID, tender)
        }
        // As pasted, with a trailing newline.
        let pasted = shares.prefix(3).map { $0 + "\n" }
        XCTAssertNoThrow(try TenderKeyCeremony.recover(tenderID: tender, publicKey: publicKey, threshold: 3, shareTexts: pasted))
    }

    func testTooFewShares() throws {
        let (publicKey, shares) = try TenderKeyCeremony.create(tenderID: tender, threshold: 3, members: 5)
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, Array(shares.prefix(2))), .tooFewShares(have: 2, need: 3))
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, []), .tooFewShares(have: 0, need: 3))
        // A threshold lower than the ceremony's is caught by the key check, not trusted.
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 2, Array(shares.prefix(2))), .sharesDoNotMatchKey)
    }

    func testDuplicateShare() throws {
        let (publicKey, shares) = try TenderKeyCeremony.create(tenderID: tender, threshold: 3, members: 5)
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, [shares[1], shares[0], shares[1]]),
                       .duplicateShare(position: 2, firstPosition: 0, index: 2))
        // Same index, different bytes (a forged copy) is a duplicate too.
        let forgedCopy = try forged(shares[0], tenderID: tender) { bytes in bytes.map { $0 ^ 1 } }
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, [shares[0], shares[2], forgedCopy, shares[3]]),
                       .duplicateShare(position: 2, firstPosition: 0, index: 1))
    }

    func testAlteredShare() throws {
        let (publicKey, shares) = try TenderKeyCeremony.create(tenderID: tender, threshold: 3, members: 5)
        // Changed in transit or mistyped: the checksum catches it, and says which share.
        var chars = Array(shares[1])
        let at = chars.count - 12  // inside the base64url bytes
        chars[at] = chars[at] == "A" ? "B" : "A"
        let mistyped = String(chars)
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, [shares[0], mistyped, shares[2]]),
                       .shareText(position: 1, .checksumMismatch))
        // Changed by a member who recomputed the checksum: the key check catches it, for every byte
        // position and bit, and whether the bad share is among exactly k or among extra ones. With shares
        // 1, 2, 3 the Lagrange weight of share 3 at 0 is 1·2/((1+3)(2+3)) = {01}, so a flip in share 3 is
        // the same flip in the key: bits 0-2 of byte 0 and 6-7 of byte 31 are ones X25519 clamps away.
        for position in 0..<32 {
            for bit in 0..<8 {
                let bad = try forged(shares[2], tenderID: tender) { bytes in
                    var bytes = bytes
                    bytes[position] ^= 1 << bit
                    return bytes
                }
                XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, [shares[0], shares[1], bad]), .sharesDoNotMatchKey,
                               "byte \(position) bit \(bit)")
                XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, [shares[0], shares[1], shares[3], bad]),
                               .sharesDoNotMatchKey, "byte \(position) bit \(bit)")
            }
        }
        let short = try forged(shares[4], tenderID: tender) { Array($0.prefix(31)) }
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, [shares[0], shares[1], short]), .shareLengthMismatch)
    }

    func testSharesFromElsewhere() throws {
        let (publicKey, shares) = try TenderKeyCeremony.create(tenderID: tender, threshold: 3, members: 5)
        let (otherTenderKey, otherTenderShares) = try TenderKeyCeremony.create(tenderID: "Tehran-1404-018", threshold: 3, members: 5)
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, [shares[0], otherTenderShares[1], shares[2]]),
                       .shareText(position: 1, .wrongTender(expected: tender, found: "Tehran-1404-018")))
        // Another ceremony under the same tender id (say, a re-run): well formed, but the wrong key.
        let (_, rerunShares) = try TenderKeyCeremony.create(tenderID: tender, threshold: 3, members: 5)
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, [shares[0], shares[1], rerunShares[2]]), .sharesDoNotMatchKey)
        // Right shares, wrong stored public key.
        XCTAssertEqual(recoverError(publicKey: otherTenderKey, threshold: 3, Array(shares.prefix(3))), .sharesDoNotMatchKey)
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 3, [shares[0], "not a share", shares[2]]),
                       .shareText(position: 1, .malformed(.prefix)))
    }

    func testArgumentRejections() throws {
        func createError(_ tenderID: String, _ threshold: Int, _ members: Int) -> TenderKeyError? {
            do {
                _ = try TenderKeyCeremony.create(tenderID: tenderID, threshold: threshold, members: members)
                return nil
            } catch { return error }
        }
        XCTAssertEqual(createError("no spaces", 2, 3), .invalidTenderID("no spaces"))
        XCTAssertEqual(createError(tender, 1, 3), .invalidSharing(.thresholdTooSmall(1)))
        XCTAssertEqual(createError(tender, 4, 3), .invalidSharing(.thresholdExceedsCount(threshold: 4, count: 3)))
        XCTAssertEqual(createError(tender, 2, 256), .invalidSharing(.tooManyShares(256)))

        let (publicKey, shares) = try TenderKeyCeremony.create(tenderID: tender, threshold: 2, members: 2)
        XCTAssertNoThrow(try TenderKeyCeremony.recover(tenderID: tender, publicKey: publicKey, threshold: 2, shareTexts: shares))
        XCTAssertEqual(recoverError(tenderID: "", publicKey: publicKey, threshold: 2, shares), .invalidTenderID(""))
        XCTAssertEqual(recoverError(publicKey: Array(publicKey.prefix(31)), threshold: 2, shares), .invalidPublicKey)
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 1, shares), .invalidSharing(.thresholdTooSmall(1)))
        XCTAssertEqual(recoverError(publicKey: publicKey, threshold: 256, shares), .invalidSharing(.tooManyShares(256)))
    }
}
