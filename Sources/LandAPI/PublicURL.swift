import HTTPTypes
package import Hummingbird
package import NIOCore

/// `--public-url`: where the city publishes Zamin, e.g. `https://gis.tehran.ir/zamin` behind a
/// TLS proxy that strips `/zamin`. Validated once at start-up (RFC 3986 §3): `http` or `https`,
/// a host with an optional port, an optional path prefix; no user info, query or fragment.
package struct PublicURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    package let scheme: String
    /// `host[:port]`, as given.
    package let authority: String
    /// "" or a path without a trailing slash (`/zamin`).
    package let pathPrefix: String

    package init(parsing text: String) throws(ProxySettingError) {
        func invalid(_ reason: String) -> ProxySettingError { .invalidPublicURL(text, reason: reason) }
        guard let separator = text.firstRange(of: "://"), let scheme = ForwardedFields.scheme(text[..<separator.lowerBound]) else {
            throw invalid("must start with http:// or https://")
        }
        let rest = text[separator.upperBound...]
        guard !rest.contains("?") else { throw invalid("must not have a query (?…)") }
        guard !rest.contains("#") else { throw invalid("must not have a fragment (#…)") }
        guard !rest.contains("@") else { throw invalid("must not contain user information (…@)") }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let authority = ForwardedFields.authority(rest[..<slash]) else {
            throw invalid("needs a host name or address, with an optional :port (1–65535 digits)")
        }
        let path = rest[slash...]
        guard let prefix = path.isEmpty ? "" : ForwardedFields.pathPrefix(path) else {
            throw invalid("has a path that is not a plain path prefix (letters, digits, -._~ and /; no . or .. segment)")
        }
        self.scheme = scheme
        self.authority = authority
        self.pathPrefix = prefix
    }

    /// The base of every link: `https://gis.tehran.ir/zamin`, no trailing slash.
    package var description: String { scheme + "://" + authority + pathPrefix }
}

