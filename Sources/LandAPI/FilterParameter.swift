import CQL2
import GeoCore
import GeoFormats
import LandService

/// `filter`, `filter-lang` and `filter-crs` (OGC 19-079r2 Part 3 §8 "Filter", OGC 21-065): the
/// text read by the chosen encoding's parser into one tree, compiled against the collection's
/// queryables — every fault a 400 naming `filter`, with the place and the reason in the
/// request's language. Nothing past this point re-reads the filter's text.
enum FilterParameter {
    /// `filter-lang` values (OGC 19-079r2 `/req/filter/filter-lang-param`); cql2-text is the default.
    static let languages = ["cql2-text", "cql2-json"]
    static let limits = CQL2Limits()
    /// Characters of `filter` in a URL: the HTTP layer refuses request heads past 80 KB (NIO's
    /// decoder, before any handler, with a bare 400), so the declared bound keeps every filter
    /// that fits it answered by us, in JSON — even one whose every character is four UTF-8 bytes,
    /// percent-encoded (12 bytes a character: 72 KB). A 200-vertex polygon with 7 decimals is
    /// about 4,500 characters; a longer filter goes in the body of `POST …/items`.
    static let maximumQueryLength = 6_000
    /// Bytes of a CQL2-JSON body (`POST …/items`): the parser's own bound on an expression's length.
    static let maximumBodyBytes = limits.maximumLength

    static let parameters: [EndpointParameter] = [
        .query(
            "filter", .text(maxLength: maximumQueryLength),
            "CQL2 filter (OGC 21-065) in filter-lang, every class of the standard: comparisons, LIKE/BETWEEN/IN, "
                + "CASEI/ACCENTI (Persian folding), arithmetic, the spatial functions (S_INTERSECTS … S_CROSSES) with any "
                + "geometry literal, the temporal functions over valid_from/valid_to, the array functions; properties from "
                + "/queryables. Longer than \(maximumQueryLength) characters: POST it to …/items as application/query-cql-json"),
        .query("filter-lang", .oneOf(languages), "Encoding of filter", default: .string("cql2-text")),
        .query("filter-crs", .crs, "CRS of the filter's geometry literals (CRS84 by default)"),
    ]

    /// The compiled filter of a request, nil without `filter`.
    static func read(_ query: QueryReader, collection: FeatureCollectionID) throws(APIError) -> FeatureFilter? {
        guard let text = query.string("filter") else {
            // filter-lang or filter-crs alone are harmless: there is nothing they apply to.
            return nil
        }
        let crs = try OGCItemsQuery.crs(query.string("filter-crs"), parameter: "filter-crs")
        return try compile(text, language: query.string("filter-lang") ?? "cql2-text", crs: crs, collection: collection)
    }

    static func compile(_ text: String, language: String, crs: FeatureCRS, collection: FeatureCollectionID) throws(APIError) -> FeatureFilter {
        do throws(FilterError) {
            let expression: CQL2Expression
            do {
                expression = language == "cql2-json" ? try CQL2JSONReader.parse(text, limits: limits) : try CQL2TextParser.parse(text, limits: limits)
            } catch {
                throw FilterError.syntax(error)
            }
            return try FeatureFilter(expression, collection: collection) { (position) throws(FilterError) -> CQL2Position in
                try crs84(position, from: crs)
            }
        } catch {
            throw APIError.invalidParameter("filter", .filter(error))
        }
    }

    /// A literal's position in CRS84; outside the CRS's domain or WGS 84's ranges, a 400.
    private static func crs84(_ position: CQL2Position, from crs: FeatureCRS) throws(FilterError) -> CQL2Position {
        var lon = position.x, lat = position.y
        if crs != .crs84 {
            let corner: BoundingBox
            do {
                corner = try crs.crs84BoundingBox(lower: (position.x, position.y), upper: (position.x, position.y))
            } catch {
                throw FilterError.invalidLiteral("geometry")
            }
            (lon, lat) = (corner.minLon, corner.minLat)
        }
        guard Coordinate(lon: lon, lat: lat) != nil else { throw FilterError.invalidLiteral("geometry") }
        return CQL2Position(x: lon, y: lat)
    }
}
