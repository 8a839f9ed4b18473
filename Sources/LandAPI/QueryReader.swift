import Hummingbird
import GeoCore

/// Reads a request's query string into typed values at the edge, held to the endpoint's declared
/// parameters (`EndpointParameter`): any other parameter is a 400 (OGC 17-069r4 §7.6
/// /req/core/query-param-unknown, applied to every endpoint so a typo never silently changes an
/// answer), a parameter given twice is a 400 (which one was meant is unknowable), a required one
/// missing is a 400, and every value is checked against its declared type, range or enum before
/// the handler runs. The getters then return values already known to be valid.
struct QueryReader: Sendable {
    /// The parameters in request order; a handful at most, so a linear search beats hashing.
    private(set) var names: [String] = []
    private(set) var values: [String] = []
    let declared: [EndpointParameter]

    init(_ request: Request, declared: [EndpointParameter]) throws(APIError) {
        self.declared = declared
        for (key, text) in Self.formDecodedPairs(request.uri.query) {
            guard let parameter = declared.first(where: { $0.name == key && $0.location == .query }) else {
                throw APIError.invalidParameter(key, .unknownParameter(key))
            }
            guard !names.contains(key) else { throw APIError.invalidParameter(key, .repeatedParameter(key)) }
            try Self.check(text, against: parameter)
            names.append(key)
            values.append(text)
        }
        for parameter in declared where parameter.isRequired && parameter.location == .query && !names.contains(parameter.name) {
            throw APIError.invalidParameter(parameter.name, .missingParameter(parameter.name))
        }
    }

    /// The query's name=value pairs decoded as `application/x-www-form-urlencoded` (WHATWG URL
    /// §5.1, what browsers, Python's `urlencode` and `curl --data-urlencode` send): `+` is a space
    /// and `%XX` a UTF-8 byte. A filter such as `floors > 3` arrives as `floors+%3E+3`; a literal
    /// `+` (a time zone offset, CQL2 arithmetic) must be sent as `%2B`, as RFC 3339 clients do.
    /// A malformed escape leaves the text as sent (it then fails the parameter's own check).
    static func formDecodedPairs(_ query: String?) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                QueryParameters.percentDecoded(String(text.map { $0 == "+" ? " " : $0 }))
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The query as the client sent it, decoded, in order (what OGC `next`/`prev` links repeat).
    var pairs: [(name: String, value: String)] { Array(zip(names, values)).map { (name: $0.0, value: $0.1) } }

    func string(_ name: String) -> String? { names.firstIndex(of: name).map { values[$0] } }

    /// The response language (`Language.of`) from this query's `lang`, without reading the query
    /// string again.
    func language(of request: Request) -> Language { Language.of(request, lang: string("lang")) }

    /// A declared `.integer` parameter (validated on reading the query).
    func int(_ name: String) -> Int? { string(name).flatMap { Int($0) } }

    /// A declared `.number` parameter (validated on reading the query).
    func double(_ name: String) -> Double? { string(name).flatMap { Double($0) } }

    /// A declared `.listOf` parameter's items.
    func list(_ name: String) -> [String]? { string(name).map(Self.items) }

    /// `lon` and `lat` in WGS 84 degrees (RFC 7946 §3.1.1: longitude first), both required.
    func coordinate(lon lonName: String = "lon", lat latName: String = "lat") throws(APIError) -> Coordinate {
        guard let lon = double(lonName) else { throw APIError.invalidParameter(lonName, .missingParameter(lonName)) }
        guard let lat = double(latName) else { throw APIError.invalidParameter(latName, .missingParameter(latName)) }
        return Coordinate(uncheckedLon: lon, lat: lat)
    }

    /// A declared 4-number `.boundingBox` (OGC 17-069r4 §7.15.3) in CRS84.
    func bbox(_ name: String = "bbox") -> BoundingBox? {
        guard let text = string(name) else { return nil }
        let numbers = Self.numbers(text)
        return BoundingBox(minLon: numbers[0], minLat: numbers[1], maxLon: numbers[2], maxLat: numbers[3])
    }

