/// Streams JSON text (RFC 8259) as UTF-8 into `bytes`. Commas are placed automatically: call
/// `beginObject`, `key`, a value, `key`, a value, …, `endObject`. The caller keeps the calls
/// well nested; the writer does not check. Take the bytes out (`takeBytes`) to send a chunk
/// and keep writing.
package struct JSONWriter: Sendable {
    package var bytes: [UInt8]
    /// True after a complete value or member, so the next one needs a comma first.
    private var needsComma = false

    package init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Returns the bytes written so far and empties the buffer (keeping the writer's state). The
    /// bytes are handed over, not copied; the writer starts a new buffer if it writes on.
    package mutating func takeBytes() -> [UInt8] {
        let taken = bytes
        bytes = []
        return taken
    }

    /// Forgets that a value was written, so the next one starts without a comma: several
    /// top-level texts back to back in one buffer (`RenderedGeometries`).
    package mutating func startAnotherValue() { needsComma = false }

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    package mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes the members of `object`, a JSON object in compact form as this writer writes one
    /// (`{"a":1,"b":"x"}`), into the object being written: its text is copied, not parsed.
    package mutating func members(ofObject object: String) {
        var object = object
        object.withUTF8 { utf8 in
            guard utf8.count > 2 else { return }  // "{}"
            separate()
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[1..<(utf8.count - 1)]))
            needsComma = true
        }
    }

    /// Writes members that are already JSON text (`"a":1,"b":"x"`, compact, as this writer writes
    /// them) into the object being written: copied as is.
    package mutating func members(rawJSON text: UnsafeBufferPointer<UInt8>) {
        guard !text.isEmpty else { return }
        separate()
        bytes.append(contentsOf: text)
        needsComma = true
    }

    /// Writes a value that is already JSON text (compact, as this writer writes it): copied as is.
    package mutating func value(rawJSON text: UnsafeBufferPointer<UInt8>) {
        separate()
        bytes.append(contentsOf: text)
        needsComma = true
    }

    /// Writes `"key":`; the member's value follows.
    package mutating func key(_ key: String) {
        separate()
        Self.appendEscaped(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    package mutating func string(_ value: String) {
        separate()
        Self.appendEscaped(value, to: &bytes)
        needsComma = true
    }

    /// `value` with at most `decimals` decimals (`NumberFormatting.append(_:decimals:to:)`).
    package mutating func number(_ value: Double, decimals: Int) {
        separate()
        NumberFormatting.append(value, decimals: decimals, to: &bytes)
        needsComma = true
    }

    /// A position `[x,y]` (RFC 7946 §3.1.1) with `decimals` decimals, formatted in one buffer and
    /// appended once: polygons are most of a GeoJSON page.
    package mutating func position(_ x: Double, _ y: Double, decimals: Int) {
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let written: Int? = withUnsafeMutableBytes(of: &buffer) { raw in
            var end = 0
            if needsComma {
                raw[end] = UInt8(ascii: ",")
                end += 1
            }
            raw[end] = UInt8(ascii: "[")
            guard let afterX = NumberFormatting.write(x, decimals: decimals, into: raw, at: end + 1) else { return nil }
            raw[afterX] = UInt8(ascii: ",")
            guard let afterY = NumberFormatting.write(y, decimals: decimals, into: raw, at: afterX + 1) else { return nil }
            raw[afterY] = UInt8(ascii: "]")
            return afterY + 1
        }
        guard let written else {
            // NaN, infinities or huge values: the general path (null or the shortest form).
            beginArray()
            number(x, decimals: decimals)
            number(y, decimals: decimals)
            endArray()
            return
        }
        withUnsafeBytes(of: &buffer) { raw in bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<written])) }
        needsComma = true
    }

    /// `value` in its shortest round-trip form (`NumberFormatting.appendShortest`).
    package mutating func number(_ value: Double) {
        separate()
        NumberFormatting.appendShortest(value, to: &bytes)
        needsComma = true
    }

    package mutating func number(_ value: Int) {
        separate()
        NumberFormatting.append(value, to: &bytes)
        needsComma = true
    }

    package mutating func bool(_ value: Bool) {
        separate()
        if value {
            bytes.append(contentsOf: [UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "u"), UInt8(ascii: "e")])
        } else {
            bytes.append(contentsOf: [UInt8(ascii: "f"), UInt8(ascii: "a"), UInt8(ascii: "l"), UInt8(ascii: "s"), UInt8(ascii: "e")])
        }
        needsComma = true
    }

    package mutating func null() {
        separate()
        NumberFormatting.appendNull(to: &bytes)
        needsComma = true
    }

    /// Writes a whole value; numbers in shortest round-trip form, members in their order.
    package mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let number): self.number(number)
        case .string(let text): string(text)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let object): self.object(object)
        }
    }

    package mutating func object(_ object: JSONObject) {
        beginObject()
        members(of: object)
        endObject()
    }

    /// Writes the members of `object` into the object being written.
    package mutating func members(of object: JSONObject) {
        for member in object.members {
            key(member.key)
            value(member.value)
        }
    }

    /// RFC 8259 §7: quote, backslash and U+0000…U+001F are escaped (the short forms where
    /// they exist, else `\u00XX`); everything else, non-ASCII UTF-8 included, is copied.
    package static func appendEscaped(_ string: String, to bytes: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            // Most strings need no escape: find that out 8 bytes at a time and copy them whole.
            if !needsEscape(utf8) {
                bytes.append(UInt8(ascii: "\""))
                bytes.append(contentsOf: utf8)
                bytes.append(UInt8(ascii: "\""))
                return
            }
            bytes.append(UInt8(ascii: "\""))
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigit(byte >> 4), hexDigit(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// Whether any byte is below 0x20, a quote or a backslash. Eight bytes per step with the
    /// "has a zero byte" and "has a byte less than n" word tricks (S. E. Anderson, Bit Twiddling
    /// Hacks), both exact for the presence of such a byte; the tail byte by byte.
    static func needsEscape(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let raw = UnsafeRawBufferPointer(utf8)
        let words = utf8.count / 8
        for word in 0..<words {
            let x = raw.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self)
            let control = (x &- ones &* 0x20) & ~x & highs
            let quote = x ^ (ones &* 0x22), backslash = x ^ (ones &* 0x5C)
            let quoteOrBackslash = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & highs
            if control | quoteOrBackslash != 0 { return true }
        }
        for index in (words * 8)..<utf8.count {
            let byte = utf8[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return true }
        }
        return false
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
