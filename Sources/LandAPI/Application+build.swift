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
    // Web map: files and texts; `/` answers the map to browsers (WebMap.page(for:)). When the OGC
    // landing page lands, its handler calls `webMap.page(for:)` first and this `get("/")` goes.
    let webMap = WebMap(services: services)
    router.addRoutes(WebMapController(webMap: webMap).routes)
    router.get("/") { request, _ -> Response in
        guard let page = webMap.page(for: request) else { throw APIError.notFound(.noSuchPath) }
        return page
    }
    return router
}