/// How the server is seen from outside, in one place: the base of the links it writes (OGC
/// links, the OpenAPI `servers`, HTML pages, `Location`) and the client address the public-POST
/// rate limit keys on.
///
/// - With `publicURL` every link starts with it, whatever the request says.
/// - Otherwise links follow the request: `http://` and its `Host`; and when the peer (the TCP
///   connection's other end) is one of `trustedProxies`, the proto, host and prefix the proxy
///   forwarded (X-Forwarded-Proto, -Host, -Prefix; or RFC 7239 `Forwarded` proto= and host=).
///   From any other peer those header fields are ignored: a client cannot change the links of
///   an answer that caches share (`Cache-Control: public`).
/// - The client address is the peer's, or from a trusted proxy the right-most address of
///   X-Forwarded-For (else `Forwarded` for=) that is not itself a trusted proxy.
///
/// A trusted proxy vouches for every field read here, so it must set or clear each of them:
/// X-Forwarded-* are read when any of X-Forwarded-For, -Proto or -Host is present (what nginx,
/// Caddy, Traefik and Envoy write) and `Forwarded` only otherwise, because nginx passes a
/// client's `Forwarded` on unless told to clear it.
package struct PublicOrigin: Sendable {
    package var publicURL: PublicURL?
    package var trustedProxies: TrustedProxies

    package init(publicURL: PublicURL? = nil, trustedProxies: TrustedProxies = TrustedProxies()) {
        self.publicURL = publicURL
        self.trustedProxies = trustedProxies
    }

    /// True when links depend on forwarded header fields (trusted proxies and no public URL):
    /// then cacheable answers carry `Vary` on them (`ForwardedVaryMiddleware`).
    package var linksFollowForwardedHeaders: Bool { publicURL == nil && !trustedProxies.isEmpty }

    /// The base of the links of an answer to `request`: scheme, authority and prefix, no
    /// trailing slash (`https://gis.tehran.ir/zamin`, `http://127.0.0.1:8080`).
    package func base(for request: Request, context: some RemoteAddressRequestContext) -> String {
        base(for: request, peer: context.remoteAddress)
    }

    package func base(for request: Request, peer: SocketAddress?) -> String {
        if let publicURL { return publicURL.description }
        let forwarded = forwarding(request, peer: peer)
        // RFC 9112 §3.2: Host is the authority the client used (HTTPRequest.authority).
        let authority = forwarded?.authority ?? request.head.authority ?? "localhost"
        return (forwarded?.scheme ?? "http") + "://" + authority + (forwarded?.prefix ?? "")
    }

    /// The address the public-POST rate limit keys on, in one canonical text (RFC 5952 for IPv6),
    /// or "unknown" without an IP peer.
    package func clientAddress(for request: Request, context: some RemoteAddressRequestContext) -> String {
        clientAddress(for: request, peer: context.remoteAddress)
    }

    package func clientAddress(for request: Request, peer: SocketAddress?) -> String {
        guard let text = peer?.ipAddress else { return "unknown" }
        if let client = forwarding(request, peer: peer)?.client { return client.description }
        return IPAddress(text)?.description ?? text
    }

    /// What a trusted proxy forwarded; nil when the peer is not trusted (or nothing is).
    struct Forwarding {
        var client: IPAddress
        var scheme: String?
        var authority: String?
        var prefix: String?
    }

    func forwarding(_ request: Request, peer: SocketAddress?) -> Forwarding? {
        guard !trustedProxies.isEmpty, let text = peer?.ipAddress, let peerAddress = IPAddress(text),
            trustedProxies.contains(peerAddress)
        else { return nil }
        let headers = request.headers
        let forwardedFor = headers[values: ForwardedFields.xForwardedFor]
        let forwardedProto = headers[values: ForwardedFields.xForwardedProto]
        let forwardedHost = headers[values: ForwardedFields.xForwardedHost]
        var result = Forwarding(client: peerAddress)
        if !forwardedFor.isEmpty || !forwardedProto.isEmpty || !forwardedHost.isEmpty {
            let chain = ForwardedFields.parseForwardedFor(forwardedFor)
            result.client = ForwardedFields.client(of: chain, peer: peerAddress, trusted: trustedProxies).address
            result.scheme = ForwardedFields.lastEntry(forwardedProto).flatMap(ForwardedFields.scheme)
            result.authority = ForwardedFields.lastEntry(forwardedHost).flatMap(ForwardedFields.authority)
        } else if let elements = ForwardedFields.parseForwarded(headers[values: ForwardedFields.forwarded]) {
            // RFC 7239 §5.2–5.4: the element where the walk stops was written by the outermost
            // trusted proxy; its proto= and host= are the request as the client made it.
            let (client, index) = ForwardedFields.client(
                of: elements.map { $0.client ?? .opaque }, peer: peerAddress, trusted: trustedProxies)
            result.client = client
            if let index {
                result.scheme = elements[index].proto.flatMap { ForwardedFields.scheme(Substring($0)) }
                result.authority = elements[index].host.flatMap { ForwardedFields.authority(Substring($0)) }
            }
        }
        // RFC 7239 has no prefix; X-Forwarded-Prefix (as Spring and ASP.NET read it) is the one field.
        result.prefix = ForwardedFields.lastEntry(headers[values: ForwardedFields.xForwardedPrefix]).flatMap(ForwardedFields.pathPrefix)
        return result
    }
}

/// RFC 9110 §12.5.5: an answer chosen by request header fields names them in `Vary`. With
/// trusted proxies and no public URL, the links in a cacheable answer (`Cache-Control: public`)
/// come from X-Forwarded-Proto, -Host, -Prefix or `Forwarded`, so a cache between the proxy and
/// Zamin must keep one copy per value. Not added otherwise: without trusted proxies those
/// fields are ignored and links follow `Host`, which is part of every cache's key (RFC 9111 §2,
/// the target URI); with a public URL links follow nothing in the request. Only installed in
/// the first case, so other configurations pay nothing.
struct ForwardedVaryMiddleware<Context: RequestContext>: RouterMiddleware {
    static var fields: String { "X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-Prefix, Forwarded" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if let cacheControl = response.headers[.cacheControl], cacheControl.contains("public") {
            response.headers[.vary] = response.headers[.vary].map { $0 + ", " + Self.fields } ?? Self.fields
        }
        return response
    }
}
