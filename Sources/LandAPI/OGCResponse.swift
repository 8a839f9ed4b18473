import Gzip
import HTTPTypes
import Hummingbird
import LandModel
import LandService
import NIOCore

/// How every OGC API response leaves the server: an `ETag` from the content, `If-None-Match` →
/// 304, `Cache-Control`, CORS (OGC 17-069r4 §7.8 `/rec/core/cross-origin`, `/rec/core/etag`),
/// `Content-Crs` (OGC 18-058r1 `/req/crs/ogc-crs-header`) and gzip when the client accepts it.
enum OGCResponse {
    /// Data change only through the planners' workflow: a minute of caching is harmless, and
    /// the ETag makes revalidation cheap.
    static let cacheControl = "public, max-age=60"

    /// `body` is the representation without anything request-time dependent, so equal bodies
    /// get equal ETags. `trailer` (e.g. `,"timeStamp":"…"}`) is appended after hashing.
    static func make(
        _ request: Request, body: [UInt8], trailer: [UInt8] = [], contentType: String, contentCRS: FeatureCRS? = nil,
        language: Language? = nil, links: [OGCLink] = [], version: VersionTag? = nil, cacheControl: String = OGCResponse.cacheControl
    ) -> Response {
        let gzip = acceptsGzip(request.headers[.acceptEncoding]) && body.count + trailer.count > 256
        var etag = version.map { featureETag($0, body: body) } ?? "\"" + hexDigits(contentHash(body)) + "\""
        // RFC 9110 §8.8.3: a strong tag names one representation, and a gzip body is another one.
        if gzip { etag = String(etag.dropLast()) + "-gzip\"" }
        var headers: HTTPFields = [:]
        headers[.accessControlAllowOrigin] = "*"
        headers[.accessControlExposeHeaders] = "ETag, Content-Crs, Content-Language, Link"
        headers[.cacheControl] = cacheControl
        headers[.vary] = "Accept, Accept-Encoding, Accept-Language"
        headers[.eTag] = etag
        if let contentCRS { headers[contentCRSField] = "<" + contentCRS.uri + ">" }
        if let language { headers[.contentLanguage] = language.rawValue }
        if !links.isEmpty, let value = linkHeader(links) { headers[linkField] = value }
        if let match = request.headers[.ifNoneMatch], Self.matches(match, etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        if gzip, let compressed = Gzip.compress(body + trailer) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: compressed)))
        }
        // Body and trailer copied once, straight into the buffer NIO writes.
        var buffer = ByteBuffer()
        buffer.reserveCapacity(body.count + trailer.count)
        buffer.writeBytes(body)
        buffer.writeBytes(trailer)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// One feature's ETag: its version's tag, then the representation's hash, so that every
    /// representation (a `crs`, a language, HTML) has a tag of its own, as a strong ETag must
    /// (RFC 9110 §8.8.3), while `If-Match` with any of them names the version the client read
    /// (OGCEdits.swift).
    static func featureETag(_ version: VersionTag, body: [UInt8]) -> String {
        "\"\(version)-" + hexDigits(contentHash(body)) + "\""
    }

    static let contentCRSField = HTTPField.Name("Content-Crs")!
    static let linkField = HTTPField.Name("Link")!

    /// RFC 8288 §3: the body's navigation links (self, alternate, next, prev, …) as `Link` header
    /// values too, as OGC API – Common recommends, so a client can page without parsing the body.
    /// Targets are URI references already percent-encoded; quotes in a title are dropped. Links
    /// longer than `maximumLinkHeaderBytes` in all (a CQL2 filter with a large polygon repeats
    /// in self, alternate, next and prev) are left to the body: clients and proxies refuse header
    /// fields past 8–64 KB (nginx's default buffers are 4–8 KB).
    static func linkHeader(_ links: [OGCLink]) -> String? {
        let value = links.map { link in
            var value = "<\(link.href)>; rel=\"\(link.rel)\"; type=\"\(link.type)\""
            if let title = link.title { value += "; title=\"\(title.filter { $0 != "\"" && $0 != "\\" })\"" }
            return value
        }.joined(separator: ", ")
        return value.utf8.count <= maximumLinkHeaderBytes ? value : nil
    }

    static let maximumLinkHeaderBytes = 4096

    /// RFC 9110 §13.1.2: `*` or a list of entity tags; weak comparison (a `W/` prefix is ignored).
    static func matches(_ header: String, _ etag: String) -> Bool {
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingSpaces
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == etag { return true }
        }
        return false
    }

    /// RFC 9110 §12.5.3: `gzip` (or `x-gzip`, or `*`) listed without `q=0`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";")
            let coding = fields[0].trimmingSpaces.lowercased()
            guard coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let refused = fields.dropFirst().contains { field in
                let pair = field.trimmingSpaces.split(separator: "=", maxSplits: 1)
                return pair.count == 2 && pair[0] == "q" && (Double(pair[1]) ?? 1) == 0
            }
            if !refused { return true }
        }
        return false
    }

    /// OPTIONS (RFC 9110 §9.3.7) on every path: `Allow` lists the methods the path's endpoints
    /// declare, and the CORS preflight (Fetch standard) lets any origin use them.
    static func preflight(_ request: Request, allow: String) -> Response {
        var headers: HTTPFields = [:]
        headers[.accessControlAllowOrigin] = "*"
        headers[.accessControlAllowMethods] = allow
        headers[.accessControlAllowHeaders] =
            request.headers[.accessControlRequestHeaders] ?? "Accept, Accept-Language, Authorization, If-None-Match, Content-Type"
        headers[.accessControlMaxAge] = "86400"
        headers[.allow] = allow
        return Response(status: .noContent, headers: headers)
    }

    /// FNV-1a-style mixing of 8-byte words in four independent lanes (a 60 KB page hashed in one
    /// chain waits on ~7,500 dependent multiplies), then the tail bytes: an ETag needs equal for
    /// equal bodies and a different tag for a changed body with overwhelming probability, not
    /// cryptography.
    static func contentHash(_ bytes: [UInt8]) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var lanes: (UInt64, UInt64, UInt64, UInt64) = (0xcbf2_9ce4_8422_2325, 0x8422_2325_cbf2_9ce4, 0x9ce4_cbf2_2325_8422, 0x2325_8422_9ce4_cbf2)
        var hash: UInt64 = 0
        bytes.withUnsafeBytes { raw in
            let blocks = raw.count / 32
            for block in 0..<blocks {
                let offset = block * 32
                lanes.0 ^= raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                lanes.1 ^= raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
                lanes.2 ^= raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)
                lanes.3 ^= raw.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)
                lanes.0 = lanes.0 &* prime
                lanes.1 = lanes.1 &* prime
                lanes.2 = lanes.2 &* prime
                lanes.3 = lanes.3 &* prime
                lanes.0 ^= lanes.0 >> 29
                lanes.1 ^= lanes.1 >> 29
                lanes.2 ^= lanes.2 >> 29
                lanes.3 ^= lanes.3 >> 29
            }
            hash = lanes.0
            for lane in [lanes.1, lanes.2, lanes.3] {
                hash ^= lane
                hash = hash &* prime
                hash ^= hash >> 29
            }
            for index in (blocks * 32)..<raw.count {
                hash ^= UInt64(raw[index])
                hash = hash &* prime
            }
        }
        return hash ^ UInt64(bytes.count)
    }

    static func hexDigits(_ value: UInt64) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for shift in stride(from: 60, through: 0, by: -4) { bytes.append(digits[Int((value >> UInt64(shift)) & 0xF)]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
