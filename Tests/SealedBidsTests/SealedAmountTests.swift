import Crypto
import Foundation
import SealedBids
import XCTest

final class SealedAmountTests: XCTestCase {
    let tender = "Isfahan-1404-003"

    private func ceremony(_ tenderID: String? = nil) throws -> (publicKey: [UInt8], opener: TenderOpener) {
        let id = tenderID ?? tender
        let (publicKey, shares) = try TenderKeyCeremony.create(tenderID: id, threshold: 2, members: 3)
        let opener = try TenderKeyCeremony.recover(tenderID: id, publicKey: publicKey, threshold: 2, shareTexts: [shares[2], shares[0]])
        return (publicKey, opener)
    }

    private func sealError(_ body: () throws(SealError) -> [UInt8]) -> SealError? {
        do {
            _ = try body()
            return nil
        } catch { return error }
    }

    private func openError(_ body: () throws(SealError) -> Any) -> SealError? {
        do {
            _ = try body()
            return nil
        } catch { return error }
    }

    func testSealOpenRoundTrip() throws {
        let (publicKey, opener) = try ceremony()
        for plaintext in [[], [0], Array("any bytes at all".utf8), [UInt8](repeating: 0xFF, count: 1000)] {
            let sealed = try SealedBid.seal(plaintext: plaintext, bidID: "bid-1", tenderID: tender, to: publicKey)
            XCTAssertEqual(sealed.count, 32 + plaintext.count + 16)
            XCTAssertEqual(try opener.open(sealed: sealed, bidID: "bid-1"), plaintext)
        }
    }

    func testAmountRoundTripAndFixedLength() throws {
        let (publicKey, opener) = try ceremony()
        for rials: UInt64 in [0, 1, 9, 10, 1_000_000, 12_345_678_901, UInt64.max] {
            let sealed = try SealedBid.sealAmount(rials, bidID: "b-\(rials)", tenderID: tender, to: publicKey)
            XCTAssertEqual(sealed.count, 32 + 20 + 16, "the length must not reveal the number of digits")
            XCTAssertEqual(try opener.openAmount(sealed: sealed, bidID: "b-\(rials)"), rials)
            XCTAssertEqual(try opener.open(sealed: sealed, bidID: "b-\(rials)"), SealedBid.amountPlaintext(rials))
        }
        XCTAssertEqual(SealedBid.amountPlaintext(42), Array("00000000000000000042".utf8))
        XCTAssertEqual(SealedBid.amountPlaintext(.max), Array("18446744073709551615".utf8))
    }

    func testAmountDigits() throws {
        let (publicKey, opener) = try ceremony()
        let sealed = try SealedBid.sealAmount(digits: "0075000000", bidID: "b", tenderID: tender, to: publicKey)
        XCTAssertEqual(try opener.openAmount(sealed: sealed, bidID: "b"), 75_000_000)
        XCTAssertEqual(SealedBid.parseAmount(digits: "18446744073709551615"), .max)
        XCTAssertEqual(SealedBid.parseAmount(digits: "00000000000000000000"), 0)
        // Persian and Arabic-Indic digits, separators, signs, spaces, overflow, length: all refused here;
        // normalising what a form received is the caller's job.
        for bad in ["", "-1", "+1", "1 000", "1,000", "12a", "۱۲۳", "١٢٣", "18446744073709551616", "99999999999999999999",
                    "000000000000000000001", " 1"] {
            XCTAssertNil(SealedBid.parseAmount(digits: bad), bad)
            XCTAssertEqual(sealError { () throws(SealError) in
                try SealedBid.sealAmount(digits: bad, bidID: "b", tenderID: tender, to: publicKey)
            }, .invalidAmount, bad)
        }
    }

    func testWrongBidIDFails() throws {
        let (publicKey, opener) = try ceremony()
        let sealed = try SealedBid.sealAmount(5_000_000, bidID: "bid-17", tenderID: tender, to: publicKey)
        XCTAssertEqual(openError { () throws(SealError) in try opener.openAmount(sealed: sealed, bidID: "bid-18") }, .openFailed)
        XCTAssertEqual(openError { () throws(SealError) in try opener.openAmount(sealed: sealed, bidID: "bid-1") }, .openFailed)
        XCTAssertEqual(openError { () throws(SealError) in try opener.openAmount(sealed: sealed, bidID: "") }, .invalidBidID)
        XCTAssertEqual(try opener.openAmount(sealed: sealed, bidID: "bid-17"), 5_000_000)
    }

