/// The one error type of GeoFormats: a document or a WKB blob that cannot be read at all.
/// Problems confined to one feature of a readable FeatureCollection are not errors but
/// `FeatureProblem`s, so an import can report all of them at once.
package enum GeoFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not JSON text (RFC 8259), at a byte offset from the start of the input.
    case invalidJSON(JSONSyntaxProblem, byteOffset: Int)
    /// Valid JSON but not a GeoJSON FeatureCollection (RFC 7946 §3.3).
    case notFeatureCollection(FeatureCollectionProblem, byteOffset: Int)
    /// Not a WKB geometry we read (OGC 06-103r4 §8.2), at a byte offset into the blob.
    case invalidWKB(WKBProblem, byteOffset: Int)

    package var byteOffset: Int {
        switch self {
        case .invalidJSON(_, let offset), .notFeatureCollection(_, let offset), .invalidWKB(_, let offset):
            return offset
        }
    }

    package var description: String {
        switch self {
        case .invalidJSON(let problem, let offset): return "invalid JSON at byte \(offset): \(problem)"
        case .notFeatureCollection(let problem, let offset):
            return "not a GeoJSON FeatureCollection (byte \(offset)): \(problem)"
        case .invalidWKB(let problem, let offset): return "invalid WKB at byte \(offset): \(problem)"
        }
    }
}

/// Why a text is not JSON (RFC 8259).
package enum JSONSyntaxProblem: Sendable, Hashable, CustomStringConvertible {
    case unexpectedEndOfInput
    /// A byte that cannot start or continue the expected token.
    case unexpectedByte(UInt8)
    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    case invalidNumber
    /// RFC 8259 §7: only `\" \\ \/ \b \f \n \r \t \uXXXX`.
    case invalidEscape
    /// RFC 8259 §7: a UTF-16 high surrogate escape must be followed by a low one, and a low one
    /// must not stand alone.
    case unpairedSurrogate
    /// RFC 8259 §7: U+0000…U+001F must be escaped inside strings.
    case controlCharacterInString
    /// RFC 8259 §8.1: JSON text is UTF-8.
    case invalidUTF8
    /// Arrays and objects nested deeper than the reader's limit (RFC 8259 §9 allows a limit).
    case nestingTooDeep(limit: Int)
    /// Something other than white space after the top-level value (RFC 8259 §2).
    case trailingContent

    package var description: String {
        switch self {
        case .unexpectedEndOfInput: return "unexpected end of input"
        case .unexpectedByte(let byte):
            if byte >= 0x20 && byte < 0x7F {
                return "unexpected character '\(Character(Unicode.Scalar(byte)))'"
            }
            return "unexpected byte 0x\(String(byte, radix: 16, uppercase: true))"
        case .invalidNumber: return "invalid number"
        case .invalidEscape: return "invalid escape sequence in string"
        case .unpairedSurrogate: return "unpaired UTF-16 surrogate in \\u escape"
        case .controlCharacterInString: return "unescaped control character in string"
        case .invalidUTF8: return "invalid UTF-8"
        case .nestingTooDeep(let limit): return "arrays and objects nested deeper than \(limit)"
        case .trailingContent: return "content after the JSON value"
        }
    }
}

/// Why a JSON document is not a FeatureCollection (RFC 7946 §3.3).
package enum FeatureCollectionProblem: Sendable, Hashable, CustomStringConvertible {
    case notAnObject
    /// `type` is absent or is not "FeatureCollection".
    case typeNotFeatureCollection
    case missingFeatures
    case featuresNotAnArray

    package var description: String {
        switch self {
        case .notAnObject: return "the document is not a JSON object"
        case .typeNotFeatureCollection: return "\"type\" is not \"FeatureCollection\""
        case .missingFeatures: return "no \"features\" member"
        case .featuresNotAnArray: return "\"features\" is not an array"
        }
    }
}

/// Why bytes are not a WKB geometry we read (OGC 06-103r4 §8.2, ISO type codes 1, 2, 3, 5, 6).
package enum WKBProblem: Sendable, Hashable, CustomStringConvertible {
    case truncated
    /// The byte-order byte is neither 0 (big-endian, XDR) nor 1 (little-endian, NDR).
    case invalidByteOrder(UInt8)
    /// A type code other than 1 Point, 2 LineString, 3 Polygon, 5 MultiLineString, 6 MultiPolygon.
    case unsupportedType(UInt32)
    /// A member of a multi geometry of the wrong type (OGC 06-103r4 §8.2.5).
    case unexpectedMemberType(expected: UInt32, found: UInt32)
    /// NaN, infinity, or outside -180…180 / -90…90 (our geometry holds WGS 84 degrees only).
    case coordinateOutOfRange
    /// A geometry without positions; our geometry types cannot hold one.
    case emptyGeometry
    /// Bytes left after the geometry.
    case trailingBytes

    package var description: String {
        switch self {
        case .truncated: return "the data ends inside the geometry"
        case .invalidByteOrder(let byte): return "byte order \(byte) is neither 0 nor 1"
        case .unsupportedType(let code): return "unsupported geometry type code \(code)"
        case .unexpectedMemberType(let expected, let found):
            return "a member of type \(found) where type \(expected) is required"
        case .coordinateOutOfRange: return "a coordinate is not finite or outside WGS 84 degree ranges"
        case .emptyGeometry: return "empty geometry"
        case .trailingBytes: return "bytes after the end of the geometry"
        }
    }
}
