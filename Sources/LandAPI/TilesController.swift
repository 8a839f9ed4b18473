import GeoFormats
import Hummingbird
import LandService
import VectorTiles

/// OGC API – Tiles 1.0 (OGC 20-057) with Mapbox Vector Tiles 2.1 from the in-memory snapshot
/// (issue 19): the WebMercatorQuad tile matrix set (OGC 17-083r4 Annex D.1), each collection's
/// vector tileset (`/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`)
/// and the dataset's, every layer in one tile (`/tiles/…`, `collections=` to choose). Zoom
/// 0–20; a tile outside the matrix is a 404, a malformed index a 400, a tile without features
/// a 204 (§7.1 `/req/core/tc-success`: "204 … when the tile has no content"). A tile's ETag is
/// its bytes' hash: a tile cut from a newer snapshot that changed is another entity.
struct TilesController: Sendable {
    let services: LandServices
    let origin: PublicOrigin

    static let tileMatrixSetURI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    static let crs3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
    static let mvt = "application/vnd.mapbox-vector-tile"
    static let tilingSchemeRel = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
    /// Revalidated on every use (a 304 costs nothing): an edit is in the next tile a map shows,
    /// not one minute later (issue 19 point 3).
    static let cacheControl = "public, no-cache"
    static let conformanceClasses = [
        "core", "tileset", "tilesets-list", "geodata-tilesets", "dataset-tilesets", "collections-selection", "mvt", "oas30",
    ].map { "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/" + $0 }

    private static let tileParameters: [EndpointParameter] = [
        EndpointParameter(
            name: "tileMatrix", location: .path, value: .integer(minimum: 0, maximum: 20), isRequired: true,
            description: "Zoom level, 0 to 20"),
        EndpointParameter(
            name: "tileRow", location: .path, value: .integer(minimum: 0, maximum: nil), isRequired: true,
            description: "Row from the north, below 2^tileMatrix"),
        EndpointParameter(
            name: "tileCol", location: .path, value: .integer(minimum: 0, maximum: nil), isRequired: true,
            description: "Column from the antimeridian, below 2^tileMatrix"),
    ]
    private static let tileResponses: [EndpointResponse] = [
        EndpointResponse(status: 200, description: "A Mapbox Vector Tile 2.1 (gzip when accepted)", mediaTypes: [mvt]),
        EndpointResponse(status: 204, description: "No feature in this tile", mediaTypes: []),
        EndpointResponse(status: 304, description: "Not modified (If-None-Match matched the ETag)", mediaTypes: []),
        .error(404, "No such tile: the tile matrix is 0 to 20, rows and columns below 2^tileMatrix"),
    ]
    private static let collectionsParameter = EndpointParameter.query(
        "collections", .listOf(FeatureCollectionID.allCases.map(\.rawValue)),
        "The layers in the tile, comma-separated (all by default)")

    var endpoints: [Endpoint] {
        func json(_ path: String, _ summary: String, parameters: [EndpointParameter] = [.lang], _ handler: @escaping Endpoint.Handler) -> Endpoint {
            Endpoint(
                method: .get, path: path, summary: summary, tag: "tiles", parameters: parameters,
                responses: [EndpointResponse.ok(MediaType.json), OGCController.notModified], handler: handler)
        }
        var endpoints = [
            json("/tileMatrixSets", "Tile matrix sets") { request, context, _ in tileMatrixSets(request, context) },
            json("/tileMatrixSets/WebMercatorQuad", "The WebMercatorQuad tile matrix set") { request, _, _ in webMercatorQuad(request) },
            json("/tiles", "The dataset's vector tilesets (every collection in one tile)") { request, context, _ in
                tilesets(request, context, collection: nil)
            },
            json("/tiles/WebMercatorQuad", "The dataset's vector tileset in WebMercatorQuad") { request, context, _ in
                tileset(request, context, collection: nil)
            },
            Endpoint(
                method: .get, path: "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
                summary: "A vector tile of every collection (or those of collections=)", tag: "tiles",
                parameters: Self.tileParameters + [Self.collectionsParameter, .lang], responses: Self.tileResponses,
                handler: { request, context, input in
                    let chosen = input.query.string("collections").map { list in
                        FeatureCollectionID.allCases.filter { list.split(separator: ",").map(String.init).contains($0.rawValue) }
                    }
                    return try tile(request, context, collections: chosen ?? FeatureCollectionID.allCases)
                }),
        ]
        for collection in FeatureCollectionID.allCases {
            let base = "/collections/\(collection.rawValue)/tiles"
            endpoints += [
                json(base, "Vector tilesets of \(collection.rawValue)") { request, context, _ in tilesets(request, context, collection: collection) },
                json(base + "/WebMercatorQuad", "The vector tileset of \(collection.rawValue) in WebMercatorQuad") { request, context, _ in
                    tileset(request, context, collection: collection)
                },
                Endpoint(
                    method: .get, path: base + "/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
                    summary: "A vector tile of \(collection.rawValue)", tag: "tiles", parameters: Self.tileParameters + [.lang],
                    responses: Self.tileResponses,
                    handler: { request, context, _ in try tile(request, context, collections: [collection]) }),
            ]
        }
        return endpoints
    }

    // MARK: - tiles

