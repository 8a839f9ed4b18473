import CoreMetrics
package import Hummingbird
package import LandService
package import Logging
import NIOCore
package import Prometheus
import ServiceLifecycle
import UnixSignals

/// `GET /metrics` for operators, on a listener of its own (`zamin serve --metrics-port`, on
/// 127.0.0.1 unless told otherwise) rather than behind an admin key on the public port: the
/// public port then has no such route for anyone to probe, Prometheus needs no secret in its
/// configuration (a bearer key in every scraper's config is one more key to leak and rotate),
/// scrapes are not counted among the public requests, and a firewall or a bind address keeps
/// the port private. It is a second small Hummingbird application in the same process, on the
/// same event loops, run beside the public one in one ServiceGroup (`runServer`).
///
/// Besides the HTTP metrics the public application records, it owns the service's: the
/// snapshot's version and age, read from the holder when Prometheus scrapes (nothing to update
/// on the request path), and the store writes' durations (`LandServices.storeWrites`).
package func buildMetricsApplication(
    registry: PrometheusCollectorRegistry, services: LandServices, host: String, port: Int, logger: Logger
) -> some ApplicationProtocol {
    let exposition = MetricsExposition(registry: registry, services: services)
    let router = Router(context: BasicRequestContext.self)
    router.get("metrics") { _, _ in exposition.response() }
    return Application(
        router: router, configuration: .init(address: .hostname(host, port: port), serverName: "zamin"), logger: logger)
}

/// Serves `application` and, when there is a registry and a port for it, the metrics listener,
/// until SIGINT or SIGTERM; either failing to start (a port in use) stops both.
func run(
    _ application: some ApplicationProtocol, metrics registry: PrometheusCollectorRegistry?, services: LandServices,
    config: ServerConfig, logger: Logger
) async throws {
    guard let registry, let port = config.metricsPort else { return try await application.runService() }
    let operators = buildMetricsApplication(registry: registry, services: services, host: config.metricsHost, port: port, logger: logger)
    let group = ServiceGroup(
        configuration: .init(services: [application, operators], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}

/// The registry in Prometheus's text format (version 0.0.4), with the snapshot's gauges sampled
/// first.
final class MetricsExposition: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let snapshots: SnapshotHolder
    private let snapshotVersion: CoreMetrics.Gauge
    private let snapshotAge: CoreMetrics.Gauge

    init(registry: PrometheusCollectorRegistry, services: LandServices) {
        self.registry = registry
        snapshots = services.snapshots
        let factory = ZaminMetrics.factory(registry)
        snapshotVersion = CoreMetrics.Gauge(label: ZaminMetrics.snapshotVersion, factory: factory)
        snapshotAge = CoreMetrics.Gauge(label: ZaminMetrics.snapshotAge, factory: factory)
        // One series per operation from the start, so that an operation that never wrote shows
        // a count of 0 rather than nothing.
        var timers: [StoreWrite: CoreMetrics.Timer] = [:]
        for write in StoreWrite.allCases {
            timers[write] = CoreMetrics.Timer(
                label: ZaminMetrics.storeWriteDuration, dimensions: [("operation", write.rawValue)], factory: factory)
        }
        let writeTimers = timers
        services.storeWrites.observe { write, duration in
            writeTimers[write]?.recordNanoseconds(Self.nanoseconds(duration))
        }
    }

    func response() -> Response {
        let published = snapshots.published
        snapshotVersion.record(published.version)
        snapshotAge.record(Self.seconds(ContinuousClock.now - published.publishedAt))
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
