#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOPosix
import Synchronization

/// The access log's lines, gathered in memory and written to stderr 64 kB at a time and at least
/// every 200 ms (`Serve` runs the timer and flushes at shutdown), in the format of swift-log's
/// StreamLogHandler. Measured (README "Observability"): with StreamLogHandler, which formats a
/// local timestamp, sorts the metadata and flushes stderr under its lock for every line, one
/// line per request took /lookup from 84 to 119 µs of server CPU and halved its throughput, the
/// two event loops waiting on each other's write(2). Each thread that logs (an event loop) has a
/// batch of its own, so the event loops never share a lock or a cache line here; the price is
/// that lines of different threads reach the file in batches, ordered within a thread and by
/// their timestamps, not interleaved. A crash loses the last 200 ms of access lines (as nginx's
/// `access_log … buffer= flush=`); the other logs stay unbuffered.
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
    private static let size = 65_536

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