    private func tile(_ request: Request, _ context: ZaminRequestContext, collections: [FeatureCollectionID]) throws -> Response {
        /// A whole number of decimal digits, else a 400; one too large for any tile reads as -1 (a 404).
        func index(_ name: String) throws(APIError) -> Int {
            let text = context.parameters.get(name) ?? ""
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw APIError.invalidParameter(name, .notAWholeNumber(name))
            }
            return text.utf8.count <= 9 ? Int(text)! : -1
        }
        let zoom = try index("tileMatrix"), row = try index("tileRow"), column = try index("tileCol")
        guard let address = TileAddress(zoom: zoom, row: row, column: column) else { throw APIError.notFound(.noSuchTile) }
        guard let bytes = services.vectorTile(address, collections: collections) else {
            var headers = HTTPFields()
            headers[.accessControlAllowOrigin] = "*"
            headers[.cacheControl] = Self.cacheControl
            return Response(status: .noContent, headers: headers)
        }
        return OGCResponse.make(request, body: bytes, contentType: Self.mvt, cacheControl: Self.cacheControl)
    }

    // MARK: - metadata

    private func tileMatrixSets(_ request: Request, _ context: ZaminRequestContext) -> Response {
        let base = origin.base(for: request, context: context)
        let body: JSONValue = .object([
            "tileMatrixSets": .array([
                .object([
                    "id": "WebMercatorQuad", "title": "Google Maps Compatible for the World", "uri": .string(Self.tileMatrixSetURI),
                    "links": .array([link(base + "/tileMatrixSets/WebMercatorQuad", rel: "self", type: MediaType.json)]),
                ])
            ])
        ])
        return answer(request, body)
    }

    /// OGC 17-083r4 Annex D.1, in its JSON encoding (2DTMS): 256-pixel tiles, scale denominators
    /// for 0.28 mm pixels.
    private func webMercatorQuad(_ request: Request) -> Response {
        let half = 20_037_508.342_789_244
        let matrices: [JSONValue] = TileAddress.zoomRange.map { zoom in
            let count = Double(1 << zoom)
            return .object([
                "id": .string(String(zoom)), "scaleDenominator": .number(559_082_264.028_717_2 / count),
                "cellSize": .number(156_543.033_928_041_02 / count), "cornerOfOrigin": "topLeft",
                "pointOfOrigin": .array([.number(-half), .number(half)]), "tileWidth": 256, "tileHeight": 256,
                "matrixWidth": .number(count), "matrixHeight": .number(count),
            ])
        }
        let body: JSONValue = .object([
            "id": "WebMercatorQuad", "title": "Google Maps Compatible for the World", "uri": .string(Self.tileMatrixSetURI),
            "crs": .string(Self.crs3857), "orderedAxes": .array(["X", "Y"]),
            "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible", "tileMatrices": .array(matrices),
        ])
        return answer(request, body)
    }

    /// OGC 20-057 §7.9 (tilesets-list): the one tileset, with its tiling scheme.
    private func tilesets(_ request: Request, _ context: ZaminRequestContext, collection: FeatureCollectionID?) -> Response {
        let base = origin.base(for: request, context: context)
        let path = base + (collection.map { "/collections/\($0.rawValue)/tiles" } ?? "/tiles")
        let body: JSONValue = .object([
            "links": .array([link(path, rel: "self", type: MediaType.json)]),
            "tilesets": .array([
                .object([
                    "title": .string(title(collection, request)), "dataType": "vector", "crs": .string(Self.crs3857),
                    "tileMatrixSetURI": .string(Self.tileMatrixSetURI),
                    "links": .array([
                        link(path + "/WebMercatorQuad", rel: "self", type: MediaType.json),
                        link(base + "/tileMatrixSets/WebMercatorQuad", rel: Self.tilingSchemeRel, type: MediaType.json),
                    ]),
                ])
            ]),
        ])
        return answer(request, body)
    }

    /// OGC 20-057 §7.10 (tileset): the tiling scheme, the templated tile link and the layers.
    private func tileset(_ request: Request, _ context: ZaminRequestContext, collection: FeatureCollectionID?) -> Response {
        let base = origin.base(for: request, context: context)
        let path = base + (collection.map { "/collections/\($0.rawValue)/tiles" } ?? "/tiles") + "/WebMercatorQuad"
        var item = link(path + "/{tileMatrix}/{tileRow}/{tileCol}", rel: "item", type: Self.mvt)
        if case .object(var object) = item {
            object["templated"] = .bool(true)
            item = .object(object)
        }
        let layers: [JSONValue] = (collection.map { [$0] } ?? FeatureCollectionID.allCases).map { layer in
            .object([
                "id": .string(layer.rawValue), "dataType": "vector", "geometryDimension": .number(layer == .facilities ? 0 : 2),
                "minTileMatrix": "0", "maxTileMatrix": "20",
            ])
        }
        let body: JSONValue = .object([
            "title": .string(title(collection, request)), "dataType": "vector", "crs": .string(Self.crs3857),
            "tileMatrixSetURI": .string(Self.tileMatrixSetURI),
            "links": .array([
                link(path, rel: "self", type: MediaType.json),
                link(base + "/tileMatrixSets/WebMercatorQuad", rel: Self.tilingSchemeRel, type: MediaType.json), item,
            ]),
            "layers": .array(layers),
        ])
        return answer(request, body)
    }

    private func title(_ collection: FeatureCollectionID?, _ request: Request) -> String {
        collection.map { OGCController.title($0, Language.of(request)) } ?? Message.ogcServiceTitle.text(in: Language.of(request))
    }

    private func link(_ href: String, rel: String, type: String) -> JSONValue {
        .object(["href": .string(href), "rel": .string(rel), "type": .string(type)])
    }

    private func answer(_ request: Request, _ body: JSONValue) -> Response {
        var json = JSONWriter()
        json.value(body)
        return OGCResponse.make(request, body: json.bytes, contentType: MediaType.json, language: Language.of(request))
    }
}
