import Foundation
import GeoFormats
import Hummingbird
import HummingbirdTesting
@testable import LandAPI
import LandModel
import LandService
import Testing
import TestSupport

/// OGC API – Features Part 4 through the router (Tests/e2e/test_part4.py drives a real server
/// with shapely and pyproj): the RFC 7396 merge against the RFC's own examples, `If-Match` parsed
/// as RFC 9110's grammar says, two writers with one ETag (exactly one wins), the id scheme, and
/// the edit in the history, the audit and the answers of the next request.
@Suite("Feature edits (OGC API – Features Part 4)")
struct FeatureEditHTTPTests {
    /// RFC 7396 Appendix A: target, patch, result.
    @Test("merge patch: the examples of RFC 7396 Appendix A", arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func mergePatch(_ example: (target: String, patch: String, result: String)) throws {
        let merged = OGCController.mergePatch(try JSONParser.parse(Array(example.target.utf8)), try JSONParser.parse(Array(example.patch.utf8)))
        #expect(merged == (try JSONParser.parse(Array(example.result.utf8))))
    }

    @Test("If-Match: RFC 9110's list of entity tags, weak ones marked; anything else is not a list")
    func entityTags() {
        let tags = OGCController.entityTags(#" "abc-1", W/"x" ,"", "!#~" "#)
        #expect(tags?.map { "\($0.opaque)\($0.weak ? "(weak)" : "")" } == ["abc-1", "x(weak)", "", "!#~"])
        for bad in [#"abc"#, #""a b""#, #""a"b""#, #""a","#, #","a""#, #""a" "b""#, "\"tab\there\"", #"w/"a""#, ""] {
            #expect(OGCController.entityTags(bad) == nil, "\(bad)")
        }
    }

    @Test("next ids follow the dataset's scheme: the prefix most ids share, one past the largest, same width")
    func idScheme() {
        #expect(CitySnapshot.nextID(after: ["P-000001", "P-000009", "P-000003"], fallbackPrefix: "P-") == "P-000010")
        #expect(CitySnapshot.nextID(after: ["way/12", "way/7", "node/99"], fallbackPrefix: "Z-") == "way/13")
        #expect(CitySnapshot.nextID(after: ["Z-099"], fallbackPrefix: "Z-") == "Z-100")
        #expect(CitySnapshot.nextID(after: ["Z-999"], fallbackPrefix: "Z-") == "Z-1000")
        #expect(CitySnapshot.nextID(after: ["alpha", "beta"], fallbackPrefix: "F-") == "F-1")
    }

    @Test("two planners patching one parcel with the same ETag: exactly one wins, the other gets 412; both in order in the history")
    func concurrentPatches() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        try await city.app.test(.router) { client in
            let read = try await client.execute(uri: "/collections/parcels/items/P-000030", method: .get)
            let etag = try #require(read.headers[.eTag])
            @Sendable func patch(_ floors: Int) async throws -> HTTPResponse.Status {
                var headers: HTTPFields = [.authorization: "Bearer \(planner)", .contentType: "application/merge-patch+json"]
                headers[.ifMatch] = etag
                return try await client.execute(
                    uri: "/collections/parcels/items/P-000030", method: .patch, headers: headers,
                    body: ByteBuffer(string: #"{"properties":{"floors":\#(floors)}}"#)).status
            }
            async let first = patch(4)
            async let second = patch(5)
            let statuses = try await [first, second]
            #expect(statuses.sorted { $0.code < $1.code } == [.ok, .preconditionFailed])
            let winner = statuses[0] == .ok ? 4 : 5
            let now = try await client.call(.get, "/collections/parcels/items/P-000030")
            #expect((now.json["properties"] as? [String: Any])?["floors"] as? Int == winner)
            let changes = try #require(try await client.call(.get, "/changes").json["changes"] as? [[String: Any]])
            let ours = changes.filter { $0["parcel_id"] as? String == "P-000030" }
            #expect(ours.count == 1 && (ours[0]["after"] as? [String: Any])?["floors"] as? Int == winner)
            // The lookup of the next request answers the winner's floors.
            let lookup = try await client.call(.get, "/lookup?parcel=P-000030")
            #expect(((lookup.json["parcel"] as? [String: Any])?["properties"] as? [String: Any])?["floors"] as? Int == winner)
        }
        let audit = try await city.services.auditRecords(from: nil, to: nil, limit: 5)
        #expect(audit.first?.action == "feature.update" && audit.first?.target == "parcel:P-000030" && audit.first?.actor == "sara")
    }

    /// A request about a parcel that is gone, or whose outline is other than the one asked
    /// about, could not be decided as filed: a sync and a subdivision refuse such a change, and
    /// so does Part 4 until the request is decided. Values alone (floors) may still change.
    @Test("a parcel with an open request is neither deleted nor reshaped (409 naming the request); values may change; after the decision it may")
    func openRequestGuardsTheParcel() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        try await city.app.test(.router) { client in
            func send(_ method: HTTPRequest.Method, _ uri: String, _ body: String?, ifMatch: String = "*") async throws -> Reply {
                var headers: HTTPFields = [.authorization: "Bearer \(planner)", .contentType: "application/geo+json", .ifMatch: ifMatch]
                if method == .patch { headers[.contentType] = "application/merge-patch+json" }
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
            }
            let filed = try await client.call(.post, "/requests", json: permitBody(parcel: "P-000002"))
            let requestID = try #require(filed.json["id"] as? Int)
            let item = "/collections/parcels/items/P-000002"

            let deleted = try await send(.delete, item + "?lang=en", nil)
            #expect(deleted.status == .conflict)
            #expect(deleted.json["parameter"] as? String == "id")
            let english = try #require(deleted.json["description"] as? String)
            #expect(english.contains("P-000002") && english.contains("(\(requestID))"), "\(english)")
            #expect(!deleted.text.contains("Sara") && !deleted.text.contains("0012345679"), "no applicant's data in the error")
            let persian = try #require(try await send(.delete, item + "?lang=fa", nil).json["description"] as? String)
            #expect(persian.contains("P-000002") && persian.contains(SentenceNumber.persianDigits(String(requestID))), "\(persian)")

            // The outline shrunk to 90 % about its first vertex (inside the old one: no overlap).
            let stored = try await client.call(.get, item)
            let geometry = try #require(stored.json["geometry"] as? [String: Any])
            let ring = try #require((geometry["coordinates"] as? [[[Double]]])?.first)
            let origin = ring[0]
            let shrunk = ring.map { [origin[0] + 0.9 * ($0[0] - origin[0]), origin[1] + 0.9 * ($0[1] - origin[1])] }
            let feature: [String: Any] = [
                "type": "Feature", "geometry": ["type": "Polygon", "coordinates": [shrunk]], "properties": stored.json["properties"] ?? [:],
            ]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: feature), as: UTF8.self)
            let reshaped = try await send(.put, item + "?lang=en", body)
            #expect(reshaped.status == .conflict && (reshaped.json["description"] as? String)?.contains("(\(requestID))") == true, "\(reshaped.text)")
            #expect(try await send(.patch, item, #"{"properties":{"floors":2}}"#).status == .ok)
            #expect(try await client.call(.get, "/lookup?parcel=P-000002").status == .ok)

            let rejected = try await client.call(.post, "/requests/\(requestID)/decision", key: planner, json: ["decision": "reject", "reason": "e2e"])
            #expect(rejected.status == .ok)
            #expect(try await send(.put, item, body).status == .ok)
            #expect(try await send(.delete, item, nil).status == .noContent)
            #expect(try await client.call(.get, "/lookup?parcel=P-000002").status == .notFound)
        }
    }

