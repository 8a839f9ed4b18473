import Foundation
import Hummingbird
import HummingbirdTesting
import LandAPI
import Testing
import TestSupport

/// `datetime` on OGC items and single features (OGC 17-069r4 §7.15.4) against oracles kept here:
/// the values the test approved, the GeoJSON files read with Foundation, and the client's clock
/// around each approval (a version's recorded start lies between the request and its answer).
@Suite("OGC datetime: instants, intervals, validity, numberMatched, bad values")
struct OGCTemporalTests {
    /// P-000002 (parcels.geojson: residential, 1 floor) approved as commercial / 2 floors, then
    /// office / 3 floors; the client's instants before, between and after, and the windows in
    /// which each approval was made.
    struct Timeline {
        var t0 = Date.now, t1 = Date.now, t2 = Date.now
        var first: ClosedRange<Date> = Date.now...Date.now
        var second: ClosedRange<Date> = Date.now...Date.now
    }

    static func approveTwice(_ city: RequestCity, _ client: some TestClientProtocol) async throws -> Timeline {
        let planner = try await city.key("sara", "planner")
        var timeline = Timeline()
        try await Task.sleep(for: .milliseconds(5))
        timeline.t0 = Date.now
        try await Task.sleep(for: .milliseconds(5))
        for (index, (use, floors)) in [("commercial", 2), ("office", 3)].enumerated() {
            #expect(try await client.call(.post, "/requests", json: permitBody(use: use, floors: floors)).status == .created)
            let sent = Date.now.addingTimeInterval(-0.001)
            #expect(try await client.call(.post, "/requests/\(index + 1)/decision", key: planner, json: ["decision": "approve"]).status == .ok)
            let window = sent...Date.now.addingTimeInterval(0.001)
            try await Task.sleep(for: .milliseconds(5))
            if index == 0 { (timeline.first, timeline.t1) = (window, Date.now) } else { (timeline.second, timeline.t2) = (window, Date.now) }
            try await Task.sleep(for: .milliseconds(5))
        }
        return timeline
    }

    static func count(_ property: String, _ value: String) throws -> Int {
        try SourceLayers.parcels.get().filter { $0.properties[property] as? String == value }.count
    }

