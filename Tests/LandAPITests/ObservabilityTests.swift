import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LandAPI
import LandModel
import LandService
import Logging
import NIOCore
import Prometheus
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Issue 15, point 4: the metrics, the request id and the access log, on both ways a request is
/// answered (in the channel pipeline and through the router). The expected counts are those of
/// the requests each test sends, never figures read back from the code under test.
@Suite("Observability: /metrics, X-Request-Id, access log")
struct ObservabilityTests {
    /// A public application with inline answers and the metrics listener's application over the
    /// same registry, the access log recorded at info.
    struct Observed {
        let registry = PrometheusCollectorRegistry()
        let accessLog = AccessLogRecorder()
        let inlineAnswers = InlineAnswerCount()
        let services: LandServices
        var publicPostsPerMinute = 10_000

        var app: some ApplicationProtocol {
            var config = ServerConfig(port: 0, databasePath: "")
            config.accessLogLevel = .info
            config.publicPostsPerMinute = publicPostsPerMinute
            return buildApplication(
                services: services, config: config, logger: Logger(label: "test"), inlineAnswers: inlineAnswers,
                metrics: registry, accessLog: accessLog.logger)
        }

        var metricsApp: some ApplicationProtocol {
            buildMetricsApplication(registry: registry, services: services, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        }

        /// GET /metrics through the operators' application, parsed.
        func scrape() async throws -> Exposition {
            try await metricsApp.test(.router) { client in
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                return try Exposition(String(buffer: response.body))
            }
        }
    }

    @Test("after known requests on both ways, /metrics counts exactly them per route template, method and status")
    func countsPerRoute() async throws {
        var observed = Observed(services: try await TestCity.shared("tehran"))
        observed.publicPostsPerMinute = 10_000
        let parcel = observed.services.snapshots.snapshot.parcels[10].id.rawValue
        // (method, target, the route template, expected status, answered inline)
        let requests: [(HTTPRequest.Method, String, String, Int, Bool)] = [
            (.get, "/lookup?lon=51.41&lat=35.70", "/lookup", 200, true),
            (.get, "/lookup?lon=51.42&lat=35.71&lang=en", "/lookup", 200, true),
            (.get, "/lookup?parcel=\(parcel)", "/lookup", 200, true),
            (.get, "/nearest?lon=51.41&lat=35.70&k=3", "/nearest", 200, true),
            (.get, "/zoning-check?parcel=\(parcel)&use=commercial&floors=4", "/zoning-check", 200, true),
            (.get, "/search?q=school&lang=en", "/search", 200, true),
            (.get, "/lookup?lon=999&lat=0", "/lookup", 400, false),  // the inline way hands errors to the router
            (.get, "/lookup?lon=999&lat=0", "/lookup", 400, false),
            (.get, "/nearest?lon=51.4&lat=35.7&category=casino", "/nearest", 400, false),
            (.head, "/lookup?lon=51.41&lat=35.70", "/lookup", 200, false),
            (.get, "/health", "/health", 200, false),
            (.get, "/health", "/health", 200, false),
            (.get, "/collections/parcels/items/\(parcel)", "/collections/parcels/items/{featureId}", 200, false),
            (.get, "/collections/parcels/items/NOPE-1", "/collections/parcels/items/{featureId}", 404, false),
            (.get, "/nowhere/P-000001", "unmatched", 404, false),
            (.get, "/metrics", "unmatched", 404, false),  // not on the public port
            (.delete, "/health", "unmatched", 405, false),  // a method the path lacks: no route, a 405 with Allow
        ]
        try await observed.app.test(.live) { client in
            for (method, target, _, status, _) in requests {
                let response = try await client.execute(uri: target, method: method)
                #expect(Int(response.status.code) == status, "\(method) \(target)")
            }
        }
        #expect(observed.inlineAnswers.value == requests.filter(\.4).count)

        var expected: [Labels: Double] = [:]
        for (method, _, route, status, _) in requests {
            expected[["route": route, "method": method.rawValue, "status": String(status)], default: 0] += 1
        }
        let metrics = try await observed.scrape()
        #expect(metrics.series("zamin_http_requests_total") == expected)
        // Histograms: one per series, cumulative buckets ending in +Inf, which equals _count.
        #expect(metrics.series("zamin_http_request_duration_seconds_count") == expected)
        for labels in expected.keys {
            let buckets = metrics.buckets("zamin_http_request_duration_seconds", labels)
            #expect(buckets.count == 18, "\(labels)")
            #expect(buckets.map(\.count) == buckets.map(\.count).sorted(), "cumulative: \(labels)")
            #expect(buckets.last?.le == .infinity)
            #expect(buckets.last?.count == expected[labels], "\(labels)")
            #expect(metrics.value("zamin_http_request_duration_seconds_sum", labels).map { $0 > 0 && $0 < 10 } == true)
        }
        #expect(metrics.value("zamin_http_requests_in_flight", [:]) == 0)
        #expect(metrics.value("zamin_snapshot_version", [:]) == 1)
        #expect(metrics.value("zamin_snapshot_age_seconds", [:]).map { $0 >= 0 } == true)
        #expect(metrics.series("zamin_rate_limit_refusals_total").isEmpty)
    }

