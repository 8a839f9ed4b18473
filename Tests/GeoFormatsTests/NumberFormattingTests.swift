import Foundation
import GeoFormats
import TestSupport
import Testing

private func formatted(_ value: Double, decimals: Int) -> String {
    var bytes: [UInt8] = []
    NumberFormatting.append(value, decimals: decimals, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

private func shortest(_ value: Double) -> String {
    var bytes: [UInt8] = []
    NumberFormatting.appendShortest(value, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

@Suite("NumberFormatting")
struct NumberFormattingTests {
    /// Expected strings from Python's decimal module on the exact binary value, rounding half
    /// away from zero (ROUND_HALF_UP), trailing zeros trimmed, "-0" → "0":
    /// python3 -c "from decimal import *; print(format(Decimal(2.675).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP), 'f'))"
    @Test(
        "fixed decimals: known answers",
        arguments: [
            (51.4231, 7, "51.4231"),
            (-0.00000001, 7, "0"),
            (1e-7, 7, "0.0000001"),
            (123456789.1234, 3, "123456789.123"),
            (0.125, 2, "0.13"),  // an exact binary tie goes away from zero
            (-0.125, 2, "-0.13"),
            (2.5, 0, "3"),
            (-2.5, 0, "-3"),
            (0.5, 0, "1"),
            (-0.4, 0, "0"),
            (0.15, 1, "0.1"),  // 0.1499999999999999944… below the tie
            (2.675, 2, "2.67"),  // 2.67499999999999982236431605997495353221893310546875
            (1.0000005, 6, "1.000001"),  // 1.000000500000000058…
            (35.6928709, 7, "35.6928709"),
            (-51.4001944, 7, "-51.4001944"),
            (1e20, 3, "100000000000000000000"),
            (9007199254740993.0, 2, "9007199254740992"),
            (1.9999999999, 7, "2"),
            (-1.99999996, 7, "-2"),
            (600.0, 3, "600"),
            (0.1, 15, "0.1"),
            (18446744073709549568.0, 1, "18446744073709549568"),
            (0x1p-1063, 7, "0"),  // 1e-320, a subnormal
            (466383866493.5166015625, 9, "466383866493.516601563"),  // exact tie at 1e-9, away from zero
            (4503599627370495.5, 0, "4503599627370496"),  // 2^52 - 0.5, a tie

            (12.0000000499999, 7, "12"),
            (-0.0, 7, "0"),
            (0.0, 0, "0"),
            (180.0, 7, "180"),
            (-90.0, 7, "-90"),
        ])
    func knownAnswers(value: Double, decimals: Int, expected: String) {
        #expect(formatted(value, decimals: decimals) == expected)
    }

    @Test("NaN and infinities are null")
    func nonFiniteIsNull() {
        #expect(formatted(.nan, decimals: 7) == "null")
        #expect(formatted(.infinity, decimals: 3) == "null")
        #expect(formatted(-.infinity, decimals: 0) == "null")
        #expect(shortest(.nan) == "null")
        #expect(shortest(-.infinity) == "null")
    }

    @Test("Int: known answers")
    func integers() {
        for (value, expected) in [(0, "0"), (7, "7"), (-42, "-42"), (Int.max, "9223372036854775807"), (Int.min, "-9223372036854775808")] {
            var bytes: [UInt8] = []
            NumberFormatting.append(value, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == expected)
        }
    }

    @Test(
        "shortest round-trip form, no exponent: known answers",
        arguments: [
            (0.1, "0.1"), (600.6, "600.6"), (600.0, "600"), (-0.0, "0"), (1e-7, "0.0000001"),
            (-2.5e-5, "-0.000025"), (1e21, "1000000000000000000000"), (1.5e17, "150000000000000000"),
            (123456.789, "123456.789"), (9007199254740993.0, "9007199254740992"), (-35.6928709, "-35.6928709"),
        ])
    func shortestKnownAnswers(value: Double, expected: String) {
        #expect(shortest(value) == expected)
    }

    /// Against glibc's printf ("%.*f": the exact binary value, correctly rounded), trimmed.
    /// printf breaks exact ties to even, we away from zero; below 1e6 a double has more than
    /// 32 fraction bits, so a random one is an exact tie at ≤ 9 decimals with probability ~2^-22.
    @Test("fixed decimals agree with printf on random values")
    func agreesWithPrintf() {
        var generator = SeededRandom(seed: SeededRandom.seed(default: 7))
        for _ in 0..<20_000 {
            let decimals = Int.random(in: 0...9, using: &generator)
            let magnitude = [1.0, 180.0, 1e6][Int.random(in: 0...2, using: &generator)]
            let value = Double.random(in: -magnitude...magnitude, using: &generator)
            var expected = String(format: "%.\(decimals)f", value)
            if expected.contains(".") {
                while expected.hasSuffix("0") { expected.removeLast() }
                if expected.hasSuffix(".") { expected.removeLast() }
            }
            if expected == "-0" { expected = "0" }
            #expect(formatted(value, decimals: decimals) == expected, "value \(value) decimals \(decimals), seed \(generator.seed)")
        }
    }

    @Test("shortest form reads back as the same Double")
    func shortestRoundTrips() {
        var generator = SeededRandom(seed: SeededRandom.seed(default: 8))
        for _ in 0..<20_000 {
            let value = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            guard value.isFinite else { continue }
            let text = shortest(value)
            #expect(!text.contains("e") && !text.contains("E"))
            #expect(Double(text) == (value == 0 ? 0 : value), "\(value) → \(text), seed \(generator.seed)")
        }
    }
}
