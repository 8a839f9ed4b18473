import Hummingbird
import GeoCore
import GeoFormats
import LandModel
import FoundationEssentials

/// The query string of the request and planner endpoints, read into typed values; an unknown
/// parameter is a 400 (OGC 17-069r4 §7.6), `lang` is always allowed.
struct PlannerQuery {
    private var values: [String: String] = [:]

    init(_ request: Request, allowed: Set<String>) throws {
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard name == "lang" || allowed.contains(name) else {
                throw APIError.invalidParameter(name, .unknownParameter(name))
            }
            values[name] = String(value)
        }
    }

    /// OGC 17-069r4 §7.15.3: bbox is minLon,minLat,maxLon,maxLat in CRS84.
    func bbox() throws -> BoundingBox? {
        guard let text = values["bbox"] else { return nil }
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
        guard numbers.count == 4, let minLon = numbers[0], let minLat = numbers[1], let maxLon = numbers[2],
            let maxLat = numbers[3], let box = BoundingBox(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat)
        else { throw APIError.invalidParameter("bbox", .invalidBBox("bbox")) }
        return box
    }

    func zone() throws -> ZoneCode? {
        guard let text = values["zone"] else { return nil }
        guard !text.isEmpty else { throw APIError.invalidParameter("zone", .invalidField) }
        return ZoneCode(text)
    }

    /// An RFC 3339 date-time (with or without fractional seconds).
    func instant(_ name: String) throws -> Date? {
        guard let text = values[name] else { return nil }
        guard let date = Self.parseInstant(text) else { throw APIError.invalidParameter(name, .invalidInstant) }
        return date
    }

    static func parseInstant(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    func status() throws -> RequestStatus? {
        guard let text = values["status"] else { return nil }
        guard let status = RequestStatus(rawValue: text) else { throw APIError.invalidParameter("status", .invalidStatus) }
        return status
    }

    func limit(default fallback: Int) throws -> Int {
        guard let text = values["limit"] else { return fallback }
        guard let limit = Int(text), (1...1000).contains(limit) else { throw APIError.invalidParameter("limit", .outOfRange("limit", lower: 1, upper: 1000)) }
        return limit
    }
}

/// A JSON request body as an object, with typed field readers that name the field at fault.
/// Errors name fields, never echo values: a value may be personal data.
struct JSONBody {
    let object: JSONObject
    let path: String

    static func read(_ request: Request, limitBytes: Int = 64 * 1024) async throws -> JSONBody {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limitBytes)
        } catch {
            // NIO's too-many-bytes error (or a dropped body): either way the body cannot be read.
            throw APIError(status: .contentTooLarge, code: "ContentTooLarge", message: .bodyTooLarge)
        }
        guard case .object(let object)? = try? JSONParser.parse(Array(buffer.readableBytesView)) else {
            throw APIError(status: .badRequest, code: "InvalidParameterValue", message: .bodyNotJSONObject)
        }
        return JSONBody(object: object, path: "")
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Refuses members not in `known`.
    func onlyKnown(_ known: Set<String>) throws {
        for member in object.members where !known.contains(member.key) {
            throw APIError.invalidParameter(name(member.key), .unknownField)
        }
    }

    func string(_ key: String, maxLength: Int = 200) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .string(let text) = value, text.count <= maxLength else {
            throw APIError.invalidParameter(name(key), .invalidField)
        }
        return text
    }

    func requiredString(_ key: String, maxLength: Int = 200) throws -> String {
        guard let text = try string(key, maxLength: maxLength), !text.isEmpty else {
            throw APIError.invalidParameter(name(key), .missingField)
        }
        return text
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .number(let number) = value, number.rounded() == number, number >= Double(range.lowerBound),
            number <= Double(range.upperBound)
        else { throw APIError.invalidParameter(name(key), .invalidField) }
        return Int(number)
    }

    func requiredObject(_ key: String) throws -> JSONBody {
        guard let value = object[key] else { throw APIError.invalidParameter(name(key), .missingField) }
        guard case .object(let inner) = value else { throw APIError.invalidParameter(name(key), .invalidField) }
        return JSONBody(object: inner, path: name(key))
    }
}
