import Foundation
import Hummingbird
import HummingbirdTesting
import LandAPI
import LandService
import Testing
import TestSupport

/// Filing and following requests, every validation error, keys and roles, decisions and their
/// conflicts, all through HTTP (HummingbirdTesting, no sockets).
@Suite("Change requests over HTTP")
struct RequestsHTTPTests {
    @Test("a valid permit is 201 with id, tracking code, status and zoning check; the applicant follows it by code")
    func fileAndFollow() async throws {
        let city = try await RequestCity.make()
        try await city.app.test(.router) { client in
            let filed = try await client.call(.post, "/requests", json: permitBody())
            #expect(filed.status == .created)
            let body = filed.json
            let code = try #require(body["tracking_code"] as? String)
            #expect(code.range(of: #"^ZM-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$"#, options: .regularExpression) != nil)
            #expect(body["id"] as? Int == 1)
            #expect(body["status"] as? String == "submitted")
            #expect(filed.headers[.location] == "http://localhost/requests/\(code)", "absolute, from the links' base (PublicOrigin)")
            // R121 (zoning_rules.json): residential allowed, ≤ 5 floors, density 3 × 60 % = 180 ≤ 300, 586 m² ≥ 300.
            let check = try #require(body["zoning_check"] as? [String: Any])
            #expect(check["zone_code"] as? String == "R121")
            #expect(check["allowed"] as? Bool == true)
            #expect(check["needs_approval"] as? Bool == false)
            #expect(body["applicant"] == nil && body["description"] == nil)

            let followed = try await client.call(.get, "/requests/\(code)")
            #expect(followed.status == .ok)
            #expect(followed.json["status"] as? String == "submitted")
            #expect(followed.json["parcel_id"] as? String == "P-000002")
            #expect(followed.json["applicant"] == nil && followed.json["description"] == nil)

            let missing = try await client.call(.get, "/requests/ZM-2222-2222-2222")
            #expect(missing.status == .notFound)
            #expect(missing.json["code"] as? String == "NotFound")
        }
    }

    @Test("the zoning check is stored with the request: a disallowed use, a conditional use, a rezoning")
    func zoningCheckOutcomes() async throws {
        let city = try await RequestCity.make()
        try await city.app.test(.router) { client in
            // industrial is in no rule's lists: not allowed in R121.
            var industrial = permitBody(use: "industrial")
            industrial["kind"] = "land_use_change"
            let refused = try await client.call(.post, "/requests", json: industrial)
            #expect(refused.status == .created, "a request the rules refuse is still filed: a planner decides")
            let refusedCheck = try #require(refused.json["zoning_check"] as? [String: Any])
            #expect(refusedCheck["allowed"] as? Bool == false)
            let useCheck = (refusedCheck["checks"] as? [[String: Any]])?.first { $0["rule"] as? String == "use" }
            #expect(useCheck?["outcome"] as? String == "use_not_allowed")

            // commercial is conditional in R121: allowed, needs approval.
            let conditional = try await client.call(.post, "/requests", json: permitBody(use: "commercial", floors: 2))
            let conditionalCheck = try #require(conditional.json["zoning_check"] as? [String: Any])
            #expect(conditionalCheck["allowed"] as? Bool == true)
            #expect(conditionalCheck["needs_approval"] as? Bool == true)

            // Rezoning to S111 is checked against S111: commercial allowed, but 586 m² < 750 m² minimum.
            var rezoning = permitBody(use: "commercial", floors: 2)
            rezoning["kind"] = "land_use_change"
            rezoning["requested_zone_code"] = "S111"
            let rezoned = try await client.call(.post, "/requests", json: rezoning)
            #expect(rezoned.status == .created)
            let rezonedCheck = try #require(rezoned.json["zoning_check"] as? [String: Any])
            #expect(rezonedCheck["zone_code"] as? String == "S111")
            let area = (rezonedCheck["checks"] as? [[String: Any]])?.first { $0["rule"] as? String == "min_parcel_area" }
            #expect(area?["outcome"] as? String == "parcel_too_small")
            #expect(rezonedCheck["allowed"] as? Bool == false)
        }
    }

