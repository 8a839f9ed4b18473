import Hummingbird
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A `multipart/form-data` body (RFC 7578, with RFC 2046 §5.1.1's delimiters) read as it arrives,
/// so that limits hold while reading: a body declared larger than the whole limit is refused
/// before a byte is read, and a part growing past its limit is refused as soon as it does, not
/// after everything was buffered (issue 20 point 4). What a part's headers say about its type is
/// kept but never trusted: photos are typed from their bytes (PhotoCleaner).
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var bytes: [UInt8]

        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    struct Limits {
        /// The whole body.
        var totalBytes: Int
        /// A part whose name is in `fileParts`.
        var fileBytes: Int
        var fileParts: Set<String>
        /// Any other part (a text field).
        var fieldBytes: Int
        var maxParts: Int
        var headerBytes = 8 * 1024
    }

    var parts: [Part]

    /// The boundary of a `multipart/form-data` Content-Type (RFC 2046 §5.1.1: 1…70 characters), nil for another type.
    static func boundary(of request: Request) -> String? {
        guard let header = request.headers[.contentType] else { return nil }
        let pieces = header.split(separator: ";").map { $0.trimmingSpaces }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == "boundary" else { continue }
            var value = String(pair[1].trimmingSpaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    static func read(_ request: Request, limits: Limits) async throws -> MultipartForm {
        guard let boundary = boundary(of: request) else { throw APIError(status: .badRequest, code: "InvalidParameterValue", message: .notMultipart) }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limits.totalBytes { throw tooLarge }
        var parser = Parser(boundary: Array(boundary.utf8), limits: limits)
        var received = 0
        for try await chunk in request.body {
            received += chunk.readableBytes
            guard received <= limits.totalBytes else { throw tooLarge }
            try parser.feed(chunk.readableBytesView)
        }
        guard parser.isFinished else { throw APIError(status: .badRequest, code: "InvalidParameterValue", message: .notMultipart) }
        return MultipartForm(parts: parser.parts)
    }

    static let tooLarge = APIError(status: .contentTooLarge, code: "ContentTooLarge", message: .photoTooLarge)

    /// The first part named `name`, as text.
    func field(_ name: String) -> String? { parts.first { $0.name == name }.map(\.text) }

    /// RFC 2046 §5.1.1: a body is `--boundary CRLF part (CRLF --boundary CRLF part)* CRLF --boundary--`;
    /// anything before the first delimiter (a preamble) and after the last (an epilogue) is ignored.
    struct Parser {
        enum State { case preamble, afterDelimiter, headers, body, finished }

        let delimiter: [UInt8]  // CRLF "--" boundary
        let limits: Limits
        var buffer: [UInt8] = []
        /// Where the unread bytes start in `buffer`.
        var start = 0
        var state = State.preamble
        var parts: [Part] = []
        var current: Part?
        var searchFrom = 0

        init(boundary: [UInt8], limits: Limits) {
            delimiter = [0x0D, 0x0A, 0x2D, 0x2D] + boundary
            self.limits = limits
            // The first delimiter may come without the CRLF before it: pretend it was there.
            buffer = [0x0D, 0x0A]
        }

        var isFinished: Bool { state == .finished }

        static let malformed = APIError(status: .badRequest, code: "InvalidParameterValue", message: .notMultipart)

        mutating func feed(_ bytes: some Collection<UInt8>) throws {
            if state == .finished { return }
            buffer.append(contentsOf: bytes)
            try advance()
            // Keep only what is still to be read.
            if start > 64 * 1024 {
                buffer.removeFirst(start)
                searchFrom -= start
                start = 0
            }
        }

        private mutating func advance() throws {
            while true {
                switch state {
                case .finished:
                    return
                case .preamble:
                    guard let found = find(delimiter, from: start) else {
                        // Nothing of a part yet; keep the tail a delimiter could start in.
                        start = max(start, buffer.count - delimiter.count)
                        if buffer.count > limits.headerBytes * 8 { throw Self.malformed }
                        return
                    }
                    start = found + delimiter.count
                    state = .afterDelimiter
                case .afterDelimiter:
                    // Transport padding (spaces, tabs) may follow the boundary, then CRLF or "--".
                    var index = start
                    while index < buffer.count, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 }
                    guard index + 1 < buffer.count else { return }
                    if buffer[index] == 0x2D, buffer[index + 1] == 0x2D {
                        state = .finished
                        return
                    }
                    guard buffer[index] == 0x0D, buffer[index + 1] == 0x0A else { throw Self.malformed }
                    start = index + 2
                    state = .headers
                case .headers:
                    guard let end = find([0x0D, 0x0A, 0x0D, 0x0A], from: start) else {
                        if buffer.count - start > limits.headerBytes { throw Self.malformed }
                        return
                    }
                    guard end - start <= limits.headerBytes else { throw Self.malformed }
                    current = try Self.part(headers: buffer[start..<end])
                    guard parts.count < limits.maxParts else { throw Self.malformed }
                    start = end + 4
                    searchFrom = start
                    state = .body
                case .body:
                    let isFile = limits.fileParts.contains(current!.name)
                    let limit = isFile ? limits.fileBytes : limits.fieldBytes
                    // A photo past its limit says so; a text field past its own is a body too large.
                    let tooLarge = isFile ? MultipartForm.tooLarge : APIError(status: .contentTooLarge, code: "ContentTooLarge", message: .bodyTooLarge)
                    guard let end = find(delimiter, from: searchFrom) else {
                        if buffer.count - start - delimiter.count > limit { throw tooLarge }
                        searchFrom = max(start, buffer.count - delimiter.count + 1)
                        return
                    }
                    guard end - start <= limit else { throw tooLarge }
                    current!.bytes = Array(buffer[start..<end])
                    parts.append(current!)
                    current = nil
                    start = end + delimiter.count
                    state = .afterDelimiter
                }
            }
        }

        /// The first occurrence of `needle` at or after `from`: candidates by `memchr` of its first
        /// byte (glibc's is vectorised; a photo is megabytes scanned on an event loop), then compared.
        private func find(_ needle: [UInt8], from: Int) -> Int? {
            guard let first = needle.first, buffer.count - from >= needle.count else { return nil }
            let last = buffer.count - needle.count
            return buffer.withUnsafeBufferPointer { bytes -> Int? in
                guard let base = bytes.baseAddress else { return nil }
                var index = from
                while index <= last {
                    guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
                    index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + index, needle, needle.count) == 0 { return index }
                    index += 1
                }
                return nil
            }
        }

        /// A part's headers (RFC 7578 §4.2): `Content-Disposition: form-data; name="…"` is required.
        static func part(headers: ArraySlice<UInt8>) throws -> Part {
            var name: String?
            var filename: String?
            var contentType: String?
            for line in String(decoding: headers, as: UTF8.self).split(separator: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { throw malformed }
                let header = pair[0].trimmingSpaces.lowercased()
                let value = pair[1].trimmingSpaces
                if header == "content-type" { contentType = String(value) }
                guard header == "content-disposition" else { continue }
                let pieces = value.split(separator: ";").map { $0.trimmingSpaces }
                guard pieces.first?.lowercased() == "form-data" else { throw malformed }
                for piece in pieces.dropFirst() {
                    let parameter = piece.split(separator: "=", maxSplits: 1)
                    guard parameter.count == 2 else { continue }
                    var text = String(parameter[1])
                    if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
                    switch parameter[0].lowercased() {
                    case "name": name = text
                    case "filename": filename = text
                    default: break
                    }
                }
            }
            guard let name, !name.isEmpty else { throw malformed }
            return Part(name: name, filename: filename, contentType: contentType, bytes: [])
        }
    }
}

/// `application/x-www-form-urlencoded` (WHATWG URL §5.1): `name=value` pairs joined by `&`,
/// `+` for a space, percent-encoded UTF-8. Open311 GeoReport v2 POSTs come in it.
enum FormURLEncoded {
    static func pairs(_ bytes: [UInt8]) throws -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for piece in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let pair = piece.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            result.append((try decode(pair[0]), pair.count > 1 ? try decode(pair[1]) : ""))
        }
        return result
    }

    static func decode(_ bytes: ArraySlice<UInt8>) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) else {
                    throw APIError(status: .badRequest, code: "InvalidParameterValue", message: .badRequest)
                }
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw APIError(status: .badRequest, code: "InvalidParameterValue", message: .badRequest)
        }
        return text
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
