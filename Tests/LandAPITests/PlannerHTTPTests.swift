import Foundation
import GeoCore
import Hummingbird
import HummingbirdTesting
import LandAPI
import LandService
import Synchronization
import Testing
import TestSupport

/// Statistics against oracles computed here from the GeoJSON and zoning_rules.json read by
/// Foundation; the audit log; the rate limit; and the confidentiality scan.
@Suite("Planner statistics, audit, rate limit, confidentiality over HTTP")
struct PlannerHTTPTests {
    struct OracleParcel {
        let id: String
        let zone: String
        let use: String
        let area: Double
        let polygon: Polygon
    }

    static func oracleParcels() throws -> [OracleParcel] {
        try Fixtures.foundationFeatures(Fixtures.dataset("tehran").appending(path: "parcels.geojson")).map { feature in
            let properties = feature["properties"] as! [String: Any]
            let rings = (feature["geometry"] as! [String: Any])["coordinates"] as! [[[Double]]]
            let polygon = Polygon(
                exterior: Ring(xy: rings[0].flatMap { $0 }), holes: rings.dropFirst().map { Ring(xy: $0.flatMap { $0 }) })
            return OracleParcel(
                id: properties["id"] as! String, zone: properties["zone_code"] as! String,
                use: properties["current_use"] as! String, area: properties["area_m2"] as! Double, polygon: polygon)
        }
    }

    static func oracleRules() throws -> [String: (allowed: Set<String>, conditional: Set<String>)] {
        let data = try Data(contentsOf: Fixtures.dataset("tehran").appending(path: "zoning_rules.json"))
        let zones = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["zones"] as! [String: [String: Any]]
        return zones.mapValues { (Set($0["allowed_uses"] as! [String]), Set($0["conditional_uses"] as! [String])) }
    }

    /// Counts per use must match exactly; areas within 0.1 %: the server sums the geodesic areas it
    /// computed on import, the oracle the `area_m2` of the file (pyproj), which agree to that.
    static func expectLandUse(_ json: [String: Any], _ expected: [OracleParcel], _ label: String) {
        #expect(json["parcels"] as? Int == expected.count, "\(label)")
        var byUse: [String: (Int, Double)] = [:]
        for parcel in expected { byUse[parcel.use, default: (0, 0)].0 += 1; byUse[parcel.use, default: (0, 0)].1 += parcel.area }
        let uses = json["uses"] as? [[String: Any]] ?? []
        #expect(uses.map { $0["use"] as? String ?? "" } == byUse.keys.sorted(), "\(label)")
        for entry in uses {
            let use = entry["use"] as? String ?? ""
            #expect(entry["parcels"] as? Int == byUse[use]?.0, "\(label) \(use)")
            let area = entry["area_m2"] as? Double ?? 0
            #expect(abs(area - (byUse[use]?.1 ?? 0)) <= 0.001 * area, "\(label) \(use): \(area)")
        }
    }

    @Test("land-use statistics per zone, per bbox and for the whole city match the GeoJSON")
    func landUseStatistics() async throws {
        let city = try await RequestCity.make()
        let parcels = try Self.oracleParcels()
        // A window over the south-west of the district (README: bbox 51.4001056, 35.6927002 – 51.4289674, 35.7162411).
        let box = (minX: 51.405, minY: 35.695, maxX: 51.412, maxY: 35.701)
        try await city.app.test(.router) { client in
            let whole = try await client.call(.get, "/stats/land-use")
            #expect(whole.status == .ok)
            Self.expectLandUse(whole.json, parcels, "city")
            for zone in ["R121", "M111", "G111"] {
                let reply = try await client.call(.get, "/stats/land-use?zone=\(zone)")
                #expect(reply.json["zone"] as? String == zone)
                Self.expectLandUse(reply.json, parcels.filter { $0.zone == zone }, zone)
            }
            let inBox = parcels.filter {
                BruteForce.polygonIntersectsBox($0.polygon, minX: box.minX, minY: box.minY, maxX: box.maxX, maxY: box.maxY)
            }
            #expect(inBox.count > 50 && inBox.count < parcels.count / 2, "the window is a real sample")
            let bbox = "\(box.minX),\(box.minY),\(box.maxX),\(box.maxY)"
            Self.expectLandUse(try await client.call(.get, "/stats/land-use?bbox=\(bbox)").json, inBox, "bbox")
            Self.expectLandUse(
                try await client.call(.get, "/stats/land-use?bbox=\(bbox)&zone=R112").json, inBox.filter { $0.zone == "R112" },
                "bbox+zone")
            let nowhere = try await client.call(.get, "/stats/land-use?zone=NONE")
            #expect(nowhere.json["parcels"] as? Int == 0)
            for bad in ["?bbox=1,2,3,4,5", "?bbox=0,91,1,92", "?zone=", "?datetime=now", "?group=use"] {
                let reply = try await client.call(.get, "/stats/land-use\(bad)")
                #expect(reply.status == .badRequest, "\(bad)")
                #expect(reply.json["code"] as? String == "InvalidParameterValue")
            }
        }
    }

