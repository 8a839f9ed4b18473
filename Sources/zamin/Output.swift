#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// The command's real output (summaries, keys) goes to stdout through here; logs go to stderr
/// through swift-log.
enum Output {
    static func line(_ text: String) { write(text + "\n", to: STDOUT_FILENO) }

    static func error(_ text: String) { write(text + "\n", to: STDERR_FILENO) }

    /// Unbuffered write(2): the C `stdout` global is not concurrency-safe in Swift 6.
    private static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Logs go to stderr; the level comes from --log-level or ZAMIN_LOG_LEVEL. The access log
    /// (label zamin.access), when given a `BufferedLog`, is written through it in batches.
    static func bootstrapLogging(level: Logger.Level, accessLog: BufferedLog? = nil) {
        LoggingSystem.bootstrap { label in
            if let accessLog, label == "zamin.access" { return BufferedLogHandler(label: label, log: accessLog, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
