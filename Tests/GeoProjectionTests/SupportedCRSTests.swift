import GeoProjection
import Testing

@Suite("SupportedCRS")
struct SupportedCRSTests {
    @Test("each canonical URI parses back to its CRS")
    func canonicalURIsRoundTrip() {
        for crs in SupportedCRS.allCases {
            #expect(SupportedCRS(uri: crs.uri) == crs)
        }
        #expect(SupportedCRS.crs84.uri == "http://www.opengis.net/def/crs/OGC/1.3/CRS84")
        #expect(SupportedCRS.epsg4326.uri == "http://www.opengis.net/def/crs/EPSG/0/4326")
        #expect(SupportedCRS.epsg3857.uri == "http://www.opengis.net/def/crs/EPSG/0/3857")
        #expect(SupportedCRS.epsg32639.uri == "http://www.opengis.net/def/crs/EPSG/0/32639")
    }

    @Test(
        "URN and shorthand forms are accepted",
        arguments: [
            ("urn:ogc:def:crs:EPSG::4326", SupportedCRS.epsg4326),
            ("urn:ogc:def:crs:EPSG:9.8.15:4326", .epsg4326),
            ("urn:ogc:def:crs:OGC:1.3:CRS84", .crs84),
            ("urn:ogc:def:crs:OGC::CRS84", .crs84),
            ("EPSG:4326", .epsg4326),
            ("epsg:3857", .epsg3857),
            ("EPSG:32639", .epsg32639),
            ("OGC:CRS84", .crs84),
        ])
    func alternativeForms(text: String, expected: SupportedCRS) {
        #expect(SupportedCRS(uri: text) == expected)
    }

    @Test(
        "unknown or malformed CRS strings give nil",
        arguments: [
            "", "4326", "EPSG:2056", "EPSG:", "http://www.opengis.net/def/crs/EPSG/0/2056",
            "http://www.opengis.net/def/crs/EPSG/0/4326/extra", "http://www.opengis.net/def/crs/OGC/0/CRS84x",
            "http://example.com/def/crs/EPSG/0/4326", "urn:ogc:def:crs:EPSG:4326", "CRS84", "EPSG:4326 ",
        ])
    func unknownIsNil(text: String) {
        #expect(SupportedCRS(uri: text) == nil)
    }

    @Test("units, axis order and decimals follow the CRS definitions")
    func properties() {
        #expect(SupportedCRS.crs84.unit == .degrees)
        #expect(SupportedCRS.epsg4326.unit == .degrees)
        #expect(SupportedCRS.epsg3857.unit == .meters)
        #expect(SupportedCRS.epsg32639.unit == .meters)
        #expect(SupportedCRS.crs84.axisOrder == .eastNorth)
        #expect(SupportedCRS.epsg4326.axisOrder == .northEast)
        #expect(SupportedCRS.epsg3857.axisOrder == .eastNorth)
        #expect(SupportedCRS.epsg32639.axisOrder == .eastNorth)
        #expect(SupportedCRS.crs84.fractionDigits == 7)
        #expect(SupportedCRS.epsg4326.fractionDigits == 7)
        #expect(SupportedCRS.epsg3857.fractionDigits == 3)
        #expect(SupportedCRS.epsg32639.fractionDigits == 3)
    }
}
