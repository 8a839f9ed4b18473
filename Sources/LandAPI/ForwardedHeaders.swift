import HTTPTypes

// The pieces `PublicOrigin` (PublicURL.swift) decides with: IP addresses and ranges, the list of
// trusted proxies, and the forwarded header fields read into typed values. Pure functions of
// their input: every malformed value becomes nil (ignored), never an error or a crash.

/// An IPv4 or IPv6 address, kept as 128 bits: IPv4 as an IPv4-mapped IPv6 address
/// (RFC 4291 §2.5.5.2, `::ffff:192.0.2.1`), so a peer on a dual-stack socket and the same
/// peer over IPv4 are one address, and one range type covers both families.
package struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    package let high: UInt64
    package let low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Dotted IPv4 (four decimal octets, no leading zeros: `010` is octal to some parsers) or IPv6
    /// text (RFC 4291 §2.2: hex groups, one `::`, an IPv4 tail); nil for anything else,
    /// including zone ids (`fe80::1%eth0`), brackets and ports.
    package init?(_ text: some StringProtocol) {
        let text = Substring(text)
        if text.contains(":") {
            guard let groups = Self.ipv6Groups(text) else { return nil }
            var high: UInt64 = 0
            var low: UInt64 = 0
            for group in groups[0..<4] { high = high << 16 | UInt64(group) }
            for group in groups[4..<8] { low = low << 16 | UInt64(group) }
            self.init(high: high, low: low)
        } else {
            guard let v4 = Self.ipv4(text) else { return nil }
            self.init(high: 0, low: 0xffff_0000_0000 | UInt64(v4))
        }
    }

    /// IPv6 text only, as between the brackets of an IP literal (RFC 3986 §3.2.2).
    init?(ipv6 text: Substring) {
        guard text.contains(":") else { return nil }
        self.init(text)
    }

    /// True for IPv4 (and IPv4-mapped IPv6) addresses.
    package var isIPv4: Bool { high == 0 && low >> 32 == 0xffff }

    /// Dotted quad for IPv4; RFC 5952 §4 for IPv6 (lower case, no leading zeros, the longest run
    /// of two or more zero groups as `::`, the first of equal runs). One text per address, so
    /// equal addresses share a rate-limit bucket however the client wrote them.
    package var description: String {
        if isIPv4 {
            let v4 = UInt32(truncatingIfNeeded: low)
            return [24, 16, 8, 0].map { String((v4 >> UInt32($0)) & 0xff) }.joined(separator: ".")
        }
        let groups = (0..<8).map { index -> UInt16 in
            let word = index < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (index % 4)))
        }
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index > bestLength {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        return hex[..<bestStart].joined(separator: ":") + "::" + hex[(bestStart + bestLength)...].joined(separator: ":")
    }

    private static func ipv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ (48...57).contains($0) }),
                part.utf8.count == 1 || part.utf8.first != UInt8(ascii: "0"), let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    /// The eight 16-bit groups of IPv6 text.
    private static func ipv6Groups(_ text: Substring) -> [UInt16]? {
        if let gap = text.firstRange(of: "::") {
            guard let head = groups(text[..<gap.lowerBound], ipv4Tail: false),
                let tail = groups(text[gap.upperBound...], ipv4Tail: true),
                head.count + tail.count <= 7  // `::` stands for at least one group
            else { return nil }
            return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard let all = groups(text, ipv4Tail: true), all.count == 8 else { return nil }
        return all
    }

    /// Colon-separated groups of 1–4 hex digits, the last possibly dotted IPv4 (two groups).
    private static func groups(_ text: Substring, ipv4Tail: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if ipv4Tail, index == parts.count - 1, part.contains(".") {
                guard let v4 = ipv4(part) else { return nil }
                groups += [UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
            } else {
                guard (1...4).contains(part.utf8.count), part.utf8.allSatisfy(\.isHexDigit), let group = UInt16(part, radix: 16)
                else { return nil }
                groups.append(group)
            }
        }
        return groups
    }
}

