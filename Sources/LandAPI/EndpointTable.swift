import GeoFormats
import Hummingbird
import LandModel
import LandService

/// Every endpoint of the server, declared once (`Endpoint`), and what is derived from them: the
/// router's routes, the inline citizen answers, 405 with `Allow`, OPTIONS, and `/api`.
struct EndpointTable: Sendable {
    let endpoints: [Endpoint]
    /// Each path template and the methods declared on it, in declaration order.
    let methodsByPath: [(path: String, methods: [HTTPRequest.Method])]

    init(_ endpoints: [Endpoint]) {
        self.endpoints = endpoints
        var methodsByPath: [(path: String, methods: [HTTPRequest.Method])] = []
        for endpoint in endpoints {
            if let index = methodsByPath.firstIndex(where: { $0.path == endpoint.path }) {
                methodsByPath[index].methods.append(endpoint.method)
            } else {
                methodsByPath.append((endpoint.path, [endpoint.method]))
            }
        }
        self.methodsByPath = methodsByPath
    }

    /// Every endpoint of Zamin.
    init(
        services: LandServices, citizen: CitizenController, webMap: WebMap, limiter: RateLimiter, origin: PublicOrigin,
        reference: EndpointTableReference
    ) {
        self.init(
            OGCController(services: services, table: reference, webMap: webMap, origin: origin).endpoints
                + TilesController(services: services, origin: origin).endpoints
                + [HealthController(services: services).endpoint]
                + citizen.endpoints
                + RequestsController(services: services, limiter: limiter, origin: origin).endpoints
                + ReportsController(services: services, limiter: limiter, origin: origin).endpoints
                + Open311Controller(services: services, limiter: limiter).endpoints
                + PlannerController(services: services).endpoints
                + CityInformationController(services: services, origin: origin).endpoints
                + TendersController(services: services, limiter: limiter, origin: origin).endpoints
                + ZonesController(services: services).endpoints
                + CadastreController(services: services).endpoints
                + WebMapController(webMap: webMap).endpoints)
    }

    // MARK: - responses every endpoint can give

    /// The endpoint's own responses and those every endpoint of its kind can give, in status order.
    func responses(of endpoint: Endpoint) -> [EndpointResponse] {
        var responses = endpoint.responses
        for response in endpoint.queryBody?.responses ?? [] where !responses.contains(where: { $0.status == response.status }) {
            responses.append(response)
        }
        func add(_ response: EndpointResponse) {
            if !responses.contains(where: { $0.status == response.status }) { responses.append(response) }
        }
        // Unknown, repeated or invalid query parameters (and, for bodies, invalid fields).
        add(.error(400, "A query parameter or body field is invalid, unknown or repeated (`parameter` names it)"))
        if case .role = endpoint.access {
            add(.error(401, "No valid API key (Authorization: Bearer KEY)"))
            add(.error(403, "The key's role may not do this"))
        }
        if let body = endpoint.body {
            add(.error(413, "The body is larger than \(body.maxBytes / 1024) KiB"))
            add(.error(415, "The body is not of a media type this endpoint takes (\(body.mediaTypes.joined(separator: ", ")))"))
        }
        add(.error(500, "Unexpected server error (nothing internal is said)"))
        if endpoint.errorFormat == .open311 {
            // GeoReport v2 answers errors in the representation the path names: JSON or XML.
            for index in responses.indices where responses[index].status >= 400 {
                responses[index].mediaTypes = [MediaType.json, MediaType.xml]
            }
        }
        return responses.sorted { $0.status < $1.status }
    }

    // MARK: - the router

    /// Registers each endpoint on the router (and OPTIONS on each path); returns what it
    /// registered, method and router path, so tests can compare the router with `/api`.
    @discardableResult
    func register(on router: Router<ZaminRequestContext>, authenticator: Authenticator) -> [(method: HTTPRequest.Method, path: String)] {
        var registered: [(method: HTTPRequest.Method, path: String)] = []
        for endpoint in endpoints {
            router.on(RouterPath(endpoint.routerPath), method: endpoint.method) { request, context in
                try await Self.respond(endpoint, to: request, context: context, authenticator: authenticator)
            }
            registered.append((endpoint.method, endpoint.routerPath))
        }
        for (path, methods) in methodsByPath {
            let allowed = Self.allowHeader(methods)
            router.on(RouterPath(Endpoint.routerPath(of: path)), method: .options) { request, _ in
                OGCResponse.preflight(request, allow: allowed)
            }
            registered.append((.options, Endpoint.routerPath(of: path)))
        }
        return registered
    }

    /// The way every declared request goes: the key first (401/403 before anything is read), then
    /// the query against the declaration, then the body's media type, then the handler.
    static func respond(
        _ endpoint: Endpoint, to request: Request, context: ZaminRequestContext, authenticator: Authenticator
    ) async throws -> Response {
        guard endpoint.errorFormat == .open311 else { return try await answer(endpoint, to: request, context: context, authenticator: authenticator) }
        // GeoReport v2 clients read errors in its shape, whatever went wrong (the query, the key, the body).
        do {
            return try await answer(endpoint, to: request, context: context, authenticator: authenticator)
        } catch let error as APIError {
            return Open311Document.error(error, format: Open311Format.of(path: request.uri.path), language: Language.of(request))
        }
    }

    private static func answer(
        _ endpoint: Endpoint, to request: Request, context: ZaminRequestContext, authenticator: Authenticator
    ) async throws -> Response {
        if let ask = endpoint.queryBody, ask.isChosen(by: request) {
            return try await ask.handler(request, context, EndpointInput(query: try QueryReader(request, declared: endpoint.allParameters), keyHolder: nil))
        }
        var holder: APIKeys.Holder?
        if case .role(let role) = endpoint.access { holder = try await authenticator.require(role, request) }
        let query = try QueryReader(request, declared: endpoint.allParameters)
        if let body = endpoint.body { try JSONBody.requireMediaType(request, among: body.mediaTypes) }
        return try await endpoint.handler(request, context, EndpointInput(query: query, keyHolder: holder))
    }

    /// The inline citizen answers (`InlineAnswerHandler`), from the endpoints that have one.
    var inlineRoutes: InlineRoutes {
        InlineRoutes(
            endpoints.compactMap { endpoint in
                guard let inline = endpoint.inline, endpoint.method == .get, endpoint.access == .everyone else { return nil }
                let declared = endpoint.parameters
                return (
                    path: endpoint.path,
                    answer: { request throws(APIError) in
                        try inline(request, try QueryReader(request, declared: declared))
                    }
                )
            })
    }

    // MARK: - 405 and OPTIONS

    /// The methods declared on the path of `request` (nil when no endpoint has that path): what
    /// a 405's `Allow` lists (RFC 9110 §15.5.6), HEAD with GET and OPTIONS always.
    func allowedMethods(forPath path: String) -> String? {
        let segments = path.split(separator: "/")
        guard let entry = methodsByPath.first(where: { entry in
            endpoints.first(where: { $0.path == entry.path })!.matches(pathSegments: segments)
        }) else { return nil }
        return Self.allowHeader(entry.methods)
    }

    static func allowHeader(_ methods: [HTTPRequest.Method]) -> String {
        var names = methods.map(\.rawValue)
        if methods.contains(.get) { names.append("HEAD") }
        names.append("OPTIONS")
        return names.joined(separator: ", ")
    }
}
