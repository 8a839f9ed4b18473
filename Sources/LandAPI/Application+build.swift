package import Hummingbird
package import LandService
package import Logging

/// Builds the HTTP application: what `zamin serve` runs and what the tests drive through
/// HummingbirdTesting.
package func buildApplication(
    services: LandServices, config: ServerConfig, logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(services: services, publicPostsPerMinute: config.publicPostsPerMinute)
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "zamin"),
        logger: logger)
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully (Hummingbird's service lifecycle).
/// `zamin serve` calls this, so that only LandAPI imports Hummingbird.
package func runServer(services: LandServices, config: ServerConfig, logger: Logger) async throws {
    try await buildApplication(services: services, config: config, logger: logger).runService()
}

/// The router of every route, inside `HeadAnsweringRouter` (HEAD answered from GET, the web map
/// for a browser's `GET /`).
package func buildRouter(services: LandServices, publicPostsPerMinute: Int = 10) -> HeadAnsweringRouter {
    let router = Router(context: ZaminRequestContext.self)
    router.middlewares.add(JSONErrorMiddleware())
    // Web map: `/` answers browsers with the map (HeadAnsweringRouter, before routing) and everyone
    // else with the route registered for `/` (the OGC landing page); the page's files and texts are routes.
    let webMap = WebMap(services: services)
    router.addRoutes(WebMapController(webMap: webMap).routes)
    router.addRoutes(HealthController(services: services).routes)
    router.addRoutes(OGCController(services: services).routes)
    router.addRoutes(CitizenController(services: services).routes)
    router.addRoutes(RequestsController(services: services, limiter: RateLimiter(perMinute: publicPostsPerMinute)).routes)
    router.addRoutes(PlannerController(services: services).routes)
    router.addRoutes(ZonesController(services: services).routes)
    return HeadAnsweringRouter(router: router, webMap: webMap)
}