    @Test("non-conforming parcels: use neither allowed nor conditional in the zone, by id; conditional listed apart")
    func nonConforming() async throws {
        let city = try await RequestCity.make()
        let parcels = try Self.oracleParcels()
        let rules = try Self.oracleRules()
        try await city.app.test(.router) { client in
            for zone in [nil, "R121", "G111", "S121"] as [String?] {
                let selected = parcels.filter { zone == nil || $0.zone == zone }
                let expected = selected.filter { !rules[$0.zone]!.allowed.contains($0.use) && !rules[$0.zone]!.conditional.contains($0.use) }
                let conditional = selected.filter { rules[$0.zone]!.conditional.contains($0.use) }
                let reply = try await client.call(.get, "/stats/non-conforming" + (zone.map { "?zone=\($0)" } ?? ""))
                #expect(reply.status == .ok)
                let json = reply.json
                #expect(json["count"] as? Int == expected.count, "\(zone ?? "city")")
                #expect((json["parcels"] as? [[String: Any]])?.map { $0["id"] as! String } == expected.map(\.id).sorted(), "\(zone ?? "city")")
                #expect(json["conditional_count"] as? Int == conditional.count)
                #expect(json["examined"] as? Int == selected.count)
                #expect(json["conditional_counts_as_conforming"] as? Bool == true)
            }
            // An approved industrial use in R121 becomes non-conforming at once.
            let planner = try await city.key("p", "planner")
            let before = try await client.call(.get, "/stats/non-conforming?zone=R121").json["count"] as? Int ?? 0
            var body = permitBody(use: "industrial")
            body["kind"] = "land_use_change"
            _ = try await client.call(.post, "/requests", json: body)
            _ = try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": "approve"])
            #expect(try await client.call(.get, "/stats/non-conforming?zone=R121").json["count"] as? Int == before + 1)
        }
    }

