#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LandAPI
import Logging
import NIOPosix
import Synchronization

/// The access log's lines, gathered in memory and written to stderr 1 MB at a time and at least
/// every 200 ms (`Serve` runs the timer and flushes at shutdown), in the format of swift-log's
/// StreamLogHandler. Measured (README "Observability"): with StreamLogHandler, which formats a
/// local timestamp, sorts the metadata and flushes stderr under its lock for every line, one
/// line per request took /lookup from 84 to 119 µs of server CPU and halved its throughput, the
/// two event loops waiting on each other's write(2). Each thread that logs (an event loop) has a
/// batch of its own, so the event loops never share a lock or a cache line here; the price is
/// that lines of different threads reach the file in batches, ordered within a thread and by
/// their timestamps, not interleaved. A crash loses the last 200 ms of access lines (as nginx's
/// `access_log … buffer= flush=`); the other logs stay unbuffered. 1 MB rather than 64 kB: at
/// /lookup's rate the 200 ms timer then writes nearly every batch, in fewer and larger writes
/// (the paired A/B ratio went from 0.936–0.943 to 0.954; README "Observability cost").
final class BufferedLog: Sendable {
    private struct Pending {
        var bytes: [UInt8] = []
        /// The timestamp of the current second, formatted once per second.
        var second = 0
        var stamp: [UInt8] = []
    }

    /// One thread's batch; its lock is shared only with `flush`.
    private final class Batch: Sendable {
        let pending = Mutex(Pending())
    }

    private let local = ThreadSpecificVariable<Batch>()
    private let batches = Mutex<[Batch]>([])
    /// Held while a batch is written, so batches do not interleave in the file.
    private let writing = Mutex(())
    private let descriptor: Int32
    private static let size = 1 << 20

    init(descriptor: Int32 = STDERR_FILENO) { self.descriptor = descriptor }

    /// Adds a line: the timestamp, then what `write` appends (everything after it, newline
    /// included), written straight into the thread's batch.
    func append(_ write: (inout [UInt8]) -> Void) {
        let batch = local.currentValue ?? newBatch()
        let now = time(nil)
        let full = batch.pending.withLock { pending -> Bool in
            if pending.second != now {
                pending.second = now
                pending.stamp = Self.timestamp(now)
            }
            pending.bytes.append(contentsOf: pending.stamp)
            write(&pending.bytes)
            return pending.bytes.count >= Self.size
        }
        if full { flush(batch) }
    }

    private func newBatch() -> Batch {
        let batch = Batch()
        local.currentValue = batch
        batches.withLock { $0.append(batch) }
        return batch
    }

    /// Writes what every thread has gathered.
    func flush() {
        for batch in batches.withLock({ $0 }) { flush(batch) }
    }

    private func flush(_ batch: Batch) {
        writing.withLock { _ in
            let bytes = batch.pending.withLock { pending -> [UInt8] in
                defer {
                    pending.bytes = []
                    pending.bytes.reserveCapacity(Self.size + 1024)
                }
                return pending.bytes
            }
            var rest = bytes[...]
            while !rest.isEmpty {
                let written = rest.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                guard written > 0 else { return }
                rest = rest.dropFirst(written)
            }
        }
    }

    /// "2026-12-06T10:18:44+0000 ", local time, as StreamLogHandler writes it.
    private static func timestamp(_ seconds: Int) -> [UInt8] {
        var seconds = seconds
        var local = tm()
        localtime_r(&seconds, &local)
        var buffer = [Int8](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z ", &local)
        return buffer[..<count].map { UInt8(bitPattern: $0) }
    }
}

/// A swift-log handler over a `BufferedLog`: "level label: key=value … [source] message".
struct BufferedLogHandler: LogHandler {
    let label: String
    let log: BufferedLog
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Bytes appended into the batch rather than a string interpolated per line: the access log
    /// writes a line per request (perf, /lookup with the access log at info: this handler took
    /// 3.3 % of the server's samples interpolating into a line of its own, 2.5 % so).
    func log(event: LogEvent) {
        let all = metadata.isEmpty ? event.metadata ?? [:] : metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = all.sorted { $0.key < $1.key }
        log.append { line in
            line.append(contentsOf: event.level.rawValue.utf8)
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: label.utf8)
            line.append(UInt8(ascii: ":"))
            for (key, value) in fields {
                line.append(UInt8(ascii: " "))
                line.append(contentsOf: key.utf8)
                line.append(UInt8(ascii: "="))
                line.append(contentsOf: value.description.utf8)
            }
            line.append(contentsOf: " [".utf8)
            line.append(contentsOf: event.source.utf8)
            line.append(contentsOf: "] ".utf8)
            line.append(contentsOf: event.message.description.utf8)
            line.append(UInt8(ascii: "\n"))
        }
    }
}

/// The access log's lines appended as bytes straight into the batch, the line `BufferedLogHandler`
/// makes for the message Observability would log ("info zamin.access: [LandAPI] method=GET
/// route=/lookup status=200 duration_us=39 request_id=…"), without a String or a dictionary per
/// request (LandAPI's `AccessLogWriter` says what that cost).
struct BufferedAccessLog: AccessLogWriter {
    let log: BufferedLog
    /// The process's log level: lines below it are not written, as swift-log drops them.
    let minimumLevel: Logger.Level

    func write(level: Logger.Level, method: String, route: String, status: Int, microseconds: Int64, requestID: String) {
        guard level >= minimumLevel else { return }
        log.append { line in
            line.append(contentsOf: level.rawValue.utf8)
            line.append(contentsOf: " zamin.access: [LandAPI] method=".utf8)
            line.append(contentsOf: method.utf8)
            line.append(contentsOf: " route=".utf8)
            line.append(contentsOf: route.utf8)
            line.append(contentsOf: " status=".utf8)
            Self.appendDecimal(Int64(status), to: &line)
            line.append(contentsOf: " duration_us=".utf8)
            Self.appendDecimal(microseconds, to: &line)
            line.append(contentsOf: " request_id=".utf8)
            line.append(contentsOf: requestID.utf8)
            line.append(UInt8(ascii: "\n"))
        }
    }

    static func appendDecimal(_ value: Int64, to line: inout [UInt8]) {
        if value < 0 { line.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { line.append(buffer[index]) }
        }
    }
}
