import Hummingbird
import GeoCore

/// Reads a request's query string into typed values at the edge. Each endpoint names the
/// parameters it accepts; any other is a 400 (OGC 17-069r4 §7.6 /req/core/query-param-unknown,
/// applied to every endpoint so a typo never silently changes an answer). A parameter given
/// twice is a 400 too: which one was meant is unknowable.
struct QueryReader {
    /// The parameters in request order; a handful at most, so a linear search beats hashing.
    private var names: [String] = []
    private var values: [String] = []

    init(_ request: Request, allowed: [String]) throws(APIError) {
        for (name, value) in request.uri.queryParameters {
            let key = String(name)
            guard allowed.contains(key) || key == "lang" || key == "f" else {
                throw APIError.invalidParameter(key, .unknownParameter(key))
            }
            guard !names.contains(key) else { throw APIError.invalidParameter(key, .repeatedParameter(key)) }
            names.append(key)
            values.append(String(value))
        }
    }

    func string(_ name: String) -> String? { names.firstIndex(of: name).map { values[$0] } }

    /// The response language (`Language.of`) from this query's `lang`, without reading the query
    /// string again.
    func language(of request: Request) -> Language { Language.of(request, lang: string("lang")) }

    /// A required non-empty text value.
    func requiredString(_ name: String) throws(APIError) -> String {
        guard let value = string(name), !value.isEmpty else { throw APIError.invalidParameter(name, .missingParameter(name)) }
        return value
    }

    /// A finite decimal number; "nan", "inf" and "1e999" are refused.
    func double(_ name: String) throws(APIError) -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite else { throw APIError.invalidParameter(name, .notANumber(name)) }
        return value
    }

    func requiredDouble(_ name: String) throws(APIError) -> Double {
        guard let value = try double(name) else { throw APIError.invalidParameter(name, .missingParameter(name)) }
        return value
    }

    /// A whole number within `range`.
    func int(_ name: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else { throw APIError.invalidParameter(name, .notAWholeNumber(name)) }
        guard range.contains(value) else {
            throw APIError.invalidParameter(name, .outOfRange(name, lower: Double(range.lowerBound), upper: Double(range.upperBound)))
        }
        return value
    }

    /// `lon` and `lat` in WGS 84 degrees (RFC 7946 §3.1.1: longitude first).
    func coordinate(lon lonName: String = "lon", lat latName: String = "lat") throws(APIError) -> Coordinate {
        let lon = try requiredDouble(lonName)
        let lat = try requiredDouble(latName)
        guard (-180...180).contains(lon) else { throw APIError.invalidParameter(lonName, .outOfRange(lonName, lower: -180, upper: 180)) }
        guard (-90...90).contains(lat) else { throw APIError.invalidParameter(latName, .outOfRange(latName, lower: -90, upper: 90)) }
        return Coordinate(uncheckedLon: lon, lat: lat)
    }

    /// OGC 17-069r4 §7.15.3: `bbox=minLon,minLat,maxLon,maxLat` in CRS84, four finite numbers, min ≤ max.
    func bbox(_ name: String = "bbox") throws(APIError) -> BoundingBox? {
        guard let text = string(name) else { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
        guard parts.count == 4, parts.allSatisfy({ $0?.isFinite == true }) else {
            throw APIError.invalidParameter(name, .invalidBBox(name))
        }
        guard let box = BoundingBox(minLon: parts[0]!, minLat: parts[1]!, maxLon: parts[2]!, maxLat: parts[3]!) else {
            throw APIError.invalidParameter(name, .invalidBBox(name))
        }
        return box
    }

    /// A comma-separated list, without empty items.
    func list(_ name: String) -> [String]? {
        string(name).map { $0.split(separator: ",").map { String($0.trimmingSpaces) }.filter { !$0.isEmpty } }
    }
}