/// An address range in CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6), or one
/// address. IPv4 ranges are kept in the IPv4-mapped space, so `10.0.0.0/8` is `::ffff:10.0.0.0/104`.
package struct IPRange: Hashable, Sendable, CustomStringConvertible {
    package let network: IPAddress
    /// 0…128, in the 128-bit space.
    package let prefixLength: Int
    private let textLength: Int

    /// `192.0.2.0/24`, `2001:db8::/32`, or an address alone (`/32` or `/128`). nil when the
    /// address or length is malformed or the address has bits set past the prefix
    /// (`10.0.0.1/8`: a typo for /32 or for 10.0.0.0/8? say which).
    package init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maximum = address.isIPv4 && !parts[0].contains(":") ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard (1...3).contains(parts[1].utf8.count), parts[1].utf8.allSatisfy({ (48...57).contains($0) }),
                let given = Int(parts[1]), given <= maximum
            else { return nil }
            length = given
        }
        textLength = length
        prefixLength = length + (128 - maximum)
        let (highMask, lowMask) = Self.masks(prefixLength)
        guard address.high & ~highMask == 0, address.low & ~lowMask == 0 else { return nil }
        network = address
    }

    package func contains(_ address: IPAddress) -> Bool {
        let (highMask, lowMask) = Self.masks(prefixLength)
        return address.high & highMask == network.high && address.low & lowMask == network.low
    }

    package var description: String { "\(network)/\(textLength)" }

    /// Swift's `<<` shifts out to 0 at 64 and more, so each half's mask is one expression.
    private static func masks(_ length: Int) -> (UInt64, UInt64) {
        (length == 0 ? 0 : UInt64.max << UInt64(64 - min(length, 64)), length <= 64 ? 0 : UInt64.max << UInt64(128 - length))
    }
}

/// The peers whose forwarded header fields are believed (`--trusted-proxy`).
package struct TrustedProxies: Sendable, Hashable {
    package let ranges: [IPRange]

    package init(_ ranges: [IPRange] = []) { self.ranges = ranges }

    /// A comma-separated list of addresses and CIDR ranges (spaces allowed around commas), as
    /// `--trusted-proxy` and `ZAMIN_TRUSTED_PROXIES` take it; the first bad entry is the error.
    package init(parsing list: String) throws(ProxySettingError) {
        var ranges: [IPRange] = []
        for entry in list.split(separator: ",") {
            let trimmed = entry.trimmingWhitespace
            guard !trimmed.isEmpty else { continue }
            guard let range = IPRange(trimmed) else { throw .invalidTrustedProxy(String(trimmed)) }
            ranges.append(range)
        }
        guard !ranges.isEmpty else { throw .invalidTrustedProxy(list) }
        self.ranges = ranges
    }

    package var isEmpty: Bool { ranges.isEmpty }

    package func contains(_ address: IPAddress) -> Bool { ranges.contains { $0.contains(address) } }
}

/// A bad `--public-url` or `--trusted-proxy`: what `zamin serve` prints before it stops.
package enum ProxySettingError: Error, Equatable, CustomStringConvertible {
    case invalidTrustedProxy(String)
    case invalidPublicURL(String, reason: String)

    package var description: String {
        switch self {
        case .invalidTrustedProxy(let entry):
            "--trusted-proxy: \"\(entry)\" is not an IPv4 or IPv6 address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/8, 2001:db8::/32; a range's address must have no bits set past its prefix)"
        case .invalidPublicURL(let url, let reason):
            "--public-url: \"\(url)\" \(reason) (e.g. https://gis.example.org/zamin)"
        }
    }
}

/// A node of a forwarding chain (RFC 7239 §6): an address, `unknown`, an obfuscated identifier,
/// or something unreadable. Only `.address` can name a client or a trusted proxy.
package enum ForwardedNode: Hashable, Sendable {
    case address(IPAddress)
    /// `unknown`, `_hidden`, or a malformed entry: the chain cannot be followed past it.
    case opaque

    /// RFC 7239 §6: `192.0.2.43`, `192.0.2.43:47011`, `[2001:db8::1]`, `[2001:db8::1]:4711`,
    /// `unknown`, `_obfuscated`. `bareIPv6` also takes `2001:db8::1` unbracketed, as proxies
    /// write X-Forwarded-For (the port is then never split off, it would be ambiguous).
    package init(_ text: Substring, bareIPv6: Bool) {
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]"), let address = IPAddress(ipv6: text[text.index(after: text.startIndex)..<close]),
                Self.isPortOrEmpty(text[text.index(after: close)...])
            else {
                self = .opaque
                return
            }
            self = .address(address)
            return
        }
        if bareIPv6, text.filter({ $0 == ":" }).count >= 2, let address = IPAddress(text) {
            self = .address(address)
            return
        }
        let host = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if let address = IPAddress(host[0]), !host[0].contains(":"),
            host.count == 1 || Self.isPortOrEmpty(text[host[0].endIndex...])
        {
            self = .address(address)
            return
        }
        self = .opaque
    }

    /// "" or `:` followed by 1–5 digits, or an obfuscated port (`:_abc`).
    private static func isPortOrEmpty(_ text: Substring) -> Bool {
        guard let colon = text.first else { return true }
        let port = text.dropFirst()
        guard colon == ":", !port.isEmpty else { return false }
        if port.first == "_" { return port.utf8.allSatisfy { $0.isObfuscatedCharacter } }
        return port.utf8.count <= 5 && port.utf8.allSatisfy { (48...57).contains($0) } && Int(port).map { $0 <= 65535 } == true
    }
}

