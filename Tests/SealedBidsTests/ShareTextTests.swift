import SealedBids
import XCTest

final class ShareTextTests: XCTestCase {
    let tender = "tender-2025_07"

    func testKnownText() throws {
        // Checksum from `printf '%s' "tender-2025_07:3:AQID" | sha256sum`: 4ec89641fa...
        let share = ShamirShare(index: 3, bytes: [1, 2, 3])
        XCTAssertEqual(try ShareText.encode(share, tenderID: tender), "zamin-share:tender-2025_07:3:AQID:4ec89641")
        XCTAssertEqual(try ShareText.decode("zamin-share:tender-2025_07:3:AQID:4ec89641", tenderID: tender), share)
        XCTAssertEqual(try ShareText.decode("zamin-share:tender-2025_07:3:AQID:4EC89641", tenderID: tender), share,
                       "the checksum's hex may be typed in upper case")
        XCTAssertEqual(try ShareText.decode("  zamin-share:tender-2025_07:3:AQID:4ec89641\r\n", tenderID: tender), share,
                       "whitespace around a pasted share is ignored")
    }

    func testRoundTrip() throws {
        var generator = SplitMix64(seed: 5)
        for length in [1, 2, 3, 4, 31, 32, 33, 100] {
            for index in [1, 2, 9, 10, 99, 100, 255] {
                let share = ShamirShare(index: UInt8(index), bytes: (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
                let text = try ShareText.encode(share, tenderID: tender)
                XCTAssertEqual(try ShareText.decode(text, tenderID: tender), share)
            }
        }
    }

    /// RFC 4648 section 10 vectors (base64 and base64url agree on these), and the two URL-safe characters.
    func testBase64URL() {
        let vectors: [(String, String)] = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"),
                                           ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64URL.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64URL.decode(encoded), Array(plain.utf8))
        }
        XCTAssertEqual(Base64URL.encode([0xFB, 0xFF]), "-_8")  // "+/8=" in standard base64
        XCTAssertEqual(Base64URL.decode("-_8"), [0xFB, 0xFF])
        XCTAssertNil(Base64URL.decode("+/8"), "standard alphabet")
        XCTAssertNil(Base64URL.decode("Zg=="), "padding")
        XCTAssertNil(Base64URL.decode("Zh"), "non-zero unused bits: 'Zh' is not canonical for \"f\"")
        XCTAssertNil(Base64URL.decode("Zm9"), "non-zero unused bits")
        XCTAssertNil(Base64URL.decode("Zm9vY"), "length 4n+1")
        XCTAssertNil(Base64URL.decode("Zm 9v"), "space")
        var generator = SplitMix64(seed: 4648)
        for length in 0..<50 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(Base64URL.decode(Base64URL.encode(bytes)), bytes)
        }
    }

    func testTenderIDs() {
        XCTAssertTrue(TenderIDRule.isValid("a"))
        XCTAssertTrue(TenderIDRule.isValid("Tehran-1404_017"))
        XCTAssertTrue(TenderIDRule.isValid(String(repeating: "x", count: 64)))
        XCTAssertFalse(TenderIDRule.isValid(""))
        XCTAssertFalse(TenderIDRule.isValid(String(repeating: "x", count: 65)))
        for bad in ["a:b", "a b", "a/b", "a.b", "مناقصه", "a\n"] {
            XCTAssertFalse(TenderIDRule.isValid(bad), bad)
        }
    }

    func testRejections() {
        let good = "zamin-share:tender-2025_07:3:AQID:4ec89641"
        func decodeError(_ text: String, tenderID: String? = nil) -> ShareTextError? {
            do {
                _ = try ShareText.decode(text, tenderID: tenderID ?? tender)
                return nil
            } catch { return error }
        }
        XCTAssertNil(decodeError(good))
        // Format.
        XCTAssertEqual(decodeError("zamin-shard:tender-2025_07:3:AQID:4ec89641"), .malformed(.prefix))
        XCTAssertEqual(decodeError(""), .malformed(.prefix))
        XCTAssertEqual(decodeError("AQID"), .malformed(.prefix))
        XCTAssertEqual(decodeError("zamin-share:tender-2025_07:3:AQID"), .malformed(.fieldCount))
        XCTAssertEqual(decodeError("zamin-share:tender-2025_07:3:AQID:4ec89641:x"), .malformed(.fieldCount))
        XCTAssertEqual(decodeError("zamin-share:tender 2025:3:AQID:4ec89641"), .malformed(.tenderID))
        XCTAssertEqual(decodeError("zamin-share::3:AQID:4ec89641"), .malformed(.tenderID))
        for index in ["0", "03", "+3", "256", "1000", "x", "", "-1"] {
            XCTAssertEqual(decodeError("zamin-share:tender-2025_07:\(index):AQID:4ec89641"), .malformed(.index), index)
        }
        for bytes in ["", "AQI=", "AQ+D", "AQIDB", "AQ ID", "AR"] {
            XCTAssertEqual(decodeError("zamin-share:tender-2025_07:3:\(bytes):4ec89641"), .malformed(.bytes), bytes)
        }
        for checksum in ["", "4ec8964", "4ec896411", "4ec8964g", "4ec8964 "] {
            XCTAssertEqual(decodeError("zamin-share:tender-2025_07:3:AQID:\(checksum)"), .malformed(.checksum), checksum)
        }
        // Intact form, wrong content.
        XCTAssertEqual(decodeError("zamin-share:tender-2025_07:3:AQIE:4ec89641"), .checksumMismatch, "a byte changed")
        XCTAssertEqual(decodeError("zamin-share:tender-2025_07:4:AQID:4ec89641"), .checksumMismatch, "the index changed")
        XCTAssertEqual(decodeError("zamin-share:tender-2025_08:3:AQID:4ec89641"), .checksumMismatch, "the tender mistyped")
        XCTAssertEqual(decodeError("zamin-share:tender-2025_07:3:AQID:4ec89642"), .checksumMismatch, "the checksum mistyped")
        // An intact share of another tender.
        let other = try? ShareText.encode(ShamirShare(index: 3, bytes: [1, 2, 3]), tenderID: "tender-2025_08")
        XCTAssertEqual(decodeError(other ?? ""), .wrongTender(expected: "tender-2025_07", found: "tender-2025_08"))
        // Caller errors.
        XCTAssertEqual(decodeError(good, tenderID: "bad:id"), .invalidTenderID("bad:id"))
    }

    func testEncodeRejections() {
        func encodeError(_ share: ShamirShare, _ tenderID: String) -> ShareTextError? {
            do {
                _ = try ShareText.encode(share, tenderID: tenderID)
                return nil
            } catch { return error }
        }
        XCTAssertEqual(encodeError(ShamirShare(index: 1, bytes: [1]), "a:b"), .invalidTenderID("a:b"))
        XCTAssertEqual(encodeError(ShamirShare(index: 0, bytes: [1]), "a"), .malformed(.index))
        XCTAssertEqual(encodeError(ShamirShare(index: 1, bytes: []), "a"), .malformed(.bytes))
    }
}
