import GeoCore
import Hummingbird
import LandService
import FoundationEssentials

/// The query string of one request, decoded, in the order the client sent it: what the
/// validators read and what `next`/`prev` links copy.
struct QueryParameters: Sendable {
    var pairs: [(name: String, value: String)]

    init(pairs: [(name: String, value: String)]) { self.pairs = pairs }

    subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// `?a=1&b=2` with `name` set to `value` (added if absent), every other parameter kept
    /// (OGC 17-069r4 §7.15.6 `/rec/core/fc-next-2`: the next link repeats the query).
    func replacing(_ name: String, with value: String) -> String {
        var result = pairs.filter { $0.name != name }
        result.append((name, value))
        return Self.encode(result)
    }

    var encoded: String { Self.encode(pairs) }

    static func encode(_ pairs: [(name: String, value: String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "?" + pairs.map { percentEncoded($0.name) + "=" + percentEncoded($0.value) }.joined(separator: "&")
    }

    /// RFC 3986 §2.3: unreserved characters stay, everything else is %XX of its UTF-8 bytes;
    /// `,` and `:` are kept as well, so `bbox=1,2,3,4` and CRS URIs stay readable.
    static func percentEncoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ","), UInt8(ascii: ":"),
                UInt8(ascii: "/"):
                bytes.append(byte)
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One path segment: like `percentEncoded`, but `/` is encoded too (`way/8035238` → `way%2F8035238`).
    static func percentEncodedSegment(_ text: String) -> String {
        percentEncoded(text).split(separator: "/", omittingEmptySubsequences: false).joined(separator: "%2F")
    }

    /// `%XX` sequences decoded as UTF-8 (a path segment as the router hands it over); text with
    /// a malformed escape or invalid UTF-8 is returned as it is, and then names no feature.
    static func percentDecoded(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        let source = Array(text.utf8)
        var bytes: [UInt8] = []
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index < source.count {
            if source[index] == UInt8(ascii: "%") {
                guard index + 2 < source.count, let high = hexValue(source[index + 1]), let low = hexValue(source[index + 2])
                else { return text }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? text
    }
}

/// The representation a client asked for: `f=json|html`, else the `Accept` header
/// (OGC 17-069r4 §7.8: JSON and HTML; OWSLib sends `Accept: */*`, which gets JSON).
enum OGCFormat: Sendable {
    case json, html

    /// The values `f` may take (declared as an enum): ours and the media types they stand for.
    static let names = ["json", "geojson", "application/json", "application/geo+json", "html", "text/html"]

    /// `f` (declared, so one of `names`), else the `Accept` header.
    init(_ request: Request, query: QueryReader) {
        if let value = query.string("f") {
            self = value == "html" || value == "text/html" ? .html : .json
            return
        }
        self = Self.fromAccept(request.headers[.accept])
    }

    /// The first media type the client lists that we have, ignoring q=0 entries; `*/*` and no
    /// header mean JSON, the machine format.
    static func fromAccept(_ header: String?) -> OGCFormat {
        guard let header else { return .json }
        var best: (format: OGCFormat, quality: Double)?
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";")
            let type = fields[0].trimmingSpaces.lowercased()
            var quality = 1.0
            for field in fields.dropFirst() {
                let pair = field.trimmingSpaces.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == "q", let value = Double(pair[1]) { quality = value }
            }
            let format: OGCFormat
            if type == "text/html" || type == "application/xhtml+xml" {
                format = .html
            } else if type.hasSuffix("json") || type == "*/*" || type == "application/*" {
                format = .json
            } else {
                continue
            }
            guard quality > 0 else { continue }
            if best == nil || quality > best!.quality { best = (format, quality) }
        }
        return best?.format ?? .json
    }
}

/// `GET /collections/{id}/items`, validated into typed values (OGC 17-069r4 §7.15, OGC 18-058r1 §7).
/// Nothing past this point re-checks input.
struct OGCItemsQuery: Sendable {
    /// OGC 17-069r4 §7.15.2 `/req/core/fc-limit-definition`: default 10, maximum 10,000; a larger
    /// value is clamped, not rejected (`/req/core/fc-limit-response-1`).
    static let defaultLimit = 10
    static let maximumLimit = 10_000

    var bbox: BoundingBox?
    var limit: Int
    var offset: Int
    var crs: FeatureCRS
    var filters: [PropertyEquals]
    /// nil: today's features, without validity properties.
    var datetime: TimeFilter?
    /// The CQL2 `filter`, compiled (OGC 19-079r2 Part 3).
    var filter: FeatureFilter?

