import ArgumentParser
import CoreMetrics
import LandAPI
import LandService
import LandStore
import Logging
import Foundation
import NIOCore
import NIOPosix
import Prometheus

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve a database over HTTP (stops cleanly on SIGINT/SIGTERM).")

    @OptionGroup var store: StoreOptions
    @Option(help: "With --postgres: a streaming replica to load and follow the city from; writes and LISTEN stay on the primary (env ZAMIN_POSTGRES_READ).")
    var postgresRead: String?
    @Option(help: "Address to listen on (env ZAMIN_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port (env ZAMIN_PORT, default 8080).") var port: Int?
    @Option(help: "trace, debug, info, notice, warning, error or critical (env ZAMIN_LOG_LEVEL).") var logLevel: String?
    @Option(help: "Requests each client address may file per minute (env ZAMIN_PUBLIC_POSTS_PER_MINUTE, default 10).")
    var publicPostsPerMinute: Int?
    @Option(help: "The URL the city publishes Zamin at behind a proxy, e.g. https://gis.example.org/zamin: the base of every link (env ZAMIN_PUBLIC_URL).")
    var publicURL: String?
    @Option(help: "ADDR[,ADDR…]: addresses or CIDR ranges of reverse proxies whose Forwarded/X-Forwarded-* headers are believed (env ZAMIN_TRUSTED_PROXIES).")
    var trustedProxy: [String] = []
    @Option(help: "Level of the access log's line per request: trace…critical, or off (env ZAMIN_ACCESS_LOG, default debug).")
    var accessLogLevel: String?
    @Option(help: "Port of the operators' listener with GET /metrics (env ZAMIN_METRICS_PORT; default: no listener, no metrics).")
    var metricsPort: Int?
    @Option(help: "Address of the metrics listener (env ZAMIN_METRICS_HOST, default 127.0.0.1).") var metricsHost: String?
    @Option(help: "Where to keep the snapshot image a restart loads instead of the whole city when it is unchanged, or off (env ZAMIN_SNAPSHOT_IMAGE; default: DB.image beside a database file, none for --postgres).")
    var snapshotImage: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        // Swift concurrency on SwiftNIO's event loops: a request's handler then runs on the thread
        // that read it instead of hopping to the cooperative pool and back (+30–40 % req/s on
        // /lookup and /nearest, scripts/bench-citizen). Done first, before other async work;
        // the store keeps its blocking SQLite calls on queues of its own (LandStore.BlockingExecutors).
        // ZAMIN_STANDARD_EXECUTOR=1 keeps Swift's own pool.
        let onEventLoops = environment["ZAMIN_STANDARD_EXECUTOR"] != "1"
            && NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        guard let level = Logger.Level(rawValue: logLevel ?? environment["ZAMIN_LOG_LEVEL"] ?? "info") else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let accessLog = BufferedLog()
        Output.bootstrapLogging(level: level, accessLog: accessLog)
        let logger = Logger(label: "zamin.serve")
        let path = try store.location()
        guard LandStore.isPostgresURL(path) || FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no database at \(path): create it with `zamin import --db \(path) DIR`")
        }
        let chosenPort = port ?? environment["ZAMIN_PORT"].flatMap { Int($0) } ?? 8080
        guard (0...65535).contains(chosenPort) else { throw ValidationError("--port must be 0…65535") }
        var config = ServerConfig(host: host ?? environment["ZAMIN_HOST"] ?? "127.0.0.1", port: chosenPort, databasePath: path)
        let postsPerMinute = publicPostsPerMinute ?? environment["ZAMIN_PUBLIC_POSTS_PER_MINUTE"].flatMap { Int($0) } ?? 10
        guard postsPerMinute >= 1 else { throw ValidationError("--public-posts-per-minute must be at least 1") }
        config.publicPostsPerMinute = postsPerMinute
        do {
            config.publicURL = try (publicURL ?? environment["ZAMIN_PUBLIC_URL"]).flatMap { $0.isEmpty ? nil : try PublicURL(parsing: $0) }
            let proxies = trustedProxy.isEmpty ? environment["ZAMIN_TRUSTED_PROXIES"].flatMap { $0.isEmpty ? nil : [$0] } ?? [] : trustedProxy
            if !proxies.isEmpty { config.trustedProxies = try TrustedProxies(parsing: proxies.joined(separator: ",")) }
        } catch {
            throw ValidationError("\(error)")
        }
        // ZAMIN_INLINE_ANSWERS=0 sends the citizen GETs through the router too (A/B benchmarks).
        config.answersCitizenRequestsInline = environment["ZAMIN_INLINE_ANSWERS"] != "0"
        let accessLevel = accessLogLevel ?? environment["ZAMIN_ACCESS_LOG"] ?? "debug"
        if accessLevel != "off" {
            guard let level = Logger.Level(rawValue: accessLevel) else {
                throw ValidationError("--access-log-level must be one of trace, debug, info, notice, warning, error, critical, off")
            }
            config.accessLogLevel = level
        }
        config.metricsHost = metricsHost ?? environment["ZAMIN_METRICS_HOST"] ?? "127.0.0.1"
        if let chosen = metricsPort ?? environment["ZAMIN_METRICS_PORT"].flatMap({ Int($0) }) {
            guard (1...65535).contains(chosen), chosen != chosenPort else {
                throw ValidationError("--metrics-port must be 1…65535 and differ from --port")
            }
            config.metricsPort = chosen
        }
        // One registry for the process: LandAPI records into it through an explicit factory and
        // the metrics listener exposes it; the global factory points at it too, so that metrics a
        // library records through swift-metrics (none today) appear beside ours. Only here:
        // MetricsSystem.bootstrap may run once per process, and tests give each app a registry.
        let registry = config.metricsPort.map { _ in PrometheusCollectorRegistry() }
        if let registry { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry)) }

        let started = ContinuousClock.now
        let replica = postgresRead ?? environment["ZAMIN_POSTGRES_READ"].flatMap { $0.isEmpty ? nil : $0 }
        if let replica {
            guard LandStore.isPostgresURL(path) else { throw ValidationError("--postgres-read goes with --postgres") }
            do { _ = try PostgresLocation(url: replica) } catch { throw ValidationError("--postgres-read: \(error)") }
        }
        // Issue 17 point 8: the image is a cache of the loaded city beside the data, used only
        // for the exact state it was saved from (SnapshotImage).
        let imageChoice = snapshotImage ?? environment["ZAMIN_SNAPSHOT_IMAGE"].flatMap { $0.isEmpty ? nil : $0 }
        let image = imageChoice == "off" ? nil : imageChoice ?? (LandStore.isPostgresURL(path) ? nil : path + ".image")
        let services = try await LandServices.open(
            databaseAt: path, readReplica: replica, snapshotImage: image, logger: Logger(label: "zamin.service"))
        // ZAMIN_TILE_CACHE_MB: the vector tiles kept per snapshot (default 64; 0 cuts every tile,
        // for benchmarks of the cut itself).
        if let megabytes = environment["ZAMIN_TILE_CACHE_MB"].flatMap(Int.init), megabytes >= 0 {
            services.setTileCacheBudget(bytes: megabytes << 20)
        }
        let health = services.health
        logger.info(
            "loaded city",
            metadata: [
                "parcels": "\(health.parcels)", "zones": "\(health.zones)", "facilities": "\(health.facilities)",
                "startup_ms": "\((ContinuousClock.now - started).wholeMilliseconds)",
                "executor": "\(onEventLoops ? "event loops" : "standard")",
                "public_url": "\(config.publicURL?.description ?? "from each request")",
                "trusted_proxies": "\(config.trustedProxies.ranges.map(\.description).joined(separator: ","))",
            ])
        let flusher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                accessLog.flush()
            }
        }
        defer {  // when runServer throws too
            flusher.cancel()
            accessLog.flush()
        }
        // Changes other processes commit to the file (an import, a second `zamin serve`) are
        // followed while serving (LandServices.followOtherWriters), and stop with the server.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await services.followOtherWriters() }
            try await runServer(
                services: services, config: config, logger: Logger(label: "zamin.http"), metrics: registry,
                accessLogWriter: BufferedAccessLog(log: accessLog, minimumLevel: level))
            group.cancelAll()
        }
        accessLog.flush()  // the last requests' lines before the lines of the shutdown
        await services.close()
        logger.info("stopped")
    }
}
