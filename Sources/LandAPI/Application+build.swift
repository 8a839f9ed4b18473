package import Hummingbird
package import LandService
package import Logging

/// Builds the HTTP application: what `zamin serve` runs and what the tests drive through
/// HummingbirdTesting.
package func buildApplication(
    services: LandServices, config: ServerConfig, logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(services: services)
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "zamin"),
        logger: logger)
}

package func buildRouter(services: LandServices) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.middlewares.add(JSONErrorMiddleware())
    router.addRoutes(HealthController(services: services).routes)
    router.addRoutes(CitizenController(services: services).routes)
    // Web map: `/` answers browsers with the map (WebMapMiddleware) and everyone else with the
    // route registered for `/` (the OGC landing page); the page's files and texts are routes.
    let webMap = WebMap(services: services)
    router.middlewares.add(WebMapMiddleware(webMap: webMap))
    router.addRoutes(WebMapController(webMap: webMap).routes)
    return router
}
