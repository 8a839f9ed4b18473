/// Numbered schema migrations, applied in order, one transaction each; the version is kept in
/// `PRAGMA user_version`. A released migration is never edited: changes go in a new one.
enum Migrations {
    /// Each entry brings the schema from version `index` to `index + 1`.
    static let all: [[String]] = [version1, version2, version3, version4, version5, version6, version7, version8, version9, version10, version11]

    static var latestVersion: Int { all.count }

    /// Layers in EPSG:4326 with SpatiaLite geometry columns and R*Tree spatial indexes, typed
    /// attribute columns, unknown properties kept as JSON in `extra`, and the audit log.
    static let version1: [String] = [
        """
        CREATE TABLE dataset (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          name TEXT NOT NULL, imported_at TEXT NOT NULL, source TEXT NOT NULL)
        """,
        """
        CREATE TABLE zoning_rule (
          code TEXT PRIMARY KEY, name_fa TEXT, name_en TEXT,
          allowed_uses TEXT NOT NULL, conditional_uses TEXT NOT NULL,
          max_floors INTEGER, max_coverage_pct REAL, max_density_pct REAL, min_parcel_area_m2 REAL, notes TEXT)
        """,
        """
        CREATE TABLE parcel (
          parcel_id TEXT PRIMARY KEY, zone_code TEXT, area_m2 REAL NOT NULL CHECK (area_m2 > 0),
          current_use TEXT, floors INTEGER CHECK (floors >= 0), address TEXT, extra TEXT NOT NULL DEFAULT '{}')
        """,
        "SELECT AddGeometryColumn('parcel', 'geom', 4326, 'GEOMETRY', 'XY', 1)",
        "SELECT CreateSpatialIndex('parcel', 'geom')",
        """
        CREATE TABLE zone (
          zone_id TEXT PRIMARY KEY, code TEXT NOT NULL, name_fa TEXT, name_en TEXT, extra TEXT NOT NULL DEFAULT '{}')
        """,
        "SELECT AddGeometryColumn('zone', 'geom', 4326, 'GEOMETRY', 'XY', 1)",
        "SELECT CreateSpatialIndex('zone', 'geom')",
        """
        CREATE TABLE facility (
          facility_id TEXT PRIMARY KEY, category TEXT NOT NULL, category_fa TEXT, name_fa TEXT, name_en TEXT,
          extra TEXT NOT NULL DEFAULT '{}')
        """,
        "SELECT AddGeometryColumn('facility', 'geom', 4326, 'POINT', 'XY', 1)",
        "SELECT CreateSpatialIndex('facility', 'geom')",
        "CREATE INDEX facility_category ON facility (category)",
        """
        CREATE TABLE street (street_id TEXT PRIMARY KEY, name TEXT, extra TEXT NOT NULL DEFAULT '{}')
        """,
        "SELECT AddGeometryColumn('street', 'geom', 4326, 'GEOMETRY', 'XY', 1)",
        "SELECT CreateSpatialIndex('street', 'geom')",
        """
        CREATE TABLE audit (
          audit_id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
          target TEXT, before TEXT, after TEXT)
        """,
    ]

    /// Change requests filed by citizens, the history of every parcel edit (each row is one
    /// closed version [valid_from, valid_to) with the values that replaced it), API keys (a
    /// public key id, a random salt and SHA-256(salt ‖ secret); never the secret), and an
    /// index to read the audit log by time.
    static let version2: [String] = [
        """
        CREATE TABLE change_request (
          request_id INTEGER PRIMARY KEY,
          tracking_code TEXT NOT NULL UNIQUE,
          parcel_id TEXT NOT NULL,
          zone_code TEXT,
          kind TEXT NOT NULL CHECK (kind IN ('land_use_change', 'construction_permit')),
          requested_use TEXT NOT NULL,
          requested_floors INTEGER CHECK (requested_floors >= 0),
          requested_zone_code TEXT,
          description TEXT NOT NULL DEFAULT '',
          applicant_name TEXT NOT NULL,
          applicant_national_id TEXT NOT NULL,
          applicant_phone TEXT NOT NULL,
          zoning_check TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('submitted', 'under_review', 'approved', 'rejected')),
          submitted_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          decided_by TEXT,
          decision_reason TEXT)
        """,
        "CREATE INDEX change_request_status ON change_request (status, request_id)",
        """
        CREATE TABLE parcel_history (
          change_id INTEGER PRIMARY KEY,
          parcel_id TEXT NOT NULL,
          valid_from TEXT NOT NULL,
          valid_to TEXT NOT NULL,
          zone_code TEXT, current_use TEXT, floors INTEGER,
          next_zone_code TEXT, next_current_use TEXT, next_floors INTEGER,
          request_id INTEGER REFERENCES change_request (request_id),
          actor TEXT NOT NULL)
        """,
        "CREATE INDEX parcel_history_parcel ON parcel_history (parcel_id, valid_to)",
        "CREATE INDEX parcel_history_valid_to ON parcel_history (valid_to)",
        """
        CREATE TABLE api_key (
          key_id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          role TEXT NOT NULL CHECK (role IN ('planner', 'admin')),
          salt BLOB NOT NULL,
          secret_hash BLOB NOT NULL,
          created_at TEXT NOT NULL,
          revoked_at TEXT)
        """,
        "CREATE INDEX audit_at ON audit (at)",
    ]

