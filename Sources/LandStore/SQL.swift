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
    /// Every stored id of a layer, for the features a sync's folder no longer has.
    static let parcelIDs = "SELECT parcel_id FROM parcel ORDER BY parcel_id"
    static let zoneIDs = "SELECT zone_id FROM zone ORDER BY zone_id"
    static let facilityIDs = "SELECT facility_id FROM facility ORDER BY facility_id"
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
          updated_at, decided_by, decision_reason, proposal
        """
    static let insertRequest = """
        INSERT INTO change_request (tracking_code, parcel_id, zone_code, kind, requested_use, requested_floors,
          requested_zone_code, description, applicant_name, applicant_national_id, applicant_phone, zoning_check,
          status, submitted_at, updated_at, proposal)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'submitted', ?13, ?13, ?14)
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
    /// When the parcel's current version began: its last change since the dataset was imported (?2).
    static let lastParcelChange = "SELECT max(valid_to) FROM parcel_history WHERE parcel_id = ?1 AND valid_to >= ?2"
    static let historyColumns = """
        change_id, parcel_id, valid_from, valid_to, request_id, zone_code, current_use, floors,
          next_zone_code, next_current_use, next_floors, zone_change_id, event, reason
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
    /// When the zone's current version began: its last change since the dataset was imported (?2).
    static let lastZoneChange = "SELECT max(valid_to) FROM zone_history WHERE zone_id = ?1 AND valid_to >= ?2"
    static let zoneHistoryColumns = """
        change_id, zone_id, valid_from, valid_to, code, name_fa, name_en, next_code, next_name_fa, next_name_en,
          reason, actor
        """
    /// Zone changes made in [?1, ?2], after the dataset import ?3.
    static let zoneChangesBetween = """
        SELECT \(zoneHistoryColumns) FROM zone_history WHERE valid_to >= ?1 AND valid_to <= ?2 AND valid_to >= ?3
        ORDER BY valid_to, change_id
        """

    // MARK: the city through time (every version since the import: `CityTimeline`)
    /// Columns as `allParcels`, then valid_from and valid_to: each closed version since the import
    /// (?1) and the current version of every parcel that has one, or began after the import.
    static let parcelTimeline = """
        SELECT h.parcel_id, h.zone_code, h.area_m2, h.current_use, h.floors, h.address, coalesce(h.extra, '{}'),
          coalesce(h.geom, (SELECT AsBinary(p.geom) FROM parcel p WHERE p.parcel_id = h.parcel_id)), h.valid_from, h.valid_to
        FROM parcel_history h WHERE h.valid_to >= ?1
        UNION ALL
        SELECT parcel_id, zone_code, area_m2, current_use, floors, address, extra, AsBinary(geom), valid_from, NULL
        FROM parcel WHERE valid_from > ?1 OR parcel_id IN (SELECT parcel_id FROM parcel_history WHERE valid_to >= ?1)
        """
    static let zoneTimeline = """
        SELECT h.zone_id, h.code, h.name_fa, h.name_en, coalesce(h.extra, '{}'),
          coalesce(h.geom, (SELECT AsBinary(z.geom) FROM zone z WHERE z.zone_id = h.zone_id)), h.valid_from, h.valid_to
        FROM zone_history h WHERE h.valid_to >= ?1
        UNION ALL
        SELECT zone_id, code, name_fa, name_en, extra, AsBinary(geom), valid_from, NULL
        FROM zone WHERE valid_from > ?1 OR zone_id IN (SELECT zone_id FROM zone_history WHERE valid_to >= ?1)
        """
    static let facilityTimeline = """
        SELECT facility_id, category, category_fa, name_fa, name_en, extra, geom, valid_from, valid_to
        FROM facility_history WHERE valid_to >= ?1
        UNION ALL
        SELECT facility_id, category, category_fa, name_fa, name_en, extra, AsBinary(geom), valid_from, NULL
        FROM facility WHERE valid_from > ?1 OR facility_id IN (SELECT facility_id FROM facility_history WHERE valid_to >= ?1)
        """

    // MARK: the city's version (migration 5)
    static let cityVersion = "SELECT version, changed_at FROM city_version WHERE singleton = 1"
    static let bumpCityVersion = "UPDATE city_version SET version = version + 1, changed_at = ?1 WHERE singleton = 1"
    /// The parcels, zones and facilities changed at or after an instant ?1 — a history version
    /// closed then (a change or a removal) or a current version begun then (an addition) — each
    /// with its current row, in `allParcels`' columns, then whether it exists (0: removed).
    static let parcelsChangedSince = """
        SELECT c.parcel_id, p.zone_code, p.area_m2, p.current_use, p.floors, p.address, p.extra, AsBinary(p.geom),
          p.parcel_id IS NOT NULL
        FROM (SELECT parcel_id FROM parcel_history WHERE valid_to >= ?1
              UNION SELECT parcel_id FROM parcel WHERE valid_from >= ?1) AS c
        LEFT JOIN parcel AS p ON p.parcel_id = c.parcel_id
        """
    static let zonesChangedSince = """
        SELECT c.zone_id, z.code, z.name_fa, z.name_en, z.extra, AsBinary(z.geom), z.zone_id IS NOT NULL
        FROM (SELECT zone_id FROM zone_history WHERE valid_to >= ?1
              UNION SELECT zone_id FROM zone WHERE valid_from >= ?1) AS c
        LEFT JOIN zone AS z ON z.zone_id = c.zone_id
        """
    static let facilitiesChangedSince = """
        SELECT c.facility_id, f.category, f.category_fa, f.name_fa, f.name_en, f.extra, AsBinary(f.geom),
          f.facility_id IS NOT NULL
        FROM (SELECT facility_id FROM facility_history WHERE valid_to >= ?1
              UNION SELECT facility_id FROM facility WHERE valid_from >= ?1) AS c
        LEFT JOIN facility AS f ON f.facility_id = c.facility_id
        """

    // MARK: whole versions (migration 6; Versions+Store.swift)
    static let parcelByID = """
        SELECT parcel_id, zone_code, area_m2, current_use, floors, address, extra, AsBinary(geom), valid_from
        FROM parcel WHERE parcel_id = ?1
        """
    static let deleteParcel = "DELETE FROM parcel WHERE parcel_id = ?1"
    static let insertParcelWithStart = """
        INSERT INTO parcel (parcel_id, zone_code, area_m2, current_use, floors, address, extra, geom, valid_from)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, GeomFromWKB(?8, 4326), ?9)
        """
    static let insertParcelVersion = """
        INSERT INTO parcel_history (parcel_id, valid_from, valid_to, zone_code, current_use, floors,
          next_zone_code, next_current_use, next_floors, request_id, actor, zone_change_id,
          event, area_m2, address, extra, geom, reason)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
        """
    static let zoneByID = "SELECT zone_id, code, name_fa, name_en, extra, AsBinary(geom), valid_from FROM zone WHERE zone_id = ?1"
    static let deleteZone = "DELETE FROM zone WHERE zone_id = ?1"
    static let insertZoneWithStart = """
        INSERT INTO zone (zone_id, code, name_fa, name_en, extra, geom, valid_from)
        VALUES (?1, ?2, ?3, ?4, ?5, GeomFromWKB(?6, 4326), ?7)
        """
    static let insertZoneVersion = """
        INSERT INTO zone_history (zone_id, valid_from, valid_to, code, name_fa, name_en,
          next_code, next_name_fa, next_name_en, reason, actor, event, extra, geom)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
        """
    static let facilityByID = """
        SELECT facility_id, category, category_fa, name_fa, name_en, extra, AsBinary(geom), valid_from
        FROM facility WHERE facility_id = ?1
        """
    static let deleteFacility = "DELETE FROM facility WHERE facility_id = ?1"
    static let insertFacilityWithStart = """
        INSERT INTO facility (facility_id, category, category_fa, name_fa, name_en, extra, geom, valid_from)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, GeomFromWKB(?7, 4326), ?8)
        """
    static let lastFacilityChange = "SELECT max(valid_to) FROM facility_history WHERE facility_id = ?1 AND valid_to >= ?2"
    static let insertFacilityVersion = """
        INSERT INTO facility_history (facility_id, valid_from, valid_to, event, category, category_fa, name_fa, name_en,
          extra, geom, reason, actor)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
        """
    static let reshapedAt = "SELECT reshaped_at FROM city_version WHERE singleton = 1"
    /// PostgreSQL's change log (`ChangeCapture`): its newest row, and one row by number.
    static let newestChange = "SELECT seq, at, layer, feature_id FROM change_log ORDER BY seq DESC LIMIT 1"
    static let changeNumbered = "SELECT seq, at, layer, feature_id FROM change_log WHERE seq = ?1"
    static let markReshaped = "UPDATE city_version SET reshaped_at = ?1 WHERE singleton = 1"
    // MARK: sync (Sync+Store.swift)
    /// Per feature, its last change since the import ?1 when that change left a current version:
    /// who made it, the request or zone change behind it, and when.
    static let lastParcelChanges = """
        SELECT parcel_id, actor, request_id, zone_change_id, valid_to FROM parcel_history
        WHERE change_id IN (SELECT max(change_id) FROM parcel_history WHERE valid_to >= ?1 GROUP BY parcel_id)
          AND event = 'change'
        """
    static let lastZoneChanges = """
        SELECT zone_id, actor, NULL, change_id, valid_to FROM zone_history
        WHERE change_id IN (SELECT max(change_id) FROM zone_history WHERE valid_to >= ?1 GROUP BY zone_id)
          AND event = 'change'
        """
    static let lastFacilityChanges = """
        SELECT facility_id, actor, NULL, NULL, valid_to FROM facility_history
        WHERE change_id IN (SELECT max(change_id) FROM facility_history WHERE valid_to >= ?1 GROUP BY facility_id)
          AND event = 'change'
        """
    static let openRequests = """
        SELECT parcel_id, request_id FROM change_request WHERE status IN ('submitted', 'under_review') ORDER BY request_id
        """
    static let allStreets = "SELECT street_id, name, extra, AsBinary(geom) FROM street ORDER BY street_id"
    /// What `import --replace` would lose: requests, and history rows of any layer.
    static let recordsAReplaceWouldLose = """
        SELECT (SELECT count(*) FROM change_request),
          (SELECT count(*) FROM parcel_history) + (SELECT count(*) FROM zone_history) + (SELECT count(*) FROM facility_history)
        """
    // MARK: edits (Edits+Store.swift)
    /// Parcels other than ?2 whose interiors meet outline ?1 (WKB), found through the spatial
    /// index by the outline's box (?3–?6), with the geodesic area of the shared part.
    static let overlapsOfOutline = """
        SELECT p.parcel_id,
          CASE WHEN ST_Relate(p.geom, g.geom, '2********') THEN ST_Area(ST_Intersection(p.geom, g.geom), 1) ELSE 0 END
        FROM parcel AS p, (SELECT GeomFromWKB(?1, 4326) AS geom) AS g
        WHERE p.parcel_id <> ?2 AND p.rowid IN (
          SELECT pkid FROM idx_parcel_geom WHERE xmin <= ?5 AND xmax >= ?3 AND ymin <= ?6 AND ymax >= ?4)
        ORDER BY p.parcel_id
        """

    // MARK: subdivisions and mergers (Cadastre+Store.swift), GEOS through SpatiaLite
    /// The geodesic area shared by outlines ?1 and ?2 (WKB).
    static let sharedArea = """
        SELECT coalesce(ST_Area(ST_Intersection(GeomFromWKB(?1, 4326), GeomFromWKB(?2, 4326)), 1), 0)
        """
    /// The geodesic area of outline ?1 outside outline ?2.
    static let areaOutside = """
        SELECT coalesce(ST_Area(ST_Difference(GeomFromWKB(?1, 4326), GeomFromWKB(?2, 4326)), 1), 0)
        """
    /// The union of outlines ?1 and ?2 and its type (POLYGON when they form one piece).
    static let unionOf = """
        SELECT AsBinary(u), ST_GeometryType(u) FROM (SELECT ST_Union(GeomFromWKB(?1, 4326), GeomFromWKB(?2, 4326)) AS u)
        """
    static let isValidOutline = "SELECT ST_IsValid(GeomFromWKB(?1, 4326))"
    static let openRequestOfParcel = """
        SELECT request_id FROM change_request
        WHERE parcel_id = ?1 AND status IN ('submitted', 'under_review') AND request_id IS NOT ?2 ORDER BY request_id LIMIT 1
        """
    static let insertLineage = """
        INSERT INTO parcel_lineage (parent_id, child_id, at, event, request_id) VALUES (?1, ?2, ?3, ?4, ?5)
        """
    static let lineageBetween = """
        SELECT parent_id, child_id, at, event, request_id FROM parcel_lineage WHERE at >= ?1 AND at <= ?2 ORDER BY at, parent_id, child_id
        """
}
