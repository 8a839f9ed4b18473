import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LandAPI
import LandModel
import LandService
import Logging
import NIOCore
import NIOFoundationCompat
import Testing
import TestSupport

/// `PublicOrigin`: which header fields are believed from which peer, the base of the links and
/// the rate limit's client address; then the same through HTTP, in process (`.router`) and over
/// a loopback socket (`.live`, where the peer is 127.0.0.1).
@Suite("Behind a reverse proxy: links and client addresses")
struct PublicOriginTests {
    static func request(_ fields: [(String, String)], host: String? = "zamin.local:8080") -> Request {
        var headers = HTTPFields()
        for (name, value) in fields { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: host, path: "/", headerFields: headers),
            body: RequestBody(buffer: ByteBuffer()))
    }

    static func peer(_ address: String) -> SocketAddress { try! SocketAddress(ipAddress: address, port: 40_000) }

    static let proxyFields = [
        ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "gis.example.org"), ("X-Forwarded-Prefix", "/zamin/"),
        ("X-Forwarded-For", "203.0.113.7"),
    ]

    @Test("from an untrusted peer, or with no trusted proxies, forwarded fields are ignored: http and Host")
    func untrustedPeerIsIgnored() throws {
        let request = Self.request(Self.proxyFields + [("Forwarded", "for=198.51.100.1;proto=https;host=evil.example")])
        let trusting = PublicOrigin(trustedProxies: try TrustedProxies(parsing: "10.0.0.0/8"))
        #expect(trusting.base(for: request, peer: Self.peer("192.0.2.50")) == "http://zamin.local:8080")
        #expect(trusting.clientAddress(for: request, peer: Self.peer("192.0.2.50")) == "192.0.2.50")
        let trustingNobody = PublicOrigin()
        #expect(trustingNobody.base(for: request, peer: Self.peer("10.0.0.1")) == "http://zamin.local:8080")
        #expect(trustingNobody.clientAddress(for: request, peer: Self.peer("10.0.0.1")) == "10.0.0.1")
        #expect(trustingNobody.base(for: Self.request([], host: nil), peer: nil) == "http://localhost")
        #expect(trustingNobody.clientAddress(for: request, peer: nil) == "unknown")
    }

    @Test("from a trusted proxy, X-Forwarded-Proto, -Host and -Prefix make the base; -For names the client")
    func trustedProxyIsBelieved() throws {
        let origin = PublicOrigin(trustedProxies: try TrustedProxies(parsing: "10.0.0.0/8, 2001:db8:ffff::/48"))
        let request = Self.request(Self.proxyFields)
        #expect(origin.base(for: request, peer: Self.peer("10.0.0.1")) == "https://gis.example.org/zamin")
        #expect(origin.clientAddress(for: request, peer: Self.peer("10.0.0.1")) == "203.0.113.7")
        #expect(origin.base(for: request, peer: Self.peer("2001:db8:ffff::9")) == "https://gis.example.org/zamin")
        // A dual-stack socket reports an IPv4 peer IPv4-mapped.
        #expect(origin.clientAddress(for: request, peer: Self.peer("::ffff:10.0.0.1")) == "203.0.113.7")
        // Only what is given changes: no X-Forwarded-Host keeps Host; the client's own claims stay left.
        let partial = Self.request([("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "6.6.6.6, 2001:DB8:0::7, 10.0.0.2")])
        #expect(origin.base(for: partial, peer: Self.peer("10.0.0.1")) == "https://zamin.local:8080")
        #expect(origin.clientAddress(for: partial, peer: Self.peer("10.0.0.1")) == "2001:db8::7")
    }

    @Test("from a trusted proxy, RFC 7239 Forwarded: proto= and host= of the element that names the client")
    func rfc7239() throws {
        let origin = PublicOrigin(trustedProxies: try TrustedProxies(parsing: "10.0.0.0/8"))
        let request = Self.request([
            ("Forwarded", #"for=6.6.6.6;host=evil.example, for="[2001:db8::1]:4711";proto=https;host=gis.example.org"#),
            ("Forwarded", "for=10.0.0.2;proto=http;host=inner.local"),
        ])
        #expect(origin.base(for: request, peer: Self.peer("10.0.0.1")) == "https://gis.example.org")
        #expect(origin.clientAddress(for: request, peer: Self.peer("10.0.0.1")) == "2001:db8::1")
        // X-Forwarded-* present: Forwarded is not read (a proxy that writes X-Forwarded-* may pass a client's Forwarded on).
        let both = Self.request([("Forwarded", "for=198.51.100.1;proto=https;host=evil.example"), ("X-Forwarded-For", "203.0.113.9")])
        #expect(origin.base(for: both, peer: Self.peer("10.0.0.1")) == "http://zamin.local:8080")
        #expect(origin.clientAddress(for: both, peer: Self.peer("10.0.0.1")) == "203.0.113.9")
    }

    @Test("malformed or unusable forwarded values are ignored, never an error")
    func malformedValuesAreIgnored() throws {
        let origin = PublicOrigin(trustedProxies: try TrustedProxies(parsing: "10.0.0.1"))
        let peer = Self.peer("10.0.0.1")
        let cases: [[(String, String)]] = [
            [("X-Forwarded-Proto", "ftp"), ("X-Forwarded-Host", "evil.example/path"), ("X-Forwarded-Prefix", "zamin")],
            [("X-Forwarded-Proto", "https, "), ("X-Forwarded-Host", "a b"), ("X-Forwarded-Prefix", "/a/../b")],
            [("Forwarded", "for=192.0.2.43:47011;proto=https;host=gis.example.org")],  // unquoted port: the whole header is void
            [("Forwarded", #"for="[2001:db8::1]";proto="https"#)],  // unterminated quoted string
            [("X-Forwarded-For", "garbage"), ("X-Forwarded-Host", "")],
        ]
        for fields in cases {
            let request = Self.request(fields)
            #expect(origin.base(for: request, peer: peer) == "http://zamin.local:8080", "\(fields)")
            #expect(origin.clientAddress(for: request, peer: peer) == "10.0.0.1", "\(fields)")
        }
    }

    @Test("with a public URL every base is that URL, whatever the request or its peer says")
    func publicURLWins() throws {
        let origin = PublicOrigin(
            publicURL: try PublicURL(parsing: "https://gis.example.ir/zamin/"), trustedProxies: try TrustedProxies(parsing: "10.0.0.1"))
        let request = Self.request(Self.proxyFields)
        #expect(origin.base(for: request, peer: Self.peer("10.0.0.1")) == "https://gis.example.ir/zamin")
        #expect(origin.base(for: request, peer: Self.peer("192.0.2.1")) == "https://gis.example.ir/zamin")
        #expect(origin.clientAddress(for: request, peer: Self.peer("10.0.0.1")) == "203.0.113.7", "the client still comes from the proxy")
        #expect(!origin.linksFollowForwardedHeaders)
    }

    // MARK: - through HTTP

    /// Every `href` (and `$id`, `servers[].url`) anywhere in a JSON document.
    static func links(in value: Any) -> [String] {
        if let object = value as? [String: Any] {
            return object.flatMap { key, value -> [String] in
                if ["href", "$id", "url"].contains(key), let text = value as? String { return [text] }
                return links(in: value)
            }
        }
        if let array = value as? [Any] { return array.flatMap { links(in: $0) } }
        return []
    }

    static func json(_ response: TestResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body))
    }

    @Test("--public-url: every link of the OGC resources, /api's server, the HTML pages and Location start with it")
    func publicURLEverywhere() async throws {
        let base = "https://gis.example.ir/zamin"
        let origin = PublicOrigin(publicURL: try PublicURL(parsing: base + "/"))
        let city = try await RequestCity.make()
        let app = Application(router: buildRouter(services: city.services, origin: origin))
        try await app.test(.router) { client in
            // A client's forwarded fields change nothing.
            let forged: HTTPFields = [
                HTTPField.Name("X-Forwarded-Host")!: "evil.example", HTTPField.Name("X-Forwarded-Proto")!: "http",
                .accept: "application/json",
            ]
            let parcel = city.services.snapshots.snapshot.parcels[0].id.rawValue
            var seen = 0
            for uri in [
                "/", "/collections", "/collections/zones", "/collections/parcels/items?limit=2&offset=2",
                "/collections/parcels/items/\(parcel)", "/collections/facilities/queryables", "/api",
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: forged)
                #expect(response.status == .ok, "\(uri)")
                #expect(response.headers[.vary]?.contains("Forwarded") != true, "\(uri): no Vary on forwarded fields")
                let links = Self.links(in: try Self.json(response)).filter { $0.hasPrefix("http") && !$0.contains("opengis.net") && !$0.contains("json-schema.org") && !$0.contains("apache.org") }
                #expect(!links.isEmpty, "\(uri)")
                for link in links { #expect(link == base || link.hasPrefix(base + "/"), "\(uri): \(link)") }
                seen += links.count
            }
            #expect(seen > 20)
            let items = try Self.json(try await client.execute(uri: "/collections/parcels/items?limit=2&offset=2", method: .get)) as? [String: Any]
            let rels = (items?["links"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) { $0[$1["rel"] as! String] = $1["href"] as? String }
            #expect(rels["next"] == base + "/collections/parcels/items?limit=2&f=json&offset=4")
            #expect(rels["prev"] == base + "/collections/parcels/items?limit=2&f=json&offset=0")
            let api = try Self.json(try await client.execute(uri: "/api", method: .get)) as? [String: Any]
            #expect((api?["servers"] as? [[String: Any]])?.first?["url"] as? String == base)
            let queryables = try Self.json(try await client.execute(uri: "/collections/facilities/queryables", method: .get)) as? [String: Any]
            #expect(queryables?["$id"] as? String == base + "/collections/facilities/queryables")

            for uri in ["/collections?f=html", "/collections/parcels/items?limit=3&f=html", "/api?f=html", "/conformance?f=html"] {
                let response = try await client.execute(uri: uri, method: .get)
                let html = String(buffer: response.body)
                let hrefs = html.matches(of: #/href="([^"]*)"/#).map { String($0.1) }
                #expect(hrefs.count >= 2, "\(uri)")
                for href in hrefs { #expect(href.hasPrefix(base + "/"), "\(uri): \(href)") }
            }

            var headers: HTTPFields = [.contentType: "application/json"]
            headers[.accept] = "application/json"
            let filed = try await client.execute(
                uri: "/requests", method: .post, headers: headers, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: permitBody())))
            #expect(filed.status == .created)
            let code = try #require((try Self.json(filed) as? [String: Any])?["tracking_code"] as? String)
            #expect(filed.headers[.location] == base + "/requests/\(code)")
        }
    }

    static func application(_ services: LandServices, trusting proxies: String?, postsPerMinute: Int = 10) throws -> some ApplicationProtocol {
        var config = ServerConfig(port: 0, databasePath: "")
        config.publicPostsPerMinute = postsPerMinute
        if let proxies { config.trustedProxies = try TrustedProxies(parsing: proxies) }
        return buildApplication(services: services, config: config, logger: Logger(label: "test"))
    }

    static let forwarded: HTTPFields = [
        HTTPField.Name("X-Forwarded-Proto")!: "https", HTTPField.Name("X-Forwarded-Host")!: "gis.example.org",
        HTTPField.Name("X-Forwarded-Prefix")!: "/zamin", .accept: "application/json",
    ]

    @Test("over a socket from a trusted proxy: links follow the forwarded fields, with Vary on them; a next link's path works")
    func trustedPeerOverSocket() async throws {
        let services = try await TestCity.shared("tehran")
        try await Self.application(services, trusting: "127.0.0.1, ::1").test(.live) { client in
            let landing = try await client.execute(uri: "/", method: .get, headers: Self.forwarded)
            let links = Self.links(in: try Self.json(landing))
            #expect(links.count >= 6)
            for link in links { #expect(link.hasPrefix("https://gis.example.org/zamin/"), "\(link)") }
            for field in ["X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix", "Forwarded", "Accept"] {
                #expect(landing.headers[.vary]?.contains(field) == true, "Vary: \(landing.headers[.vary] ?? "")")
            }
            let items = try Self.json(try await client.execute(uri: "/collections/zones/items?limit=5", method: .get, headers: Self.forwarded))
            let next = try #require(((items as? [String: Any])?["links"] as? [[String: Any]])?.first { $0["rel"] as? String == "next" }?["href"] as? String)
            #expect(next == "https://gis.example.org/zamin/collections/zones/items?limit=5&f=json&offset=5")
            // The proxy strips /zamin: the path after the base is what reaches Zamin.
            let following = try await client.execute(uri: String(next.dropFirst("https://gis.example.org/zamin".count)), method: .get)
            #expect(following.status == .ok)
            #expect(((try Self.json(following) as? [String: Any])?["numberReturned"] as? Int) == 5)
            // Without forwarded fields the same server links to the Host it was asked by.
            let plain = try await client.execute(uri: "/", method: .get)
            for link in Self.links(in: try Self.json(plain)) { #expect(link.hasPrefix("http://localhost"), "\(link)") }
        }
    }

    @Test("over a socket from a peer that is not a trusted proxy: forwarded fields are ignored")
    func untrustedPeerOverSocket() async throws {
        let services = try await TestCity.shared("tehran")
        for proxies in ["10.0.0.0/8", nil] {
            try await Self.application(services, trusting: proxies).test(.live) { client in
                let landing = try await client.execute(uri: "/", method: .get, headers: Self.forwarded)
                let links = Self.links(in: try Self.json(landing))
                #expect(links.count >= 6)
                for link in links { #expect(link.hasPrefix("http://localhost"), "\(proxies ?? "none"): \(link)") }
            }
        }
    }

    static func post(_ client: some TestClientProtocol, forwardedFor: String?, parcel: String) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let forwardedFor { headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
        let body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: permitBody(parcel: parcel)))
        return try await client.execute(uri: "/requests", method: .post, headers: headers, body: body).status
    }

    @Test("the public-POST limit keys on the client a trusted proxy names, not on the proxy")
    func rateLimitPerForwardedClient() async throws {
        let city = try await RequestCity.make(publicPostsPerMinute: 2)
        try await Self.application(city.services, trusting: "127.0.0.1, ::1", postsPerMinute: 2).test(.live) { client async throws in
            #expect(try await Self.post(client, forwardedFor: "203.0.113.7", parcel: "P-000001") == .created)
            #expect(try await Self.post(client, forwardedFor: "203.0.113.7", parcel: "P-000002") == .created)
            #expect(try await Self.post(client, forwardedFor: "203.0.113.7", parcel: "P-000003") == .tooManyRequests)
            // Claims left of the address the proxy appended do not buy a new allowance.
            #expect(try await Self.post(client, forwardedFor: "198.51.100.99, 203.0.113.7", parcel: "P-000003") == .tooManyRequests)
            #expect(try await Self.post(client, forwardedFor: "203.0.113.8", parcel: "P-000004") == .created)
        }
        // Without trusted proxies X-Forwarded-For is the client's own claim: one bucket for the peer.
        let direct = try await RequestCity.make(publicPostsPerMinute: 2)
        try await Self.application(direct.services, trusting: nil, postsPerMinute: 2).test(.live) { client async throws in
            #expect(try await Self.post(client, forwardedFor: "203.0.113.1", parcel: "P-000001") == .created)
            #expect(try await Self.post(client, forwardedFor: "203.0.113.2", parcel: "P-000002") == .created)
            #expect(try await Self.post(client, forwardedFor: "203.0.113.3", parcel: "P-000003") == .tooManyRequests)
        }
    }
}

@Suite("--public-url")
struct PublicURLTests {
    @Test(
        "scheme, host[:port] and prefix; the trailing slash trimmed",
        arguments: [
            ("https://gis.tehran.ir/zamin", "https://gis.tehran.ir/zamin"),
            ("https://gis.tehran.ir/zamin/", "https://gis.tehran.ir/zamin"),
            ("HTTPS://gis.example.org", "https://gis.example.org"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
            ("https://[2001:db8::1]:8443/city/zamin", "https://[2001:db8::1]:8443/city/zamin"),
        ])
    func valid(input: String, expected: String) throws {
        #expect(try PublicURL(parsing: input).description == expected)
    }

    @Test(
        "anything else is a clear start-up error",
        arguments: [
            ("ftp://gis.example.org", "http:// or https://"), ("gis.example.org/zamin", "http:// or https://"),
            ("https://", "host"), ("https://gis.example.org/zamin?x=1", "query"), ("https://gis.example.org/#map", "fragment"),
            ("https://user:secret@gis.example.org", "user information"), ("https://gis.example.org:99999", "port"),
            ("https://gis.example.org/a/../b", "path"), ("https://gis example.org", "host"), ("https://gis.example.org/a b", "path"),
        ])
    func invalid(input: String, reason: String) {
        let error = #expect(throws: ProxySettingError.self) { try PublicURL(parsing: input) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("--public-url") && text.contains(input) && text.contains(reason), "\(text)")
    }
}
