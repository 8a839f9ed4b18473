import Hummingbird
@testable import LandAPI
import Testing

/// The multipart/form-data reader (RFC 7578, RFC 2046 §5.1.1) fed the same body in pieces of
/// every size: what it reads must not depend on where the network cut the bytes. Bodies are
/// written out by hand, parts known in advance.
@Suite("multipart/form-data, read as it arrives")
struct MultipartFormTests {
    static let limits = MultipartForm.Limits(totalBytes: 1 << 20, fileBytes: 1000, fileParts: ["photo"], fieldBytes: 100, maxParts: 8)

    static func body(boundary: String, parts: [(headers: String, content: [UInt8])], preamble: String = "", epilogue: String = "") -> [UInt8] {
        var bytes = Array(preamble.utf8)
        for (index, part) in parts.enumerated() {
            bytes += Array(((index == 0 && preamble.isEmpty) ? "" : "\r\n").utf8) + Array("--\(boundary)\r\n\(part.headers)\r\n\r\n".utf8)
            bytes += part.content
        }
        bytes += Array("\r\n--\(boundary)--\(epilogue)".utf8)
        return bytes
    }

    static func read(_ body: [UInt8], boundary: String, pieceSize: Int, limits: MultipartForm.Limits = limits) throws -> [MultipartForm.Part] {
        var parser = MultipartForm.Parser(boundary: Array(boundary.utf8), limits: limits)
        var start = 0
        while start < body.count {
            try parser.feed(body[start..<min(body.count, start + pieceSize)])
            start += pieceSize
        }
        guard parser.isFinished else { throw MultipartForm.Parser.malformed }
        return parser.parts
    }

    // A photo whose bytes contain CRLF, dashes and most of the boundary, but never the whole delimiter.
    static let photo: [UInt8] = [0xFF, 0xD8, 0x0D, 0x0A, 0x2D, 0x2D] + Array("XyZ-bound".utf8) + [0x0D, 0x0A, 0x2D, 0x0A, 0xFF, 0xD9]

    @Test("fields and a file read the same in pieces of 1, 2, 3, 7, 64 and all bytes", arguments: [1, 2, 3, 7, 64, 100_000])
    func pieces(_ size: Int) throws {
        let boundary = "XyZ-boundary"
        let body = Self.body(
            boundary: boundary,
            parts: [
                ("Content-Disposition: form-data; name=\"service_code\"", Array("pothole".utf8)),
                ("Content-Disposition: form-data; name=\"description\"", Array("چاله\r\nعمیق".utf8)),
                ("Content-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg", Self.photo),
                ("Content-Disposition: form-data; name=\"empty\"", []),
            ], preamble: "ignored preamble\r\n", epilogue: "\r\nignored epilogue")
        let parts = try Self.read(body, boundary: boundary, pieceSize: size)
        #expect(parts.map(\.name) == ["service_code", "description", "photo", "empty"])
        #expect(parts[0].text == "pothole")
        #expect(parts[1].text == "چاله\r\nعمیق")
        #expect(parts[2].bytes == Self.photo && parts[2].filename == "a.jpg" && parts[2].contentType == "image/jpeg")
        #expect(parts[3].bytes.isEmpty)
    }

    @Test("a file part past its limit is refused with 413 before the body ends", arguments: [1, 100, 4096])
    func fileTooLarge(_ size: Int) throws {
        let boundary = "b"
        var parser = MultipartForm.Parser(boundary: Array(boundary.utf8), limits: Self.limits)
        let head = Array("--b\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\n".utf8)
        // 1,100 bytes of the photo and no end: the reader must stop once the part passes 1,000 bytes.
        let stream = head + [UInt8](repeating: 0x41, count: 1100)
        var refused: APIError?
        var start = 0
        while start < stream.count, refused == nil {
            do { try parser.feed(stream[start..<min(stream.count, start + size)]) } catch let error as APIError { refused = error }
            start += size
        }
        #expect(refused?.status.code == 413)
    }

    @Test("a field past its limit is refused; a file part of exactly the limit is read")
    func limits() throws {
        let boundary = "b"
        let longField = Self.body(boundary: boundary, parts: [("Content-Disposition: form-data; name=\"description\"", Array(repeating: 0x61, count: 101))])
        #expect(throws: APIError.self) { try Self.read(longField, boundary: boundary, pieceSize: 10) }
        let exact = Self.body(boundary: boundary, parts: [("Content-Disposition: form-data; name=\"photo\"", Array(repeating: 0x61, count: 1000))])
        #expect(try Self.read(exact, boundary: boundary, pieceSize: 10)[0].bytes.count == 1000)
    }

    @Test("malformed bodies: no name, not form-data, truncated before the closing delimiter, too many parts")
    func malformed() throws {
        let boundary = "b"
        let noName = Self.body(boundary: boundary, parts: [("Content-Disposition: form-data", Array("x".utf8))])
        #expect(throws: APIError.self) { try Self.read(noName, boundary: boundary, pieceSize: 5) }
        let attachment = Self.body(boundary: boundary, parts: [("Content-Disposition: attachment; name=\"a\"", Array("x".utf8))])
        #expect(throws: APIError.self) { try Self.read(attachment, boundary: boundary, pieceSize: 5) }
        let whole = Self.body(boundary: boundary, parts: [("Content-Disposition: form-data; name=\"a\"", Array("x".utf8))])
        #expect(throws: APIError.self) { try Self.read(Array(whole.dropLast(4)), boundary: boundary, pieceSize: 5) }
        let many = Self.body(
            boundary: boundary, parts: Array(repeating: ("Content-Disposition: form-data; name=\"a\"", Array("x".utf8)), count: 9))
        #expect(throws: APIError.self) { try Self.read(many, boundary: boundary, pieceSize: 5) }
    }

    @Test("form-urlencoded: + is a space, percent-escapes are UTF-8, a broken escape is refused")
    func urlEncoded() throws {
        let pairs = try FormURLEncoded.pairs(Array("a=1+2&attribute%5Bsize%5D=large&name=%D8%B9%D9%84%DB%8C&empty=&flag".utf8))
        #expect(pairs.map(\.name) == ["a", "attribute[size]", "name", "empty", "flag"])
        #expect(pairs.map(\.value) == ["1 2", "large", "علی", "", ""])
        #expect(throws: APIError.self) { try FormURLEncoded.pairs(Array("a=%E".utf8)) }
        #expect(throws: APIError.self) { try FormURLEncoded.pairs(Array("a=%FF".utf8)) }
    }
}
