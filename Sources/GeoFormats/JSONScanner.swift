/// A cursor over UTF-8 bytes that reads RFC 8259 tokens. Every read checks `position < end`
/// first, so no input makes it read out of bounds. Shared by `JSONParser` and `GeoJSONReader`.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let maxDepth: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, position: Int = 0, maxDepth: Int) {
        self.bytes = bytes
        self.position = position
        self.maxDepth = maxDepth
    }

    var isAtEnd: Bool { position >= bytes.count }

    func error(_ problem: JSONSyntaxProblem, at offset: Int? = nil) -> GeoFormatError {
        .invalidJSON(problem, byteOffset: offset ?? position)
    }

    /// The error for the byte at `position`: end of input, or an unexpected byte.
    func unexpected() -> GeoFormatError {
        position < bytes.count ? error(.unexpectedByte(bytes[position])) : error(.unexpectedEndOfInput)
    }

    /// RFC 8259 §2: insignificant white space is space, tab, line feed, carriage return.
    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            let byte = bytes[position]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            position += 1
        }
    }

    /// The next non-white-space byte, not consumed.
    @inline(__always)
    mutating func peek() throws(GeoFormatError) -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw error(.unexpectedEndOfInput) }
        return bytes[position]
    }

    /// Consumes `byte` after white space, or throws.
    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(GeoFormatError) {
        guard try peek() == byte else { throw unexpected() }
        position += 1
    }

    /// After white space: consumes `byte` if it is next.
    @inline(__always)
    mutating func consume(_ byte: UInt8) throws(GeoFormatError) -> Bool {
        guard try peek() == byte else { return false }
        position += 1
        return true
    }

    /// Fails when the input holds more than white space after `position` (RFC 8259 §2).
    mutating func expectEnd() throws(GeoFormatError) {
        skipWhitespace()
        guard position >= bytes.count else { throw error(.trailingContent) }
    }

    // MARK: Literals and numbers

    /// Reads `true`, `false` or `null` at `position`.
    mutating func readLiteral() throws(GeoFormatError) -> JSONValue {
        let start = position
        switch bytes[position] {
        case UInt8(ascii: "t"): try match("true"); return .bool(true)
        case UInt8(ascii: "f"): try match("false"); return .bool(false)
        case UInt8(ascii: "n"): try match("null"); return .null
        default: throw error(.unexpectedByte(bytes[start]))
        }
    }

    private mutating func match(_ word: StaticString) throws(GeoFormatError) {
        let count = word.utf8CodeUnitCount
        let start = word.utf8Start
        for index in 0..<count {
            guard position < bytes.count else { throw error(.unexpectedEndOfInput) }
            guard bytes[position] == start[index] else { throw error(.unexpectedByte(bytes[position])) }
            position += 1
        }
    }

    /// Exact powers of ten: every 10^k with k ≤ 22 is a `Double` without rounding.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always)
    private func digit(at offset: Int) -> UInt8? {
        guard offset < bytes.count else { return nil }
        let value = bytes[offset] &- UInt8(ascii: "0")
        return value < 10 ? value : nil
    }

    /// Reads a number (RFC 8259 §6) at `position`, correctly rounded. Numbers of at most 19
    /// significant digits scaled by at most 10^±22 take the exact fast path (Clinger 1990: an
    /// integer below 2^53 and an exact power of ten give one correctly rounded operation);
    /// all others go through the standard library's correctly rounded text conversion.
    mutating func readNumber() throws(GeoFormatError) -> Double {
        let start = position
        var isNegative = false
        if position < bytes.count && bytes[position] == UInt8(ascii: "-") {
            isNegative = true
            position += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var isInexact = false
        guard let first = digit(at: position) else {
            throw position < bytes.count ? error(.invalidNumber) : error(.unexpectedEndOfInput)
        }
        position += 1
        if first != 0 {
            mantissa = UInt64(first)
            significantDigits = 1
            while let next = digit(at: position) {
                position += 1
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(next)
                    significantDigits += 1
                } else {
                    exponent += 1
                    if next != 0 { isInexact = true }
                }
            }
        }
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digit(at: position) != nil else { throw unexpectedInNumber() }
            while let next = digit(at: position) {
                position += 1
                if mantissa == 0 && next == 0 {
                    exponent -= 1
                } else if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(next)
                    significantDigits += 1
                    exponent -= 1
                } else if next != 0 {
                    isInexact = true
                }
            }
        }
        if position < bytes.count && (bytes[position] | 0x20) == UInt8(ascii: "e") {
            position += 1
            var isExponentNegative = false
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                isExponentNegative = bytes[position] == UInt8(ascii: "-")
                position += 1
            }
            guard digit(at: position) != nil else { throw unexpectedInNumber() }
            var value = 0
            while let next = digit(at: position) {
                position += 1
                if value < 100_000 { value = value * 10 + Int(next) }
            }
            exponent += isExponentNegative ? -value : value
        }
        if mantissa == 0 { return isNegative ? -0.0 : 0.0 }
        if !isInexact && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            let scaled =
                exponent < 0
                ? Double(mantissa) / Self.powersOfTen[-exponent]
                : Double(mantissa) * Self.powersOfTen[exponent]
            return isNegative ? -scaled : scaled
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw error(.invalidNumber, at: start) }
        return value
    }

    private func unexpectedInNumber() -> GeoFormatError {
        position < bytes.count ? error(.invalidNumber) : error(.unexpectedEndOfInput)
    }

    // MARK: Strings

    /// Reads a string (RFC 8259 §7) whose opening quote is at `position`.
    mutating func readString() throws(GeoFormatError) -> String {
        let (start, end, hasEscapes) = try readRawString()
        return try decodeString(start: start, end: end, hasEscapes: hasEscapes)
    }

    /// Skips a string whose opening quote is at `position`, checking control characters and
    /// escapes' shape; returns the byte range between the quotes and whether it holds escapes.
    /// UTF-8 and `\u` escapes are checked when the string is decoded (`decodeString`).
    @inline(__always)
    mutating func readRawString() throws(GeoFormatError) -> (start: Int, end: Int, hasEscapes: Bool) {
        position += 1
        let start = position
        var hasEscapes = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return (start, position - 1, hasEscapes)
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                position += 2
            } else if byte < 0x20 {
                throw error(.controlCharacterInString)
            } else {
                position += 1
            }
        }
        throw error(.unexpectedEndOfInput, at: bytes.count)
    }

    /// The string between `start` and `end` (excluding quotes) with escapes resolved.
    func decodeString(start: Int, end: Int, hasEscapes: Bool) throws(GeoFormatError) -> String {
        if !hasEscapes {
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if let invalid = Self.firstInvalidUTF8(in: slice) { throw error(.invalidUTF8, at: start + invalid) }
            return String(decoding: slice, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(end - start)
        var index = start
        while index < end {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                decoded.append(byte)
                index += 1
                continue
            }
            guard index + 1 < end else { throw error(.invalidEscape, at: index) }
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escaped)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                let escapeStart = index - 2
                var scalar = try hex4(at: index, end: end)
                index += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard index + 6 <= end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    else { throw error(.unpairedSurrogate, at: escapeStart) }
                    let low = try hex4(at: index + 2, end: end)
                    guard low >= 0xDC00 && low <= 0xDFFF else { throw error(.unpairedSurrogate, at: escapeStart) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw error(.unpairedSurrogate, at: escapeStart)
                }
                Self.appendUTF8(scalar, to: &decoded)
            default:
                throw error(.invalidEscape, at: index - 2)
            }
        }
        // Escapes produce valid UTF-8, so a fault is in the raw bytes: check those, for its offset.
        if let invalid = Self.firstInvalidUTF8(in: UnsafeBufferPointer(rebasing: bytes[start..<end])) {
            throw error(.invalidUTF8, at: start + invalid)
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private func hex4(at index: Int, end: Int) throws(GeoFormatError) -> UInt32 {
        guard index + 4 <= end else { throw error(.invalidEscape, at: index - 2) }
        var value: UInt32 = 0
        for offset in index..<(index + 4) {
            let byte = bytes[offset]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidEscape, at: index - 2)
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    private static func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | scalar >> 6))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | scalar >> 12))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | scalar >> 18))
            bytes.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Offset of the first byte of an ill-formed UTF-8 sequence, nil if none (Unicode 15,
    /// §3.9, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF). Our own
    /// check, then `String(decoding:)`: `String(validating:)` ran unspecialized and cost 5 %.
    static func firstInvalidUTF8(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            @inline(__always) func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
                index + offset < count && bytes[index + offset] >= low && bytes[index + offset] <= high
            }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) else { return index }
                index += 2
            case 0xE0...0xEF:
                let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80
                let high: UInt8 = lead == 0xED ? 0x9F : 0xBF
                guard continuation(1, low, high), continuation(2) else { return index }
                index += 3
            case 0xF0...0xF4:
                let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80
                let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF
                guard continuation(1, low, high), continuation(2), continuation(3) else { return index }
                index += 4
            default:
                return index
            }
        }
        return nil
    }

    // MARK: Values

    /// An open array or object of `readValue`: where its elements start on the value stack
    /// (and its keys on the key stack).
    private struct Frame {
        let isObject: Bool
        let valueStart: Int
        let keyStart: Int
    }

    /// Reads any value at `position` (after white space) into a tree. Iterative, with an
    /// explicit stack bounded by `maxDepth`, so hostile nesting cannot overflow the call stack.
    mutating func readValue() throws(GeoFormatError) -> JSONValue {
        var values: [JSONValue] = []
        var keys: [String] = []
        var frames: [Frame] = []
        while true {
            var value: JSONValue
            switch try peek() {
            case UInt8(ascii: "{"):
                guard frames.count < maxDepth else { throw error(.nestingTooDeep(limit: maxDepth)) }
                position += 1
                if try consume(UInt8(ascii: "}")) {
                    value = .object(JSONObject())
                } else {
                    frames.append(Frame(isObject: true, valueStart: values.count, keyStart: keys.count))
                    keys.append(try readKey())
                    continue
                }
            case UInt8(ascii: "["):
                guard frames.count < maxDepth else { throw error(.nestingTooDeep(limit: maxDepth)) }
                position += 1
                if try consume(UInt8(ascii: "]")) {
                    value = .array([])
                } else {
                    frames.append(Frame(isObject: false, valueStart: values.count, keyStart: keys.count))
                    continue
                }
            case UInt8(ascii: "\""):
                value = .string(try readString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try readNumber())
            default:
                value = try readLiteral()
            }
            // A complete value: add it to the open container; close containers that end here.
            while let frame = frames.last {
                values.append(value)
                let next = try peek()
                if next == UInt8(ascii: ",") {
                    position += 1
                    if frame.isObject { keys.append(try readKey()) }
                    break
                }
                guard next == (frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { throw unexpected() }
                position += 1
                if frame.isObject {
                    var members: [JSONMember] = []
                    members.reserveCapacity(values.count - frame.valueStart)
                    for (key, member) in zip(keys[frame.keyStart...], values[frame.valueStart...]) {
                        members.append(JSONMember(key: key, value: member))
                    }
                    keys.removeSubrange(frame.keyStart...)
                    value = .object(JSONObject(members))
                } else {
                    value = .array(Array(values[frame.valueStart...]))
                }
                values.removeSubrange(frame.valueStart...)
                frames.removeLast()
            }
            if frames.isEmpty { return value }
        }
    }

    /// Reads `"name" :` (after white space) inside an object.
    mutating func readKey() throws(GeoFormatError) -> String {
        guard try peek() == UInt8(ascii: "\"") else { throw unexpected() }
        let key = try readString()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// Reads `"name" :` and returns the raw byte range of the name, without decoding it.
    mutating func readRawKey() throws(GeoFormatError) -> (start: Int, end: Int, hasEscapes: Bool) {
        guard try peek() == UInt8(ascii: "\"") else { throw unexpected() }
        let key = try readRawString()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// True when the raw key equals `name` (an ASCII name; a key with escapes is decoded first).
    func key(_ key: (start: Int, end: Int, hasEscapes: Bool), is name: StaticString) throws(GeoFormatError) -> Bool {
        if key.hasEscapes {
            return try decodeString(start: key.start, end: key.end, hasEscapes: true) == name.description
        }
        let count = name.utf8CodeUnitCount
        guard key.end - key.start == count else { return false }
        let start = name.utf8Start
        for index in 0..<count where bytes[key.start + index] != start[index] { return false }
        return true
    }

    /// Skips any value (after white space), checking its syntax as `readValue` does but
    /// building nothing.
    mutating func skipValue() throws(GeoFormatError) {
        var isObjectStack: [Bool] = []
        while true {
            switch try peek() {
            case UInt8(ascii: "{"):
                guard isObjectStack.count < maxDepth else { throw error(.nestingTooDeep(limit: maxDepth)) }
                position += 1
                if try !consume(UInt8(ascii: "}")) {
                    isObjectStack.append(true)
                    let key = try readRawKey()
                    try checkKey(key)
                    continue
                }
            case UInt8(ascii: "["):
                guard isObjectStack.count < maxDepth else { throw error(.nestingTooDeep(limit: maxDepth)) }
                position += 1
                if try !consume(UInt8(ascii: "]")) {
                    isObjectStack.append(false)
                    continue
                }
            case UInt8(ascii: "\""):
                let string = try readRawString()
                try checkKey(string)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                _ = try readNumber()
            default:
                _ = try readLiteral()
            }
            while let isObject = isObjectStack.last {
                let next = try peek()
                if next == UInt8(ascii: ",") {
                    position += 1
                    if isObject { try checkKey(try readRawKey()) }
                    break
                }
                guard next == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { throw unexpected() }
                position += 1
                isObjectStack.removeLast()
            }
            if isObjectStack.isEmpty { return }
        }
    }

    /// Validates a skipped string's escapes and UTF-8 (only non-ASCII or escaped strings cost).
    private func checkKey(_ string: (start: Int, end: Int, hasEscapes: Bool)) throws(GeoFormatError) {
        _ = try decodeString(start: string.start, end: string.end, hasEscapes: string.hasEscapes)
    }
}

/// Parses JSON text (RFC 8259) into a `JSONValue`. Never traps on any input: every failure is a
/// `GeoFormatError.invalidJSON` with the byte offset where it was detected.
package enum JSONParser {
    /// Default nesting limit: deep enough for any document we serve or accept.
    package static let defaultMaxDepth = 512

    package static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(GeoFormatError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(GeoFormatError) -> JSONValue in
            try parse(buffer, maxDepth: maxDepth)
        }
    }

    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth) throws(GeoFormatError) -> JSONValue {
        var scanner = JSONScanner(bytes, maxDepth: maxDepth)
        // RFC 8259 §8.1: a parser may ignore a leading byte order mark.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { scanner.position = 3 }
        let value = try scanner.readValue()
        try scanner.expectEnd()
        return value
    }
}