    /// The history of zone edits, the same shape as `parcel_history`: each row is one closed
    /// version [valid_from, valid_to) of a zone's code and names with the values that replaced
    /// them (geometry is never edited), the reason given and who made it. A parcel whose stored
    /// zone code followed a rezoning names that zone change in `parcel_history.zone_change_id`
    /// (its `request_id` stays NULL: no request caused it).
    static let version3: [String] = [
        """
        CREATE TABLE zone_history (
          change_id INTEGER PRIMARY KEY,
          zone_id TEXT NOT NULL,
          valid_from TEXT NOT NULL,
          valid_to TEXT NOT NULL,
          code TEXT NOT NULL, name_fa TEXT, name_en TEXT,
          next_code TEXT NOT NULL, next_name_fa TEXT, next_name_en TEXT,
          reason TEXT,
          actor TEXT NOT NULL)
        """,
        "CREATE INDEX zone_history_zone ON zone_history (zone_id, valid_to)",
        "CREATE INDEX zone_history_valid_to ON zone_history (valid_to)",
        "ALTER TABLE parcel_history ADD COLUMN zone_change_id INTEGER REFERENCES zone_history (change_id)",
    ]

    /// The shape of an audit record's `before` and `after` is versioned per row, so that a row
    /// written today still reads after a shape changes (`AuditRecord.currentVersion`); rows
    /// written before this migration are version 0 (their shapes are those of `action` then).
    static let version4: [String] = [
        "ALTER TABLE audit ADD COLUMN record_version INTEGER NOT NULL DEFAULT 0",
    ]

    /// The city's version: bumped in the same transaction as every change of the land the
    /// in-memory snapshot holds (import, approval, rezoning), by whichever process makes it, so a
    /// running server can tell cheaply that another process changed the city (`CityVersion`).
    static let version5: [String] = [
        """
        CREATE TABLE city_version (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          version INTEGER NOT NULL,
          changed_at TEXT)
        """,
        "INSERT INTO city_version (singleton, version, changed_at) SELECT 1, 0, (SELECT imported_at FROM dataset WHERE singleton = 1)",
    ]

    /// Whole versions: a history row keeps every value of the version it closes, outline
    /// included (plain WKB in `geom`), so that a file sync, an edit through OGC API – Features
    /// Part 4, a subdivision or a merger can change any of them and nothing is lost. Rows written
    /// before kept only the edited attributes; the others never changed then, so they are
    /// today's, and are copied from the current rows here. `event` says whether the row's version
    /// was followed by another (`change`) or the feature ended (`removal`: no `next_*` values, no
    /// current row). A feature's `valid_from` is when its current version began (NULL: when the
    /// dataset was imported, as for every feature imported before this migration). Facilities get
    /// the same history. `city_version.reshaped_at` is the last time a change did more than edit
    /// parcel and zone attributes in place (a feature added, removed or reshaped, a layer
    /// synced): a follower that sees it since its own version reloads the whole city.
    static let version6: [String] = [
        "ALTER TABLE parcel ADD COLUMN valid_from TEXT",
        "ALTER TABLE zone ADD COLUMN valid_from TEXT",
        "ALTER TABLE facility ADD COLUMN valid_from TEXT",
        "ALTER TABLE parcel_history ADD COLUMN event TEXT NOT NULL DEFAULT 'change' CHECK (event IN ('change', 'removal'))",
        "ALTER TABLE parcel_history ADD COLUMN area_m2 REAL",
        "ALTER TABLE parcel_history ADD COLUMN address TEXT",
        "ALTER TABLE parcel_history ADD COLUMN extra TEXT",
        "ALTER TABLE parcel_history ADD COLUMN geom BLOB",
        "ALTER TABLE parcel_history ADD COLUMN reason TEXT",
        """
        UPDATE parcel_history SET
          area_m2 = (SELECT p.area_m2 FROM parcel p WHERE p.parcel_id = parcel_history.parcel_id),
          address = (SELECT p.address FROM parcel p WHERE p.parcel_id = parcel_history.parcel_id),
          extra = (SELECT p.extra FROM parcel p WHERE p.parcel_id = parcel_history.parcel_id),
          geom = (SELECT AsBinary(p.geom) FROM parcel p WHERE p.parcel_id = parcel_history.parcel_id)
        """,
        "ALTER TABLE zone_history ADD COLUMN event TEXT NOT NULL DEFAULT 'change' CHECK (event IN ('change', 'removal'))",
        "ALTER TABLE zone_history ADD COLUMN extra TEXT",
        "ALTER TABLE zone_history ADD COLUMN geom BLOB",
        """
        UPDATE zone_history SET
          extra = (SELECT z.extra FROM zone z WHERE z.zone_id = zone_history.zone_id),
          geom = (SELECT AsBinary(z.geom) FROM zone z WHERE z.zone_id = zone_history.zone_id)
        """,
        """
        CREATE TABLE facility_history (
          change_id INTEGER PRIMARY KEY,
          facility_id TEXT NOT NULL,
          valid_from TEXT NOT NULL,
          valid_to TEXT NOT NULL,
          event TEXT NOT NULL CHECK (event IN ('change', 'removal')),
          category TEXT NOT NULL, category_fa TEXT, name_fa TEXT, name_en TEXT, extra TEXT NOT NULL, geom BLOB NOT NULL,
          reason TEXT,
          actor TEXT NOT NULL)
        """,
        "CREATE INDEX facility_history_facility ON facility_history (facility_id, valid_to)",
        "CREATE INDEX facility_history_valid_to ON facility_history (valid_to)",
        "ALTER TABLE city_version ADD COLUMN reshaped_at TEXT",
    ]

