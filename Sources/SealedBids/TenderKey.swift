// A tender's key pair: the public key is stored and published, so that anyone can seal a bid to it;
// the private key exists whole only twice: at creation, for as long as it takes to split it into
// k-of-n Shamir shares for the committee, and at the opening, once k members have entered their
// shares. Between the two, no single member, and no copy of the database, can open a bid.

import Crypto

package enum TenderKeyError: Error, Sendable, Hashable {
    case invalidTenderID(String)
    /// Threshold or member count rejected by the secret sharing (see ShamirError).
    case invalidSharing(ShamirError)
    /// The stored public key is not 32 bytes.
    case invalidPublicKey
    /// Fewer distinct shares than the threshold: the key cannot be recovered, and trying would
    /// only produce a wrong one.
    case tooFewShares(have: Int, need: Int)
    /// The share text at `position` (0-based, in the order given) did not decode.
    case shareText(position: Int, ShareTextError)
    /// The share at `position` has the same index as an earlier one, `firstPosition`.
    case duplicateShare(position: Int, firstPosition: Int, index: UInt8)
    /// The shares decoded but disagree in length.
    case shareLengthMismatch
    /// Interpolation gave a key whose public key is not the tender's: at least one share is wrong
    /// (forged, from another ceremony, or altered with its checksum recomputed).
    case sharesDoNotMatchKey
}

package enum TenderKeyCeremony {
    /// Creates a tender key pair and splits its private key, X25519 as in RFC 7748, into `members`
    /// share texts of which any `threshold` open the tender. The caller stores `publicKey` and the
    /// threshold, hands each share text to one member, and keeps no copy of them.
    package static func create(
        tenderID: String, threshold: Int, members: Int
    ) throws(TenderKeyError) -> (publicKey: [UInt8], shares: [String]) {
        guard TenderIDRule.isValid(tenderID) else { throw .invalidTenderID(tenderID) }
        let privateKey = Curve25519.KeyAgreement.PrivateKey()
        // Split the clamped form (same key: X25519 clamps anyway), so that recovery can demand it; see
        // `isClamped`.
        let secret = clamped(Array(privateKey.rawRepresentation))
        let shares: [ShamirShare]
        do {
            shares = try Shamir.split(secret: secret, threshold: threshold, count: members)
        } catch {
            throw .invalidSharing(error)
        }
        var texts: [String] = []
        for share in shares {
            do {
                texts.append(try ShareText.encode(share, tenderID: tenderID))
            } catch {
                throw .shareText(position: texts.count, error)  // unreachable: the id was checked above
            }
        }
        return (Array(privateKey.publicKey.rawRepresentation), texts)
    }

    /// Recovers the tender's private key from the members' share texts.
    ///
    /// All given shares are used, not only the first `threshold`: with consistent shares the result is
    /// the same, and a bad share among the extra ones is caught rather than ignored. The result is
    /// accepted only if its public key equals `publicKey`; since the private key is 32 bytes and
    /// X25519 is one-way, shares that interpolate to another value cannot pass this check.
    package static func recover(
        tenderID: String, publicKey: [UInt8], threshold: Int, shareTexts: [String]
    ) throws(TenderKeyError) -> TenderOpener {
        guard TenderIDRule.isValid(tenderID) else { throw .invalidTenderID(tenderID) }
        guard publicKey.count == 32 else { throw .invalidPublicKey }
        guard threshold >= 2 else { throw .invalidSharing(.thresholdTooSmall(threshold)) }
        guard threshold <= 255 else { throw .invalidSharing(.tooManyShares(threshold)) }

        var shares: [ShamirShare] = []
        var positionOfIndex: [UInt8: Int] = [:]
        for (position, text) in shareTexts.enumerated() {
            let share: ShamirShare
            do {
                share = try ShareText.decode(text, tenderID: tenderID)
            } catch {
                throw .shareText(position: position, error)
            }
            if let first = positionOfIndex[share.index] {
                throw .duplicateShare(position: position, firstPosition: first, index: share.index)
            }
            positionOfIndex[share.index] = position
            shares.append(share)
        }
        guard shares.count >= threshold else { throw .tooFewShares(have: shares.count, need: threshold) }

        let secret: [UInt8]
        do {
            secret = try Shamir.combine(shares)
        } catch {
            // Indices are 1...255 (ShareText), distinct (checked above), there are at least 2 shares and
            // none is empty (ShareText), so the one error left is shares of different lengths.
            throw .shareLengthMismatch
        }
        // Any 32 bytes are an X25519 private key, so a wrong secret is caught only by these checks.
        // Comparing public keys alone is not enough: X25519 ignores the 5 bits that clamping fixes, and a
        // share altered so as to change only those bits would recover "the right key" from wrong shares.
        // Requiring the clamped form closes that; any other change gives another scalar, hence (but for
        // s' = 8·l − s, which needs the secret s to aim at) another public key.
        guard secret.count == 32, isClamped(secret),
              let privateKey = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret),
              Array(privateKey.publicKey.rawRepresentation) == publicKey
        else { throw .sharesDoNotMatchKey }
        return TenderOpener(tenderID: tenderID, publicKey: publicKey, privateKeyBytes: secret)
    }
}

/// RFC 7748 section 5 "decodeScalar25519": clear the 3 low bits (a multiple of the cofactor 8), clear
/// bit 255 and set bit 254. X25519 does this to every scalar it uses.
func clamped(_ key: [UInt8]) -> [UInt8] {
    var key = key
    key[0] &= 0xF8
    key[31] = (key[31] & 0x7F) | 0x40
    return key
}

func isClamped(_ key: [UInt8]) -> Bool {
    key[0] & 0x07 == 0 && key[31] & 0xC0 == 0x40
}

/// The recovered private key of one tender, able to open its sealed bids (SealedAmount.swift).
///
/// Holds the raw key bytes rather than a `Curve25519.KeyAgreement.PrivateKey`, which swift-crypto does
/// not declare `Sendable`; the key object is rebuilt for each opening, which costs one scalar
/// multiplication less than the opening itself.
package struct TenderOpener: Sendable {
    package let tenderID: String
    /// The tender's public key (32 bytes), as stored at creation and checked in `recover`.
    package let publicKey: [UInt8]
    let privateKeyBytes: [UInt8]

    init(tenderID: String, publicKey: [UInt8], privateKeyBytes: [UInt8]) {
        self.tenderID = tenderID
        self.publicKey = publicKey
        self.privateKeyBytes = privateKeyBytes
    }
}
