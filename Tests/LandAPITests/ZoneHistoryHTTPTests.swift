import Foundation
import GeoCore
import Hummingbird
import HummingbirdTesting
import LandAPI
import LandModel
import LandService
import Testing
import TestSupport

/// The oracle of the rezoning tests: zones.geojson, parcels.geojson and zoning_rules.json read with
/// Foundation, and which parcels lie in a zone by a plain even–odd test of a point of each parcel
/// (the mean of its outline's vertices, inside every parcel of the Tehran district) — not the
/// server's index, interior point or point-in-polygon code.
enum ZoneOracle {
    static func zone(_ id: String) throws -> SourceFeature {
        try #require(try SourceLayers.zones.get().first { $0.id == id })
    }

    static func parcels(in zoneID: String) throws -> [SourceFeature] {
        let zone = try zone(zoneID)
        return try SourceLayers.parcels.get().filter { parcel in
            let ring = parcel.polygons[0].exterior.xy
            let count = ring.count / 2 - 1  // the closing vertex repeats the first
            let x = stride(from: 0, to: 2 * count, by: 2).map { ring[$0] }.reduce(0, +) / Double(count)
            let y = stride(from: 1, to: 2 * count, by: 2).map { ring[$0] }.reduce(0, +) / Double(count)
            return zone.polygons.contains { BruteForce.evenOddContains([$0.exterior] + $0.holes, x: x, y: y) }
        }.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
    }

    struct Rule: Sendable {
        let nameFa: String, nameEn: String
        let allowed: [String], conditional: [String]
        let maxFloors: Int
    }

    static let rules: [String: Rule] = {
        let data = try! Data(contentsOf: Fixtures.dataset("tehran").appending(path: "zoning_rules.json"))
        let zones = (try! JSONSerialization.jsonObject(with: data) as! [String: Any])["zones"] as! [String: [String: Any]]
        return zones.mapValues { rule in
            Rule(
                nameFa: rule["name_fa"] as! String, nameEn: rule["name_en"] as! String, allowed: rule["allowed_uses"] as! [String],
                conditional: rule["conditional_uses"] as! [String], maxFloors: rule["max_floors"] as! Int)
        }
    }()

    /// Use allowed, conditional or neither under the rules of `code`.
    static func conformity(use: String, code: String) -> String {
        let rule = rules[code]!
        if rule.allowed.contains(use) { return "allowed" }
        if rule.conditional.contains(use) { return "conditional" }
        return "not_allowed"
    }

    static func count(parcelsOf code: String) throws -> Int {
        try SourceLayers.parcels.get().filter { $0.properties["zone_code"] as? String == code }.count
    }
}

/// An instant as the API reads it, to the millisecond.
func stamp(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }

/// A stored instant read back with Foundation.
func instant(_ text: Any?) -> Date? {
    (text as? String).flatMap { try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) }
}

