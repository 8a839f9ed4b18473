import Gzip
import HTTPTypes
import Hummingbird
import LandService

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
        language: Language? = nil
    ) -> Response {
        let etag = "\"" + hexDigits(contentHash(body)) + "\""
        var headers: HTTPFields = [:]
        headers[.accessControlAllowOrigin] = "*"
        headers[.accessControlExposeHeaders] = "ETag, Content-Crs, Content-Language"
        headers[.cacheControl] = cacheControl
        headers[.vary] = "Accept, Accept-Encoding, Accept-Language"
        headers[.eTag] = etag
        if let contentCRS { headers[contentCRSField] = "<" + contentCRS.uri + ">" }
        if let language { headers[.contentLanguage] = language.rawValue }
        if let match = request.headers[.ifNoneMatch], Self.matches(match, etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        var full = body
        full.append(contentsOf: trailer)
        if acceptsGzip(request.headers[.acceptEncoding]), full.count > 256, let compressed = Gzip.compress(full) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: compressed)))
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: full)))
    }

    static let contentCRSField = HTTPField.Name("Content-Crs")!

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

    /// OPTIONS preflight (Fetch standard, CORS protocol): any origin may GET.
    static func preflight(_ request: Request) -> Response {
        var headers: HTTPFields = [:]
        headers[.accessControlAllowOrigin] = "*"
        headers[.accessControlAllowMethods] = "GET, HEAD, OPTIONS"
        headers[.accessControlAllowHeaders] =
            request.headers[.accessControlRequestHeaders] ?? "Accept, Accept-Language, If-None-Match, Content-Type"
        headers[.accessControlMaxAge] = "86400"
        headers[.allow] = "GET, HEAD, OPTIONS"
        return Response(status: .noContent, headers: headers)
    }

    /// 64-bit FNV-1a over 8-byte words (then the tail bytes): an ETag needs equal for equal bodies
    /// and a different tag for a changed body with overwhelming probability, not cryptography.
    static func contentHash(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01b3
        bytes.withUnsafeBytes { raw in
            let words = raw.count / 8
            for index in 0..<words {
                hash ^= raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
                hash = hash &* prime
                hash ^= hash >> 29
            }
            for index in (words * 8)..<raw.count {
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
