package import Hummingbird
package import LandService
package import Logging
import NIOCore
package import Prometheus
import Synchronization

/// Builds the HTTP application: what `zamin serve` runs and what the tests drive through
/// HummingbirdTesting. `inlineAnswers`, when given, counts the requests answered in the channel
/// pipeline (tests tell by it which way a request went; `zamin serve` counts nothing).
/// `metrics`, when given, receives the HTTP metrics; `accessLog` writes the access log at
/// `config.accessLogLevel` (Observability.swift), or `accessLogWriter` when given.
package func buildApplication(
    services: LandServices, config: ServerConfig, logger: Logger, inlineAnswers: InlineAnswerCount? = nil,
    metrics: PrometheusCollectorRegistry? = nil, accessLog: Logger = Logger(label: "zamin.access"),
    accessLogWriter: (any AccessLogWriter)? = nil
) -> some ApplicationProtocol {
    let built = ZaminRouter(services: services, publicPostsPerMinute: config.publicPostsPerMinute, origin: config.origin)
    let serverName = "zamin"
    // The citizen GETs answered in the channel pipeline (InlineAnswerHandler), from the endpoints
    // that declare an inline answer; one handler per connection, made when the connection opens.
    let inlineRoutes = built.table.inlineRoutes
    let answersInline = config.answersCitizenRequestsInline
    let idleTimeoutSeconds = config.idleTimeoutSeconds
    let observability = Observability.make(metrics: metrics, accessLog: accessLog, writer: accessLogWriter, level: config.accessLogLevel)
    @Sendable func channelHandlers() -> [any RemovableChannelHandler] {
        // Date and Server are written on every answer, whichever way it went, in one place.
        // The idle closer first, so it sees the requests answered inline as activity too.
        [IdleConnectionCloser(timeout: .seconds(Int64(idleTimeoutSeconds))), ResponseHeaderStamp(serverName: serverName)]
            + (answersInline
                ? [InlineAnswerHandler(routes: inlineRoutes, answered: inlineAnswers, observer: observability?.inlineObserver())] : [])
    }
    return Application(
        router: ObservedRouter(base: built.responder, observability: observability),
        server: .http1(configuration: .init(additionalChannelHandlers: channelHandlers())),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
        logger: logger)
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully (Hummingbird's service lifecycle),
/// with the metrics listener beside it when `config.metricsPort` is set (MetricsEndpoint.swift).
/// `zamin serve` calls this, so that only LandAPI imports Hummingbird.
package func runServer(
    services: LandServices, config: ServerConfig, logger: Logger, metrics: PrometheusCollectorRegistry? = nil,
    accessLogWriter: (any AccessLogWriter)? = nil
) async throws {
    let application = buildApplication(
        services: services, config: config, logger: logger, metrics: metrics, accessLogWriter: accessLogWriter)
    try await run(application, metrics: metrics, services: services, config: config, logger: logger)
}

/// The router of every route, inside `HeadAnsweringRouter` (HEAD answered from GET, 405 for a
/// method a path does not have, the web map for a browser's `GET /`).
package func buildRouter(
    services: LandServices, publicPostsPerMinute: Int = 10, origin: PublicOrigin = PublicOrigin()
) -> HeadAnsweringRouter {
    ZaminRouter(services: services, publicPostsPerMinute: publicPostsPerMinute, origin: origin).responder
}

/// The endpoint table and the router built from it.
package struct ZaminRouter {
    let table: EndpointTable
    package let responder: HeadAnsweringRouter
    /// Method and router path of every route registered (what the tests compare with `/api`).
    package let registered: [(method: HTTPRequest.Method, path: String)]

    package init(services: LandServices, publicPostsPerMinute: Int = 10, origin: PublicOrigin = PublicOrigin()) {
        let router = Router(context: ZaminRequestContext.self)
        router.middlewares.add(JSONErrorMiddleware())
        if origin.linksFollowForwardedHeaders { router.middlewares.add(ForwardedVaryMiddleware()) }
        // Web map: the `/` endpoint answers browsers with the map and everyone else with the OGC
        // landing page; the page's files and texts are endpoints of their own.
        let webMap = WebMap(services: services)
        let reference = EndpointTableReference()
        table = EndpointTable(
            services: services, citizen: CitizenController(services: services), webMap: webMap,
            limiter: RateLimiter(perMinute: publicPostsPerMinute), origin: origin, reference: reference)
        reference.set(table)
        registered = table.register(on: router, authenticator: Authenticator(services: services))
        responder = HeadAnsweringRouter(router: router, table: table)
    }
}

/// The table, for the one endpoint that describes all of them (`/api`), set once it is built.
final class EndpointTableReference: Sendable {
    private let table = Mutex<EndpointTable?>(nil)

    func set(_ value: EndpointTable) { table.withLock { $0 = value } }

    var value: EndpointTable { table.withLock { $0! } }
}
