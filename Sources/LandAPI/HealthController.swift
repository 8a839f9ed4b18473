import Hummingbird
import LandService
import GeoFormats

/// `GET /health`: liveness and the size of each layer, from the in-memory snapshot.
struct HealthController: Sendable {
    let services: LandServices

    var endpoint: Endpoint {
        Endpoint(
            method: .get, path: "/health", summary: "Liveness, layer sizes and how current the node is", tag: "operations",
            parameters: [
                .lang,
                .query(
                    "ready", .oneOf(["", "true"]),
                    "Readiness (issue 17): 503 until the node has caught up with the store after start-up, and while it "
                        + "cannot reach the store or lags it by more than 5 s"),
            ],
            responses: [.ok(MediaType.json), .error(503, "Not ready: still catching up with the store, or cannot reach it")],
            handler: { _, _, input in health(readiness: input.query.string("ready") != nil) })
    }

    /// A node lagging its store by more than this is not ready (a load balancer sends elsewhere).
    static let readyLagMilliseconds: Int64 = 5_000

    func health(readiness: Bool = false) -> Response {
        let health = services.health
        let ready = health.caughtUp && health.storeReachable && health.lagMilliseconds <= Self.readyLagMilliseconds
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("status")
        writer.string(readiness && !ready ? "catching_up" : "ok")
        writer.key("parcels")
        writer.number(health.parcels)
        writer.key("zones")
        writer.number(health.zones)
        writer.key("facilities")
        writer.number(health.facilities)
        // The version of the stored city this server answers from and when it last changed:
        // equal on two servers of one file once both have seen every change (issue 16 point 2).
        writer.key("data_version")
        writer.number(health.dataVersion)
        writer.key("data_changed_at")
        if let changedAt = health.dataChangedAt { writer.string(changedAt) } else { writer.null() }
        // How current this node is (issue 17 point 3): the newest version it read from the store,
        // how long it has been behind, whether it caught up since start-up.
        writer.key("store")
        writer.string(health.store)
        writer.key("store_version")
        writer.number(health.storeVersion)
        writer.key("lag_ms")
        writer.number(Int(health.lagMilliseconds))
        writer.key("store_reachable")
        writer.bool(health.storeReachable)
        writer.key("ready")
        writer.bool(ready)
        writer.endObject()
        return JSONResponse.make(writer.bytes, status: readiness && !ready ? .serviceUnavailable : .ok, contentType: "application/json")
    }
}

/// Response helpers shared by the controllers.
enum JSONResponse {
    static func make(
        _ bytes: [UInt8], status: HTTPResponse.Status = .ok, contentType: String, language: Language? = nil
    ) -> Response {
        JSONAnswer(status: status, contentType: contentType, language: language, bytes: bytes).response
    }
}

/// A finished JSON answer, before it becomes the router's `Response` or is written to the channel
/// by `InlineAnswerHandler`; both take their header fields from `headerFields`, so the two ways
/// out cannot drift apart.
struct JSONAnswer: Sendable {
    var status: HTTPResponse.Status = .ok
    var contentType: String
    var language: Language?
    var bytes: [UInt8]

    /// Content-Type, Content-Language (the language the texts are in) and CORS for browser maps.
    /// Hummingbird appends Content-Length, Date and Server after these.
    var headerFields: HTTPFields {
        var headers: HTTPFields = [:]
        headers[.contentType] = contentType
        if let language {
            headers[.contentLanguage] = language.rawValue
            // The texts follow Accept-Language when `lang` is absent (RFC 9110 §12.5.5).
            headers[.vary] = "Accept-Language"
        }
        headers[.accessControlAllowOrigin] = "*"
        return headers
    }

    var response: Response {
        Response(status: status, headers: headerFields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
