// Sealing a bid to the tender's public key with HPKE (RFC 9180), base mode, ciphersuite
// DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20-Poly1305 (KEM 0x0020, KDF 0x0001, AEAD 0x0003).
//
// - info = "zamin tender <tenderID>" (RFC 9180 section 5.1: bound into the key schedule), so a sealed bid
//   made for one tender does not open under another tender's key schedule, even with the same key.
// - aad = the bid id (section 5.2: authenticated, not encrypted), so a sealed amount copied into another
//   bid's row fails to open instead of becoming that bid's amount.
// - Output = enc (the 32-byte encapsulated X25519 key, section 4.1) followed by the AEAD ciphertext and
//   its 16-byte tag. Each seal uses a fresh ephemeral key, so equal amounts give unrelated outputs.
//
// Base mode does not authenticate the sender (section 5.1.1): anyone holding the public key can seal
// anything; who submitted a bid is for the surrounding application to record and check.

import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

package enum SealError: Error, Sendable, Hashable {
    case invalidTenderID(String)
    /// Bid ids must be non-empty: an empty AAD would bind the ciphertext to nothing.
    case invalidBidID
    /// Not 32 bytes, or a low-order X25519 point (RFC 9180 section 7.1.4).
    case invalidPublicKey
    /// Not 1...20 ASCII digits with a value ≤ UInt64.max.
    case invalidAmount
    /// Too short to hold an encapsulated key and a tag, or the encapsulated key is a low-order point.
    case malformedSealed
    /// Authentication failed: wrong tender key, wrong bid id or tender, or altered bytes.
    case openFailed
    /// HPKE refused to seal; not expected with a valid public key.
    case sealFailed
}

package enum SealedBid {
    /// A computed property: swift-crypto's `Ciphersuite` is not `Sendable`, so it cannot be a static `let`.
    static var ciphersuite: HPKE.Ciphersuite { .Curve25519_SHA256_ChachaPoly }
    /// Nenc for DHKEM(X25519, HKDF-SHA256), RFC 9180 section 7.1.
    package static let encapsulatedKeyCount = 32
    /// Nt for ChaCha20-Poly1305, RFC 9180 section 7.3.
    package static let tagCount = 16
    /// Amounts are sealed as exactly this many digits, see `amountPlaintext`.
    package static let amountDigits = 20

    /// Seals `plaintext` for the tender's public key, bound to `tenderID` and `bidID`.
    /// The output is `plaintext.count + 48` bytes: the length of the plaintext is not hidden.
    package static func seal(
        plaintext: [UInt8], bidID: String, tenderID: String, to publicKey: [UInt8]
    ) throws(SealError) -> [UInt8] {
        guard TenderIDRule.isValid(tenderID) else { throw .invalidTenderID(tenderID) }
        guard !bidID.isEmpty else { throw .invalidBidID }
        guard publicKey.count == encapsulatedKeyCount,
              let recipientKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: publicKey),
              !X25519Check.isLowOrder(recipientKey)
        else { throw .invalidPublicKey }
        do {
            var sender = try HPKE.Sender(recipientKey: recipientKey, ciphersuite: ciphersuite, info: Data(info(tenderID)))
            let ciphertext = try sender.seal(plaintext, authenticating: Array(bidID.utf8))
            return Array(sender.encapsulatedKey) + Array(ciphertext)
        } catch {
            throw .sealFailed
        }
    }

    /// Seals an amount in rials as its decimal digits, zero-padded to 20 (UInt64.max has 20 digits).
    ///
    /// Padding to a fixed width is deliberate: with unpadded digits the ciphertext's length would give
    /// away the number of digits, i.e. the order of magnitude of the bid, before the opening.
    package static func sealAmount(
        _ rials: UInt64, bidID: String, tenderID: String, to publicKey: [UInt8]
    ) throws(SealError) -> [UInt8] {
        try seal(plaintext: amountPlaintext(rials), bidID: bidID, tenderID: tenderID, to: publicKey)
    }

    /// Seals an amount given as a string of 1...20 ASCII digits (as typed in a form) whose value fits
    /// in UInt64; leading zeros are allowed and do not change the value or the sealed form.
    package static func sealAmount(
        digits: String, bidID: String, tenderID: String, to publicKey: [UInt8]
    ) throws(SealError) -> [UInt8] {
        guard let rials = parseAmount(digits: digits) else { throw .invalidAmount }
        return try sealAmount(rials, bidID: bidID, tenderID: tenderID, to: publicKey)
    }

    /// The plaintext of an amount: exactly 20 ASCII digits, zero-padded on the left.
    package static func amountPlaintext(_ rials: UInt64) -> [UInt8] {
        let digits = Array(String(rials).utf8)
        return [UInt8](repeating: UInt8(ascii: "0"), count: amountDigits - digits.count) + digits
    }

    /// 1...20 ASCII digits (nothing else: no sign, space or separator) with a value ≤ UInt64.max.
    package static func parseAmount(digits: String) -> UInt64? {
        let utf8 = Array(digits.utf8)
        guard (1...amountDigits).contains(utf8.count) else { return nil }
        var value: UInt64 = 0
        for c in utf8 {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    static func info(_ tenderID: String) -> [UInt8] {
        Array("zamin tender \(tenderID)".utf8)
    }
}

extension TenderOpener {
    /// Opens a bid sealed with `SealedBid.seal` for this tender and `bidID`.
    package func open(sealed: [UInt8], bidID: String) throws(SealError) -> [UInt8] {
        guard !bidID.isEmpty else { throw .invalidBidID }
        let n = SealedBid.encapsulatedKeyCount
        guard sealed.count >= n + SealedBid.tagCount else { throw .malformedSealed }
        let enc = Array(sealed[..<n])
        guard let encKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: enc),
              !X25519Check.isLowOrder(encKey)
        else { throw .malformedSealed }
        do {
            let privateKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKeyBytes)
            var recipient = try HPKE.Recipient(
                privateKey: privateKey, ciphersuite: SealedBid.ciphersuite,
                info: Data(SealedBid.info(tenderID)), encapsulatedKey: Data(enc))
            return Array(try recipient.open(sealed[n...], authenticating: Array(bidID.utf8)))
        } catch {
            throw .openFailed
        }
    }

    /// Opens a sealed amount and checks that it is 20 ASCII digits with a value ≤ UInt64.max.
    package func openAmount(sealed: [UInt8], bidID: String) throws(SealError) -> UInt64 {
        let plaintext = try open(sealed: sealed, bidID: bidID)
        guard plaintext.count == SealedBid.amountDigits,
              let rials = SealedBid.parseAmount(digits: String(decoding: plaintext, as: UTF8.self))
        else { throw .invalidAmount }
        return rials
    }
}

/// RFC 9180 section 7.1.4 requires X25519 DHKEM implementations to abort when the Diffie-Hellman output
/// is all zeros, which happens exactly when the peer's point is of low order (RFC 7748 section 6.1).
/// swift-crypto 3.12.3 deliberately does not check this (for parity with CryptoKit), so we do: a DH with
/// a fresh random scalar, which RFC 7748 clamps to a multiple of the cofactor 8, gives zero if and only
/// if the point lies in the small subgroup.
enum X25519Check {
    static func isLowOrder(_ publicKey: Curve25519.KeyAgreement.PublicKey) -> Bool {
        let probe = Curve25519.KeyAgreement.PrivateKey()
        guard let shared = try? probe.sharedSecretFromKeyAgreement(with: publicKey) else { return true }
        return shared.withUnsafeBytes { bytes in bytes.allSatisfy { $0 == 0 } }
    }
}