    @Test("X-Request-Id: echoed when acceptable, made and unique when absent, replaced when malicious; both ways")
    func requestIDs() async throws {
        let observed = Observed(services: try await TestCity.shared("tehran"))
        let targets = ["/lookup?lon=51.41&lat=35.70", "/health", "/nearest?lon=51.4&lat=35.7&k=0"]  // inline, router, router (400)
        var made = try await observed.app.test(.live) { client in
            var made: [String] = []
            for target in targets {
                let given = "client-\(target.count)-7f3a:ok/1"
                let echoed = try await client.execute(uri: target, method: .get, headers: [.xRequestID: given])
                #expect(echoed.headers[.xRequestID] == given, "\(target)")
                for _ in 0..<10 {
                    let response = try await client.execute(uri: target, method: .get)
                    let id = try #require(response.headers[.xRequestID], "\(target)")
                    made.append(id)
                }
            }
            // What HTTPFields lets through of CR LF (spaces), non-ASCII, too long, two fields.
            let malicious: [HTTPFields] = [
                [.xRequestID: "abc\r\nSet-Cookie: session=stolen"],
                [.xRequestID: String(repeating: "A", count: 10_000)],
                [.xRequestID: "ok-but-ünïcode"],
                [.xRequestID: ""],
                HTTPFields([HTTPField(name: .xRequestID, value: "one"), HTTPField(name: .xRequestID, value: "two")]),
            ]
            for fields in malicious {
                for target in targets {
                    let response = try await client.execute(uri: target, method: .get, headers: fields)
                    let id = try #require(response.headers[.xRequestID], "\(target)")
                    #expect(!id.contains("Set-Cookie") && id.count <= 128 && !id.contains(" ") && id != "one", "\(target)")
                    #expect(response.headers[.setCookie] == nil)
                    made.append(id)
                }
            }
            return made
        }
        // On the wire: a tab inside the value (HTTP allows it in a field value), a 10 kB value;
        // other control characters NIO's parser refuses with a 400 before any handler sees them.
        made += try await observed.app.test(.live) { client in
            var made: [String] = []
            for target in targets {
                for value in ["bad\tid", String(repeating: "B", count: 10_240)] {
                    let port = client.port!
                    let answer = try await offThePool {
                        let connection = try RawConnection(port: port)
                        try connection.send("GET \(target) HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: \(value)\r\n\r\n")
                        return try connection.readAnswer(toHEAD: false)
                    }
                    let id = try #require(field("x-request-id", in: answer.fields), "\(target)")
                    #expect(id != value && id.count <= 128 && id.allSatisfy { $0.isASCII && !$0.isWhitespace }, "\(target)")
                    made.append(id)
                }
                let port = client.port!
                let refused = try await offThePool {
                    let connection = try RawConnection(port: port)
                    try connection.send("GET \(target) HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: bad\u{01}id\r\n\r\n")
                    return try connection.readAnswer(toHEAD: false)
                }
                #expect(refused.status == 400 && field("x-request-id", in: refused.fields) == nil)
            }
            return made
        }
        #expect(Set(made).count == made.count, "made ids are unique")
        #expect(made.allSatisfy { $0.count <= 128 && $0.utf8.allSatisfy { (0x21...0x7E).contains($0) } })
    }

