import CoreMetrics
import HTTPTypes
package import Hummingbird
package import Logging
import NIOCore
import Prometheus
import Synchronization

extension HTTPField.Name {
    /// The request's id: the client's when it is safe to log and echo, else one made here;
    /// every answer carries it, and the access log line and the handler's log lines name it.
    static let requestID = HTTPField.Name("X-Request-Id")!
}

/// What every request leaves for operators, on both ways a request is answered (the router,
/// `ObservedResponder`; the channel pipeline, `InlineObserver`): its id in `X-Request-Id`, the
/// HTTP metrics (when the application was given a registry) and one access-log line (when a
/// level was chosen). Built once per application; the per-request work is a few atomic
/// increments, a clock read and, on the inline way, no lock or dictionary at all.
final class Observability: Sendable {
    let metrics: HTTPMetrics?
    private let accessLog: Logger
    /// When given, writes the access log's lines instead of `accessLog` (`AccessLogWriter`).
    private let accessLogWriter: (any AccessLogWriter)?
    private let accessLogLevel: Logger.Level?
    /// 8 hex digits, random per process, so that ids rarely repeat across restarts and instances;
    /// then "-" and a counter in hex. Up to 16.7 million requests an id is a small string (15
    /// bytes, no allocation).
    private let idPrefix: [UInt8]
    private let idCounter = Atomic<UInt64>(0)

    /// The longest client id kept: a UUID is 36 characters, a W3C `traceparent` 55.
    static let longestClientID = 128

    /// nil when there is nothing to record: no registry and no access log (then no request id
    /// either, and requests take exactly the way they took before observability existed).
    static func make(
        metrics registry: PrometheusCollectorRegistry?, accessLog: Logger, writer: (any AccessLogWriter)? = nil, level: Logger.Level?
    ) -> Observability? {
        guard registry != nil || level != nil else { return nil }
        return Observability(metrics: registry, accessLog: accessLog, accessLogWriter: writer, accessLogLevel: level)
    }

