// The text form of a Shamir share, handed once to a committee member and later typed or pasted back:
//
//     zamin-share:<tenderID>:<index>:<base64url bytes>:<checksum>
//
// The tender id makes a share of one tender useless (and recognisably so) at another's opening. The
// checksum is the first 4 bytes of SHA-256 over "<tenderID>:<index>:<base64url bytes>", in hex: it
// catches typing and copying mistakes (a random error slips through with probability 2^-32) and says
// so before any interpolation. It is not a MAC: anyone can compute it, so it says nothing about who
// made a share; a forged share is caught later, when the recovered key does not match the tender's
// public key (TenderKeyCeremony.recover).

import Crypto

package enum ShareTextError: Error, Sendable, Hashable {
    /// Which part of the text is not in the expected form.
    package enum Problem: Sendable, Hashable {
        case prefix, fieldCount, tenderID, index, bytes, checksum
    }

    /// A tender id passed in (not read from a share) is not 1...64 characters of [A-Za-z0-9_-].
    case invalidTenderID(String)
    case malformed(Problem)
    /// The share is well formed and its checksum holds, but it belongs to another tender.
    case wrongTender(expected: String, found: String)
    /// Well formed, but some character was changed: a typo, or a tampered share.
    case checksumMismatch
}

/// Tender ids as they appear in share texts and HPKE info strings.
package enum TenderIDRule {
    /// 1...64 characters of [A-Za-z0-9_-]: no ':' (the share text's separator), no whitespace, and
    /// one UTF-8 form only, so "zamin tender <id>" and the checksum input are unambiguous.
    package static func isValid(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { c in
            (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }
}

package enum ShareText {
    package static let prefix = "zamin-share"

    package static func encode(_ share: ShamirShare, tenderID: String) throws(ShareTextError) -> String {
        guard TenderIDRule.isValid(tenderID) else { throw .invalidTenderID(tenderID) }
        guard share.index != 0 else { throw .malformed(.index) }
        guard !share.bytes.isEmpty else { throw .malformed(.bytes) }
        let encoded = Base64URL.encode(share.bytes)
        let sum = checksum(tenderID: tenderID, index: share.index, encodedBytes: encoded)
        return "\(prefix):\(tenderID):\(share.index):\(encoded):\(sum)"
    }

    /// Parses a share text for tender `tenderID`. Surrounding whitespace (a trailing newline from a
    /// paste) is ignored; anything else must be exact, except that the checksum's hex may be upper case.
    /// Checks run in the order format, checksum, tender, so that `wrongTender` is only reported for a
    /// share that is intact: a mistyped tender id gives `checksumMismatch`.
    package static func decode(_ text: String, tenderID: String) throws(ShareTextError) -> ShamirShare {
        guard TenderIDRule.isValid(tenderID) else { throw .invalidTenderID(tenderID) }
        let trimmed = text.trimmingASCIIWhitespace()
        let fields = trimmed.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5 else {
            throw fields.first == prefix ? .malformed(.fieldCount) : .malformed(.prefix)
        }
        guard fields[0] == prefix else { throw .malformed(.prefix) }
        let foundTender = fields[1]
        guard TenderIDRule.isValid(foundTender) else { throw .malformed(.tenderID) }
        guard let index = parseIndex(fields[2]) else { throw .malformed(.index) }
        guard let bytes = Base64URL.decode(fields[3]), !bytes.isEmpty else { throw .malformed(.bytes) }
        let given = fields[4].lowercased()
        guard given.utf8.count == 8, given.utf8.allSatisfy(isLowerHexDigit) else { throw .malformed(.checksum) }
        guard given == checksum(tenderID: foundTender, index: index, encodedBytes: fields[3]) else {
            throw .checksumMismatch
        }
        guard foundTender == tenderID else { throw .wrongTender(expected: tenderID, found: foundTender) }
        return ShamirShare(index: index, bytes: bytes)
    }

    /// First 4 bytes of SHA-256 (FIPS 180-4) over "<tenderID>:<index>:<encodedBytes>", lower-case hex.
    package static func checksum(tenderID: String, index: UInt8, encodedBytes: String) -> String {
        let digest = SHA256.hash(data: Array("\(tenderID):\(index):\(encodedBytes)".utf8))
        return digest.prefix(4).map(hexByte).joined()
    }

    /// A decimal index 1...255 in canonical form only (no sign, no leading zero), so that one share has
    /// one text and one checksum input.
    private static func parseIndex(_ text: String) -> UInt8? {
        let utf8 = Array(text.utf8)
        guard (1...3).contains(utf8.count), utf8[0] != UInt8(ascii: "0") else { return nil }
        var value = 0
        for c in utf8 {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(c - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }

    private static func isLowerHexDigit(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }
}

/// Base64 with the URL and filename safe alphabet, without padding (RFC 4648, sections 5 and 3.2):
/// no '+', '/' or '=' that a terminal, chat window or URL might mangle.
package enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i < bytes.count {
            let remaining = bytes.count - i
            let b0 = UInt32(bytes[i])
            let b1 = remaining > 1 ? UInt32(bytes[i + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[i + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            // 1 byte gives 2 characters, 2 give 3, 3 give 4.
            for k in 0..<min(4, remaining + 1) {
                out.append(alphabet[Int((group >> UInt32(18 - 6 * k)) & 0x3F)])
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict decoding: only the 64 URL-safe characters, no padding, no length that cannot come from
    /// `encode` (4n+1), and the unused low bits of the last character must be zero (RFC 4648 section
    /// 3.5), so every byte string has exactly one accepted text.
    package static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 != 1 else { return nil }
        var values: [UInt32] = []
        values.reserveCapacity(chars.count)
        for c in chars {
            guard let v = sextet(c) else { return nil }
            values.append(v)
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var i = 0
        while i < values.count {
            let n = min(4, values.count - i)
            var group: UInt32 = 0
            for k in 0..<4 {
                group = group << 6 | (k < n ? values[i + k] : 0)
            }
            let byteCount = n - 1  // 2 characters give 1 byte, 3 give 2, 4 give 3
            // Bits below the last whole byte must be zero.
            let unusedBits = 24 - 8 * byteCount
            guard group & ((1 << UInt32(unusedBits)) - 1) == 0 else { return nil }
            for k in 0..<byteCount {
                out.append(UInt8(truncatingIfNeeded: group >> UInt32(16 - 8 * k)))
            }
            i += 4
        }
        return out
    }

    private static func sextet(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(c - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs, CR and LF; no Foundation needed.
    fileprivate func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
              let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