    @Test("every invalid body is a 400 naming the field, echoing no value, storing nothing")
    func validationErrors() async throws {
        let city = try await RequestCity.make()
        let admin = try await city.key("root", "admin")
        func with(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var body = permitBody()
            change(&body)
            return body
        }
        func applicant(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            with { body in
                var person = body["applicant"] as! [String: Any]
                change(&person)
                body["applicant"] = person
            }
        }
        let cases: [(String, [String: Any], String)] = [
            ("unknown field", with { $0["owner"] = "x" }, "owner"),
            ("missing parcel", with { $0["parcel_id"] = nil }, "parcel_id"),
            ("parcel not a string", with { $0["parcel_id"] = 7 }, "parcel_id"),
            ("unknown parcel", with { $0["parcel_id"] = "P-999999" }, "parcel_id"),
            ("unknown kind", with { $0["kind"] = "demolition" }, "kind"),
            ("missing use", with { $0["requested_use"] = nil }, "requested_use"),
            ("use not in the vocabulary", with { $0["requested_use"] = "casino" }, "requested_use"),
            ("negative floors", with { $0["requested_floors"] = -1 }, "requested_floors"),
            ("fractional floors", with { $0["requested_floors"] = 2.5 }, "requested_floors"),
            ("floors as text", with { $0["requested_floors"] = "3" }, "requested_floors"),
            ("permit without floors", with { $0["requested_floors"] = nil }, "requested_floors"),
            ("permit with a zone code", with { $0["requested_zone_code"] = "S111" }, "requested_zone_code"),
            ("unknown zone code", with { $0["kind"] = "land_use_change"; $0["requested_zone_code"] = "X999" }, "requested_zone_code"),
            ("missing applicant", with { $0["applicant"] = nil }, "applicant"),
            ("applicant not an object", with { $0["applicant"] = "Sara Ahmadi" }, "applicant"),
            ("missing name", applicant { $0["name"] = nil }, "applicant.name"),
            ("empty name", applicant { $0["name"] = "" }, "applicant.name"),
            ("unknown applicant field", applicant { $0["email"] = "s@example.org" }, "applicant.email"),
            ("bad check digit", applicant { $0["national_id"] = "0012345678" }, "applicant.national_id"),
            ("all same digits", applicant { $0["national_id"] = "1111111111" }, "applicant.national_id"),
            ("national id as number", applicant { $0["national_id"] = 12345679 }, "applicant.national_id"),
            ("landline", applicant { $0["phone"] = "02166554433" }, "applicant.phone"),
            ("short mobile", applicant { $0["phone"] = "0912123456" }, "applicant.phone"),
        ]
        let encoded = try cases.map { ($0.0, String(decoding: try JSONSerialization.data(withJSONObject: $0.1), as: UTF8.self), $0.2) }
        let unknownParcel = String(decoding: try JSONSerialization.data(withJSONObject: with { $0["parcel_id"] = "P-999999" }), as: UTF8.self)
        try await city.app.test(.router) { client in
            for (name, body, parameter) in encoded {
                let reply = try await client.call(.post, "/requests", raw: body)
                #expect(reply.status == .badRequest, "\(name)")
                #expect(reply.json["code"] as? String == "InvalidParameterValue", "\(name)")
                #expect(reply.json["parameter"] as? String == parameter, "\(name)")
                #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
                for secret in applicantSecrets + ["0012345678", "02166554433", "0912123456"] {
                    #expect(!reply.text.contains(secret), "\(name) echoes a value")
                }
            }
            for raw in ["not json", "[1, 2]", "", "{\"parcel_id\": "] {
                let reply = try await client.call(.post, "/requests", raw: raw)
                #expect(reply.status == .badRequest, "\(raw)")
                #expect(reply.json["code"] as? String == "InvalidParameterValue")
            }
            let unknownQuery = try await client.call(.post, "/requests?debug=1", json: permitBody())
            #expect(unknownQuery.status == .badRequest)
            #expect(unknownQuery.json["parameter"] as? String == "debug")
            let tooLarge = try await client.call(
                .post, "/requests", raw: "{\"description\": \"" + String(repeating: "x", count: 256 * 1024 + 1) + "\"}")  // over the filing limit (a subdivision's outlines)
            #expect(tooLarge.status == .contentTooLarge)
            let english = try await client.call(.post, "/requests?lang=en", raw: unknownParcel)
            #expect(english.json["description"] as? String == "There is no parcel with id 'P-999999'.")

            let stored = try await client.call(.get, "/requests", key: admin)
            #expect(stored.json["count"] as? Int == 0, "no invalid request was stored")
        }
    }

