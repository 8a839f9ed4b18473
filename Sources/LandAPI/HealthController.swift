import Hummingbird
import LandService
import GeoFormats

/// `GET /health`: liveness and the size of each layer, from the in-memory snapshot.
struct HealthController: Sendable {
    let services: LandServices

    var endpoint: Endpoint {
        Endpoint(
            method: .get, path: "/health", summary: "Liveness and layer sizes", tag: "operations", parameters: [.lang],
            responses: [.ok(MediaType.json)], handler: { _, _, _ in health() })
    }

    func health() -> Response {
        let health = services.health
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("status")
        writer.string("ok")
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
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: "application/json")
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
