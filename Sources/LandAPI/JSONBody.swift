import Hummingbird
import GeoFormats

/// A JSON request body as an object, with typed field readers that name the field at fault.
/// Errors name fields, never echo values: a value may be personal data.
struct JSONBody {
    let object: JSONObject
    let path: String

    static func read(_ request: Request, limitBytes: Int = EndpointBody.defaultMaxBytes) async throws -> JSONBody {
        let bytes = try await bytes(request, limitBytes: limitBytes)
        guard case .object(let object)? = try? JSONParser.parse(bytes) else {
            throw APIError(status: .badRequest, code: "InvalidParameterValue", message: .bodyNotJSONObject)
        }
        return JSONBody(object: object, path: "")
    }

    /// The body's bytes, at most `limitBytes` (413 beyond: the declared `EndpointBody.maxBytes`).
    static func bytes(_ request: Request, limitBytes: Int) async throws -> [UInt8] {
        var request = request
        do {
            return Array(try await request.collectBody(upTo: limitBytes).readableBytesView)
        } catch {
            // NIO's too-many-bytes error (or a dropped body): either way the body cannot be read.
            throw APIError(status: .contentTooLarge, code: "ContentTooLarge", message: .bodyTooLarge)
        }
    }

    /// The request's `Content-Type` without its parameters, lower case (RFC 9110 §8.3.1); nil without one.
    static func mediaType(of request: Request) -> String? {
        request.headers[.contentType].map { type in type.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? "" }
    }

    /// RFC 9110 §15.5.16: a body declared as JSON in another media type is a 415. No
    /// `Content-Type` is read as JSON (what a bare `curl -d` or a script sends is then still understood).
    static func requireJSONMediaType(_ request: Request) throws(APIError) {
        guard let essence = mediaType(of: request) else { return }
        guard essence == "application/json" || (essence.hasPrefix("application/") && essence.hasSuffix("+json")) else {
            throw APIError(status: .unsupportedMediaType, code: "UnsupportedMediaType", message: .unsupportedMediaType)
        }
    }

    /// The request's body in one of `mediaTypes` (JSON ones as `requireJSONMediaType` reads them).
    static func requireMediaType(_ request: Request, among mediaTypes: [String]) throws(APIError) {
        let takesJSON = mediaTypes.contains { $0 == MediaType.json || $0.hasSuffix("+json") }
        guard let essence = mediaType(of: request), !mediaTypes.contains(essence) else { return }
        if takesJSON { return try requireJSONMediaType(request) }
        throw APIError(status: .unsupportedMediaType, code: "UnsupportedMediaType", message: .unsupportedMediaType)
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
        guard case .string(let text) = value, text.unicodeScalars.count <= maxLength else {
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
