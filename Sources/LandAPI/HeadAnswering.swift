package import Hummingbird

/// RFC 9110 §9.3.2: HEAD is GET without the content, and the `Allow` of our OPTIONS answers
/// promises it. Every GET route answers HEAD: the request runs as a GET and the body is dropped,
/// keeping its Content-Length, ETag and the rest of the header section (curl -I, link checkers,
/// caches revalidating). A responder around the router rather than a router middleware, because
/// the router picks the route by method before any middleware runs.
///
/// It also answers `GET /` for a browser with the web map (`WebMap.page(for:)`), before routing,
/// so that the route for `/` stays the OGC landing page for JSON and OGC clients and neither has
/// to know the other; the page links the API's HTML views (`/collections?f=html`, `/api?f=html`,
/// `/conformance?f=html`), so a browser still reaches everything the HTML landing page listed.
/// That was a router middleware, which every request paid for (one more async layer around each
/// route): without it, `scripts/bench-ab` gave /health +5.5 % req/s (9 of 12 pairs; server CPU
/// 72 → 67 µs per request), /lookup +2 to +3 %, /nearest +1 %.
package struct HeadAnsweringRouter: HTTPResponderBuilder {
    package let router: Router<ZaminRequestContext>
    let webMap: WebMap

    package func buildResponder() -> HeadAnsweringResponder<Router<ZaminRequestContext>.Responder> {
        HeadAnsweringResponder(base: router.buildResponder(), webMap: webMap)
    }
}

package struct HeadAnsweringResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == ZaminRequestContext {
    package typealias Context = ZaminRequestContext
    let base: Base
    let webMap: WebMap

    package func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .head else { return try await respondAsGET(to: request, context: context) }
        var head = request.head
        head.method = .get
        var response = try await respondAsGET(to: Request(head: head, body: request.body), context: context)
        // The GET's length is declared and nothing is written (§9.3.2: same header fields).
        let length = response.body.contentLength
        response.body = ResponseBody(contentLength: length) { _ in }
        return response
    }

    /// The map page for a browser's `GET /`, else the router's answer.
    private func respondAsGET(to request: Request, context: Context) async throws -> Response {
        if request.method == .get, request.uri.path == "/", let page = webMap.page(for: request) {
            context.coreContext.endpointPath.value = "/"  // the route it stands in for, for the metrics
            return page
        }
        return try await base.respond(to: request, context: context)
    }
}
