/// The coordinate reference systems the server can answer in (OGC 18-058r1, Part 2 "CRS by
/// reference"). Storage is always CRS84; every other CRS is reached from it by PROJ.
package enum SupportedCRS: CaseIterable, Sendable, Hashable {
    /// WGS 84 longitude, latitude in degrees: the storage CRS and the GeoJSON default (RFC 7946 §4).
    case crs84
    /// WGS 84 as EPSG defines it: latitude first (OGC 18-058r1 §6.2, axis order as the CRS says).
    case epsg4326
    /// WGS 84 / Pseudo-Mercator, easting and northing in metres.
    case epsg3857
    /// WGS 84 / UTM zone 39N (Tehran, Isfahan, Shiraz lie in 48°E–54°E), easting and northing in metres.
    case epsg32639

    /// The URI OGC 18-058r1 asks for in `crs`, `storageCrs` and `Content-Crs`.
    package var uri: String {
        switch self {
        case .crs84: "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        case .epsg4326: "http://www.opengis.net/def/crs/EPSG/0/4326"
        case .epsg3857: "http://www.opengis.net/def/crs/EPSG/0/3857"
        case .epsg32639: "http://www.opengis.net/def/crs/EPSG/0/32639"
        }
    }

    /// The `AUTHORITY:CODE` string PROJ resolves from its database.
    var projIdentifier: String {
        switch self {
        case .crs84: "OGC:CRS84"
        case .epsg4326: "EPSG:4326"
        case .epsg3857: "EPSG:3857"
        case .epsg32639: "EPSG:32639"
        }
    }

    package var unit: CRSUnit {
        switch self {
        case .crs84, .epsg4326: .degrees
        case .epsg3857, .epsg32639: .meters
        }
    }

    package var axisOrder: AxisOrder {
        switch self {
        case .epsg4326: .northEast
        case .crs84, .epsg3857, .epsg32639: .eastNorth
        }
    }

    /// Decimals written per coordinate: 7 for degrees (about 1 cm, our GeoData's precision,
    /// RFC 7946 §11.2), 3 for metres (1 mm).
    package var fractionDigits: Int {
        switch unit {
        case .degrees: 7
        case .meters: 3
        }
    }

    /// Parses the forms clients send: the OGC URI (`http://www.opengis.net/def/crs/EPSG/0/4326`),
    /// the OGC URN (`urn:ogc:def:crs:EPSG::4326`, any version between the colons) and the
    /// `AUTHORITY:CODE` shorthand (`EPSG:4326`, `OGC:CRS84`). Case-insensitive; nil for anything
    /// else, which OGC 18-058r1 `/req/crs/crs-exception` turns into a 400.
    package init?(uri text: String) {
        let lowered = text.lowercased()
        let authority: Substring
        let code: Substring
        if lowered.hasPrefix("http://www.opengis.net/def/crs/") {
            // …/def/crs/{authority}/{version}/{code}
            let parts = lowered.dropFirst("http://www.opengis.net/def/crs/".count).split(
                separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            authority = parts[0]
            code = parts[2]
            let version = parts[1]
            guard authority == "epsg" ? version == "0" : version == "1.3" else { return nil }
        } else if lowered.hasPrefix("urn:ogc:def:crs:") {
            // urn:ogc:def:crs:{authority}:{version, often empty}:{code}
            let parts = lowered.dropFirst("urn:ogc:def:crs:".count).split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            authority = parts[0]
            code = parts[2]
        } else {
            let parts = lowered.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            authority = parts[0]
            code = parts[1]
        }
        switch (authority, code) {
        case ("ogc", "crs84"): self = .crs84
        case ("epsg", "4326"): self = .epsg4326
        case ("epsg", "3857"): self = .epsg3857
        case ("epsg", "32639"): self = .epsg32639
        default: return nil
        }
    }
}

package enum CRSUnit: Sendable, Hashable {
    case degrees
    case meters
}

/// The order of the two axes of a position, as the CRS definition lists them.
package enum AxisOrder: Sendable, Hashable {
    /// Longitude or easting first (CRS84, projected CRSs).
    case eastNorth
    /// Latitude first (EPSG:4326).
    case northEast
}

/// What can go wrong below the API: PROJ failing to build or run a transformation.
/// Carries PROJ's error code only (never coordinates).
package enum ProjectionError: Error, Sendable, Hashable {
    /// `proj_create_crs_to_crs` failed (PROJ database missing or unreadable).
    case transformerUnavailable(SupportedCRS, projErrorCode: Int32)
    /// A position could not be transformed (outside the projection's domain).
    case transformFailed(SupportedCRS, projErrorCode: Int32)
}