@Suite("Zone history: rezoning over HTTP, as of before, /changes, audit, restart")
struct ZoneHistoryHTTPTests {
    @Test("rezoning Z-001 R121 → R122: the zone and its parcels change for the very next request; before answers as then")
    func rezoneAZone() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        let admin = try await city.key("ali", "admin")
        let zone = try ZoneOracle.zone("Z-001")
        #expect(zone.properties["code"] as? String == "R121")  // zones.geojson
        let members = try ZoneOracle.parcels(in: "Z-001")
        #expect(members.count > 100 && members.allSatisfy { $0.properties["zone_code"] as? String == "R121" })
        let memberIDs = members.map(\.id)
        let r121 = try ZoneOracle.count(parcelsOf: "R121"), r122 = try ZoneOracle.count(parcelsOf: "R122")
        let zonesR122 = try SourceLayers.zones.get().filter { $0.properties["code"] as? String == "R122" }.count
        let rule122 = ZoneOracle.rules["R122"]!
        let before = Date.now
        try await Task.sleep(for: .milliseconds(5))
        try await city.app.test(.router) { client in
            let sent = Date.now
            let reply = try await client.call(
                .post, "/zones/Z-001/rezone", key: planner, json: ["code": "R122", "reason": "Article 5 Commission, resolution 1405/123"])
            let received = Date.now
            #expect(reply.status == .ok, "\(reply.text)")
            let body = reply.json
            #expect(body["zone_id"] as? String == "Z-001")
            let at = try #require(instant(body["at"]))
            #expect(at >= sent.addingTimeInterval(-0.001) && at <= received.addingTimeInterval(0.001))
            let beforeValues = try #require(body["before"] as? [String: Any])
            #expect(beforeValues["code"] as? String == "R121")
            #expect(beforeValues["name_en"] as? String == zone.properties["name_en"] as? String)
            let afterValues = try #require(body["after"] as? [String: Any])
            #expect(afterValues["code"] as? String == "R122")
            // Tehran's zones are named after their code: the names follow it.
            #expect(afterValues["name_en"] as? String == rule122.nameEn)
            #expect(afterValues["name_fa"] as? String == rule122.nameFa)
            let parcels = try #require(body["parcels"] as? [String: Any])
            #expect(parcels["rezoned"] as? [String] == memberIDs)
            #expect((parcels["own_code_kept"] as? [String])?.isEmpty == true)
            let notAllowed = members.filter { ZoneOracle.conformity(use: $0.properties["current_use"] as! String, code: "R122") == "not_allowed" }
            #expect((parcels["non_conforming"] as? [[String: Any]])?.map { $0["id"] as! String } == notAllowed.map(\.id))
            #expect((parcels["non_conforming"] as? [[String: Any]])?.allSatisfy { $0["zone_code"] as? String == "R122" } == true)
            #expect((parcels["examined"] as? Int ?? 0) + (parcels["unclassified"] as? Int ?? 0) == members.count)

            // OGC zones: the very next request sees the new code.
            let feature = try await client.call(.get, "/collections/zones/items/Z-001")
            let properties = try #require((feature.json["properties"] as? [String: Any]))
            #expect(properties["code"] as? String == "R122")
            #expect(properties["valid_from"] == nil, "validity only with datetime")
            #expect(try await client.call(.get, "/collections/zones/items?code=R122").json["numberMatched"] as? Int == zonesR122 + 1)
            #expect(try await client.call(.get, "/collections/parcels/items?zone_code=R122").json["numberMatched"] as? Int == r122 + members.count)

            // /lookup and /zoning-check agree: the parcel's code and its zone's are R122, and R122's rules apply.
            let sample = try #require(members.first { ($0.properties["area_m2"] as! Double) > 550 })
            let looked = try await client.call(.get, "/lookup?parcel=\(sample.id)&lang=en")
            #expect((looked.json["zone"] as? [String: Any])?["code"] as? String == "R122")
            #expect(((looked.json["parcel"] as? [String: Any])?["properties"] as? [String: Any])?["zone_code"] as? String == "R122")
            #expect((looked.json["rules"] as? [String: Any])?["max_floors"] as? Int == rule122.maxFloors)
            let use = sample.properties["current_use"] as! String
            #expect((looked.json["conformity"] as? [String: Any])?["status"] as? String == ZoneOracle.conformity(use: use, code: "R122"))
            // 6 floors of housing: over R121's 5 floors (and its 300 % density at 60 % coverage), within R122's 7 and 420 %.
            let check = try await client.call(.get, "/zoning-check?parcel=\(sample.id)&use=residential&floors=6")
            #expect(check.json["zone_code"] as? String == "R122")
            #expect(check.json["allowed"] as? Bool == true, "\(check.text)")

            // Statistics by zone code follow.
            #expect(try await client.call(.get, "/stats/land-use?zone=R122").json["parcels"] as? Int == r122 + members.count)
            #expect(try await client.call(.get, "/stats/land-use?zone=R121").json["parcels"] as? Int == r121 - members.count)

            // As of before the rezoning: the old code everywhere.
            let then = stamp(before)
            let oldZone = try await client.call(.get, "/collections/zones/items/Z-001?datetime=\(then)")
            let oldProperties = try #require(oldZone.json["properties"] as? [String: Any])
            #expect(oldProperties["code"] as? String == "R121")
            #expect(oldProperties["name_en"] as? String == zone.properties["name_en"] as? String)
            #expect(oldProperties["valid_from"] is NSNull, "the imported version reaches back without limit")
            #expect(instant(oldProperties["valid_to"]) == at)
            let oldLookup = try await client.call(.get, "/lookup?parcel=\(sample.id)&datetime=\(then)")
            #expect((oldLookup.json["zone"] as? [String: Any])?["code"] as? String == "R121")
            #expect(((oldLookup.json["parcel"] as? [String: Any])?["properties"] as? [String: Any])?["zone_code"] as? String == "R121")
            #expect((oldLookup.json["rules"] as? [String: Any])?["code"] as? String == "R121")
            #expect(try await client.call(.get, "/collections/zones/items?code=R122&datetime=\(then)").json["numberMatched"] as? Int == zonesR122)
            #expect(try await client.call(.get, "/stats/land-use?zone=R121&datetime=\(then)").json["parcels"] as? Int == r121)
            #expect(try await client.call(.get, "/stats/land-use?zone=R122&datetime=\(then)").json["parcels"] as? Int == r122)
            let now = try await client.call(.get, "/collections/zones/items/Z-001?datetime=\(stamp(Date.now))")
            #expect((now.json["properties"] as? [String: Any])?["code"] as? String == "R122")
            #expect(instant((now.json["properties"] as? [String: Any])?["valid_from"]) == at)
            #expect((now.json["properties"] as? [String: Any])?["valid_to"] is NSNull)

            // /changes: the zone first, then each parcel that followed it, linked by the zone change id.
            let changesReply = try await client.call(.get, "/changes?from=\(then)")
            #expect(!changesReply.text.contains("sara"), "key names are not public")
            let changes = try #require(changesReply.json["changes"] as? [[String: Any]])
            #expect(changes.count == 1 + members.count)
            let zoneEntry = changes[0]
            #expect(zoneEntry["layer"] as? String == "zone")
            #expect(zoneEntry["zone_id"] as? String == "Z-001")
            #expect((zoneEntry["before"] as? [String: Any])?["code"] as? String == "R121")
            #expect((zoneEntry["after"] as? [String: Any])?["code"] as? String == "R122")
            #expect(zoneEntry["reason"] as? String == "Article 5 Commission, resolution 1405/123")
            #expect(zoneEntry["decided_by"] == nil)
            let parcelEntries = changes.dropFirst()
            #expect(parcelEntries.map { $0["parcel_id"] as! String } == memberIDs)
            #expect(parcelEntries.allSatisfy {
                $0["layer"] as? String == "parcel" && $0["request_id"] is NSNull
                    && $0["zone_change_id"] as? Int == zoneEntry["zone_change_id"] as? Int
                    && ($0["before"] as? [String: Any])?["zone_code"] as? String == "R121"
                    && ($0["after"] as? [String: Any])?["zone_code"] as? String == "R122"
            })
            // bbox: a box inside another zone (Z-002's south-west corner area) lists nothing.
            #expect(try await client.call(.get, "/changes?bbox=51.4090,35.6930,51.4095,35.6935").json["count"] as? Int == 0)

            // Audit: who, when, what, before and after.
            let records = try #require(try await client.call(.get, "/audit", key: admin).json["records"] as? [[String: Any]])
            let audit = try #require(records.first { $0["action"] as? String == "zone.rezone" })
            #expect(audit["actor"] as? String == "sara")
            #expect(audit["target"] as? String == "zone:Z-001")
            #expect(instant(audit["at"]) == at)
            #expect((audit["before"] as? [String: Any])?["code"] as? String == "R121")
            #expect((audit["after"] as? [String: Any])?["code"] as? String == "R122")
            #expect((audit["after"] as? [String: Any])?["parcels_rezoned"] as? [String] == memberIDs)
        }

        // The change is stored: a fresh open of the database (a restart) answers the same, now and as of before.
        let reopened = try await LandServices.open(databaseAt: city.path, logger: city.recorder.logger)
        let app = Application(router: buildRouter(services: reopened))
        try await app.test(.router) { client in
            #expect((try await client.call(.get, "/collections/zones/items/Z-001").json["properties"] as? [String: Any])?["code"] as? String == "R122")
            let old = try await client.call(.get, "/collections/zones/items/Z-001?datetime=\(stamp(before))")
            #expect((old.json["properties"] as? [String: Any])?["code"] as? String == "R121")
            #expect(try await client.call(.get, "/stats/land-use?zone=R121&datetime=\(stamp(before))").json["parcels"] as? Int == r121)
            #expect(try await client.call(.get, "/stats/land-use?zone=R122").json["parcels"] as? Int == r122 + members.count)
        }
    }

    @Test("a parcel rezoned on its own keeps its code when its zone is rezoned; rezoning twice keeps every version")
    func ownCodeAndTwoRezonings() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        let admin = try await city.key("ali", "admin")
        let members = try ZoneOracle.parcels(in: "Z-001").map(\.id)
        #expect(members.contains("P-000002"))  // parcels.geojson: P-000002 is R121, residential, in Z-001
        try await city.app.test(.router) { client in
            var body = permitBody(use: "commercial", floors: 2)
            body["kind"] = "land_use_change"
            body["requested_zone_code"] = "S111"
            #expect(try await client.call(.post, "/requests", json: body).status == .created)
            #expect(try await client.call(.post, "/requests/1/decision", key: planner, json: ["decision": "approve"]).status == .ok)
            try await Task.sleep(for: .milliseconds(5))
            let t0 = Date.now
            try await Task.sleep(for: .milliseconds(5))

            let first = try await client.call(.post, "/zones/Z-001/rezone", key: planner, json: ["code": "R122", "reason": "first"])
            #expect(first.status == .ok)
            let parcels = try #require(first.json["parcels"] as? [String: Any])
            #expect(parcels["own_code_kept"] as? [String] == ["P-000002"])
            #expect(parcels["rezoned"] as? [String] == members.filter { $0 != "P-000002" })
            let own = try await client.call(.get, "/lookup?parcel=P-000002")
            #expect(((own.json["parcel"] as? [String: Any])?["properties"] as? [String: Any])?["zone_code"] as? String == "S111")
            #expect((own.json["rules"] as? [String: Any])?["code"] as? String == "S111")
            try await Task.sleep(for: .milliseconds(5))
            let t1 = Date.now
            try await Task.sleep(for: .milliseconds(5))

            // An admin may rezone too; the Persian names of M111 come with the code.
            let second = try await client.call(.post, "/zones/Z-001/rezone", key: admin, json: ["code": "M111", "reason": "second"])
            #expect(second.status == .ok)
            #expect((second.json["after"] as? [String: Any])?["name_fa"] as? String == ZoneOracle.rules["M111"]!.nameFa)
            #expect(second.json["valid_from"] as? String == first.json["at"] as? String, "the second version began when the first ended")
            try await Task.sleep(for: .milliseconds(5))
            let t2 = Date.now

            func zone(_ query: String) async throws -> [String: Any] {
                let reply = try await client.call(.get, "/collections/zones/items/Z-001?\(query)")
                #expect(reply.status == .ok, "\(query)")
                return try #require(reply.json["properties"] as? [String: Any])
            }
            #expect(try await zone("datetime=\(stamp(t0))")["code"] as? String == "R121")
            let middle = try await zone("datetime=\(stamp(t1))")
            #expect(middle["code"] as? String == "R122")
            #expect(middle["valid_from"] as? String == first.json["at"] as? String)
            #expect(middle["valid_to"] as? String == second.json["at"] as? String)
            #expect(try await zone("datetime=\(stamp(t2))")["code"] as? String == "M111")
            // An interval: the latest version within it.
            #expect(try await zone("datetime=\(stamp(t0))/\(stamp(t1))")["code"] as? String == "R122")
            #expect(try await zone("datetime=../\(stamp(t0))")["code"] as? String == "R121")
            // Filters pick the version: Z-001 was R122 at some time within [t0, t2].
            let wasR122 = try await client.call(.get, "/collections/zones/items?code=R122&datetime=\(stamp(t0))/\(stamp(t2))")
            let r122Zones = try SourceLayers.zones.get().filter { $0.properties["code"] as? String == "R122" }.map(\.id)
            #expect(featureIDs(wasR122.json) == (r122Zones + ["Z-001"]).sorted())
            let z001 = try #require((wasR122.json["features"] as? [[String: Any]])?.first { $0["id"] as? String == "Z-001" })
            #expect((z001["properties"] as? [String: Any])?["valid_to"] as? String == second.json["at"] as? String)
            // The parcel with its own code was never rezoned by the zone: S111 since its approval.
            let p2 = try await client.call(.get, "/collections/parcels/items/P-000002?datetime=\(stamp(t2))")
            #expect((p2.json["properties"] as? [String: Any])?["zone_code"] as? String == "S111")
            // Another member followed both rezonings.
            let follower = members.first { $0 != "P-000002" }!
            for (time, code) in [(t0, "R121"), (t1, "R122"), (t2, "M111")] {
                let reply = try await client.call(.get, "/collections/parcels/items/\(follower)?datetime=\(stamp(time))")
                #expect((reply.json["properties"] as? [String: Any])?["zone_code"] as? String == code, "\(time)")
            }
        }
    }

    @Test("Helsinki: a zone named after a place keeps its name; parcels without a code of their own follow through the zone")
    func placeNamedZone() async throws {
        let city = try await RequestCity.make(dataset: "helsinki")
        let planner = try await city.key("sara", "planner")
        // landuse.geojson: way/37379899 is a commercial area named Hauki; parcels.geojson has no zone codes.
        let zones = try SourceFeature.load("landuse.geojson", city: "helsinki")
        // Helsinki's ids are `osm_ref` (dataset.json).
        @Sendable func ref(_ feature: SourceFeature) -> String { feature.properties["osm_ref"] as? String ?? "" }
        let hauki = try #require(zones.first { ref($0) == "way/37379899" })
        #expect(hauki.properties["landuse"] as? String == "commercial" && hauki.properties["name"] as? String == "Hauki")
        func contains(_ zone: SourceFeature, _ x: Double, _ y: Double) -> Bool {
            zone.polygons.contains { BruteForce.evenOddContains([$0.exterior] + $0.holes, x: x, y: y) }
        }
        // A building wholly inside Hauki, whose vertex mean lies in no other land-use area.
        let parcels = try SourceFeature.load("parcels.geojson", city: "helsinki")
        let building = try #require(parcels.first { parcel in
            let ring = parcel.polygons[0].exterior.xy
            let count = ring.count / 2 - 1
            let x = stride(from: 0, to: 2 * count, by: 2).map { ring[$0] }.reduce(0, +) / Double(count)
            let y = stride(from: 1, to: 2 * count, by: 2).map { ring[$0] }.reduce(0, +) / Double(count)
            return stride(from: 0, to: 2 * count, by: 2).allSatisfy { contains(hauki, ring[$0], ring[$0 + 1]) }
                && zones.filter { contains($0, x, y) }.map(ref) == ["way/37379899"]
        })
        let buildingPath = ref(building).replacingOccurrences(of: "/", with: "%2F")
        let before = Date.now
        try await Task.sleep(for: .milliseconds(5))
        try await city.app.test(.router) { client in
            // The id holds a slash: percent-encoded in its path segment.
            let reply = try await client.call(.post, "/zones/way%2F37379899/rezone", key: planner, json: ["code": "residential", "reason": "r"])
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.json["zone_id"] as? String == "way/37379899")
            #expect((reply.json["after"] as? [String: Any])?["name_en"] as? String == "Hauki")
            #expect((reply.json["parcels"] as? [String: Any])?["rezoned"] as? [String] == [])
            let looked = try await client.call(.get, "/lookup?parcel=\(buildingPath)")
            #expect((looked.json["zone"] as? [String: Any])?["code"] as? String == "residential")
            #expect((looked.json["zone"] as? [String: Any])?["name_en"] as? String == "Hauki")
            #expect((looked.json["rules"] as? [String: Any])?["code"] as? String == "residential")
            let old = try await client.call(.get, "/lookup?parcel=\(buildingPath)&datetime=\(stamp(before))")
            #expect((old.json["zone"] as? [String: Any])?["code"] as? String == "commercial")
            #expect((old.json["rules"] as? [String: Any])?["code"] as? String == "commercial")
            let feature = try await client.call(.get, "/collections/zones/items/way%2F37379899?datetime=\(stamp(before))")
            #expect((feature.json["properties"] as? [String: Any])?["code"] as? String == "commercial")
        }
    }

    @Test("rezoning errors: 401 without a valid key, 404 unknown zone, 400 naming the field, 409 same code; fa and en; nothing changes")
    func rezoneErrors() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        let revoked = try await city.key("old", "planner")
        try await city.services.revokeKey(name: "old", actor: "test")
        try await city.app.test(.router) { client in
            let good: [String: Any] = ["code": "R122", "reason": "because"]
            let noKey = try await client.call(.post, "/zones/Z-001/rezone", json: good)
            #expect(noKey.status == .unauthorized && noKey.json["code"] as? String == "Unauthorized")
            #expect(noKey.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await client.call(.post, "/zones/Z-001/rezone", key: revoked, json: good).status == .unauthorized)
            #expect(try await client.call(.post, "/zones/Z-001/rezone", key: "zk_nonsense", json: good).status == .unauthorized)

            let missing = try await client.call(.post, "/zones/Z-999/rezone?lang=en", key: planner, json: good)
            #expect(missing.status == .notFound)
            #expect(missing.json["code"] as? String == "NotFound")
            #expect(missing.json["description"] as? String == "There is no zone with this id.")
            let missingFa = try await client.call(.post, "/zones/Z-999/rezone", key: planner, json: good)
            #expect(missingFa.json["description"] as? String == "پهنه‌ای با این شناسه وجود ندارد.")

            // (body, field named)
            let bad: [([String: Any]?, String?, String?)] = [
                (nil, "not json", nil),
                (["reason": "x"], nil, "code"),
                (["code": "", "reason": "x"], nil, "code"),
                (["code": 121, "reason": "x"], nil, "code"),
                (["code": "R122"], nil, "reason"),
                (["code": "R122", "reason": ""], nil, "reason"),
                (["code": "R122", "reason": String(repeating: "x", count: 2001)], nil, "reason"),
                (["code": "R122", "reason": "x", "name_en": "y"], nil, "name_en"),
                (["code": "X999", "reason": "x"], nil, "code"),
            ]
            for (json, raw, field) in bad {
                let reply = try await client.call(.post, "/zones/Z-001/rezone", key: planner, json: json, raw: raw)
                #expect(reply.status == .badRequest, "\(json ?? [:])")
                #expect(reply.json["code"] as? String == "InvalidParameterValue")
                #expect(reply.json["parameter"] as? String == field, "\(json ?? [:])")
            }
            let unknownCode = try await client.call(.post, "/zones/Z-001/rezone?lang=en", key: planner, json: ["code": "X999", "reason": "x"])
            let description = try #require(unknownCode.json["description"] as? String)
            #expect(description.hasPrefix("Unknown zone code 'X999'. Valid codes: "))
            #expect(ZoneOracle.rules.keys.allSatisfy { description.contains($0) })
            let unknownCodeFa = try await client.call(.post, "/zones/Z-001/rezone", key: planner, json: ["code": "X999", "reason": "x"])
            #expect((unknownCodeFa.json["description"] as? String)?.contains("کد پهنهٔ «X999» شناخته‌شده نیست") == true)

            let same = try await client.call(.post, "/zones/Z-001/rezone?lang=en", key: planner, json: ["code": "R121", "reason": "x"])
            #expect(same.status == .conflict)
            #expect(same.json["parameter"] as? String == "code")
            #expect(same.json["description"] as? String == "The zone already has this code.")
            let sameFa = try await client.call(.post, "/zones/Z-001/rezone", key: planner, json: ["code": "R121", "reason": "x"])
            #expect(sameFa.json["description"] as? String == "این پهنه هم‌اکنون همین کد را دارد.")
            // Only POST is declared on this path: another method is a 405 naming what is allowed (RFC 9110 §15.5.6).
            let get = try await client.call(.get, "/zones/Z-001/rezone")
            #expect(get.status == .methodNotAllowed && get.json["code"] as? String == "MethodNotAllowed")
            #expect(try await client.call(.post, "/zones/Z-001/rezone?dry_run=1", key: planner, json: good).status == .badRequest)

            // Nothing changed.
            #expect((try await client.call(.get, "/collections/zones/items/Z-001").json["properties"] as? [String: Any])?["code"] as? String == "R121")
            #expect(try await client.call(.get, "/changes").json["count"] as? Int == 0)
        }
        let audit = try await city.services.auditRecords(from: nil, to: nil, limit: 1000)
        #expect(!audit.contains { $0.action == "zone.rezone" })
    }

    @Test("two planners rezoning one zone at once: both apply, one after the other, and the history has both")
    func concurrentRezonings() async throws {
        let city = try await RequestCity.make()
        let planner = try await city.key("sara", "planner")
        try await city.app.test(.router) { client in
            async let first = client.call(.post, "/zones/Z-001/rezone", key: planner, json: ["code": "R122", "reason": "a"])
            async let second = client.call(.post, "/zones/Z-001/rezone", key: planner, json: ["code": "M111", "reason": "b"])
            let replies = try await [first, second]
            #expect(replies.allSatisfy { $0.status == .ok })
            let changes = try #require(try await client.call(.get, "/changes").json["changes"] as? [[String: Any]])
            let zoneEntries = changes.filter { $0["layer"] as? String == "zone" }
            #expect(zoneEntries.count == 2)
            // The second applied to what the first left: the chain of codes is unbroken.
            #expect((zoneEntries[0]["before"] as? [String: Any])?["code"] as? String == "R121")
            #expect((zoneEntries[1]["before"] as? [String: Any])?["code"] as? String == (zoneEntries[0]["after"] as? [String: Any])?["code"] as? String)
            #expect(zoneEntries[1]["valid_from"] as? String == zoneEntries[0]["at"] as? String)
            let final = (zoneEntries[1]["after"] as? [String: Any])?["code"] as? String
            #expect((try await client.call(.get, "/collections/zones/items/Z-001").json["properties"] as? [String: Any])?["code"] as? String == final)
            let members = try ZoneOracle.parcels(in: "Z-001")
            #expect(try await client.call(.get, "/stats/land-use?zone=\(final ?? "")").json["parcels"] as? Int
                == members.count + (try ZoneOracle.count(parcelsOf: final ?? "")))
        }
    }
}