    /// `query` has been held to the items endpoint's declaration (names, numbers, enums); what
    /// is left are the checks that need the CRS or the collection.
    init(_ query: QueryReader, collection: FeatureCollectionID) throws(APIError) {
        let queryables = collection.equalityQueryables
        crs = try Self.crs(query.string("crs"), parameter: "crs")
        let bboxCRS = try Self.crs(query.string("bbox-crs"), parameter: "bbox-crs")
        if let text = query.string("bbox") {
            bbox = try Self.boundingBox(text, in: bboxCRS)
        } else {
            bbox = nil
        }
        limit = try Self.limit(query.string("limit"))
        offset = try Self.offset(query.string("offset"))
        datetime = try query.string("datetime").map(DatetimeParameter.parse)
        filter = try FilterParameter.read(query, collection: collection)
        filters = []
        for property in queryables {
            guard let text = query.string(property.rawValue) else { continue }
            switch property.valueType {
            case .string:
                filters.append(PropertyEquals(property, .text(text)))
            case .integer:
                guard let number = Int(text) else { throw .invalidParameter(property.rawValue, .invalidFilterValue) }
                filters.append(PropertyEquals(property, .integer(number)))
            case .array, .timestamp:
                continue  // not among equalityQueryables
            }
        }
    }

    /// OGC 18-058r1 `/req/crs/fc-crs-valid-value`, `/req/crs/bbox-crs-exception`: an unsupported
    /// CRS is a 400. Absent means CRS84.
    static func crs(_ text: String?, parameter: String) throws(APIError) -> FeatureCRS {
        guard let text else { return .crs84 }
        guard let crs = FeatureCRS(uri: text) else { throw .invalidParameter(parameter, .unknownCRS) }
        return crs
    }

    /// OGC 17-069r4 §7.15.3 `/req/core/fc-bbox-definition`: 4 numbers (or 6 with heights, which
    /// we ignore: all features lie at height 0), lower corner then upper corner in the axis order
    /// of `bbox-crs`; finite, lower ≤ upper. Returned in CRS84.
    static func boundingBox(_ text: String, in crs: FeatureCRS) throws(APIError) -> BoundingBox {
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
        guard numbers.count == 4 || numbers.count == 6 else { throw .invalidParameter("bbox", .invalidBoundingBox) }
        var values: [Double] = []
        for number in numbers {
            guard let number, number.isFinite else { throw .invalidParameter("bbox", .invalidBoundingBox) }
            values.append(number)
        }
        let half = values.count / 2
        let lower = (values[0], values[1]), upper = (values[half], values[half + 1])
        guard lower.0 <= upper.0, lower.1 <= upper.1 else { throw .invalidParameter("bbox", .invalidBoundingBox) }
        if crs == .crs84 {
            guard let box = BoundingBox(minLon: lower.0, minLat: lower.1, maxLon: upper.0, maxLat: upper.1) else {
                throw .invalidParameter("bbox", .invalidBoundingBox)
            }
            return box
        }
        if crs.isLatitudeFirst {
            // EPSG:4326 degrees: the same ranges as CRS84, axes swapped.
            guard BoundingBox(minLon: lower.1, minLat: lower.0, maxLon: upper.1, maxLat: upper.0) != nil else {
                throw .invalidParameter("bbox", .invalidBoundingBox)
            }
        }
        do {
            return try crs.crs84BoundingBox(lower: lower, upper: upper)
        } catch {
            throw .invalidParameter("bbox", .outsideCRSDomain)
        }
    }

    /// A whole number ≥ 1; above the maximum (including numbers too large for `Int`) it is clamped.
    static func limit(_ text: String?) throws(APIError) -> Int {
        guard let text else { return defaultLimit }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .invalidParameter("limit", .invalidLimit)
        }
        guard let value = Int(text) else { return maximumLimit }
        guard value >= 1 else { throw .invalidParameter("limit", .invalidLimit) }
        return min(value, maximumLimit)
    }

    /// A whole number ≥ 0 (the start of the page; beyond the last match the page is empty).
    static func offset(_ text: String?) throws(APIError) -> Int {
        guard let text else { return 0 }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .invalidParameter("offset", .invalidOffset)
        }
        return Int(text) ?? Int.max / 2
    }
}

/// OGC 17-069r4 §7.15.4 `/req/core/fc-time-definition` B–D: a `date-time` of RFC 3339 §5.6, or an
/// interval `start/end` of two of them where either end (not both) may be `..` or empty for an
/// open end. A bare date (`2026-01-05`) is a 400: the ABNF has `date-time` only, and which
/// instants a day covers depends on its time zone (Tehran's day starts 3½ hours before UTC's),
/// so a server guessing it would answer a different day than the client meant. An interval that
/// ends before it starts is a 400 too (`/req/core/query-param-invalid`).
enum DatetimeParameter {
    static func parse(_ text: String) throws(APIError) -> TimeFilter {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        func instant(_ part: Substring) throws(APIError) -> Date {
            guard let date = QueryReader.parseInstant(String(part)) else { throw .invalidParameter("datetime", .invalidDatetime) }
            return date
        }
        switch parts.count {
        case 1:
            return .instant(try instant(parts[0]))
        case 2:
            let openStart = parts[0].isEmpty || parts[0] == "..", openEnd = parts[1].isEmpty || parts[1] == ".."
            guard !(openStart && openEnd) else { throw .invalidParameter("datetime", .invalidDatetime) }
            let start = openStart ? nil : try instant(parts[0])
            let end = openEnd ? nil : try instant(parts[1])
            if let start, let end, end < start { throw .invalidParameter("datetime", .invalidDatetime) }
            return .interval(start: start, end: end)
        default:
            throw .invalidParameter("datetime", .invalidDatetime)
        }
    }
}
