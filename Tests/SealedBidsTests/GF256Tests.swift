import SealedBids
import XCTest

final class GF256Tests: XCTestCase {
    /// Worked examples of FIPS-197 section 4.2 and the inverse pair of section 4.2 / 5.1.1.
    func testFIPS197Examples() {
        XCTAssertEqual(GF256.multiply(0x57, 0x83), 0xC1)  // {57}•{83} = {c1}
        XCTAssertEqual(GF256.multiply(0x57, 0x13), 0xFE)  // {57}•{13} = {fe}
        XCTAssertEqual(GF256.multiply(0x57, 0x02), 0xAE)  // xtime({57}) = {ae}
        XCTAssertEqual(GF256.multiply(0x57, 0x04), 0x47)
        XCTAssertEqual(GF256.multiply(0x57, 0x08), 0x8E)
        XCTAssertEqual(GF256.multiply(0x57, 0x10), 0x07)
        XCTAssertEqual(GF256.multiply(0x53, 0xCA), 0x01)  // {53} and {ca} are inverses
        XCTAssertEqual(GF256.inverse(0x53), 0xCA)
        XCTAssertEqual(GF256.inverse(0xCA), 0x53)
        XCTAssertEqual(GF256.inverse(0x01), 0x01)
        XCTAssertEqual(GF256.inverse(0x00), 0x00)  // by convention, as in the S-box
    }

    /// Every product against a textbook reference written differently: carry-less multiplication into
    /// 16 bits, then reduction modulo x^8 + x^4 + x^3 + x + 1 by long division.
    func testMultiplyMatchesReferenceForAllPairs() {
        func reference(_ a: UInt8, _ b: UInt8) -> UInt8 {
            var wide: UInt16 = 0
            for bit in 0..<8 where (b >> bit) & 1 == 1 {
                wide ^= UInt16(a) << bit
            }
            for bit in stride(from: 15, through: 8, by: -1) where (wide >> bit) & 1 == 1 {
                wide ^= 0x11B << (bit - 8)
            }
            return UInt8(wide)
        }
        for a in 0...255 {
            for b in 0...255 {
                let (a, b) = (UInt8(a), UInt8(b))
                if GF256.multiply(a, b) != reference(a, b) {
                    XCTFail("\(a)·\(b): \(GF256.multiply(a, b)) != \(reference(a, b))")
                    return
                }
            }
        }
    }

    func testEveryNonZeroElementHasItsInverse() {
        for a in 1...255 {
            XCTAssertEqual(GF256.multiply(UInt8(a), GF256.inverse(UInt8(a))), 1, "a = \(a)")
        }
    }

    /// {03} generates the multiplicative group: its powers run through all 255 non-zero elements.
    func testThreeGeneratesTheMultiplicativeGroup() {
        var seen = Set<UInt8>()
        var power: UInt8 = 1
        for _ in 0..<255 {
            seen.insert(power)
            power = GF256.multiply(power, 0x03)
        }
        XCTAssertEqual(power, 1)
        XCTAssertEqual(seen.count, 255)
        XCTAssertFalse(seen.contains(0))
    }

    func testDistributivity() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<10_000 {
            let (a, b, c) = (UInt8.random(in: 0...255, using: &generator), UInt8.random(in: 0...255, using: &generator),
                             UInt8.random(in: 0...255, using: &generator))
            XCTAssertEqual(GF256.multiply(a, b ^ c), GF256.multiply(a, b) ^ GF256.multiply(a, c))
            XCTAssertEqual(GF256.multiply(a, b), GF256.multiply(b, a))
        }
    }
}
