import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection that writes raw HTTP/1.1 and reads answers by Content-Length, so
/// requests can be pipelined (HummingbirdTesting's client sends one at a time).
final class RawConnection: @unchecked Sendable {  // one task at a time
    private let socket: Int32
    private var buffer: [UInt8] = []

    struct Failure: Error { let what: String }

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(what: "socket") }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(what: "connect") }
    }

    deinit { close(socket) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(what: "send") }
            sent += n
        }
    }

    /// Reads more bytes; false at the end of the stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { throw Failure(what: "recv (timeout?)") }
        buffer += chunk[..<n]
        return n > 0
    }

    /// The next answer's status and body (as text, so that a failed comparison reads as JSON).
    func readAnswer(toHEAD: Bool) throws -> (status: Int, body: String, fields: [String]) {
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            if buffer.count >= 4 {
                headEnd = (0...(buffer.count - 4)).first { Array(buffer[$0..<$0 + 4]) == separator }
            }
            if headEnd == nil { guard try fill() else { throw Failure(what: "closed before an answer") } }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self).split(separator: "\r\n")
        let status = Int(head[0].split(separator: " ")[1])!
        let length = head.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts[0].lowercased() == "content-length" ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
        }.first ?? 0
        let bodyLength = toHEAD ? 0 : length
        let start = headEnd! + 4
        while buffer.count < start + bodyLength { guard try fill() else { throw Failure(what: "closed inside a body") } }
        let body = String(decoding: buffer[start..<start + bodyLength], as: UTF8.self)
        buffer.removeFirst(start + bodyLength)
        return (status, body, head.dropFirst().map(String.init))
    }

    /// True when the server has closed the connection (and sent nothing more).
    func isClosedByServer() throws -> Bool { buffer.isEmpty ? try !fill() : false }
}

/// The value of the header field `name` (case-insensitive) among `fields` as `Name: value` lines.
func field(_ name: String, in fields: [String]) -> String? {
    fields.compactMap { line -> String? in
        let parts = line.split(separator: ":", maxSplits: 1)
        return parts.count == 2 && parts[0].lowercased() == name.lowercased() ? parts[1].trimmingCharacters(in: .whitespaces) : nil
    }.first
}

/// Runs blocking socket work on a Dispatch thread, not on one of Swift concurrency's cooperative
/// threads: a test blocked in `recv` on a cooperative thread while the router's answer needs one
/// (2 on this machine) deadlocks until the receive timeout.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