    @Test("create, replace and delete: 201 with Location, id conflicts, the id kept, 204, and /search sees the new parcel")
    func createReplaceDelete() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        let square = #"{"type":"Polygon","coordinates":[[[51.2,35.5],[51.2002,35.5],[51.2002,35.5002],[51.2,35.5002],[51.2,35.5]]]}"#
        try await city.app.test(.router) { client in
            func send(_ method: HTTPRequest.Method, _ uri: String, _ body: String?, ifMatch: String? = nil) async throws -> Reply {
                var headers: HTTPFields = [.authorization: "Bearer \(planner)", .contentType: "application/geo+json"]
                if let ifMatch { headers[.ifMatch] = ifMatch }
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
            }
            let created = try await send(
                .post, "/collections/parcels/items", #"{"type":"Feature","id":"P-NEW-1","geometry":\#(square),"properties":{"current_use":"green","address":"Golestan 5"}}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.headers[.location]?.hasSuffix("/collections/parcels/items/P-NEW-1") == true)
            // A text property as /api declares it: a string or null; a boolean or a number is not one.
            for value in ["true", "12", "{}"] {
                let typed = try await send(
                    .post, "/collections/parcels/items", #"{"type":"Feature","geometry":\#(square),"properties":{"address":\#(value)}}"#)
                #expect(typed.status == .badRequest && typed.json["parameter"] as? String == "properties.address", "\(value): \(typed.text)")
            }
            let again = try await send(.post, "/collections/parcels/items", #"{"type":"Feature","id":"P-NEW-1","geometry":\#(square),"properties":{}}"#)
            #expect(again.status == .conflict)
            let search = try await client.call(.get, "/search?q=Golestan%205&lang=en")
            #expect((search.json["features"] as? [[String: Any]])?.contains { ($0["properties"] as? [String: Any])?["id"] as? String == "P-NEW-1" } == true)
            let etag = try #require(created.headers[.eTag])
            let renamed = try await send(
                .put, "/collections/parcels/items/P-NEW-1", #"{"type":"Feature","id":"P-OTHER","geometry":\#(square),"properties":{}}"#, ifMatch: etag)
            #expect(renamed.status == .badRequest && renamed.json["parameter"] as? String == "id")
            let bad = try await send(.put, "/collections/parcels/items/P-NEW-1", #"{"type":"Feature","geometry":\#(square),"properties":{}}"#, ifMatch: "etag-without-quotes")
            #expect(bad.status == .badRequest && bad.json["parameter"] as? String == "If-Match")
            #expect(try await send(.delete, "/collections/parcels/items/P-NEW-1", nil, ifMatch: #""0000000000000000-0""#).status == .preconditionFailed)
            #expect(try await send(.delete, "/collections/parcels/items/P-NEW-1", nil, ifMatch: "*").status == .noContent)
            #expect(try await client.call(.get, "/collections/parcels/items/P-NEW-1").status == .notFound)
            #expect(try await send(.delete, "/collections/parcels/items/P-NEW-1", nil, ifMatch: "*").status == .notFound)
        }
    }
}
