package import Hummingbird

/// RFC 9110 §9.3.2: HEAD is GET without the content, and the `Allow` of our OPTIONS answers
/// promises it. Every GET route answers HEAD: the request runs as a GET and the body is dropped,
/// keeping its Content-Length, ETag and the rest of the header section (curl -I, link checkers,
/// caches revalidating). A responder around the router rather than a router middleware, because
/// the router picks the route by method before any middleware runs.
///
/// It also answers a method a path does not have with 405 and `Allow` (from the endpoint table).
/// (A browser's `GET /` gets the web map from the `/` endpoint itself, after its query is
/// checked like any other: `OGCController.landingPage`.)
package struct HeadAnsweringRouter: HTTPResponderBuilder {
    package let router: Router<ZaminRequestContext>
    let table: EndpointTable

    package func buildResponder() -> HeadAnsweringResponder<Router<ZaminRequestContext>.Responder> {
        HeadAnsweringResponder(base: router.buildResponder(), table: table)
    }
}

package struct HeadAnsweringResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == ZaminRequestContext {
    package typealias Context = ZaminRequestContext
    let base: Base
    let table: EndpointTable

    package func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .head else { return try await respondOrRefuseMethod(request, context: context) }
        var head = request.head
        head.method = .get
        var response = try await base.respond(to: Request(head: head, body: request.body), context: context)
        // The GET's length is declared and nothing is written (§9.3.2: same header fields).
        let length = response.body.contentLength
        response.body = ResponseBody(contentLength: length) { _ in }
        return response
    }

    /// RFC 9110 §15.5.6: a path that exists but has no endpoint for the method is a 405 with
    /// `Allow` (the router alone says 404: it picks routes by path and method together). Checked
    /// only once the router has answered 404, so declared requests pay nothing for it.
    private func respondOrRefuseMethod(_ request: Request, context: Context) async throws -> Response {
        let response = try await base.respond(to: request, context: context)
        guard response.status == .notFound, let allow = table.allowedMethods(forPath: request.uri.path),
            !allow.split(separator: ",").contains(where: { $0.trimmingSpaces == request.method.rawValue })
        else { return response }
        var error = APIError(status: .methodNotAllowed, code: "MethodNotAllowed", message: .methodNotAllowed)
        error.extraHeaders[.allow] = allow
        return try error.response(from: request, context: context)
    }
}
