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
        INSERT INTO audit (at, actor, action, target, before, after, record_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        """
}

extension SQL {
    // MARK: change requests (migration 2)
    static let requestColumns = """
        request_id, tracking_code, parcel_id, zone_code, kind, requested_use, requested_floors, requested_zone_code,
          description, applicant_name, applicant_national_id, applicant_phone, zoning_check, status, submitted_at,
          updated_at, decided_by, decision_reason
        """
    static let insertRequest = """
        INSERT INTO change_request (tracking_code, parcel_id, zone_code, kind, requested_use, requested_floors,
          requested_zone_code, description, applicant_name, applicant_national_id, applicant_phone, zoning_check,
          status, submitted_at, updated_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'submitted', ?13, ?13)
        """
    static let requestByID = "SELECT \(requestColumns) FROM change_request WHERE request_id = ?1"
    static let requestByTrackingCode = "SELECT \(requestColumns) FROM change_request WHERE tracking_code = ?1"
    static let requestsByStatus = """
        SELECT \(requestColumns) FROM change_request WHERE (?1 IS NULL OR status = ?1) ORDER BY request_id
        """
    /// The status check-and-set of a decision: it changes a row only while the request is still in
    /// one of the statuses ?3, ?4 (the caller checks `changes`), so two deciders cannot both win.
    static let decideRequest = """
        UPDATE change_request SET status = ?2, updated_at = ?5, decided_by = ?6, decision_reason = ?7
        WHERE request_id = ?1 AND status IN (?3, ?4)
        """

    // MARK: parcel history (migration 2)
    static let parcelAttributes = "SELECT zone_code, current_use, floors FROM parcel WHERE parcel_id = ?1"
    static let updateParcelAttributes = "UPDATE parcel SET zone_code = ?2, current_use = ?3, floors = ?4 WHERE parcel_id = ?1"
    /// When the parcel's current version began: its last change since the dataset was imported (?2).
    static let lastParcelChange = "SELECT max(valid_to) FROM parcel_history WHERE parcel_id = ?1 AND valid_to >= ?2"
    static let insertParcelHistory = """
        INSERT INTO parcel_history (parcel_id, valid_from, valid_to, zone_code, current_use, floors,
          next_zone_code, next_current_use, next_floors, request_id, actor, zone_change_id)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
        """
    static let historyColumns = """
        change_id, parcel_id, valid_from, valid_to, request_id, zone_code, current_use, floors,
          next_zone_code, next_current_use, next_floors, zone_change_id
        """
    /// The versions valid at instant ?1 that are not the current one: [valid_from, valid_to) holds ?1.
    static let parcelVersionsAt = """
        SELECT \(historyColumns) FROM parcel_history WHERE valid_from <= ?1 AND valid_to > ?1 ORDER BY change_id
        """
    /// Changes made in [?1, ?2], after the dataset import ?3.
    static let parcelChangesBetween = """
        SELECT \(historyColumns) FROM parcel_history WHERE valid_to >= ?1 AND valid_to <= ?2 AND valid_to >= ?3
        ORDER BY valid_to, change_id
        """

    // MARK: API keys (migration 2)
    static let insertKey = """
        INSERT INTO api_key (key_id, name, role, salt, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        """
    static let keyByID = "SELECT key_id, name, role, salt, secret_hash, created_at, revoked_at FROM api_key WHERE key_id = ?1"
    static let keyByName = "SELECT key_id, name, role, salt, secret_hash, created_at, revoked_at FROM api_key WHERE name = ?1"
    static let allKeys = "SELECT key_id, name, role, salt, secret_hash, created_at, revoked_at FROM api_key ORDER BY created_at, name"
    static let revokeKey = "UPDATE api_key SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL"

    // MARK: audit reading (migration 2)
    static let auditPage = """
        SELECT audit_id, at, actor, action, target, before, after, record_version FROM audit
        WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at <= ?2) ORDER BY audit_id DESC LIMIT ?3
        """
}

extension SQL {
    // MARK: zone history (migration 3)
    static let zoneAttributes = "SELECT code, name_fa, name_en FROM zone WHERE zone_id = ?1"
    static let updateZoneAttributes = "UPDATE zone SET code = ?2, name_fa = ?3, name_en = ?4 WHERE zone_id = ?1"
    /// When the zone's current version began: its last change since the dataset was imported (?2).
    static let lastZoneChange = "SELECT max(valid_to) FROM zone_history WHERE zone_id = ?1 AND valid_to >= ?2"
    static let insertZoneHistory = """
        INSERT INTO zone_history (zone_id, valid_from, valid_to, code, name_fa, name_en,
          next_code, next_name_fa, next_name_en, reason, actor)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
        """
    static let zoneHistoryColumns = """
        change_id, zone_id, valid_from, valid_to, code, name_fa, name_en, next_code, next_name_fa, next_name_en,
          reason, actor
        """
    /// The zone versions valid at instant ?1 that are not the current one.
    static let zoneVersionsAt = """
        SELECT \(zoneHistoryColumns) FROM zone_history WHERE valid_from <= ?1 AND valid_to > ?1 ORDER BY change_id
        """
    /// Zone changes made in [?1, ?2], after the dataset import ?3.
    static let zoneChangesBetween = """
        SELECT \(zoneHistoryColumns) FROM zone_history WHERE valid_to >= ?1 AND valid_to <= ?2 AND valid_to >= ?3
        ORDER BY valid_to, change_id
        """

    // MARK: the city's version (migration 5)
    static let cityVersion = "SELECT version, changed_at FROM city_version WHERE singleton = 1"
    static let bumpCityVersion = "UPDATE city_version SET version = version + 1, changed_at = ?1 WHERE singleton = 1"
    /// The parcels and zones whose attributes changed at or after an instant (each change closes
    /// a history version at its commit's instant), with their current attributes.
    static let parcelsChangedSince = """
        SELECT parcel_id, zone_code, current_use, floors FROM parcel
        WHERE parcel_id IN (SELECT parcel_id FROM parcel_history WHERE valid_to >= ?1)
        """
    static let zonesChangedSince = """
        SELECT zone_id, code, name_fa, name_en FROM zone
        WHERE zone_id IN (SELECT zone_id FROM zone_history WHERE valid_to >= ?1)
        """
}
