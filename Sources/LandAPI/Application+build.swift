package import Hummingbird
package import LandService
package import Logging
import NIOCore

/// Builds the HTTP application: what `zamin serve` runs and what the tests drive through
/// HummingbirdTesting. `inlineAnswers`, when given, counts the requests answered in the channel
/// pipeline (tests tell by it which way a request went; `zamin serve` counts nothing).
package func buildApplication(
    services: LandServices, config: ServerConfig, logger: Logger, inlineAnswers: InlineAnswerCount? = nil
) -> some ApplicationProtocol {
    let citizen = CitizenController<ZaminRequestContext>(services: services)
    let router = buildRouter(
        services: services, citizen: citizen, publicPostsPerMinute: config.publicPostsPerMinute, origin: config.origin)
    let serverName = "zamin"
    // The citizen GETs answered in the channel pipeline (InlineAnswerHandler); one handler per
    // connection, made when the connection opens.
    let inlineRoutes = citizen.inlineRoutes
    let answersInline = config.answersCitizenRequestsInline
    @Sendable func inlineHandlers() -> [any RemovableChannelHandler] {
        answersInline ? [InlineAnswerHandler(routes: inlineRoutes, answered: inlineAnswers, serverName: serverName)] : []
    }
    return Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: inlineHandlers())),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: serverName),
        logger: logger)
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully (Hummingbird's service lifecycle).
/// `zamin serve` calls this, so that only LandAPI imports Hummingbird.
package func runServer(services: LandServices, config: ServerConfig, logger: Logger) async throws {
    try await buildApplication(services: services, config: config, logger: logger).runService()
}

/// The router of every route, inside `HeadAnsweringRouter` (HEAD answered from GET, the web map
/// for a browser's `GET /`).
package func buildRouter(
    services: LandServices, publicPostsPerMinute: Int = 10, origin: PublicOrigin = PublicOrigin()
) -> HeadAnsweringRouter {
    buildRouter(
        services: services, citizen: CitizenController(services: services), publicPostsPerMinute: publicPostsPerMinute,
        origin: origin)
}

private func buildRouter(
    services: LandServices, citizen: CitizenController<ZaminRequestContext>, publicPostsPerMinute: Int, origin: PublicOrigin
) -> HeadAnsweringRouter {
    let router = Router(context: ZaminRequestContext.self)
    router.middlewares.add(JSONErrorMiddleware())
    if origin.linksFollowForwardedHeaders { router.middlewares.add(ForwardedVaryMiddleware()) }
    // Web map: `/` answers browsers with the map (HeadAnsweringRouter, before routing) and everyone
    // else with the route registered for `/` (the OGC landing page); the page's files and texts are routes.
    let webMap = WebMap(services: services)
    router.addRoutes(WebMapController(webMap: webMap).routes)
    router.addRoutes(HealthController(services: services).routes)
    router.addRoutes(OGCController(services: services, origin: origin).routes)
    router.addRoutes(citizen.routes)
    router.addRoutes(
        RequestsController(services: services, limiter: RateLimiter(perMinute: publicPostsPerMinute), origin: origin).routes)
    router.addRoutes(PlannerController(services: services).routes)
    router.addRoutes(ZonesController(services: services).routes)
    return HeadAnsweringRouter(router: router, webMap: webMap)
}