/// One element of RFC 7239 `Forwarded`: what one proxy saw.
package struct ForwardedElement: Hashable, Sendable {
    /// `for=`: the client of the proxy that wrote the element (nil when absent).
    package var client: ForwardedNode?
    /// `proto=`: the scheme the request reached that proxy with, lower-cased (any URI scheme
    /// name; `PublicOrigin` believes only http and https).
    package var proto: String?
    /// `host=`: the Host the request reached that proxy with.
    package var host: String?

    package init(client: ForwardedNode? = nil, proto: String? = nil, host: String? = nil) {
        self.client = client
        self.proto = proto
        self.host = host
    }
}

/// Reading forwarded header fields (RFC 7239; X-Forwarded-* as de-facto, e.g. nginx's
/// `$proxy_add_x_forwarded_for`) into typed values. Every function is total: nil or `.opaque`
/// for what it cannot read.
package enum ForwardedFields {
    static let forwarded = HTTPField.Name("Forwarded")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let xForwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let xForwardedPrefix = HTTPField.Name("X-Forwarded-Prefix")!

    /// RFC 7239 §4: `Forwarded = 1#forwarded-element`, `forwarded-element = [ forwarded-pair ]
    /// *( ";" [ forwarded-pair ] )`, `forwarded-pair = token "=" value`, `value = token /
    /// quoted-string` (RFC 7230 §3.2.6, backslash escapes). The header's lines are one list
    /// (RFC 7230 §3.2.2), in order. nil when any part breaks the grammar or a parameter repeats
    /// within an element (§4): a half-read chain could name the wrong client, so a malformed
    /// header counts as absent. Whitespace is allowed around `,` and `;`, not around `=`.
    package static func parseForwarded(_ lines: [String]) -> [ForwardedElement]? {
        var elements: [ForwardedElement] = []
        for line in lines {
            guard let parsed = parseForwardedLine(Array(line.utf8)) else { return nil }
            elements += parsed
        }
        return elements
    }

    private static func parseForwardedLine(_ bytes: [UInt8]) -> [ForwardedElement]? {
        var elements: [ForwardedElement] = []
        var element = ForwardedElement()
        var seen: Set<String> = []
        var hasPair = false
        var index = 0
        func skipSpaces() { while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
        func finishElement() {
            if hasPair { elements.append(element) }
            element = ForwardedElement()
            seen = []
            hasPair = false
        }
        skipSpaces()
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: ","):
                finishElement()
                index += 1
                skipSpaces()
                continue
            case UInt8(ascii: ";"):
                index += 1
                skipSpaces()
                continue
            default: break
            }
            let nameStart = index
            while index < bytes.count, bytes[index].isTokenCharacter { index += 1 }
            guard index > nameStart, index < bytes.count, bytes[index] == UInt8(ascii: "=") else { return nil }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
            index += 1
            var value: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") {
                        closed = true
                        index += 1
                        break
                    }
                    if byte == UInt8(ascii: "\\") {
                        index += 1
                        guard index < bytes.count, bytes[index] == 0x09 || bytes[index] >= 0x20, bytes[index] != 0x7f else { return nil }
                    } else {
                        guard byte == 0x09 || byte >= 0x20, byte != 0x7f else { return nil }
                    }
                    value.append(bytes[index])
                    index += 1
                }
                guard closed else { return nil }
            } else {
                while index < bytes.count, bytes[index].isTokenCharacter {
                    value.append(bytes[index])
                    index += 1
                }
                guard !value.isEmpty else { return nil }
            }
            guard seen.insert(name).inserted else { return nil }
            hasPair = true
            let text = String(decoding: value, as: UTF8.self)
            switch name {
            case "for": element.client = ForwardedNode(Substring(text), bareIPv6: false)
            case "proto": element.proto = text.lowercased()
            case "host": element.host = text
            default: break  // `by` and extensions (§5.1, §5.5): not needed here
            }
            skipSpaces()
            guard index == bytes.count || bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: ";") else { return nil }
        }
        finishElement()
        return elements
    }

    /// X-Forwarded-For: comma-separated nodes, each proxy appending its peer; lines in order.
    /// Empty entries are skipped (list syntax); unreadable ones are `.opaque`.
    package static func parseForwardedFor(_ lines: [String]) -> [ForwardedNode] {
        lines.flatMap { line in
            line.split(separator: ",").map(\.trimmingWhitespace).filter { !$0.isEmpty }.map { ForwardedNode($0, bareIPv6: true) }
        }
    }

    /// The client's address by the usual right-to-left walk: each proxy appends the address it
    /// received the request from, so entries are believed from the right for as long as they
    /// name trusted proxies; the first one that does not is the client (anything further left
    /// is the client's own claim). When every entry is trusted the left-most is the client;
    /// when the walk meets `unknown` or an unreadable entry, the last address it believed is.
    /// Returns the address and the index of the element where the walk stopped (nil: no entries).
    package static func client(
        of chain: [ForwardedNode], peer: IPAddress, trusted: TrustedProxies
    ) -> (address: IPAddress, index: Int?) {
        var believed = peer
        for index in chain.indices.reversed() {
            guard case .address(let address) = chain[index] else { return (believed, index) }
            believed = address
            if !trusted.contains(address) { return (address, index) }
        }
        return (believed, chain.isEmpty ? nil : chain.startIndex)
    }

    /// The right-most entry of a comma-separated field (X-Forwarded-Proto, -Host, -Prefix): the
    /// one the nearest proxy wrote, whether it replaced the client's value or appended to it.
    package static func lastEntry(_ lines: [String]) -> Substring? {
        lines.last.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).last?.trimmingWhitespace }
            .flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `http` or `https` (any case), lower-cased; nil for anything else.
    package static func scheme(_ text: Substring) -> String? {
        let lowered = text.lowercased()
        return lowered == "http" || lowered == "https" ? lowered : nil
    }

    /// RFC 3986 §3.2.2–3.2.3 `host [ ":" port ]` without user info: a registered name
    /// (letters, digits, `-._~`), IPv4, or an IPv6 literal in brackets. The text as given, or nil.
    package static func authority(_ text: Substring) -> String? {
        var host = text
        var port: Substring = ""
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]"), IPAddress(ipv6: text[text.index(after: text.startIndex)..<close]) != nil else {
                return nil
            }
            host = text[...close]
            port = text[text.index(after: close)...]
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            port = text[colon...]
        }
        guard !host.isEmpty, host.first == "[" || host.utf8.allSatisfy({ $0.isRegisteredNameCharacter }) else { return nil }
        if !port.isEmpty {
            let digits = port.dropFirst()
            guard port.first == ":", (1...5).contains(digits.utf8.count), digits.utf8.allSatisfy({ (48...57).contains($0) }),
                let number = Int(digits), number <= 65535
            else { return nil }
        }
        return String(text)
    }

    /// A path prefix: `/` and RFC 3986 `pchar`s but `,` (a list separator here), every `%` followed
    /// by two hex digits, no `.` or `..` segment. Trailing slashes are dropped, so `/zamin/` and
    /// `/zamin` are one prefix and `/` is none (""). nil when malformed.
    package static func pathPrefix(_ text: Substring) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return nil }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, bytes[index + 1].isHexDigit, bytes[index + 2].isHexDigit else { return nil }
                index += 3
                continue
            }
            guard byte == UInt8(ascii: "/") || byte.isPathCharacter else { return nil }
            index += 1
        }
        guard !text.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        var trimmed = text
        while trimmed.last == "/" { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (RFC 7230 §3.2.3 `OWS`).
    fileprivate var trimmingWhitespace: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}

extension UInt8 {
    /// RFC 7230 §3.2.6 `tchar`.
    fileprivate var isTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(self)
        }
    }

    fileprivate var isHexDigit: Bool {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }

    /// RFC 3986 `unreserved` (letters, digits, `-._~`): what a host name is made of.
    fileprivate var isRegisteredNameCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: self == UInt8(ascii: "-") || self == UInt8(ascii: ".") || self == UInt8(ascii: "_") || self == UInt8(ascii: "~")
        }
    }

    /// RFC 3986 `pchar` but `%` (checked with its digits) and `,`.
    fileprivate var isPathCharacter: Bool {
        isRegisteredNameCharacter || Array("!$&'()*+;=:@".utf8).contains(self)
    }

    /// RFC 7239 §6 `obfnode` / `obfport` characters.
    fileprivate var isObfuscatedCharacter: Bool {
        isRegisteredNameCharacter && self != UInt8(ascii: "~")
    }
}
