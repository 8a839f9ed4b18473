import Foundation
import HTTPTypes
import HummingbirdTesting
import LandAPI
import Testing
import TestSupport

@Suite("OGC API – Features errors: 4xx with {code, description, parameter}, never a 5xx")
struct OGCErrorTests {
    /// (request, status, OGC code, parameter named)
    static let badRequests: [(String, Int, String, String?)] = [
        ("/collections/parcels/items?bbox=51.4,35.6,51.5", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?bbox=51.5,35.6,51.4,35.7", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?bbox=51.4,35.7,51.5,35.6", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?bbox=nan,35.6,51.5,35.7", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?bbox=inf,35.6,51.5,35.7", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?bbox=a,b,c,d", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?bbox=", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?bbox=1,2,3,4,5", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?bbox=51,35,200,36", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?bbox=1e999,35,52,36", 400, "InvalidParameterValue", "bbox"),
        ("/collections/parcels/items?limit=0", 400, "InvalidParameterValue", "limit"),
        ("/collections/parcels/items?limit=-5", 400, "InvalidParameterValue", "limit"),
        ("/collections/parcels/items?limit=ten", 400, "InvalidParameterValue", "limit"),
        ("/collections/parcels/items?limit=1.5", 400, "InvalidParameterValue", "limit"),
        ("/collections/parcels/items?limit=", 400, "InvalidParameterValue", "limit"),
        ("/collections/parcels/items?offset=-1", 400, "InvalidParameterValue", "offset"),
        ("/collections/parcels/items?offset=x", 400, "InvalidParameterValue", "offset"),
        ("/collections/parcels/items?crs=EPSG:2056", 400, "InvalidParameterValue", "crs"),
        ("/collections/parcels/items?crs=nonsense", 400, "InvalidParameterValue", "crs"),
        ("/collections/parcels/items?bbox=1,2,3,4&bbox-crs=EPSG:9999", 400, "InvalidParameterValue", "bbox-crs"),
        ("/collections/parcels/items/P-000001?crs=http://www.opengis.net/def/crs/EPSG/0/1", 400, "InvalidParameterValue", "crs"),
        ("/collections/parcels/items?datetime=yesterday", 400, "InvalidParameterValue", "datetime"),
        ("/collections/parcels/items?datetime=2020-02-30", 400, "InvalidParameterValue", "datetime"),
        ("/collections/parcels/items?datetime=2020-01-01T25:00:00Z", 400, "InvalidParameterValue", "datetime"),
        ("/collections/parcels/items?datetime=../..", 400, "InvalidParameterValue", "datetime"),
        ("/collections/parcels/items?datetime=2020-01-01T10:00:00", 400, "InvalidParameterValue", "datetime"),
        ("/collections/parcels/items?datetime=2020-01-01", 400, "InvalidParameterValue", "datetime"),
        ("/collections/parcels/items/P-000001?datetime=2020-01-01", 400, "InvalidParameterValue", "datetime"),
        ("/collections/parcels/items?floors=many", 400, "InvalidParameterValue", "floors"),
        ("/collections/parcels/items?f=xml", 400, "InvalidParameterValue", "f"),
        ("/collections/parcels/items?colour=red", 400, "InvalidParameterValue", "colour"),
        ("/collections/zones/items?current_use=residential", 400, "InvalidParameterValue", "current_use"),
        ("/collections?bbox=1,2,3,4", 400, "InvalidParameterValue", "bbox"),
        ("/?unknown=1", 400, "InvalidParameterValue", "unknown"),
        ("/collections/parcels/items/P-000001?limit=5", 400, "InvalidParameterValue", "limit"),
        ("/collections/parcels/items?limit=5&limit=6", 400, "InvalidParameterValue", "limit"),
        ("/collections/parcels/items?bbox=51.4,35.6,51.5,35.7&bbox=51.4,35.6,51.5,35.7", 400, "InvalidParameterValue", "bbox"),
        ("/collections/dUmmYColLection", 404, "NotFound", nil),
        ("/collections/dUmmYColLection/items", 404, "NotFound", nil),
        ("/collections/streets/queryables", 404, "NotFound", nil),
        ("/collections/parcels/items/P-999999", 404, "NotFound", nil),
        ("/collections/parcels/items/Z-001", 404, "NotFound", nil),
        ("/collections/parcels/items/%FF%FE", 404, "NotFound", nil),
    ]

    @Test("each bad request gets its status, OGC code and the parameter's name", arguments: badRequests)
    func badRequest(request: (String, Int, String, String?)) async throws {
        let (uri, status, code, parameter) = request
        try await OGCTestCity.withClient { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(Int(response.status.code) == status, "\(uri)")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let body = try jsonObject(response)
            #expect(body["code"] as? String == code, "\(uri)")
            #expect((body["description"] as? String)?.isEmpty == false)
            #expect(body["parameter"] as? String == parameter, "\(uri)")
            #expect(response.headers[.accessControlAllowOrigin] == "*")
        }
    }

    @Test("error texts are Persian by default and English with lang=en")
    func errorLanguage() async throws {
        try await OGCTestCity.withClient { client in
            let persian = try jsonObject(try await client.execute(uri: "/collections/parcels/items?limit=0", method: .get))
            #expect((persian["description"] as? String)?.contains("عدد") == true)
            let english = try jsonObject(try await client.execute(uri: "/collections/parcels/items?limit=0&lang=en", method: .get))
            #expect(english["description"] as? String == "limit must be a whole number of at least 1.")
        }
    }

    @Test("hostile inputs never give a 5xx", arguments: [
        "/collections/parcels/items?bbox=" + String(repeating: "1,", count: 5000) + "1",
        "/collections/parcels/items?limit=" + String(repeating: "9", count: 500),
        "/collections/parcels/items?offset=" + String(repeating: "9", count: 500),
        "/collections/parcels/items?offset=9223372036854775807",
        "/collections/parcels/items/" + String(repeating: "%", count: 100),
        "/collections/parcels/items?bbox=-180,-90,180,90&bbox-crs=EPSG:32639",
        "/collections/parcels/items?bbox=-1e10,-1e10,1e10,1e10&bbox-crs=EPSG:3857",
        "/collections/parcels/items?bbox=0,0,0,0&limit=1&crs=EPSG:32639",
        "/collections/parcels/items?zone_code=%00%01",
        "/collections/parcels/items?crs=",
        "/collections/parcels/items?datetime=",
        "/collections/parcels/items?datetime=2020-01-01T10:00:00.Z",
    ])
    func neverServerError(uri: String) async throws {
        try await OGCTestCity.withClient { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status.code < 500, "\(uri.prefix(80))")
        }
    }
}
