package import Hummingbird

/// RFC 9110 §9.3.2: HEAD is GET without the content, and the `Allow` of our OPTIONS answers
/// promises it. Every GET route answers HEAD: the request runs as a GET and the body is dropped,
/// keeping its Content-Length, ETag and the rest of the header section (curl -I, link checkers,
/// caches revalidating). A responder around the router rather than a router middleware, because
/// the router picks the route by method before any middleware runs.
package struct HeadAnsweringRouter: HTTPResponderBuilder {
    package let router: Router<ZaminRequestContext>

    package func buildResponder() -> HeadAnsweringResponder<Router<ZaminRequestContext>.Responder> {
        HeadAnsweringResponder(base: router.buildResponder())
    }
}

package struct HeadAnsweringResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == ZaminRequestContext {
    package typealias Context = ZaminRequestContext
    let base: Base

    package func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .head else { return try await base.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        var response = try await base.respond(to: Request(head: head, body: request.body), context: context)
        // The GET's length is declared and nothing is written (§9.3.2: same header fields).
        let length = response.body.contentLength
        response.body = ResponseBody(contentLength: length) { _ in }
        return response
    }
}