    func testKeyFromOtherSharesFails() throws {
        let (publicKey, _) = try ceremony()
        let (_, otherOpener) = try ceremony()  // same tender id, another ceremony's shares
        let sealed = try SealedBid.sealAmount(5_000_000, bidID: "b", tenderID: tender, to: publicKey)
        XCTAssertEqual(openError { () throws(SealError) in try otherOpener.open(sealed: sealed, bidID: "b") }, .openFailed)
    }

    /// The tender id is bound in through HPKE's info: sealed "for tender B" to A's key, A cannot open it.
    func testTenderBindingFails() throws {
        let (publicKey, opener) = try ceremony()
        let sealed = try SealedBid.sealAmount(5_000_000, bidID: "b", tenderID: "Isfahan-1404-004", to: publicKey)
        XCTAssertEqual(openError { () throws(SealError) in try opener.open(sealed: sealed, bidID: "b") }, .openFailed)
    }

    func testCiphertextShowsNoDigits() throws {
        let (publicKey, _) = try ceremony()
        let rials: UInt64 = 9_876_543_210_987_654_321
        let plaintext = SealedBid.amountPlaintext(rials)
        for seal in 0..<50 {
            let sealed = try SealedBid.sealAmount(rials, bidID: "b", tenderID: tender, to: publicKey)
            // No run of 6 plaintext bytes anywhere (a chance match has probability about 2^-40 per seal).
            for start in 0...(plaintext.count - 6) {
                let needle = Array(plaintext[start..<(start + 6)])
                let found = (0...(sealed.count - 6)).contains { Array(sealed[$0..<($0 + 6)]) == needle }
                XCTAssertFalse(found, "seal \(seal): plaintext bytes \(start)..<\(start + 6) in the clear")
            }
            XCTAssertFalse(String(decoding: sealed, as: UTF8.self).contains(String(rials)))
        }
    }

    func testTwoSealsOfTheSameAmountDiffer() throws {
        let (publicKey, opener) = try ceremony()
        let a = try SealedBid.sealAmount(1_000, bidID: "b", tenderID: tender, to: publicKey)
        let b = try SealedBid.sealAmount(1_000, bidID: "b", tenderID: tender, to: publicKey)
        XCTAssertNotEqual(a, b)
        XCTAssertNotEqual(a.prefix(32), b.prefix(32), "fresh ephemeral key")
        XCTAssertNotEqual(a.dropFirst(32), b.dropFirst(32))
        XCTAssertEqual(try opener.openAmount(sealed: a, bidID: "b"), try opener.openAmount(sealed: b, bidID: "b"))
    }

    func testTamperingFails() throws {
        let (publicKey, opener) = try ceremony()
        let sealed = try SealedBid.sealAmount(77_000_000, bidID: "b", tenderID: tender, to: publicKey)
        for position in sealed.indices {
            var altered = sealed
            altered[position] ^= 0x80
            let error = openError { () throws(SealError) in try opener.open(sealed: altered, bidID: "b") }
            // Flipping the top bit of the encapsulated key's last byte is ignored by X25519 (RFC 7748
            // section 5) but still changes enc, which RFC 9180 feeds into the key schedule as bytes.
            XCTAssertTrue(error == .openFailed || error == .malformedSealed, "byte \(position): \(String(describing: error))")
        }
        XCTAssertEqual(openError { () throws(SealError) in try opener.open(sealed: Array(sealed.prefix(47)), bidID: "b") }, .malformedSealed)
        XCTAssertEqual(openError { () throws(SealError) in try opener.open(sealed: [], bidID: "b") }, .malformedSealed)
        XCTAssertEqual(openError { () throws(SealError) in try opener.open(sealed: Array(sealed.prefix(48)), bidID: "b") }, .openFailed)
        XCTAssertEqual(openError { () throws(SealError) in try opener.open(sealed: sealed + [0], bidID: "b") }, .openFailed)
        // A low-order encapsulated key (RFC 9180 section 7.1.4).
        let zeroEnc = [UInt8](repeating: 0, count: 32) + sealed.dropFirst(32)
        XCTAssertEqual(openError { () throws(SealError) in try opener.open(sealed: zeroEnc, bidID: "b") }, .malformedSealed)
    }

