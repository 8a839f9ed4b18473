import GeoProjection
package import GeoCore

/// A CRS an OGC API client may ask for (OGC 18-058r1, Part 2 "CRS by reference"): the glue
/// between the API and GeoProjection, so LandAPI never sees PROJ. Storage is CRS84; every other
/// CRS is reached through one process-wide cache of PROJ transformers, each created on first use
/// and reused (`CRSTransformers`).
package struct FeatureCRS: Sendable, Hashable {
    private let supported: SupportedCRS

    private init(_ supported: SupportedCRS) { self.supported = supported }

    /// WGS 84 longitude, latitude: the storage CRS and the default output (OGC 17-069r4 §7.15.1 `/req/core/crs84`).
    package static let crs84 = FeatureCRS(.crs84)

    /// Every CRS the server answers in, storage CRS first (OGC 18-058r1 `/req/crs/fc-md-crs-list`:
    /// the list must include CRS84).
    package static let all: [FeatureCRS] = [.crs84] + SupportedCRS.allCases.filter { $0 != .crs84 }.map { FeatureCRS($0) }

    /// Parses the forms clients send (OGC URI, OGC URN, `EPSG:4326`); nil for any other CRS, which
    /// `/req/crs/crs-exception` makes a 400.
    package init?(uri: String) {
        guard let supported = SupportedCRS(uri: uri) else { return nil }
        self.supported = supported
    }

    /// The URI for `crs` lists, `storageCrs` and the `Content-Crs` header.
    package var uri: String { supported.uri }

    /// Decimals per written coordinate: 7 in degrees, 3 in metres.
    package var fractionDigits: Int { supported.fractionDigits }

    /// True for EPSG:4326: the first axis is latitude, so `bbox` lists minLat, minLon, maxLat, maxLon.
    package var isLatitudeFirst: Bool { supported.axisOrder == .northEast }

    /// The geometry in this CRS, positions in its axis order (the values are projected: only a
    /// writer should read them). CRS84 returns the geometry itself.
    package func project(_ geometry: Geometry) throws(FeatureCRSError) -> Geometry {
        do {
            return try Self.transformers.forward(geometry, to: supported)
        } catch {
            throw .outsideDomain
        }
    }

    /// The CRS84 box covering a `bbox` given in this CRS (OGC 18-058r1 `/req/crs/bbox-crs-action`),
    /// corners in this CRS's axis order. nil when the result is not a valid CRS84 box.
    package func crs84BoundingBox(lower: (Double, Double), upper: (Double, Double)) throws(FeatureCRSError) -> BoundingBox {
        let box: BoundingBox
        do {
            box = try Self.transformers.crs84BoundingBox(lower: lower, upper: upper, in: supported)
        } catch {
            throw .outsideDomain
        }
        guard let valid = BoundingBox(minLon: box.minLon, minLat: box.minLat, maxLon: box.maxLon, maxLat: box.maxLat)
        else { throw .outsideDomain }
        return valid
    }

    /// One cache for the process: PROJ transformers are costly to create and safe to reuse.
    private static let transformers = CRSTransformers()
}

/// A position PROJ cannot transform (outside the projection's domain).
package enum FeatureCRSError: Error, Sendable, Equatable {
    case outsideDomain
}
