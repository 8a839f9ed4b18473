import LandAPI
import Testing

/// IP addresses, CIDR ranges and the forwarded header fields, read as `PublicOrigin` reads them.
/// Expected values are written out by hand from the RFCs cited on each test.
@Suite("IP addresses: RFC 4291 text in, RFC 5952 text out")
struct IPAddressTests {
    @Test(
        "valid addresses read, written in one canonical text",
        arguments: [
            ("192.0.2.1", "192.0.2.1"),
            ("0.0.0.0", "0.0.0.0"),
            ("255.255.255.255", "255.255.255.255"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),  // RFC 5952 §4.1, §4.3
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // §4.2.3: the first of two equal runs
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // §4.2.2: one zero group stays
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  // §4.2.3: the longest run
            ("::ffff:192.0.2.1", "192.0.2.1"),  // RFC 4291 §2.5.5.2: IPv4-mapped is IPv4
            ("::FFFF:c000:0201", "192.0.2.1"),
            ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),  // RFC 6052 §2.4 example
            ("fe80::1:2:3:4", "fe80::1:2:3:4"),
        ])
    func canonicalText(input: String, expected: String) throws {
        let address = try #require(IPAddress(input), "\(input)")
        #expect(address.description == expected)
        #expect(IPAddress(expected) == address, "the canonical text reads back as the same address")
    }

    @Test(
        "malformed text is not an address",
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "a.b.c.d",
            "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", ":1::", "1::2:", "12345::", "g::1",
            "1:2:3:4:5:6:7::8", "fe80::1%eth0", "[::1]", "::1.2.3", "1.2.3.4::", "::ffff:1.2.3.256", "localhost",
        ])
    func malformed(input: String) {
        #expect(IPAddress(input) == nil, "\(input)")
    }

    @Test("IPv4 and its IPv4-mapped IPv6 form are one address (a dual-stack socket's peer)")
    func mappedIsIPv4() throws {
        let mapped = try #require(IPAddress("::ffff:127.0.0.1"))
        #expect(mapped == IPAddress("127.0.0.1"))
        #expect(mapped.isIPv4)
        #expect(IPAddress("::1")?.isIPv4 == false)
    }
}

@Suite("CIDR ranges (RFC 4632, RFC 4291 §2.3) and trusted proxies")
struct IPRangeTests {
    func range(_ text: String) throws -> IPRange { try #require(IPRange(text), "\(text)") }

    @Test("IPv4 ranges: inside, on both edges, just outside")
    func ipv4() throws {
        let net8 = try range("10.0.0.0/8")
        #expect(net8.contains(IPAddress("10.0.0.0")!))
        #expect(net8.contains(IPAddress("10.255.255.255")!))
        #expect(!net8.contains(IPAddress("11.0.0.0")!))
        #expect(!net8.contains(IPAddress("9.255.255.255")!))
        #expect(net8.contains(IPAddress("::ffff:10.1.2.3")!), "an IPv4-mapped peer is the IPv4 address")
        let net24 = try range("192.168.1.0/24")
        #expect(net24.contains(IPAddress("192.168.1.0")!) && net24.contains(IPAddress("192.168.1.255")!))
        #expect(!net24.contains(IPAddress("192.168.2.0")!) && !net24.contains(IPAddress("192.168.0.255")!))
        let net27 = try range("203.0.113.32/27")  // .32 … .63
        #expect(net27.contains(IPAddress("203.0.113.63")!) && !net27.contains(IPAddress("203.0.113.64")!))
        #expect(!net27.contains(IPAddress("203.0.113.31")!))
        let host = try range("127.0.0.1")
        #expect(host.contains(IPAddress("127.0.0.1")!) && !host.contains(IPAddress("127.0.0.2")!))
        let all = try range("0.0.0.0/0")
        #expect(all.contains(IPAddress("198.51.100.7")!) && !all.contains(IPAddress("2001:db8::1")!), "all IPv4, no IPv6")
    }

    @Test("IPv6 ranges: inside, on both edges, just outside, masks crossing a group and the 64-bit halves")
    func ipv6() throws {
        let net32 = try range("2001:db8::/32")
        #expect(net32.contains(IPAddress("2001:db8::")!))
        #expect(net32.contains(IPAddress("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")!))
        #expect(!net32.contains(IPAddress("2001:db9::")!))
        #expect(!net32.contains(IPAddress("2001:db7:ffff::")!))
        let net33 = try range("2001:db8:8000::/33")
        #expect(net33.contains(IPAddress("2001:db8:ffff::1")!) && !net33.contains(IPAddress("2001:db8:7fff::1")!))
        let net64 = try range("2001:db8:1:2::/64")
        #expect(net64.contains(IPAddress("2001:db8:1:2:ffff:ffff:ffff:ffff")!))
        #expect(!net64.contains(IPAddress("2001:db8:1:3::")!))
        let net65 = try range("2001:db8:1:2:8000::/65")
        #expect(net65.contains(IPAddress("2001:db8:1:2:8000::1")!) && !net65.contains(IPAddress("2001:db8:1:2:7fff::")!))
        let linkLocal = try range("fe80::/10")
        #expect(linkLocal.contains(IPAddress("febf::1")!) && !linkLocal.contains(IPAddress("fec0::1")!))
        let host = try range("2001:db8::1/128")
        #expect(host.contains(IPAddress("2001:db8::1")!) && !host.contains(IPAddress("2001:db8::2")!))
        #expect(try range("::1").contains(IPAddress("::1")!))
        let everything = try range("::/0")
        #expect(everything.contains(IPAddress("2001:db8::1")!) && everything.contains(IPAddress("192.0.2.1")!))
        let mapped = try range("::ffff:10.0.0.0/104")
        #expect(mapped.contains(IPAddress("10.9.8.7")!) && !mapped.contains(IPAddress("11.0.0.0")!))
    }

    @Test(
        "malformed ranges, and ranges with bits set past the prefix, are refused",
        arguments: [
            "10.0.0.1/8", "10.0.0.0/33", "2001:db8::/129", "2001:db8::1/32", "10.0.0.0/", "10.0.0.0/-1", "/8",
            "10.0.0.0/8/9", "10.0.0.0/ 8", "localhost", "", "10.0.0.0/1234",
        ])
    func malformed(input: String) {
        #expect(IPRange(input) == nil, "\(input)")
    }

    @Test("--trusted-proxy lists: commas and spaces; the first bad entry is the error")
    func trustedList() throws {
        let proxies = try TrustedProxies(parsing: "127.0.0.1, 10.0.0.0/8 ,::1,,2001:db8::/32")
        #expect(proxies.ranges.map(\.description) == ["127.0.0.1/32", "10.0.0.0/8", "::1/128", "2001:db8::/32"])
        #expect(proxies.contains(IPAddress("10.20.30.40")!) && proxies.contains(IPAddress("2001:db8::9")!))
        #expect(!proxies.contains(IPAddress("127.0.0.2")!))
        #expect(throws: ProxySettingError.invalidTrustedProxy("nope")) { try TrustedProxies(parsing: "127.0.0.1,nope") }
        #expect(throws: ProxySettingError.invalidTrustedProxy("10.0.0.1/8")) { try TrustedProxies(parsing: "10.0.0.1/8") }
        #expect(throws: ProxySettingError.self) { try TrustedProxies(parsing: " , ") }
        #expect("\(ProxySettingError.invalidTrustedProxy("nope"))".contains("\"nope\""))
    }
}

@Suite("RFC 7239 Forwarded and X-Forwarded-For")
struct ForwardedParsingTests {
    func address(_ text: String) -> ForwardedNode { .address(IPAddress(text)!) }

