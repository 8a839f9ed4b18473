import Foundation
import Hummingbird
import HummingbirdTesting
import LandAPI
import LandService
import LandModel
import Logging
import NIOCore
import NIOFoundationCompat
import Synchronization
import TestSupport

/// Every log line the services and the router write, message and metadata, for the scans that
/// check no personal data or key secret reaches a log.
final class LogRecorder: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "recorded") { _ in RecordingHandler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    struct RecordingHandler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.lines.withLock { $0.append("\(event.level) \(event.message) \(all) \(event.error.map { "\($0)" } ?? "")") }
        }
    }
}

/// A city (Tehran unless told) imported into a temp database, the services over it, and the router, with every log recorded.
struct RequestCity: Sendable {
    let services: LandServices
    let publicPostsPerMinute: Int
    let recorder: LogRecorder
    /// The database file.
    let path: String

    static func make(publicPostsPerMinute: Int = 10_000, dataset: String = "tehran") async throws -> RequestCity {
        let recorder = LogRecorder()
        let path = try await TestDatabase.imported(dataset)
        let services = try await LandServices.open(databaseAt: path, logger: recorder.logger)
        return RequestCity(services: services, publicPostsPerMinute: publicPostsPerMinute, recorder: recorder, path: path)
    }

    var app: some ApplicationProtocol {
        Application(router: buildRouter(services: services, publicPostsPerMinute: publicPostsPerMinute), logger: recorder.logger)
    }

    /// A new key of `role`, as its holder sends it.
    func key(_ name: String, _ role: String) async throws -> String {
        try await services.createKey(name: name, role: role == "admin" ? .admin : .planner, actor: "test").token
    }
}

/// A parsed JSON response.
struct Reply {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: Any? = nil, raw: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        var body: ByteBuffer?
        if let json { body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)) }
        if let raw { body = ByteBuffer(string: raw) }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await execute(uri: uri, method: method, headers: headers, body: body)
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }
}

/// A valid construction permit: P-000002 is R121, residential, 1 floor, 586 m² (parcels.geojson).
/// The applicant's id 0012345679 is checked by hand in NationalIDTests.
func permitBody(parcel: String = "P-000002", use: String = "residential", floors: Int = 3) -> [String: Any] {
    [
        "parcel_id": parcel, "kind": "construction_permit", "requested_use": use, "requested_floors": floors,
        "description": "Three floors, family home of Sara Ahmadi",
        "applicant": ["name": "Sara Ahmadi", "national_id": "0012345679", "phone": "+989121234567"],
    ]
}

/// Personal data of `permitBody`'s applicant, in every form it could leak.
let applicantSecrets = ["Sara Ahmadi", "Ahmadi", "0012345679", "9121234567", "۰۰۱۲۳۴۵۶۷۹"]
