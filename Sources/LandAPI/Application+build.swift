package import Hummingbird
package import LandService
package import Logging
import NIOCore
package import Prometheus

/// Builds the HTTP application: what `zamin serve` runs and what the tests drive through
/// HummingbirdTesting. `inlineAnswers`, when given, counts the requests answered in the channel
/// pipeline (tests tell by it which way a request went; `zamin serve` counts nothing).
/// `metrics`, when given, receives the HTTP metrics; `accessLog` writes the access log at
/// `config.accessLogLevel` (Observability.swift).
package func buildApplication(
    services: LandServices, config: ServerConfig, logger: Logger, inlineAnswers: InlineAnswerCount? = nil,
    metrics: PrometheusCollectorRegistry? = nil, accessLog: Logger = Logger(label: "zamin.access")
) -> some ApplicationProtocol {
    let citizen = CitizenController<ZaminRequestContext>(services: services)
    let router = buildRouter(services: services, citizen: citizen, publicPostsPerMinute: config.publicPostsPerMinute)
    let serverName = "zamin"
    // The citizen GETs answered in the channel pipeline (InlineAnswerHandler); one handler per
    // connection, made when the connection opens.
    let inlineRoutes = citizen.inlineRoutes
    let answersInline = config.answersCitizenRequestsInline
    let observability = Observability.make(metrics: metrics, accessLog: accessLog, level: config.accessLogLevel)
    @Sendable func inlineHandlers() -> [any RemovableChannelHandler] {
        answersInline
            ? [InlineAnswerHandler(routes: inlineRoutes, answered: inlineAnswers, serverName: serverName, observer: observability?.inlineObserver())]
            : []
    }
    return Application(
        router: ObservedRouter(base: router, observability: observability),
        server: .http1(configuration: .init(additionalChannelHandlers: inlineHandlers())),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: serverName),
        logger: logger)
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully (Hummingbird's service lifecycle),
/// with the metrics listener beside it when `config.metricsPort` is set (MetricsEndpoint.swift).
/// `zamin serve` calls this, so that only LandAPI imports Hummingbird.
package func runServer(services: LandServices, config: ServerConfig, logger: Logger, metrics: PrometheusCollectorRegistry? = nil) async throws {
    let application = buildApplication(services: services, config: config, logger: logger, metrics: metrics)
    try await run(application, metrics: metrics, services: services, config: config, logger: logger)
}

/// The router of every route, inside `HeadAnsweringRouter` (HEAD answered from GET, the web map
/// for a browser's `GET /`).
package func buildRouter(services: LandServices, publicPostsPerMinute: Int = 10) -> HeadAnsweringRouter {
    buildRouter(services: services, citizen: CitizenController(services: services), publicPostsPerMinute: publicPostsPerMinute)
}

private func buildRouter(
    services: LandServices, citizen: CitizenController<ZaminRequestContext>, publicPostsPerMinute: Int
) -> HeadAnsweringRouter {
    let router = Router(context: ZaminRequestContext.self)
    router.middlewares.add(JSONErrorMiddleware())
    // Web map: `/` answers browsers with the map (HeadAnsweringRouter, before routing) and everyone
    // else with the route registered for `/` (the OGC landing page); the page's files and texts are routes.
    let webMap = WebMap(services: services)
    router.addRoutes(WebMapController(webMap: webMap).routes)
    router.addRoutes(HealthController(services: services).routes)
    router.addRoutes(OGCController(services: services).routes)
    router.addRoutes(citizen.routes)
    router.addRoutes(RequestsController(services: services, limiter: RateLimiter(perMinute: publicPostsPerMinute)).routes)
    router.addRoutes(PlannerController(services: services).routes)
    router.addRoutes(ZonesController(services: services).routes)
    return HeadAnsweringRouter(router: router, webMap: webMap)
}