    // MARK: - validation of one value against its declaration

    private static func check(_ text: String, against parameter: EndpointParameter) throws(APIError) {
        let name = parameter.name
        switch parameter.value {
        case .text(let minLength, let maxLength):
            // JSON Schema's lengths count code points (Validation §6.3.1), not the grapheme clusters
            // Swift's `count` does: "o" and a combining mark are two.
            let length = text.unicodeScalars.count
            guard length >= minLength else { throw APIError.invalidParameter(name, .missingParameter(name)) }
            if let maxLength, length > maxLength { throw APIError.invalidParameter(name, .tooLong(name, maxLength)) }
        case .integer(let minimum, let maximum):
            let digits = text.first == "-" ? text.dropFirst() : Substring(text)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw APIError.invalidParameter(name, maximum == nil ? .wholeNumberAtLeast(name, minimum) : .notAWholeNumber(name))
            }
            // Too many digits for Int: beyond any bound (and, unbounded above as OGC `limit`, reduced later).
            let value = Int(text) ?? (text.first == "-" ? Int.min : Int.max)
            guard value >= minimum else {
                throw APIError.invalidParameter(
                    name, maximum == nil ? .wholeNumberAtLeast(name, minimum) : .outOfRange(name, lower: Double(minimum), upper: Double(maximum!)))
            }
            if let maximum, value > maximum {
                throw APIError.invalidParameter(name, .outOfRange(name, lower: Double(minimum), upper: Double(maximum)))
            }
        case .number(let minimum, let maximum, let exclusiveMinimum):
            guard let value = Double(text), value.isFinite, !text.contains(where: { $0 == " " || $0 == "_" }) else {
                throw APIError.invalidParameter(name, .notANumber(name))
            }
            guard exclusiveMinimum ? value > minimum : value >= minimum, maximum.map({ value <= $0 }) ?? true else {
                throw APIError.invalidParameter(name, .outOfRange(name, lower: minimum, upper: maximum ?? .infinity))
            }
        case .oneOf(let allowed):
            guard allowed.contains(text) else {
                throw APIError.invalidParameter(name, name == "lang" ? .unsupportedLanguage : .notOneOf(name, allowed))
            }
        case .listOf(let allowed):
            let items = Self.items(text)
            guard !items.isEmpty else { throw APIError.invalidParameter(name, .missingParameter(name)) }
            for item in items where !allowed.contains(item) {
                throw APIError.invalidParameter(name, .notOneOf(name, allowed))
            }
        case .boundingBox(let allowsHeights):
            let numbers = Self.numbers(text)
            guard numbers.count == 4 || (allowsHeights && numbers.count == 6), numbers.allSatisfy(\.isFinite) else {
                throw APIError.invalidParameter(name, .invalidBBox(name))
            }
            // Without heights (and so in CRS84, the only CRS where this is the whole check), the
            // box must be in WGS 84 ranges with min ≤ max; OGC `bbox` is checked in its CRS later.
            if !allowsHeights, BoundingBox(minLon: numbers[0], minLat: numbers[1], maxLon: numbers[2], maxLat: numbers[3]) == nil {
                throw APIError.invalidParameter(name, .invalidBBox(name))
            }
        case .dateTime:
            guard Self.parseInstant(text) != nil else { throw APIError.invalidParameter(name, .invalidInstant) }
        case .dateTimeOrInterval:
            _ = try DatetimeParameter.parse(text)
        case .crs:
            _ = try OGCItemsQuery.crs(text, parameter: name)
        }
    }

    /// Comma-separated items, trimmed, without empty ones.
    static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }
    }

    /// Comma-separated numbers; a part that is not a number becomes NaN (so the count stays).
    static func numbers(_ text: String) -> [Double] {
        text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let trimmed = part.trimmingSpaces
            guard !trimmed.isEmpty, !trimmed.contains("_") else { return .nan }
            return Double(trimmed) ?? .nan
        }
    }
}