    private init(
        metrics registry: PrometheusCollectorRegistry?, accessLog: Logger, accessLogWriter: (any AccessLogWriter)?,
        accessLogLevel: Logger.Level?
    ) {
        metrics = registry.map(HTTPMetrics.init)
        self.accessLog = accessLog
        self.accessLogWriter = accessLogWriter
        self.accessLogLevel = accessLogLevel
        var random = SystemRandomNumberGenerator()
        let prefix = random.next() >> 32
        idPrefix = (0..<8).map { Self.hexDigits[Int(truncatingIfNeeded: prefix >> (28 - 4 * $0)) & 15] } + [UInt8(ascii: "-")]
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `field` when it is 1…128 visible ASCII characters (no space, no control character: it goes
    /// into log lines and a response header as it is), else a new id. Two `X-Request-Id` fields
    /// arrive joined by ", " and are replaced too.
    func requestID(from field: String?) -> String {
        if let field, Self.isAcceptable(field) { return field }
        let number = idCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        let digits = max(1, (64 - number.leadingZeroBitCount + 3) / 4)
        return String(unsafeUninitializedCapacity: idPrefix.count + digits) { buffer in
            for (index, byte) in idPrefix.enumerated() { buffer[index] = byte }
            for place in 0..<digits {
                buffer[idPrefix.count + place] = Self.hexDigits[Int(truncatingIfNeeded: number >> (4 * (digits - 1 - place))) & 15]
            }
            return idPrefix.count + digits
        }
    }

    static func isAcceptable(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= longestClientID else { return false }
        return bytes.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// The access-log line: method, route template, status, duration and request id, as
    /// `key=value` pairs in the message (logfmt, in a fixed order, like a web server's access log
    /// format); never the query string (future endpoints may carry personal data there), a
    /// header or a body. In the message rather than in metadata: building the metadata
    /// dictionary and sorting it in the handler doubled the line's cost (a loop of a million
    /// lines: 2.0–2.3 µs with metadata, 0.8–1.0 µs so), and /lookup takes 30–80 µs of CPU.
    /// None of the values can hold a space or a quote: methods and routes are tokens and paths,
    /// ids are checked (`isAcceptable`).
    func logAccess(method: String, route: String, status: HTTPResponse.Status, nanoseconds: Int64, requestID: String) {
        guard let accessLogLevel else { return }
        if let accessLogWriter {
            accessLogWriter.write(
                level: accessLogLevel, method: method, route: route, status: status.code, microseconds: nanoseconds / 1000,
                requestID: requestID)
            return
        }
        accessLog.log(
            level: accessLogLevel,
            "method=\(method) route=\(route) status=\(status.code) duration_us=\(nanoseconds / 1000) request_id=\(requestID)")
    }

    /// The router's way: the route template is known once the router has matched (Hummingbird's
    /// `endpointPath`), and a request it matched to no route is "unmatched" (never the raw path,
    /// whose values would make series without bound).
    func observe(
        _ request: Request, context: ZaminRequestContext,
        next: (Request, ZaminRequestContext) async throws -> Response
    ) async throws -> Response {
        let started = NIODeadline.now()
        let id = requestID(from: request.headers[.requestID])
        var context = context
        // The handlers' own log lines then carry the id the client and the access log see.
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        metrics?.inFlight.increment()
        defer { metrics?.inFlight.decrement() }
        let status: HTTPResponse.Status
        var response: Response
        do {
            response = try await next(request, context)
            status = response.status
        } catch {
            // JSONErrorMiddleware turns every error into a response; this is what Hummingbird
            // would answer to one that still got through.
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            finished(request.method, route: Self.route(context.endpointPath), status: status, started: started, id: id)
            throw error
        }
        response.headers[.requestID] = id
        finished(request.method, route: Self.route(context.endpointPath), status: status, started: started, id: id)
        return response
    }

    private func finished(_ method: HTTPRequest.Method, route: String, status: HTTPResponse.Status, started: NIODeadline, id: String) {
        let nanoseconds = (NIODeadline.now() - started).nanoseconds
        let method = HTTPMetrics.label(method)
        if let metrics {
            let series = metrics.series(route: route, method: method, status: status)
            series.requests.increment()
            series.duration.recordNanoseconds(nanoseconds)
            // Only the public POST limiter answers 429 (RateLimiter).
            if status == .tooManyRequests { metrics.rateLimitRefusal(route: route) }
        }
        logAccess(method: method, route: route, status: status, nanoseconds: nanoseconds, requestID: id)
    }

    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound" else { return "unmatched" }
        return endpointPath
    }

    /// One per connection, for its `InlineAnswerHandler`.
    func inlineObserver() -> InlineObserver { InlineObserver(self) }
}

/// Writes access-log lines without swift-log's way of making one: `zamin serve` appends each
/// line's bytes straight into its buffered log (BufferedLog.swift), in the format of the lines
/// `Logger` writes. Measured with scripts/bench-ab (README "Observability"): through `Logger`,
/// the line — the message interpolated into a String, the source module parsed from `#fileID`,
/// the metadata merged and sorted, the String copied into the batch — cost /lookup about 6 µs of
/// server CPU and 5 % of its throughput.
package protocol AccessLogWriter: Sendable {
    /// One request's line, at `level` (the writer drops it below its own minimum level).
    func write(level: Logger.Level, method: String, route: String, status: Int, microseconds: Int64, requestID: String)
}

/// The inline way's observation, owned by one connection's `InlineAnswerHandler` and used only on
/// its event loop: the series of each route and status it has answered are kept here, so a
/// request finds its counter and histogram by comparing two small numbers (the route's index
/// among the inline routes and the status), without the mutex and the hashing of
/// `HTTPMetrics.series` or a comparison of path strings (perf, /lookup with metrics and the
/// access log on: comparing the path as text was a third of this function's samples). The
/// route label is the path itself (the handler answers exact paths, no parameters in them);
/// the method is GET (the only one answered inline).
final class InlineObserver {
    private struct Known {
        let route: Int
        let status: HTTPResponse.Status
        let series: HTTPMetrics.Series?
    }

    private let observability: Observability
    private var known: [Known] = []

    init(_ observability: Observability) { self.observability = observability }

    /// Puts the request id into the answer's header fields, counts and times the answer (from
    /// the request head's arrival until its answer is ready to write) and logs it.
    func answered(
        _ head: HTTPRequest, route: Int, path: String, status: HTTPResponse.Status, fields: inout HTTPFields, since started: NIODeadline
    ) {
        let id = observability.requestID(from: head.headerFields[.requestID])
        fields[.requestID] = id
        let nanoseconds = (NIODeadline.now() - started).nanoseconds
        if let series = series(route: route, path: path, status: status) {
            series.requests.increment()
            series.duration.recordNanoseconds(nanoseconds)
        }
        observability.logAccess(method: "GET", route: path, status: status, nanoseconds: nanoseconds, requestID: id)
    }

    private func series(route: Int, path: String, status: HTTPResponse.Status) -> HTTPMetrics.Series? {
        for entry in known where entry.route == route && entry.status == status { return entry.series }
        let series = observability.metrics?.series(route: path, method: HTTPMetrics.label(.get), status: status)
        known.append(Known(route: route, status: status, series: series))
        return series
    }
}

/// The router's responder with every request observed (`Observability.observe`); outside
/// `HeadAnsweringRouter`, so a HEAD is counted as HEAD and the web map's page (answered before
/// routing) is counted too. Without observability it only passes requests on.
package struct ObservedRouter<Base: HTTPResponderBuilder>: HTTPResponderBuilder where Base.Responder.Context == ZaminRequestContext {
    let base: Base
    let observability: Observability?

    package func buildResponder() -> ObservedResponder<Base.Responder> {
        ObservedResponder(base: base.buildResponder(), observability: observability)
    }
}

package struct ObservedResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == ZaminRequestContext {
    package typealias Context = ZaminRequestContext
    let base: Base
    let observability: Observability?

    package func respond(to request: Request, context: Context) async throws -> Response {
        guard let observability else { return try await base.respond(to: request, context: context) }
        return try await observability.observe(request, context: context) { try await base.respond(to: $0, context: $1) }
    }
}

/// The HTTP metrics, made through swift-metrics' API with a factory over the registry the
/// application was given (not the global `MetricsSystem`: tests run many applications in one
/// process, each with its own registry). A series is made once per route, method and status and
/// kept; labels are bounded: route templates, nine methods and "other", status codes.
final class HTTPMetrics: Sendable {
    struct Series: Sendable {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
    }

    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let factory: PrometheusMetricsFactory
    private let cache = Mutex<[Key: Series]>([:])
    /// Requests the router is answering now (see README "Observability": inline answers are
    /// made and written within one event-loop turn and are not counted here).
    let inFlight: Meter

    init(registry: PrometheusCollectorRegistry) {
        factory = ZaminMetrics.factory(registry)
        inFlight = Meter(label: ZaminMetrics.requestsInFlight, factory: factory)
        // Present from the start, so that an alert on its rate sees 0 rather than no series.
        inFlight.set(0)
    }

    func series(route: String, method: String, status: HTTPResponse.Status) -> Series {
        let key = Key(route: route, method: method, status: status.code)
        if let known = cache.withLock({ $0[key] }) { return known }
        let dimensions = [("route", route), ("method", method), ("status", String(status.code))]
        let made = Series(
            requests: CoreMetrics.Counter(label: ZaminMetrics.requests, dimensions: dimensions, factory: factory),
            duration: CoreMetrics.Timer(label: ZaminMetrics.requestDuration, dimensions: dimensions, factory: factory))
        return cache.withLock { cache in
            if let known = cache[key] { return known }
            cache[key] = made
            return made
        }
    }

    /// Rare (a refusal), so made through the factory each time: the registry returns the one
    /// counter of that route.
    func rateLimitRefusal(route: String) {
        CoreMetrics.Counter(label: ZaminMetrics.rateLimitRefusals, dimensions: [("route", route)], factory: factory).increment()
    }

    /// A client may send any token as a method; only the standard ones become labels.
    static func label(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .options, .patch, .trace, .connect: method.rawValue
        default: "other"
        }
    }
}

/// Metric names and histogram buckets, one place for both applications. No digits in names:
/// swift-prometheus 2.4.1's name check accepts only 0 and 9 and rewrites the others to `_`.
package enum ZaminMetrics {
    static let requests = "zamin_http_requests_total"
    static let requestDuration = "zamin_http_request_duration_seconds"
    static let requestsInFlight = "zamin_http_requests_in_flight"
    static let rateLimitRefusals = "zamin_rate_limit_refusals_total"
    static let storeWriteDuration = "zamin_store_write_duration_seconds"
    static let snapshotVersion = "zamin_snapshot_version"
    static let snapshotAge = "zamin_snapshot_age_seconds"

    /// The factory every Zamin metric is made with. Buckets: the citizen answers take tens of
    /// microseconds and OGC pages milliseconds (README "Performance"); a store write waits for
    /// an fsync (milliseconds) and an approval rebuilds a snapshot.
    static func factory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            requestDuration: [
                .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
                .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .milliseconds(2500), .seconds(5),
            ],
            storeWriteDuration: [
                .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .milliseconds(2500), .seconds(5), .seconds(10),
            ],
        ]
        return factory
    }
}
