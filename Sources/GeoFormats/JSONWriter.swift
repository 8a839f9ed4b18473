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

    /// Returns the bytes written so far and empties the buffer (keeping the writer's state).
    package mutating func takeBytes() -> [UInt8] {
        let taken = bytes
        bytes.removeAll(keepingCapacity: true)
        return taken
    }

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
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
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
        }
        bytes.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
