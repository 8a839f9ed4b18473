/// Every SQL statement of Zamin. Values are bound (`?1`), never interpolated; table and
/// column names are constants here.
enum SQL {
    // MARK: schema bookkeeping
    static let userVersion = "PRAGMA user_version"
    static let hasSpatialMetadata = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'geometry_columns'"
    static let initSpatialMetadata = "SELECT InitSpatialMetadata(1)"

    // MARK: dataset
    static let datasetInfo = "SELECT name, imported_at, source FROM dataset WHERE singleton = 1"
    static let insertDatasetInfo = """
        INSERT INTO dataset (singleton, name, imported_at, source) VALUES (1, ?1, ?2, ?3)
        ON CONFLICT (singleton) DO UPDATE SET name = excluded.name, imported_at = excluded.imported_at, source = excluded.source
        """
    static let deleteLayers = [
        "DELETE FROM parcel", "DELETE FROM zone", "DELETE FROM facility", "DELETE FROM street",
        "DELETE FROM zoning_rule",
    ]

    // MARK: layers
    static let insertRule = """
        INSERT INTO zoning_rule (code, name_fa, name_en, allowed_uses, conditional_uses, max_floors,
          max_coverage_pct, max_density_pct, min_parcel_area_m2, notes)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        """
    static let insertParcel = """
        INSERT INTO parcel (parcel_id, zone_code, area_m2, current_use, floors, address, extra, geom)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, GeomFromWKB(?8, 4326))
        """
    static let insertZone = """
        INSERT INTO zone (zone_id, code, name_fa, name_en, extra, geom)
        VALUES (?1, ?2, ?3, ?4, ?5, GeomFromWKB(?6, 4326))
        """
    static let insertFacility = """
        INSERT INTO facility (facility_id, category, category_fa, name_fa, name_en, extra, geom)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, GeomFromWKB(?7, 4326))
        """
    static let insertStreet = """
        INSERT INTO street (street_id, name, extra, geom) VALUES (?1, ?2, ?3, GeomFromWKB(?4, 4326))
        """
    static let allRules = """
        SELECT code, name_fa, name_en, allowed_uses, conditional_uses, max_floors, max_coverage_pct,
          max_density_pct, min_parcel_area_m2, notes FROM zoning_rule ORDER BY code
        """
    static let allParcels = """
        SELECT parcel_id, zone_code, area_m2, current_use, floors, address, extra, AsBinary(geom)
        FROM parcel ORDER BY parcel_id
        """
    static let allZones = "SELECT zone_id, code, name_fa, name_en, extra, AsBinary(geom) FROM zone ORDER BY zone_id"
    static let allFacilities = """
        SELECT facility_id, category, category_fa, name_fa, name_en, extra, AsBinary(geom)
        FROM facility ORDER BY facility_id
        """
    static let countParcels = "SELECT count(*) FROM parcel"
    static let countZones = "SELECT count(*) FROM zone"
    static let countFacilities = "SELECT count(*) FROM facility"
    static let countStreets = "SELECT count(*) FROM street"
    static let countRules = "SELECT count(*) FROM zoning_rule"

    // MARK: audit
    static let insertAudit = """
        INSERT INTO audit (at, actor, action, target, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        """
}