    @Test("every write is audited with who, when, what, before and after; only admins read it")
    func auditLog() async throws {
        let city = try await RequestCity.make()
        let admin = try await city.key("admin-ali", "admin")
        let planner = try await city.key("planner-sara", "planner")
        try await city.app.test(.router) { client in
            _ = try await client.call(.post, "/requests", json: permitBody())
            _ = try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": "approve"])
            try await city.services.revokeKey(name: "planner-sara", actor: "test")
            let reply = try await client.call(.get, "/audit", key: admin)
            #expect(reply.status == .ok)
            let records = try #require(reply.json["records"] as? [[String: Any]])
            #expect(records.map { $0["action"] as! String } == [
                "key.revoke", "request.approve", "request.file", "key.create", "key.create",
                // GeoData/tehran's districts, projects, sensitive sites and inspection feed, each stored whole (issue 21).
                "layer.import", "layer.import", "layer.import", "layer.import", "services.import", "import",
            ])
            let approval = records[1]
            #expect(approval["actor"] as? String == "planner-sara")
            #expect(approval["target"] as? String == "request:1")
            #expect((approval["before"] as? [String: Any])?["status"] as? String == "submitted")
            let after = try #require(approval["after"] as? [String: Any])
            #expect(after["status"] as? String == "approved")
            #expect((after["parcel"] as? [String: Any])?["floors"] as? Int == 3)
            #expect(records[2]["actor"] as? String == "public")
            #expect((approval["at"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
            for secret in applicantSecrets { #expect(!reply.text.contains(secret)) }
            #expect(try await client.call(.get, "/audit?limit=2", key: admin).json["records"].map { ($0 as! [Any]).count } == 2)
            #expect(try await client.call(.get, "/audit?from=2999-01-01T00:00:00Z", key: admin).json["records"].map { ($0 as! [Any]).count } == 0)
            for bad in ["?limit=0", "?limit=x", "?from=soon", "?actor=me"] {
                #expect(try await client.call(.get, "/audit\(bad)", key: admin).status == .badRequest, "\(bad)")
            }
        }
    }

    @Test("public POSTs are rate-limited per client address: 429 with Retry-After, JSON")
    func rateLimit() async throws {
        // Two a minute: a token comes back every 30 s, far longer than these requests take even
        // on a loaded machine; the loop allows for a refill between two of them all the same.
        let city = try await RequestCity.make(publicPostsPerMinute: 2)
        try await city.app.test(.router) { client in
            #expect(try await client.call(.post, "/requests", json: permitBody()).status == .created)
            #expect(try await client.call(.post, "/requests", raw: "bad").status == .badRequest, "invalid posts count too")
            var refused: Reply?
            for _ in 0..<4 {
                let reply = try await client.call(.post, "/requests", json: permitBody())
                if reply.status == .tooManyRequests { refused = reply; break }
                #expect(reply.status == .created)
            }
            let reply = try #require(refused, "four more posts without a 429")
            #expect(reply.json["code"] as? String == "TooManyRequests")
            #expect(Int(reply.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await client.call(.get, "/health").status == .ok, "reads are not limited")
        }
    }

    @Test("no public response, error or log line contains the applicant's name, national id or phone")
    func confidentiality() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("planner-sara", "planner")
        let collected = Mutex<[String]>([])
        try await city.app.test(.router) { client in
            func record(_ reply: Reply) { collected.withLock { $0.append(reply.text + "\n" + reply.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")) } }
            let filed = try await client.call(.post, "/requests", json: permitBody())
            record(filed)
            let code = filed.json["tracking_code"] as? String ?? ""
            var bad = permitBody()
            bad["applicant"] = ["name": "Sara Ahmadi", "national_id": "0012345679", "phone": "12345"]
            record(try await client.call(.post, "/requests", json: bad))
            bad["applicant"] = ["name": "Sara Ahmadi", "national_id": "0012345678", "phone": "09121234567"]
            record(try await client.call(.post, "/requests", json: bad))
            bad = permitBody(parcel: "P-999999")
            record(try await client.call(.post, "/requests", json: bad))
            record(try await client.call(.get, "/requests/\(code)"))
            _ = try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": "approve", "reason": "ok"])
            record(try await client.call(.get, "/requests/\(code)"))
            record(try await client.call(.get, "/requests"))
            record(try await client.call(.get, "/changes"))
            record(try await client.call(.get, "/stats/land-use"))
            record(try await client.call(.get, "/stats/non-conforming?zone=R121"))
            record(try await client.call(.get, "/audit"))
            // The planner does see them: the scan is not vacuous.
            let planners = try await client.call(.get, "/requests", key: planner)
            #expect(["Sara Ahmadi", "0012345679", "09121234567"].allSatisfy { planners.text.contains($0) })
        }
        let publicTexts = collected.withLock { $0 }
        #expect(publicTexts.count == 11)
        let log = city.recorder.text
        #expect(log.contains("request filed") && log.contains("request decided"), "the log was recorded")
        for secret in applicantSecrets {
            for text in publicTexts { #expect(!text.contains(secret), "public response contains personal data") }
            #expect(!log.contains(secret), "log contains personal data")
        }
    }
}