    @Test("items: an instant answers the city then, an interval the latest version within it; filters select versions; numberMatched exact")
    func itemsThroughTime() async throws {
        let city = try await RequestCity.make()
        let total = try SourceLayers.parcels.get().count
        let (commercial, office, residential) = (try Self.count("current_use", "commercial"), try Self.count("current_use", "office"), try Self.count("current_use", "residential"))
        try await city.app.test(.router) { client in
            let time = try await Self.approveTwice(city, client)
            func items(_ query: String) async throws -> [String: Any] {
                let reply = try await client.call(.get, "/collections/parcels/items?\(query)")
                #expect(reply.status == .ok, "\(query): \(reply.text.prefix(200))")
                return reply.json
            }
            func p2(_ query: String) async throws -> [String: Any]? {
                let body = try await items("id=P-000002&" + query)
                #expect(body["numberMatched"] as? Int == (body["features"] as? [Any])?.count)
                return (body["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any]
            }
            let (t0, t1, t2) = (stamp(time.t0), stamp(time.t1), stamp(time.t2))

            // Instants: each version inside its validity, with that validity.
            let v0 = try #require(try await p2("datetime=\(t0)"))
            #expect(v0["current_use"] as? String == "residential" && v0["floors"] as? Int == 1)
            #expect(v0["valid_from"] is NSNull)
            let end0 = try #require(instant(v0["valid_to"]))
            #expect(time.first.contains(end0))
            let v1 = try #require(try await p2("datetime=\(t1)"))
            #expect(v1["current_use"] as? String == "commercial" && v1["floors"] as? Int == 2)
            #expect(instant(v1["valid_from"]) == end0)
            let end1 = try #require(instant(v1["valid_to"]))
            #expect(time.second.contains(end1))
            let v2 = try #require(try await p2("datetime=\(t2)"))
            #expect(v2["current_use"] as? String == "office" && v2["floors"] as? Int == 3)
            #expect(instant(v2["valid_from"]) == end1 && v2["valid_to"] is NSNull)
            // The exact start instant of a version selects it (validity is [from, to)).
            let exact = try #require(v1["valid_from"] as? String)
            #expect(try await p2("datetime=\(exact)")?["current_use"] as? String == "commercial")
            // The same instant in Tehran time (+03:30; '+' percent-encoded).
            let tehran = time.t1.formatted(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, includingFractionalSeconds: true, timeZone: TimeZone(secondsFromGMT: 12_600)!))
            #expect(try await p2("datetime=" + tehran.replacingOccurrences(of: "+", with: "%2B"))?["current_use"] as? String == "commercial")

            // Intervals: the latest version within; open ends.
            #expect(try await p2("datetime=\(t0)/\(t1)")?["current_use"] as? String == "commercial")
            #expect(try await p2("datetime=\(t0)/..")?["current_use"] as? String == "office")
            #expect(try await p2("datetime=../\(t0)")?["current_use"] as? String == "residential")
            #expect(try await p2("datetime=/\(t1)")?["current_use"] as? String == "commercial")
            #expect(try await p2("datetime=\(t1)/")?["current_use"] as? String == "office")
            #expect(try await p2("datetime=../2000-01-01T00:00:00Z")?["current_use"] as? String == "residential", "before the import: as imported")
            #expect(try await p2("datetime=2999-01-01T00:00:00Z")?["current_use"] as? String == "office", "the future: as now")

            // numberMatched against the GeoJSON: every parcel exists at every instant.
            #expect(try await items("datetime=\(t0)/\(t2)")["numberMatched"] as? Int == total)
            // Instants: P-000002 counts where its value then matches.
            #expect(try await items("current_use=commercial&datetime=\(t0)")["numberMatched"] as? Int == commercial)
            #expect(try await items("current_use=commercial&datetime=\(t1)")["numberMatched"] as? Int == commercial + 1)
            #expect(try await items("current_use=residential&datetime=\(t1)")["numberMatched"] as? Int == residential - 1)
            #expect(try await items("current_use=office&datetime=\(t1)")["numberMatched"] as? Int == office)
            // Intervals: a parcel matches when any of its versions within the interval does, answered in the latest such.
            #expect(try await items("current_use=commercial&datetime=\(t0)/\(t2)")["numberMatched"] as? Int == commercial + 1)
            #expect(try await items("current_use=residential&datetime=\(t0)/\(t2)")["numberMatched"] as? Int == residential)
            #expect(try await items("current_use=office&datetime=\(t0)/\(t1)")["numberMatched"] as? Int == office, "office began after t1")
            let wasResidential = try #require(try await p2("current_use=residential&datetime=\(t0)/\(t2)"))
            #expect(wasResidential["floors"] as? Int == 1 && wasResidential["valid_from"] is NSNull && instant(wasResidential["valid_to"]) == end0)
            #expect(try await p2("floors=2&datetime=\(t0)/..")?["current_use"] as? String == "commercial")
            #expect(try await items("id=P-000002&floors=4&datetime=\(t0)/..")["numberMatched"] as? Int == 0)
            // Without datetime: today's values, and no validity properties.
            let today = try #require(try await p2(""))
            #expect(today["current_use"] as? String == "office" && today["valid_from"] == nil && today["valid_to"] == nil)
            // A parcel never edited: valid at every instant.
            let other = try #require((try await items("id=P-000003&datetime=\(t1)")["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any])
            #expect(other["valid_from"] is NSNull && other["valid_to"] is NSNull)
            #expect(other["current_use"] as? String == "residential")  // parcels.geojson

            // bbox with datetime: a box inside P-000002 (parcels.geojson outline) finds it alone, in the version then.
            let box = try await items("bbox=51.40045,35.69295,51.40047,35.69297&datetime=\(t1)")
            #expect(featureIDs(box) == ["P-000002"] && box["numberMatched"] as? Int == 1)
            #expect(((box["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any])?["current_use"] as? String == "commercial")
            #expect(try await items("bbox=51.40045,35.69295,51.40047,35.69297&current_use=office&datetime=\(t0)/\(t1)")["numberMatched"] as? Int == 0)

            // Paging keeps datetime and visits the exact numberMatched.
            var uri = "/collections/parcels/items?current_use=commercial&limit=100&datetime=\(t0)/\(t2)"
            var seen: [String] = []
            while true {
                let reply = try await client.call(.get, uri)
                seen += featureIDs(reply.json)
                guard let next = link(reply.json, rel: "next") else { break }
                #expect(next.contains("datetime="))
                uri = pathAndQuery(next)
            }
            let expected = try SourceLayers.parcels.get().filter { $0.properties["current_use"] as? String == "commercial" || $0.id == "P-000002" }
            #expect(seen == SourceFeature.sortedIDs(expected))

            // Facilities have no history: every one matches every datetime, valid always.
            let facilities = try await client.call(.get, "/collections/facilities/items?limit=1&datetime=\(t0)/\(t1)")
            #expect(facilities.json["numberMatched"] as? Int == (try SourceLayers.facilities.get().count))
            #expect(((facilities.json["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any])?["valid_to"] is NSNull)

            // HTML shows the same version.
            let html = try await client.call(.get, "/collections/parcels/items?id=P-000002&f=html&datetime=\(t1)")
            #expect(html.text.contains("commercial") && html.text.contains("valid_from"))
        }
    }

    @Test("CQL2 temporal functions read each version's validity: today's, and with datetime the chosen version's")
    func temporalFilters() async throws {
        let city = try await RequestCity.make()
        let total = try SourceLayers.parcels.get().count
        try await city.app.test(.router) { client in
            let time = try await Self.approveTwice(city, client)
            func ids(_ filter: String, _ extra: String = "") async throws -> [String] {
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                let query = "limit=10000&filter=" + filter.addingPercentEncoding(withAllowedCharacters: allowed)! + extra
                let reply = try await client.call(.get, "/collections/parcels/items?\(query)")
                #expect(reply.status == .ok, "\(filter): \(reply.text.prefix(300))")
                let features = reply.json["features"] as? [[String: Any]] ?? []
                #expect(reply.json["numberMatched"] as? Int == features.count)
                return features.compactMap { $0["id"] as? String }
            }
            let (t0, t1, t2) = (stamp(time.t0), stamp(time.t1), stamp(time.t2))
            // Today P-000002 is in the version the second approval began (after t1, before t2);
            // every other parcel is unchanged: valid_from null, its validity unbounded.
            #expect(try await ids("T_AFTER(valid_from, TIMESTAMP('\(t1)'))") == ["P-000002"])
            #expect(try await ids("T_BEFORE(valid_from, TIMESTAMP('\(t2)'))") == ["P-000002"])
            #expect(try await ids("T_BEFORE(valid_from, TIMESTAMP('\(t1)'))").isEmpty)
            #expect(try await ids("valid_from > TIMESTAMP('\(t0)') AND valid_to IS NULL") == ["P-000002"])
            #expect(try await ids("T_AFTER(valid_from, DATE('2000-01-01'))") == ["P-000002"])
            #expect(try await ids("valid_from IS NULL").count == total - 1)
            // INTERVAL(valid_from, valid_to) with null ends is open: the unchanged parcels meet t0, P-000002 does not.
            let atT0 = try await ids("T_INTERSECTS(INTERVAL(valid_from, valid_to), TIMESTAMP('\(t0)'))")
            #expect(atT0.count == total - 1 && !atT0.contains("P-000002"))
            #expect(try await ids("T_DURING(TIMESTAMP('\(t2)'), INTERVAL(valid_from, valid_to)) AND id = 'P-000002'") == ["P-000002"])
            // With datetime=t1 the version of the first approval: it ended between t1 and t2.
            let between = "&datetime=\(t1)"
            #expect(try await ids("T_BEFORE(valid_to, TIMESTAMP('\(t2)'))", between) == ["P-000002"])
            #expect(try await ids("T_CONTAINS(INTERVAL(valid_from, valid_to), TIMESTAMP('\(t1)')) AND T_AFTER(valid_from, TIMESTAMP('\(t0)'))", between) == ["P-000002"])
            #expect(try await ids("valid_to IS NULL AND id = 'P-000002'", between).isEmpty)
            // The same filter in cql2-json.
            let json = #"{"op":"t_after","args":[{"property":"valid_from"},{"timestamp":"\#(t1)"}]}"#
            #expect(try await ids(json, "&filter-lang=cql2-json") == ["P-000002"])
            // Faults: a number where a time belongs, a date-time that is not one.
            for bad in ["T_AFTER(floors, TIMESTAMP('\(t0)'))", "T_AFTER(valid_from, TIMESTAMP('2026-13-01T00:00:00Z'))", "valid_from > '2026-01-01'"] {
                let reply = try await client.call(.get, "/collections/parcels/items?filter=" + bad.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                #expect(reply.status == .badRequest, "\(bad)")
                #expect(reply.json["parameter"] as? String == "filter")
            }
        }
    }

    @Test("one feature with datetime: as it was then, with its validity; without datetime as today")
    func singleFeature() async throws {
        let city = try await RequestCity.make()
        try await city.app.test(.router) { client in
            let time = try await Self.approveTwice(city, client)
            func feature(_ query: String) async throws -> [String: Any] {
                let reply = try await client.call(.get, "/collections/parcels/items/P-000002\(query)")
                #expect(reply.status == .ok, "\(query)")
                #expect(reply.json["id"] as? String == "P-000002")
                return try #require(reply.json["properties"] as? [String: Any])
            }
            let then = try await feature("?datetime=\(stamp(time.t0))")
            #expect(then["current_use"] as? String == "residential" && then["floors"] as? Int == 1)
            let thenEnd = try #require(instant(then["valid_to"]))
            #expect(then["valid_from"] is NSNull && time.first.contains(thenEnd))
            let middle = try await feature("?datetime=\(stamp(time.t1))&crs=http://www.opengis.net/def/crs/EPSG/0/4326")
            #expect(middle["current_use"] as? String == "commercial" && middle["floors"] as? Int == 2)
            #expect(try await feature("?datetime=\(stamp(time.t0))/\(stamp(time.t1))")["current_use"] as? String == "commercial")
            #expect(try await feature("?datetime=\(stamp(time.t0))/..")["current_use"] as? String == "office")
            let today = try await feature("")
            #expect(today["current_use"] as? String == "office" && today["valid_from"] == nil)
            let html = try await client.call(.get, "/collections/parcels/items/P-000002?f=html&datetime=\(stamp(time.t0))")
            #expect(html.status == .ok && html.text.contains("residential"))
            let selfLink = try #require(link(try await client.call(.get, "/collections/parcels/items/P-000002?datetime=\(stamp(time.t0))").json, rel: "self"))
            #expect(selfLink.contains("datetime="))
            for bad in ["?datetime=2026-01-05", "?datetime=yesterday", "?datetime=../.."] {
                let reply = try await client.call(.get, "/collections/parcels/items/P-000002\(bad)")
                #expect(reply.status == .badRequest && reply.json["parameter"] as? String == "datetime", "\(bad)")
            }
            #expect(try await client.call(.get, "/collections/parcels/items/P-999999?datetime=\(stamp(time.t0))").status == .notFound)
        }
    }

    /// (value, why it is refused)
    static let badValues: [(String, String)] = [
        ("2026-01-05", "a bare date: which instants depends on the time zone"),
        ("2026-01-05/..", "a bare date as an interval's start"),
        ("../2026-01-05", "a bare date as an interval's end"),
        ("2026-01-05/2026-01-06", "bare dates at both ends"),
        ("2026-01-05T10:00:00", "no time zone"),
        ("2026-01-05T10:00Z", "no seconds"),
        ("2026-01-05%2010:00:00Z", "a space for T"),
        ("2026-02-29T00:00:00Z", "2026 is no leap year"),
        ("2026-01-05T24:00:00Z", "hour 24"),
        ("2026-01-05T10:00:00%2B24:00", "offset 24:00"),
        ("2026-01-06T00:00:00Z/2026-01-05T00:00:00Z", "the interval ends before it starts"),
        ("../..", "both ends open"),
        ("/", "both ends open"),
        ("2026-01-05T00:00:00Z/2026-01-06T00:00:00Z/2026-01-07T00:00:00Z", "three parts"),
        ("2026-01-05T00:00:00Z/P2D", "a duration"),
        ("now", "not a date-time"),
    ]

    @Test("bad datetime values are a 400 naming datetime, in Persian and in English", arguments: badValues)
    func badDatetime(value: (String, String)) async throws {
        try await OGCTestCity.withClient { client in
            for collection in ["parcels", "zones", "facilities"] {
                let reply = try await client.call(.get, "/collections/\(collection)/items?datetime=\(value.0)&lang=en")
                #expect(reply.status == .badRequest, "\(value.0): \(value.1)")
                #expect(reply.json["code"] as? String == "InvalidParameterValue")
                #expect(reply.json["parameter"] as? String == "datetime")
                #expect((reply.json["description"] as? String)?.hasPrefix("datetime must be an RFC 3339 date-time with its time zone") == true)
            }
            let persian = try await client.call(.get, "/collections/parcels/items?datetime=\(value.0)")
            #expect((persian.json["description"] as? String)?.contains("تاریخِ تنها") == true)
        }
    }
}
