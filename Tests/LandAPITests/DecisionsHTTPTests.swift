import Foundation
import GeoCore
import Hummingbird
import HummingbirdTesting
import LandAPI
import LandService
import LandModel
import Testing
import TestSupport

/// Decisions: the status machine, 409s, one winner among concurrent planners, and approval
/// changing the land for the very next request, with history, as-of answers and audit.
@Suite("Decisions over HTTP")
struct DecisionsHTTPTests {
    @Test("submitted → under_review → approved; deciding again is 409; unknown ids are 404; bad decisions 400")
    func statusMachine() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        try await city.app.test(.router) { client in
            let code = try #require(try await client.call(.post, "/requests", json: permitBody()).json["tracking_code"] as? String)
            let review = try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": "review"])
            #expect(review.status == .ok)
            #expect(review.json["status"] as? String == "under_review")
            #expect(try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": "review"]).status == .conflict)
            let approve = try await client.call(
                .post, "/requests/1/decision", key: planner, json: ["decision": "approve", "reason": "meets R121"])
            #expect(approve.status == .ok)
            #expect(approve.json["status"] as? String == "approved")
            #expect(approve.json["decided_by"] as? String == "sara")
            for decision in ["approve", "reject", "review"] {
                let again = try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": decision])
                #expect(again.status == .conflict, "\(decision)")
                #expect(again.json["code"] as? String == "Conflict")
            }
            let followed = try await client.call(.get, "/requests/\(code)")
            #expect(followed.json["status"] as? String == "approved")
            #expect(followed.json["decision_reason"] as? String == "meets R121")
            #expect(followed.json["decided_by"] == nil, "the planner's key name is not public")

            // Straight from submitted to rejected.
            _ = try await client.call(.post, "/requests", json: permitBody())
            let reject = try await client.call(.post, "/requests/2/decision", key: planner, json: ["decision": "reject", "reason": "no"])
            #expect(reject.json["status"] as? String == "rejected")

            #expect(try await client.call(.post, "/requests/99/decision", key: planner, json: ["decision": "approve"]).status == .notFound)
            #expect(try await client.call(.post, "/requests/abc/decision", key: planner, json: ["decision": "approve"]).status == .notFound)
            for body in [["decision": "maybe"], [:], ["decision": "approve", "extra": 1]] as [[String: Any]] {
                #expect(try await client.call(.post, "/requests/2/decision", key: planner, json: body).status == .badRequest)
            }
        }
    }

    @Test("ten planners deciding one request at once: exactly one 200, nine 409")
    func concurrentPlanners() async throws {
        let city = try await RequestCity.make()
        var keys: [String] = []
        for index in 0..<10 { keys.append(try await city.key("planner-\(index)", "planner")) }
        let planners = keys
        try await city.app.test(.router) { client in
            _ = try await client.call(.post, "/requests", json: permitBody(use: "commercial", floors: 2))
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (index, key) in planners.enumerated() {
                    group.addTask {
                        try await client.call(
                            .post, "/requests/1/decision", key: key, json: ["decision": index % 2 == 0 ? "approve" : "reject"]
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 9)
        }
        let audit = try await city.services.auditRecords(from: nil, to: nil, limit: 1000)
        #expect(audit.filter { $0.action == "request.approve" || $0.action == "request.reject" }.count == 1)
    }

    @Test("approval changes the parcel for the very next request; history answers as of before; /changes lists it")
    func approvalChangesTheLand() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        let before = Date.now
        try await Task.sleep(for: .milliseconds(5))
        try await city.app.test(.router) { client in
            func commercialCount(_ query: String) async throws -> Int {
                let stats = try await client.call(.get, "/stats/land-use?zone=R121" + query)
                let uses = stats.json["uses"] as? [[String: Any]] ?? []
                return uses.first { $0["use"] as? String == "commercial" }?["parcels"] as? Int ?? 0
            }
            let commercialBefore = try await commercialCount("")
            _ = try await client.call(.post, "/requests", json: permitBody(use: "commercial", floors: 2))
            #expect(try await commercialCount("") == commercialBefore, "filing changes nothing")
            let approved = try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": "approve"])
            #expect(approved.status == .ok)
            #expect(try await commercialCount("") == commercialBefore + 1, "the very next request sees the approval")

            let parcel = try #require(city.services.snapshots.snapshot.parcels.first { $0.id == ParcelID("P-000002") })
            #expect(parcel.currentUse == LandUse("commercial") && parcel.floors == 2)
            let stamp = before.formatted(.iso8601)
            #expect(try await commercialCount("&datetime=\(stamp)") == commercialBefore, "as of before, the old city")
            let past = try await city.services.snapshot(asOf: before)
            let old = try #require(past.parcels.first { $0.id == ParcelID("P-000002") })
            #expect(old.currentUse == LandUse("residential") && old.floors == 1)  // parcels.geojson: P-000002
            #expect(old.geometry == parcel.geometry)
            func lookedUp(_ query: String) async throws -> [String: Any]? {
                let reply = try await client.call(.get, "/lookup?parcel=P-000002" + query)
                #expect(reply.status == .ok, "\(query)")
                return (reply.json["parcel"] as? [String: Any])?["properties"] as? [String: Any]
            }
            #expect(try await lookedUp("")?["current_use"] as? String == "commercial")
            #expect(try await lookedUp("&datetime=\(stamp)")?["current_use"] as? String == "residential")
            #expect(try await lookedUp("&datetime=\(stamp)")?["floors"] as? Int == 1)
            #expect(try await client.call(.get, "/lookup?parcel=P-000002&datetime=last-week").status == .badRequest)
            // The same instant written in Tehran time (+03:30, '+' percent-encoded in the query).
            let tehran = before.formatted(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: TimeZone(secondsFromGMT: 12_600)!))
            #expect(tehran.hasSuffix("+03:30"))
            let tehranQuery = "&datetime=" + tehran.replacingOccurrences(of: "+", with: "%2B")
            #expect(try await lookedUp(tehranQuery)?["current_use"] as? String == "residential")

            // OGC API items: P-000002 is the second parcel by id.
            func ogcUse(_ query: String) async throws -> String? {
                let reply = try await client.call(.get, "/collections/parcels/items?limit=2" + query)
                #expect(reply.status == .ok, "\(query)")
                let features = reply.json["features"] as? [[String: Any]] ?? []
                let feature = features.first { $0["id"] as? String == "P-000002" }
                return (feature?["properties"] as? [String: Any])?["current_use"] as? String
            }
            #expect(try await ogcUse("") == "commercial")
            #expect(try await ogcUse("&datetime=\(stamp)") == "residential")
            #expect(try await ogcUse("&datetime=\(stamp)/..") == "commercial", "an open interval: its latest version, today's")

            let changes = try await client.call(.get, "/changes?from=\(stamp)")
            let list = try #require(changes.json["changes"] as? [[String: Any]])
            #expect(list.count == 1)
            #expect(list.first?["parcel_id"] as? String == "P-000002")
            #expect(list.first?["request_id"] as? Int == 1)
            #expect((list.first?["before"] as? [String: Any])?["current_use"] as? String == "residential")
            #expect((list.first?["before"] as? [String: Any])?["floors"] as? Int == 1)
            #expect((list.first?["after"] as? [String: Any])?["current_use"] as? String == "commercial")
            #expect((list.first?["after"] as? [String: Any])?["floors"] as? Int == 2)
            #expect(try await client.call(.get, "/changes?bbox=10,10,11,11").json["count"] as? Int == 0)
            #expect(try await client.call(.get, "/changes?bbox=51.40037,35.69286,51.40039,35.69288").json["count"] as? Int == 1)
            #expect(try await client.call(.get, "/changes?to=\(stamp)").json["count"] as? Int == 0)
            for bad in ["?from=yesterday", "?to=2026-13-01T00:00:00Z", "?bbox=a,b,c,d", "?who=me"] {
                #expect(try await client.call(.get, "/changes\(bad)").status == .badRequest, "\(bad)")
            }
        }
        // Stored, not only in memory: a fresh open of the database sees the approval.
        let reopened = try await LandServices.open(databaseAt: city.path, logger: city.recorder.logger)
        #expect(reopened.snapshots.snapshot.parcels.first { $0.id == ParcelID("P-000002") }?.currentUse == LandUse("commercial"))
    }

    @Test("a rezoning approval moves the parcel to the requested zone code")
    func rezoning() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        try await city.app.test(.router) { client in
            func count(_ zone: String) async throws -> Int {
                try await client.call(.get, "/stats/land-use?zone=\(zone)").json["parcels"] as? Int ?? -1
            }
            let (r121, s111) = (try await count("R121"), try await count("S111"))
            var body = permitBody(use: "commercial", floors: 2)
            body["kind"] = "land_use_change"
            body["requested_zone_code"] = "S111"
            #expect(try await client.call(.post, "/requests", json: body).status == .created)
            #expect(try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": "approve"]).status == .ok)
            #expect(try await count("R121") == r121 - 1)
            #expect(try await count("S111") == s111 + 1)
            let change = try #require((try await client.call(.get, "/changes").json["changes"] as? [[String: Any]])?.first)
            #expect((change["before"] as? [String: Any])?["zone_code"] as? String == "R121")
            #expect((change["after"] as? [String: Any])?["zone_code"] as? String == "S111")
        }
    }
}