    /// Subdivisions (تفکیک) and mergers (تجمیع): `parcel_lineage` links each parent to each
    /// child with when and how (a planner's edit, or the approval of request `request_id`); the
    /// parents' last versions and the children's first are in `parcel_history` and `parcel` as
    /// for any other change. Citizens file `subdivision` and `merger` requests: `change_request`
    /// is rebuilt with the wider kind CHECK (SQLite cannot alter a CHECK; the procedure of
    /// https://sqlite.org/lang_altertable.html §7, with foreign keys off around the transaction,
    /// `foreignKeysOff`) and `proposal`, what was proposed as JSON (the children's outlines and
    /// values, or the parcels to merge).
    static let version7: [String] = [
        """
        CREATE TABLE change_request_v7 (
          request_id INTEGER PRIMARY KEY,
          tracking_code TEXT NOT NULL UNIQUE,
          parcel_id TEXT NOT NULL,
          zone_code TEXT,
          kind TEXT NOT NULL CHECK (kind IN ('land_use_change', 'construction_permit', 'subdivision', 'merger')),
          requested_use TEXT NOT NULL,
          requested_floors INTEGER CHECK (requested_floors >= 0),
          requested_zone_code TEXT,
          description TEXT NOT NULL DEFAULT '',
          applicant_name TEXT NOT NULL,
          applicant_national_id TEXT NOT NULL,
          applicant_phone TEXT NOT NULL,
          zoning_check TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('submitted', 'under_review', 'approved', 'rejected')),
          submitted_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          decided_by TEXT,
          decision_reason TEXT,
          proposal TEXT)
        """,
        """
        INSERT INTO change_request_v7 (request_id, tracking_code, parcel_id, zone_code, kind, requested_use,
          requested_floors, requested_zone_code, description, applicant_name, applicant_national_id, applicant_phone,
          zoning_check, status, submitted_at, updated_at, decided_by, decision_reason)
        SELECT request_id, tracking_code, parcel_id, zone_code, kind, requested_use,
          requested_floors, requested_zone_code, description, applicant_name, applicant_national_id, applicant_phone,
          zoning_check, status, submitted_at, updated_at, decided_by, decision_reason
        FROM change_request
        """,
        "DROP TABLE change_request",
        "ALTER TABLE change_request_v7 RENAME TO change_request",
        "CREATE INDEX change_request_status ON change_request (status, request_id)",
        """
        CREATE TABLE parcel_lineage (
          parent_id TEXT NOT NULL,
          child_id TEXT NOT NULL,
          at TEXT NOT NULL,
          event TEXT NOT NULL CHECK (event IN ('subdivision', 'merger')),
          request_id INTEGER REFERENCES change_request (request_id),
          PRIMARY KEY (parent_id, child_id))
        """,
        "CREATE INDEX parcel_lineage_child ON parcel_lineage (child_id)",
        "CREATE INDEX parcel_lineage_at ON parcel_lineage (at)",
    ]

