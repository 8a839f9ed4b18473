/// The one number formatter of the writers: ASCII digits, no exponent, never `-0`, same value →
/// same bytes (style guide, "Deterministic output"; RFC 7946 §11.2 on coordinate precision).
package enum NumberFormatting {
    /// The largest number of decimals `append(_:decimals:to:)` writes; more are clamped.
    package static let maxDecimals = 15


    /// Appends `value` rounded to at most `decimals` decimals, half away from zero, applied to
    /// the exact binary value of the `Double` (like C's `printf("%.*f")`, but ties go away from
    /// zero: 0.125 → "0.13"), trailing zeros trimmed (51.4231000 → "51.4231"), without exponent
    /// (1e-7 → "0.0000001", 1e20 → "100000000000000000000"); a result that rounds to zero is "0",
    /// never "-0"; NaN and ±infinity, which JSON cannot hold (RFC 8259 §6), are `null`.
    /// Integer arithmetic only on the common path: no Foundation, no `String(format:)`.
    package static func append(_ value: Double, decimals: Int, to bytes: inout [UInt8]) {
        // Written into a small stack buffer, then appended once: one capacity check per number.
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        let written = withUnsafeMutableBytes(of: &buffer) { raw in write(value, decimals: decimals, into: raw, at: 0) }
        guard let written else {
            if value.isFinite { appendShortest(value, to: &bytes) } else { appendNull(to: &bytes) }
            return
        }
        withUnsafeBytes(of: &buffer) { raw in bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<written])) }
    }

    /// Writes `value` as `append(_:decimals:to:)` does into `raw` from `offset` (at most 38 bytes:
    /// sign, 20 integer digits, point, 15 decimals) and returns the end, or nil for NaN, ±infinity
    /// and magnitudes of 2⁶⁴ or more, which the caller writes the slow way.
    @inline(__always)
    package static func write(_ value: Double, decimals: Int, into raw: UnsafeMutableRawBufferPointer, at offset: Int) -> Int? {
        let magnitude = value.magnitude
        guard value.isFinite, magnitude < 0x1p64 else { return nil }
        let decimals = min(max(decimals, 0), maxDecimals)
        // The split is exact: a Double's integer part and fraction are both Doubles. (Integer
        // conversion truncates toward zero; `rounded` is a libm call on baseline x86-64.)
        var whole = UInt64(magnitude)
        let integerPart = Double(whole)
        let scale = powerOfTen(decimals)
        var fraction = roundedScaledFraction(magnitude - integerPart, scale: scale)
        if fraction == scale {
            whole += 1
            fraction = 0
        }
        var end = offset
        if value < 0 && (whole != 0 || fraction != 0) {
            raw[end] = UInt8(ascii: "-")
            end += 1
        }
        end = writeDigits(whole, minimumWidth: 1, into: raw, at: end)
        guard fraction != 0 else { return end }
        var width = decimals
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        raw[end] = UInt8(ascii: ".")
        return writeDigits(fraction, minimumWidth: width, into: raw, at: end + 1)
    }

    /// 10^exponent for 0…19 without a table (a table is a lazily initialised global).
    @inline(__always)
    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        var value: UInt64 = 1
        for _ in 0..<exponent { value &*= 10 }
        return value
    }

    /// The decimal digits of `value`, left-padded with zeros to `minimumWidth` (≤ 20): two
    /// digits per division from a table of the pairs 00…99, right to left into a scratch buffer,
    /// then one copy (positions are most of a GeoJSON page, and each has two 9-digit numbers).
    @inline(__always)
    private static func writeDigits(_ value: UInt64, minimumWidth: Int, into raw: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let pairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { digits in
            let table = pairs.utf8Start
            var index = 24
            var rest = value
            while rest >= 100 {
                let pair = Int(rest % 100)
                rest /= 100
                index -= 2
                digits[index] = table[2 * pair]
                digits[index + 1] = table[2 * pair + 1]
            }
            if rest >= 10 {
                index -= 2
                digits[index] = table[2 * Int(rest)]
                digits[index + 1] = table[2 * Int(rest) + 1]
            } else {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(rest)
            }
            while 24 - index < minimumWidth {
                index -= 1
                digits[index] = UInt8(ascii: "0")
            }
            let count = 24 - index
            UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: digits[index..<24]))
            return offset + count
        }
    }

    @inline(__always)
    private static func roundedScaledFraction(_ fraction: Double, scale: UInt64) -> UInt64 {
        let factor = Double(scale)
        let high = fraction * factor
        let floor = Double(UInt64(high))  // high ≥ 0: truncation is floor
        if high - floor == 0.5 {
            let error = (-high).addingProduct(fraction, factor)  // fraction × factor − high, exactly
            return UInt64(floor) + (error >= 0 ? 1 : 0)
        }
        // Half up (= away from zero here): high < 10¹⁵ < 2⁵⁰, so high + 0.5 is exact.
        return UInt64(high + 0.5)
    }

    /// Appends `value` as decimal digits ("-42").
    package static func append(_ value: Int, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 20 digits hold UInt64.max
        withUnsafeMutableBytes(of: &buffer) { raw in
            let end = writeDigits(UInt64(value.magnitude), minimumWidth: 1, into: raw, at: 0)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<end]))
        }
    }

    /// Appends the shortest decimal that reads back as exactly `value` (the digits of Swift's
    /// `description`), written without exponent: 0.1 → "0.1", 1e-7 → "0.0000001", 600 → "600",
    /// 1e21 → "1000000000000000000000"; -0 → "0"; NaN and ±infinity → `null`.
    /// For general JSON numbers whose precision is not fixed by the caller.
    package static func appendShortest(_ value: Double, to bytes: inout [UInt8]) {
        guard value.isFinite else {
            appendNull(to: &bytes)
            return
        }
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        if value.magnitude < 0x1p53 && value == value.rounded(.towardZero) {
            append(Int(value), to: &bytes)
            return
        }
        // description is "[-]d.ddd", "[-]d.ddde±XX" or "[-]de±XX": collect digits and exponent.
        var digits: [UInt8] = []
        var pointPosition = -1
        var exponent = 0
        var isExponentNegative = false
        var isInExponent = false
        for byte in value.description.utf8 {
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                if isInExponent { isExponentNegative = byte == UInt8(ascii: "-") }
            case UInt8(ascii: "."): pointPosition = digits.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"): isInExponent = true
            default:
                if isInExponent {
                    exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                } else {
                    digits.append(byte)
                }
            }
        }
        if pointPosition < 0 { pointPosition = digits.count }
        // The decimal point sits after `pointPosition` digits, shifted by the exponent.
        var point = pointPosition + (isExponentNegative ? -exponent : exponent)
        // Trim zeros on both ends (a leading "0" as in "0.001"), keeping the point in place.
        while let last = digits.last, last == UInt8(ascii: "0"), digits.count > point { digits.removeLast() }
        var leading = 0
        while leading < digits.count - 1 && digits[leading] == UInt8(ascii: "0") { leading += 1 }
        digits.removeFirst(leading)
        point -= leading
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        if point <= 0 {
            bytes.append(UInt8(ascii: "0"))
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -point))
            bytes.append(contentsOf: digits)
        } else if point >= digits.count {
            bytes.append(contentsOf: digits)
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: point - digits.count))
        } else {
            bytes.append(contentsOf: digits[..<point])
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: digits[point...])
        }
    }

    @inline(__always)
    static func appendNull(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
    }
}
