extension SQL {
    /// The statements PostgreSQL + PostGIS needs written otherwise than by `SQLDialect`'s
    /// spelling changes, keyed by their SQLite text. SpatiaLite's `ST_Area(g, 1)` (geodesic, on
    /// the ellipsoid) is PostGIS's `ST_Area(g::geography, true)`; SpatiaLite's R*Tree table
    /// (`idx_parcel_geom`, by rowid) is PostGIS's GiST index, used through `&&` with a box;
    /// `ST_GeometryType` answers `ST_Polygon` in PostGIS, `GeometryType` answers `POLYGON` as
    /// SpatiaLite's does.
    static let postgres: [String: String] = [
        parcelOverlapCandidates: """
            SELECT a.parcel_id, b.parcel_id,
              CASE WHEN ST_Relate(a.geom, b.geom, '2********') THEN ST_Area(ST_Intersection(a.geom, b.geom)::geography, true) ELSE 0 END
            FROM parcel AS a JOIN parcel AS b ON a.geom && b.geom
            WHERE a.parcel_id < b.parcel_id
            ORDER BY a.parcel_id, b.parcel_id
            """,
        overlapsOfOutline: """
            SELECT p.parcel_id,
              CASE WHEN ST_Relate(p.geom, g.geom, '2********') THEN ST_Area(ST_Intersection(p.geom, g.geom)::geography, true) ELSE 0 END
            FROM parcel AS p, (SELECT ST_GeomFromWKB($1, 4326) AS geom) AS g
            WHERE p.parcel_id <> $2 AND p.geom && ST_MakeEnvelope($3, $4, $5, $6, 4326)
            ORDER BY p.parcel_id
            """,
        sharedArea: """
            SELECT coalesce(ST_Area(ST_Intersection(ST_GeomFromWKB($1, 4326), ST_GeomFromWKB($2, 4326))::geography, true), 0)
            """,
        areaOutside: """
            SELECT coalesce(ST_Area(ST_Difference(ST_GeomFromWKB($1, 4326), ST_GeomFromWKB($2, 4326))::geography, true), 0)
            """,
        unionOf: """
            SELECT ST_AsBinary(u), GeometryType(u) FROM (SELECT ST_Union(ST_GeomFromWKB($1, 4326), ST_GeomFromWKB($2, 4326)) AS u) AS united
            """,
    ]
}