    /// What changed since an instant, found by when each current version began (`cityChanges`: a
    /// follower applies the features added or changed since its version, not the whole city).
    static let version8: [String] = [
        "CREATE INDEX parcel_valid_from ON parcel (valid_from)",
        "CREATE INDEX zone_valid_from ON zone (valid_from)",
        "CREATE INDEX facility_valid_from ON facility (valid_from)",
    ]

    /// Problem reports (issue 20): the city's service catalogue as imported (`services.json`,
    /// validated, kept whole: it is read whole), the reports with their public status history,
    /// the photos by the SHA-256 of their cleaned bytes (in the database, so a report and its
    /// photos commit together: no photo without its report, none lost after an acknowledgement)
    /// and which report shows which. `api_key` is rebuilt for the wider role CHECK (nothing
    /// refers to it).
    static let version9: [String] = [
        """
        CREATE TABLE report_service_catalogue (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1), catalogue TEXT NOT NULL, imported_at TEXT NOT NULL)
        """,
    ] + reportTables(key: "INTEGER PRIMARY KEY", real: "REAL", blob: "BLOB") + [
        """
        CREATE TABLE api_key_v9 (
          key_id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          role TEXT NOT NULL CHECK (role IN ('reporter_app', 'operator', 'planner', 'admin')),
          salt BLOB NOT NULL,
          secret_hash BLOB NOT NULL,
          created_at TEXT NOT NULL,
          revoked_at TEXT)
        """,
        "INSERT INTO api_key_v9 SELECT key_id, name, role, salt, secret_hash, created_at, revoked_at FROM api_key",
        "DROP TABLE api_key",
        "ALTER TABLE api_key_v9 RENAME TO api_key",
    ]

    /// Information layers (issue 21): districts, projects and sensitive sites, each stored whole.
    static let version10: [String] = informationLayerTables

    /// Tenders with sealed bids (issue 21 point 3).
    static let version11: [String] = tenderTables(key: "INTEGER PRIMARY KEY")

    /// The report tables in either dialect (`key`: the assigned integer key's declaration).
    static func reportTables(key: String, real: String, blob: String) -> [String] {
        [
            """
            CREATE TABLE problem_report (
              report_id \(key),
              tracking_code TEXT NOT NULL UNIQUE,
              service_code TEXT NOT NULL,
              lon \(real) NOT NULL CHECK (lon BETWEEN -180 AND 180),
              lat \(real) NOT NULL CHECK (lat BETWEEN -90 AND 90),
              address TEXT,
              parcel_id TEXT,
              zone_code TEXT,
              description TEXT NOT NULL DEFAULT '',
              attributes TEXT NOT NULL DEFAULT '{}',
              status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'closed', 'duplicate')),
              submitted_at TEXT NOT NULL,
              updated_at TEXT NOT NULL,
              closed_at TEXT,
              duplicate_of BIGINT REFERENCES problem_report (report_id),
              confirmations BIGINT NOT NULL DEFAULT 0 CHECK (confirmations >= 0),
              assigned_to TEXT,
              reporter_name TEXT,
              reporter_email TEXT,
              reporter_phone TEXT,
              media_url TEXT,
              source TEXT NOT NULL)
            """,
            "CREATE INDEX problem_report_by_status ON problem_report (status, report_id)",
            "CREATE INDEX problem_report_updated ON problem_report (updated_at)",
            "CREATE INDEX problem_report_submitted ON problem_report (submitted_at)",
            """
            CREATE TABLE problem_report_status (
              entry_id \(key),
              report_id BIGINT NOT NULL REFERENCES problem_report (report_id),
              at TEXT NOT NULL,
              status TEXT NOT NULL,
              note TEXT)
            """,
            "CREATE INDEX problem_report_status_report ON problem_report_status (report_id, entry_id)",
            """
            CREATE TABLE report_photo (
              sha256 TEXT PRIMARY KEY, media_type TEXT NOT NULL, size BIGINT NOT NULL, bytes \(blob) NOT NULL, stored_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE problem_report_photo (
              report_id BIGINT NOT NULL REFERENCES problem_report (report_id),
              sha256 TEXT NOT NULL REFERENCES report_photo (sha256),
              position BIGINT NOT NULL,
              PRIMARY KEY (report_id, position))
            """,
            "CREATE INDEX problem_report_photo_sha256 ON problem_report_photo (sha256)",
        ]
    }

    /// Migrations that rebuild a table others refer to: run with `PRAGMA foreign_keys` off (it
    /// cannot change inside a transaction) and `foreign_key_check` before their commit.
    static let foreignKeysOff: Set<Int> = [7]
}
