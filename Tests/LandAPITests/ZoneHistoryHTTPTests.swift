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
            // Only POST is routed (Hummingbird answers other methods as an unknown path), as JSON.
            let get = try await client.call(.get, "/zones/Z-001/rezone")
            #expect(get.status == .notFound && get.json["code"] as? String == "NotFound")
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