    @Test("access log: one line per request with method, route, status, duration and id; no key, query or body")
    func accessLog() async throws {
        let city = try await RequestCity.make()
        let observed = Observed(services: city.services)
        let secretKey = "zk_1_thisIsNotARealKeyButLooksLikeOne"
        try await observed.app.test(.live) { client in
            _ = try await client.call(.get, "/lookup?lon=51.4123457&lat=35.7012345&lang=en")
            _ = try await client.execute(uri: "/nearest?lon=51.4123457&lat=35.7012345&k=2", method: .get, headers: [.xRequestID: "trace-42"])
            _ = try await client.call(.get, "/requests?status=submitted", key: secretKey)  // 401
            _ = try await client.call(.post, "/requests", json: permitBody())  // 201
            _ = try await client.call(.get, "/collections/parcels/items?bbox=51.40,35.69,51.41,35.70&limit=2")
        }
        let lines = observed.accessLog.lines
        let expected: [(method: String, route: String, status: String)] = [
            ("GET", "/lookup", "200"), ("GET", "/nearest", "200"), ("GET", "/requests", "401"), ("POST", "/requests", "201"),
            ("GET", "/collections/parcels/items", "200"),
        ]
        #expect(lines.count == expected.count)
        for (line, want) in zip(lines, expected) {
            // logfmt: key=value pairs in a fixed order, nothing else.
            let pairs = line.message.split(separator: " ").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
            #expect(line.level == .info && line.metadata.isEmpty, "\(line)")
            #expect(pairs.map { $0[0] } == ["method", "route", "status", "duration_us", "request_id"], "\(line)")
            let fields = Dictionary(uniqueKeysWithValues: pairs.map { ($0[0], $0.count == 2 ? $0[1] : "") })
            #expect(fields["method"] == want.method && fields["route"] == want.route, "\(line)")
            #expect(fields["status"] == want.status, "\(line)")
            #expect(fields["duration_us"].flatMap { Int($0) }.map { $0 >= 0 } == true, "\(line)")
            #expect(fields["request_id"].map { !$0.isEmpty } == true, "\(line)")
        }
        #expect(lines[1].message.hasSuffix(" request_id=trace-42"))
        let text = observed.accessLog.text
        for leak in [secretKey, "Bearer", "51.4123457", "35.7012345", "lon=", "?", "status=submitted", "bbox", "limit"] + applicantSecrets {
            #expect(!text.contains(leak), "\(leak)")
        }
    }

    @Test("a 429 from the rate limiter counts a refusal; store writes are timed; an approval publishes version 2")
    func refusalsWritesAndSnapshot() async throws {
        let city = try await RequestCity.make()
        var observed = Observed(services: city.services)
        observed.publicPostsPerMinute = 1
        let key = try await city.key("sara", "planner")  // before the metrics listener: not timed
        let before = try await observed.scrape()
        #expect(before.value("zamin_snapshot_version", [:]) == 1)
        for operation in ["file_request", "decide_request", "rezone", "create_key", "revoke_key"] {
            #expect(before.value("zamin_store_write_duration_seconds_count", ["operation": operation]) == 0, "\(operation)")
        }
        try await observed.app.test(.live) { client in
            #expect(try await client.call(.post, "/requests", json: permitBody()).status == .created)
            #expect(try await client.call(.post, "/requests", json: permitBody()).status == .tooManyRequests)
            #expect(try await client.call(.post, "/requests", json: permitBody()).status == .tooManyRequests)
            let decided = try await client.call(.post, "/requests/1/decision", key: key, json: ["decision": "approve", "reason": "ok"])
            #expect(decided.status == .ok)
        }
        let after = try await observed.scrape()
        #expect(after.series("zamin_rate_limit_refusals_total") == [["route": "/requests"]: 2])
        #expect(after.value("zamin_http_requests_total", ["route": "/requests", "method": "POST", "status": "429"]) == 2)
        #expect(after.value("zamin_store_write_duration_seconds_count", ["operation": "file_request"]) == 1)
        #expect(after.value("zamin_store_write_duration_seconds_count", ["operation": "decide_request"]) == 1)
        #expect(after.value("zamin_store_write_duration_seconds_count", ["operation": "rezone"]) == 0)
        let writeBuckets = after.buckets("zamin_store_write_duration_seconds", ["operation": "file_request"])
        #expect(writeBuckets.last?.count == 1 && writeBuckets.map(\.count) == writeBuckets.map(\.count).sorted())
        #expect(after.value("zamin_snapshot_version", [:]) == 2)
        #expect(after.value("zamin_http_requests_in_flight", [:]) == 0)
    }