    @Test("RFC 7239 §4 and §7.1 examples: quoted values, IPv6 with port, obfuscated and unknown nodes, several hops")
    func rfcExamples() throws {
        #expect(ForwardedFields.parseForwarded([#"for="_gazonk""#]) == [ForwardedElement(client: .opaque)])
        #expect(ForwardedFields.parseForwarded([#"For="[2001:db8:cafe::17]:4711""#]) == [ForwardedElement(client: address("2001:db8:cafe::17"))])
        #expect(
            ForwardedFields.parseForwarded(["for=192.0.2.60;proto=http;by=203.0.113.43"])
                == [ForwardedElement(client: address("192.0.2.60"), proto: "http")])
        #expect(
            ForwardedFields.parseForwarded(["for=192.0.2.43, for=198.51.100.17"])
                == [ForwardedElement(client: address("192.0.2.43")), ForwardedElement(client: address("198.51.100.17"))])
        #expect(ForwardedFields.parseForwarded(["for=unknown"]) == [ForwardedElement(client: .opaque)])
        #expect(ForwardedFields.parseForwarded([#"for="192.0.2.43:47011""#]) == [ForwardedElement(client: address("192.0.2.43"))])
        #expect(ForwardedFields.parseForwarded([#"for="[2001:db8::1]""#]) == [ForwardedElement(client: address("2001:db8::1"))])
    }

    @Test("header lines are one list; spaces around , and ; ; names in any case; escapes in quoted strings")
    func listsAndQuoting() throws {
        let parsed = try #require(
            ForwardedFields.parseForwarded([
                #"for=203.0.113.7 ; Proto=HTTPS;host="gis.example.org" ,for="[2001:db8::5]:80""#, "for=10.0.0.2;host=inner.local",
            ]))
        #expect(parsed == [
            ForwardedElement(client: address("203.0.113.7"), proto: "https", host: "gis.example.org"),
            ForwardedElement(client: address("2001:db8::5")),
            ForwardedElement(client: address("10.0.0.2"), host: "inner.local"),
        ])
        #expect(ForwardedFields.parseForwarded([#"host="a\"b\\c""#]) == [ForwardedElement(host: #"a"b\c"#)])
        #expect(ForwardedFields.parseForwarded([#"for="a,b;c""#]) == [ForwardedElement(client: .opaque)], "separators inside quotes")
        #expect(ForwardedFields.parseForwarded([", ,for=192.0.2.1,"]) == [ForwardedElement(client: address("192.0.2.1"))], "empty list elements")
        #expect(ForwardedFields.parseForwarded([#"for="2001:db8::1""#]) == [ForwardedElement(client: .opaque)], "IPv6 must be bracketed (§6)")
        #expect(ForwardedFields.parseForwarded(["by=10.0.0.1;ext=1"]) == [ForwardedElement()], "unknown parameters are skipped")
    }

    @Test(
        "a malformed Forwarded header is ignored as a whole",
        arguments: [
            "for=192.0.2.43:47011",  // ':' is not a token character: the port needs quotes (§6)
            #"for="[2001:db8::1]"#,  // unterminated quoted string
            "for=192.0.2.1;for=192.0.2.2",  // a parameter twice in one element (§4)
            "for =192.0.2.1", "for= 192.0.2.1", "=192.0.2.1", "for=", "for", "for=192.0.2.1 proto=http",
            "for=192.0.2.1;;proto=http x", "for=\"a\u{7f}\"", "host=a\"b\"",
        ])
    func malformedForwarded(header: String) {
        #expect(ForwardedFields.parseForwarded([header]) == nil, "\(header)")
        #expect(ForwardedFields.parseForwarded(["for=192.0.2.9", header]) == nil, "one bad line spoils the list")
    }

    @Test("X-Forwarded-For: addresses with and without ports, bracketed or bare IPv6; anything else is opaque")
    func xForwardedFor() {
        #expect(
            ForwardedFields.parseForwardedFor(["203.0.113.7, 10.0.0.1", "[2001:db8::1]:4711,2001:db8::2 , 192.0.2.5:8080"]) == [
                address("203.0.113.7"), address("10.0.0.1"), address("2001:db8::1"), address("2001:db8::2"), address("192.0.2.5"),
            ])
        #expect(
            ForwardedFields.parseForwardedFor(["unknown, garbage, 1.2.3.4:99999, [1.2.3.4], ,"]) == [.opaque, .opaque, .opaque, .opaque])
        #expect(ForwardedFields.parseForwardedFor([]) == [])
    }

    @Test("the client is the right-most address that is not a trusted proxy")
    func rightMostUntrusted() throws {
        let trusted = try TrustedProxies(parsing: "10.0.0.0/8,2001:db8:ffff::/48")
        let peer = IPAddress("10.0.0.1")!
        func client(_ chain: [String]) -> (String, Int?) {
            let result = ForwardedFields.client(of: ForwardedFields.parseForwardedFor(chain), peer: peer, trusted: trusted)
            return (result.address.description, result.index)
        }
        #expect(client([]) == ("10.0.0.1", nil), "no header: the peer")
        #expect(client(["203.0.113.7"]) == ("203.0.113.7", 0))
        // What the client wrote itself is left of what the proxies appended: never believed.
        #expect(client(["6.6.6.6, 203.0.113.7"]) == ("203.0.113.7", 1))
        #expect(client(["6.6.6.6, 203.0.113.7, 10.0.0.2, 10.9.9.9"]) == ("203.0.113.7", 1), "through a chain of trusted proxies")
        #expect(client(["2001:db8::7, 2001:db8:ffff::1"]) == ("2001:db8::7", 0))
        #expect(client(["10.0.0.3, 10.0.0.2"]) == ("10.0.0.3", 0), "all trusted: the left-most")
        #expect(client(["203.0.113.7, unknown"]) == ("10.0.0.1", 1), "the walk stops at what it cannot read")
        #expect(client(["203.0.113.7, unknown, 10.0.0.2"]) == ("10.0.0.2", 1))
    }

    @Test("X-Forwarded-Proto, -Host and -Prefix: the right-most entry, validated")
    func singleValues() {
        #expect(ForwardedFields.lastEntry(["http, https"]) == "https")
        #expect(ForwardedFields.lastEntry(["a", "b ,  c "]) == "c")
        #expect(ForwardedFields.lastEntry(["https,"]) == nil)
        #expect(ForwardedFields.lastEntry([]) == nil)
        #expect(ForwardedFields.scheme("HTTPS") == "https" && ForwardedFields.scheme("ftp") == nil)
        for good in ["gis.example.org", "gis.example.org:8443", "127.0.0.1:8080", "[2001:db8::1]:443", "[::1]", "xn--mgbh0fb.example"] {
            #expect(ForwardedFields.authority(Substring(good)) == good, "\(good)")
        }
        for bad in ["", ":80", "evil.example/path", "a b", "user@host", "host:", "host:99999", "host:8o", "[1.2.3.4]", "[::1", "h\"x"] {
            #expect(ForwardedFields.authority(Substring(bad)) == nil, "\(bad)")
        }
        #expect(ForwardedFields.pathPrefix("/zamin/") == "/zamin")
        #expect(ForwardedFields.pathPrefix("/") == "")
        #expect(ForwardedFields.pathPrefix("/gis/zamin%20x") == "/gis/zamin%20x")
        for bad in ["zamin", "/a b", "/a?b", "/a#b", "/a/../b", "/./a", "/a%2", "/a%zz", "/a\"b", "/a<b"] {
            #expect(ForwardedFields.pathPrefix(Substring(bad)) == nil, "\(bad)")
        }
    }
}