    @Test("planner endpoints: no key 401, bad or revoked key 401, wrong role 403, all JSON; public reads need no key")
    func keysAndRoles() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("planner-sara", "planner")
        let admin = try await city.key("admin-ali", "admin")
        let doomed = try await city.key("planner-gone", "planner")
        try await city.app.test(.router) { client in
            _ = try await client.call(.post, "/requests", json: permitBody())
            let none = try await client.call(.get, "/requests")
            #expect(none.status == .unauthorized)
            #expect(none.json["code"] as? String == "Unauthorized")
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            #expect(none.headers[.contentType]?.hasPrefix("application/json") == true)

            // Right key id, wrong secret; wrong scheme; garbage.
            let parts = planner.split(separator: "_")
            let wrongSecret = "zk_\(parts[1])_" + String(repeating: "0", count: 64)
            for bad in ["Bearer \(wrongSecret)", "Basic \(planner)", "Bearer nonsense", "Bearer", "\(planner)"] {
                var headers: HTTPFields = [:]
                headers[.authorization] = bad
                let response = try await client.execute(uri: "/requests", method: .get, headers: headers)
                #expect(response.status == .unauthorized, "\(bad.prefix(12))")
                #expect(!String(buffer: response.body).contains(String(parts[2])), "the secret is never echoed")
            }

            let asPlanner = try await client.call(.get, "/requests", key: planner)
            #expect(asPlanner.status == .ok)
            let first = try #require((asPlanner.json["requests"] as? [[String: Any]])?.first)
            let applicant = try #require(first["applicant"] as? [String: Any])
            #expect(applicant["name"] as? String == "Sara Ahmadi")
            #expect(applicant["national_id"] as? String == "0012345679")
            #expect(applicant["phone"] as? String == "09121234567", "stored normalised")
            #expect(try await client.call(.get, "/requests", key: admin).status == .ok, "admins may do what planners may")

            let forbidden = try await client.call(.get, "/audit", key: planner)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.json["code"] as? String == "Forbidden")
            #expect(try await client.call(.get, "/audit", key: admin).status == .ok)
            #expect(try await client.call(.get, "/audit").status == .unauthorized)
            #expect(try await client.call(.post, "/requests/1/decision", json: ["decision": "review"]).status == .unauthorized)

            // Revoked while the server runs: refused on the next request, no restart.
            #expect(try await client.call(.get, "/requests", key: doomed).status == .ok)
            try await city.services.revokeKey(name: "planner-gone", actor: "test")
            #expect(try await client.call(.get, "/requests", key: doomed).status == .unauthorized)

            // Public reads need no key.
            #expect(try await client.call(.get, "/health").status == .ok)
            #expect(try await client.call(.get, "/stats/land-use").status == .ok)
            #expect(try await client.call(.get, "/changes").status == .ok)
        }
        #expect(!city.recorder.text.contains(planner) && !city.recorder.text.contains(String(planner.suffix(64))), "no secret in the log")
    }

    @Test("planners list by status, bbox and zone")
    func listFilters() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("p", "planner")
        try await city.app.test(.router) { client in
            // P-000002 is in R121; P-000001 too; pick an M111 parcel from the GeoJSON.
            let features = try Fixtures.foundationFeatures(Fixtures.dataset("tehran").appending(path: "parcels.geojson"))
            let mixed = try #require(features.first { ($0["properties"] as! [String: Any])["zone_code"] as? String == "M111" })
            let mixedID = (mixed["properties"] as! [String: Any])["id"] as! String
            _ = try await client.call(.post, "/requests", json: permitBody(parcel: "P-000002"))
            _ = try await client.call(.post, "/requests", json: permitBody(parcel: mixedID))
            _ = try await client.call(.post, "/requests/2/decision", key: planner, json: ["decision": "review"])

            func ids(_ query: String) async throws -> [String] {
                let reply = try await client.call(.get, "/requests\(query)", key: planner)
                #expect(reply.status == .ok, "\(query)")
                return (reply.json["requests"] as? [[String: Any]] ?? []).map { $0["parcel_id"] as! String }
            }
            #expect(try await ids("") == ["P-000002", mixedID])
            #expect(try await ids("?status=submitted") == ["P-000002"])
            #expect(try await ids("?status=under_review") == [mixedID])
            #expect(try await ids("?zone=M111") == [mixedID])
            #expect(try await ids("?zone=R121&status=under_review") == [])
            // The first ring vertex of P-000002 is (51.4003809, 35.6928703): a tiny box around it meets P-000002.
            #expect(try await ids("?bbox=51.40037,35.69286,51.40039,35.69288").contains("P-000002"))
            #expect(try await ids("?bbox=10,10,11,11") == [])
            for bad in ["?status=done", "?bbox=1,2,3", "?bbox=5,5,4,4", "?zone=", "?page=2"] {
                let reply = try await client.call(.get, "/requests\(bad)", key: planner)
                #expect(reply.status == .badRequest, "\(bad)")
            }
        }
    }
}