    func testOpenAmountRefusesNonAmounts() throws {
        let (publicKey, opener) = try ceremony()
        for plaintext in ["42", "99999999999999999999", "0000000000000000004x", "000000000000000000042"] {
            let sealed = try SealedBid.seal(plaintext: Array(plaintext.utf8), bidID: "b", tenderID: tender, to: publicKey)
            XCTAssertEqual(openError { () throws(SealError) in try opener.openAmount(sealed: sealed, bidID: "b") }, .invalidAmount, plaintext)
        }
    }

    func testSealRejections() throws {
        let (publicKey, _) = try ceremony()
        XCTAssertEqual(sealError { () throws(SealError) in try SealedBid.sealAmount(1, bidID: "", tenderID: tender, to: publicKey) }, .invalidBidID)
        XCTAssertEqual(sealError { () throws(SealError) in try SealedBid.sealAmount(1, bidID: "b", tenderID: "a:b", to: publicKey) },
                       .invalidTenderID("a:b"))
        XCTAssertEqual(sealError { () throws(SealError) in try SealedBid.sealAmount(1, bidID: "b", tenderID: tender, to: Array(publicKey.prefix(31))) },
                       .invalidPublicKey)
        // Low-order points (RFC 7748 section 6.1; the list of libsodium's crypto_scalarmult_curve25519):
        // 0, 1, the two points of order 8, and p-1, p, p+1 as non-canonical encodings.
        let order8a: [UInt8] = [0xE0, 0xEB, 0x7A, 0x7C, 0x3B, 0x41, 0xB8, 0xAE, 0x16, 0x56, 0xE3, 0xFA, 0xF1, 0x9F, 0xC4, 0x6A,
                                0xDA, 0x09, 0x8D, 0xEB, 0x9C, 0x32, 0xB1, 0xFD, 0x86, 0x62, 0x05, 0x16, 0x5F, 0x49, 0xB8, 0x00]
        let order8b: [UInt8] = [0x5F, 0x9C, 0x95, 0xBC, 0xA3, 0x50, 0x8C, 0x24, 0xB1, 0xD0, 0xB1, 0x55, 0x9C, 0x83, 0xEF, 0x5B,
                                0x04, 0x44, 0x5C, 0xC4, 0x58, 0x1C, 0x8E, 0x86, 0xD8, 0x22, 0x4E, 0xDD, 0xD0, 0x9F, 0x11, 0x57]
        let ff30 = [UInt8](repeating: 0xFF, count: 30)
        let lowOrder: [[UInt8]] = [
            [UInt8](repeating: 0, count: 32), [1] + [UInt8](repeating: 0, count: 31), order8a, order8b,
            [0xEC] + ff30 + [0x7F], [0xED] + ff30 + [0x7F], [0xEE] + ff30 + [0x7F],
        ]
        for point in lowOrder {
            XCTAssertEqual(sealError { () throws(SealError) in try SealedBid.sealAmount(1, bidID: "b", tenderID: tender, to: point) },
                           .invalidPublicKey, "\(point)")
        }
    }

    /// The wire format is plain RFC 9180: enc || ciphertext, info "zamin tender <id>", aad the bid id. Any
    /// HPKE implementation holding the private key can open it; here swift-crypto's, driven directly.
    func testWireFormatIsPlainHPKE() throws {
        let privateKey = Curve25519.KeyAgreement.PrivateKey()
        let sealed = try SealedBid.sealAmount(31_415, bidID: "row-9", tenderID: "T1",
                                              to: Array(privateKey.publicKey.rawRepresentation))
        var recipient = try HPKE.Recipient(privateKey: privateKey, ciphersuite: .Curve25519_SHA256_ChachaPoly,
                                           info: Data("zamin tender T1".utf8), encapsulatedKey: Data(sealed.prefix(32)))
        let plaintext = try recipient.open(Data(sealed.dropFirst(32)), authenticating: Data("row-9".utf8))
        XCTAssertEqual(String(decoding: plaintext, as: UTF8.self), "00000000000000031415")
    }
}