    @Test("with observability on, the inline answers still equal the router's, request id included")
    func inlineEqualsRouterObserved() async throws {
        let services = try await TestCity.shared("tehran")
        let parcel = services.snapshots.snapshot.parcels[3].id.rawValue
        @Sendable func app(inline: Bool) -> some ApplicationProtocol {
            var config = ServerConfig(port: 0, databasePath: "")
            config.answersCitizenRequestsInline = inline
            config.accessLogLevel = .debug
            return buildApplication(
                services: services, config: config, logger: Logger(label: "test"), metrics: PrometheusCollectorRegistry(),
                accessLog: AccessLogRecorder().logger)
        }
        let targets = [
            "/lookup?lon=51.41&lat=35.70", "/nearest?lon=51.41&lat=35.70&k=4", "/zoning-check?parcel=\(parcel)&use=commercial&floors=2",
            "/search?q=P-0001",
        ]
        try await app(inline: true).test(.live) { inline in
            try await app(inline: false).test(.live) { router in
                for (index, target) in targets.enumerated() {
                    let fields: HTTPFields = [.xRequestID: "same-\(index)"]
                    let want = try await router.execute(uri: target, method: .get, headers: fields)
                    let got = try await inline.execute(uri: target, method: .get, headers: fields)
                    #expect(got.status == want.status)
                    #expect(got.headers.filter { $0.name != .date } == want.headers.filter { $0.name != .date }, "\(target)")
                    #expect(got.headers[.xRequestID] == "same-\(index)")
                    #expect(got.body == want.body)
                }
            }
        }
    }
}

/// The access log's lines as events: level, message and metadata.
final class AccessLogRecorder: Sendable {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let recorded = Mutex<[Line]>([])

    var lines: [Line] { recorded.withLock { $0 } }

    /// Every line as text, to scan for what must never be logged.
    var text: String {
        lines.map { line in "\(line.level) \(line.message) " + line.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
            .joined(separator: "\n")
    }

    var logger: Logger {
        var logger = Logger(label: "zamin.access") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let recorder: AccessLogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
            recorder.recorded.withLock { $0.append(Line(level: event.level, message: "\(event.message)", metadata: all)) }
        }
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}

typealias Labels = [String: String]

/// Prometheus's text exposition format (version 0.0.4), parsed: `name{label="value",…} number`.
struct Exposition {
    struct Sample {
        let name: String
        let labels: Labels
        let value: Double
    }

    struct Malformed: Error { let line: String }

    let samples: [Sample]

    init(_ text: String) throws {
        var samples: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...].replacingOccurrences(of: "+Inf", with: "inf"))
            else { throw Malformed(line: String(line)) }
            let series = line[..<space]
            var labels: Labels = [:]
            let name: Substring
            if let brace = series.firstIndex(of: "{") {
                name = series[..<brace]
                guard series.last == "}" else { throw Malformed(line: String(line)) }
                var rest = series[series.index(after: brace)..<series.index(before: series.endIndex)]
                while !rest.isEmpty {
                    guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)] == "\"" else { throw Malformed(line: String(line)) }
                    let key = String(rest[..<equals])
                    let valueStart = rest.index(equals, offsetBy: 2)
                    guard let quote = rest[valueStart...].firstIndex(of: "\"") else { throw Malformed(line: String(line)) }
                    labels[key] = String(rest[valueStart..<quote])
                    rest = rest[rest.index(after: quote)...]
                    if rest.first == "," { rest = rest.dropFirst() }
                }
            } else {
                name = series
            }
            samples.append(Sample(name: String(name), labels: labels, value: value))
        }
        self.samples = samples
    }

    /// Every series of `name`, by labels.
    func series(_ name: String) -> [Labels: Double] {
        var found: [Labels: Double] = [:]
        for sample in samples where sample.name == name { found[sample.labels] = sample.value }
        return found
    }

    func value(_ name: String, _ labels: Labels) -> Double? { series(name)[labels] }

    /// A histogram's buckets for `labels`, by upper bound.
    func buckets(_ name: String, _ labels: Labels) -> [(le: Double, count: Double)] {
        samples.filter { $0.name == name + "_bucket" && $0.labels.filter { $0.key != "le" } == labels }
            .map { (le: $0.labels["le"] == "+Inf" ? .infinity : Double($0.labels["le"]!)!, count: $0.value) }
            .sorted { $0.le < $1.le }
    }
}
