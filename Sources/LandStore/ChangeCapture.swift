/// Change capture on PostgreSQL (issue 17 point 3; ../shared/docs/standards-wave2.md, "PostGIS
/// change capture"): triggers, so that an edit made with any tool — QGIS editing the tables,
/// `psql`, another program — is seen like Zamin's own.
///
/// - Every row written to `parcel`, `zone`, `facility`, `street` or `zoning_rule` adds a row to
///   `change_log` (sequence, layer, id, kind, actor) in the same transaction, and each statement
///   that wrote one sends `NOTIFY zamin_changes`, delivered when the transaction commits.
/// - A transaction that is not Zamin's writer (`SET LOCAL zamin.writer`, `SQLDialect.beginWrite`)
///   gets from the triggers what Zamin's writer does itself: the version a row ends goes into its
///   history whole (actor `database:<user>`), the new version starts now (`valid_from`, so an
///   addition is found), the city's version is bumped and an audit record says who changed
///   what; nodes apply the changed features (`cityChanges`), and reload the whole city only when
///   an id changed or a street or a rule did (`reshaped_at`).
/// - An import (`zamin.bulk`) writes no per-row log: it bumps the city's version as a whole.
/// Instants are text in the form of `Timestamp` (RFC 3339, UTC, milliseconds), so they compare
/// with Zamin's own.
enum ChangeCapture {
    static let statements: [String] = [
        """
        CREATE TABLE change_log (
          seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          layer TEXT NOT NULL,
          feature_id TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('insert', 'update', 'delete')),
          actor TEXT NOT NULL,
          at TEXT NOT NULL)
        """,
        """
        CREATE FUNCTION zamin_now() RETURNS TEXT LANGUAGE sql VOLATILE AS $$
          SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        $$
        """,
        """
        CREATE FUNCTION zamin_is_writer() RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
          SELECT coalesce(current_setting('zamin.writer', true), '') = 'zamin'
        $$
        """,
        """
        CREATE FUNCTION zamin_is_bulk() RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
          SELECT coalesce(current_setting('zamin.bulk', true), '') = 'on'
        $$
        """,
        // The log row of each written row (all writers but an import).
        """
        CREATE FUNCTION zamin_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          row_id TEXT;
        BEGIN
          IF zamin_is_bulk() THEN RETURN NULL; END IF;
          IF TG_OP = 'DELETE' THEN
            row_id := to_jsonb(OLD) ->> TG_ARGV[0];
          ELSE
            row_id := to_jsonb(NEW) ->> TG_ARGV[0];
          END IF;
          INSERT INTO change_log (layer, feature_id, kind, actor, at)
          VALUES (TG_TABLE_NAME, row_id, lower(TG_OP),
                  CASE WHEN zamin_is_writer() THEN 'zamin' ELSE 'database:' || current_user END, zamin_now());
          RETURN NULL;
        END
        $$
        """,
        // Once per statement: wake every node, and for another tool's statement, the city's version.
        """
        CREATE FUNCTION zamin_statement_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF zamin_is_bulk() THEN RETURN NULL; END IF;
          IF NOT zamin_is_writer() THEN
            UPDATE city_version SET version = version + 1, changed_at = zamin_now() WHERE singleton = 1;
          END IF;
          PERFORM pg_notify('zamin_changes', '');
          RETURN NULL;
        END
        $$
        """,
        // Another tool's edit of a parcel: history, valid_from, reshaped_at, audit (Zamin's own
        // writes do all of this in `writeParcelVersion`).
        """
        CREATE FUNCTION zamin_parcel_edited() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          now_text TEXT := zamin_now();
          who TEXT := 'database:' || current_user;
          started TEXT;
        BEGIN
          IF zamin_is_writer() OR zamin_is_bulk() THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
          END IF;
          IF TG_OP = 'INSERT' THEN
            NEW.valid_from := now_text;
            INSERT INTO audit (at, actor, action, target, before, after, record_version)
            VALUES (now_text, who, 'database.insert', 'parcel ' || NEW.parcel_id, NULL, NULL, 0);
            RETURN NEW;
          END IF;
          IF TG_OP = 'UPDATE' AND (OLD.parcel_id, OLD.zone_code, OLD.area_m2, OLD.current_use, OLD.floors, OLD.address, OLD.extra)
              IS NOT DISTINCT FROM (NEW.parcel_id, NEW.zone_code, NEW.area_m2, NEW.current_use, NEW.floors, NEW.address, NEW.extra)
              AND ST_Equals(OLD.geom, NEW.geom) AND ST_AsBinary(OLD.geom) = ST_AsBinary(NEW.geom) THEN
            RETURN NEW;
          END IF;
          started := coalesce(OLD.valid_from, (SELECT imported_at FROM dataset WHERE singleton = 1), now_text);
          INSERT INTO parcel_history (parcel_id, valid_from, valid_to, zone_code, current_use, floors,
            next_zone_code, next_current_use, next_floors, actor, event, area_m2, address, extra, geom, reason)
          VALUES (OLD.parcel_id, started, now_text, OLD.zone_code, OLD.current_use, OLD.floors,
            CASE WHEN TG_OP = 'UPDATE' THEN NEW.zone_code END, CASE WHEN TG_OP = 'UPDATE' THEN NEW.current_use END,
            CASE WHEN TG_OP = 'UPDATE' THEN NEW.floors END, who,
            CASE WHEN TG_OP = 'UPDATE' THEN 'change' ELSE 'removal' END,
            OLD.area_m2, OLD.address, OLD.extra, ST_AsBinary(OLD.geom), 'edited in the database');
          -- A changed id is a removal and an addition: followers reload the whole city.
          IF TG_OP = 'UPDATE' AND NEW.parcel_id <> OLD.parcel_id THEN
            UPDATE city_version SET reshaped_at = now_text WHERE singleton = 1;
          END IF;
          INSERT INTO audit (at, actor, action, target, before, after, record_version)
          VALUES (now_text, who, 'database.' || lower(TG_OP), 'parcel ' || OLD.parcel_id,
            json_build_object('zone_code', OLD.zone_code, 'current_use', OLD.current_use, 'floors', OLD.floors)::text,
            CASE WHEN TG_OP = 'UPDATE' THEN
              json_build_object('zone_code', NEW.zone_code, 'current_use', NEW.current_use, 'floors', NEW.floors)::text END,
            0);
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          NEW.valid_from := now_text;
          RETURN NEW;
        END
        $$
        """,
        // The same for zones.
        """
        CREATE FUNCTION zamin_zone_edited() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          now_text TEXT := zamin_now();
          who TEXT := 'database:' || current_user;
          started TEXT;
        BEGIN
          IF zamin_is_writer() OR zamin_is_bulk() THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
          END IF;
          IF TG_OP = 'INSERT' THEN
            NEW.valid_from := now_text;
            INSERT INTO audit (at, actor, action, target, before, after, record_version)
            VALUES (now_text, who, 'database.insert', 'zone ' || NEW.zone_id, NULL, NULL, 0);
            RETURN NEW;
          END IF;
          IF TG_OP = 'UPDATE' AND (OLD.zone_id, OLD.code, OLD.name_fa, OLD.name_en, OLD.extra)
              IS NOT DISTINCT FROM (NEW.zone_id, NEW.code, NEW.name_fa, NEW.name_en, NEW.extra)
              AND ST_AsBinary(OLD.geom) = ST_AsBinary(NEW.geom) THEN
            RETURN NEW;
          END IF;
          started := coalesce(OLD.valid_from, (SELECT imported_at FROM dataset WHERE singleton = 1), now_text);
          INSERT INTO zone_history (zone_id, valid_from, valid_to, code, name_fa, name_en,
            next_code, next_name_fa, next_name_en, reason, actor, event, extra, geom)
          VALUES (OLD.zone_id, started, now_text, OLD.code, OLD.name_fa, OLD.name_en,
            CASE WHEN TG_OP = 'UPDATE' THEN NEW.code END, CASE WHEN TG_OP = 'UPDATE' THEN NEW.name_fa END,
            CASE WHEN TG_OP = 'UPDATE' THEN NEW.name_en END, 'edited in the database', who,
            CASE WHEN TG_OP = 'UPDATE' THEN 'change' ELSE 'removal' END, OLD.extra, ST_AsBinary(OLD.geom));
          IF TG_OP = 'UPDATE' AND NEW.zone_id <> OLD.zone_id THEN
            UPDATE city_version SET reshaped_at = now_text WHERE singleton = 1;
          END IF;
          INSERT INTO audit (at, actor, action, target, before, after, record_version)
          VALUES (now_text, who, 'database.' || lower(TG_OP), 'zone ' || OLD.zone_id,
            json_build_object('code', OLD.code, 'name_fa', OLD.name_fa, 'name_en', OLD.name_en)::text,
            CASE WHEN TG_OP = 'UPDATE' THEN
              json_build_object('code', NEW.code, 'name_fa', NEW.name_fa, 'name_en', NEW.name_en)::text END,
            0);
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          NEW.valid_from := now_text;
          RETURN NEW;
        END
        $$
        """,
        // Facilities: the same, with their own history.
        """
        CREATE FUNCTION zamin_facility_edited() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          now_text TEXT := zamin_now();
          who TEXT := 'database:' || current_user;
        BEGIN
          IF zamin_is_writer() OR zamin_is_bulk() THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
          END IF;
          IF TG_OP = 'UPDATE' AND NEW.facility_id <> OLD.facility_id THEN
            UPDATE city_version SET reshaped_at = now_text WHERE singleton = 1;
          END IF;
          IF TG_OP <> 'INSERT' THEN
            INSERT INTO facility_history (facility_id, valid_from, valid_to, event, category, category_fa, name_fa, name_en,
              extra, geom, reason, actor)
            VALUES (OLD.facility_id, coalesce(OLD.valid_from, (SELECT imported_at FROM dataset WHERE singleton = 1), now_text),
              now_text, CASE WHEN TG_OP = 'UPDATE' THEN 'change' ELSE 'removal' END, OLD.category, OLD.category_fa,
              OLD.name_fa, OLD.name_en, OLD.extra, ST_AsBinary(OLD.geom), 'edited in the database', who);
          END IF;
          INSERT INTO audit (at, actor, action, target, before, after, record_version)
          VALUES (now_text, who, 'database.' || lower(TG_OP),
            'facility ' || CASE WHEN TG_OP = 'DELETE' THEN OLD.facility_id ELSE NEW.facility_id END, NULL, NULL, 0);
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          NEW.valid_from := now_text;
          RETURN NEW;
        END
        $$
        """,
        // Streets and rules keep no history: another tool's change of one reloads the city.
        """
        CREATE FUNCTION zamin_unversioned_edited() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NOT (zamin_is_writer() OR zamin_is_bulk()) THEN
            UPDATE city_version SET reshaped_at = zamin_now() WHERE singleton = 1;
          END IF;
          RETURN NULL;
        END
        $$
        """,
        "CREATE TRIGGER parcel_edited BEFORE INSERT OR UPDATE OR DELETE ON parcel FOR EACH ROW EXECUTE FUNCTION zamin_parcel_edited()",
        "CREATE TRIGGER zone_edited BEFORE INSERT OR UPDATE OR DELETE ON zone FOR EACH ROW EXECUTE FUNCTION zamin_zone_edited()",
        "CREATE TRIGGER facility_edited BEFORE INSERT OR UPDATE OR DELETE ON facility FOR EACH ROW EXECUTE FUNCTION zamin_facility_edited()",
        "CREATE TRIGGER street_edited AFTER INSERT OR UPDATE OR DELETE ON street FOR EACH STATEMENT EXECUTE FUNCTION zamin_unversioned_edited()",
        "CREATE TRIGGER zoning_rule_edited AFTER INSERT OR UPDATE OR DELETE ON zoning_rule FOR EACH STATEMENT EXECUTE FUNCTION zamin_unversioned_edited()",
    ] + ["parcel": "parcel_id", "zone": "zone_id", "facility": "facility_id", "street": "street_id", "zoning_rule": "code"]
        .sorted(by: { $0.key < $1.key })
        .flatMap { table, id in
            [
                "CREATE TRIGGER \(table)_logged AFTER INSERT OR UPDATE OR DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION zamin_log_change('\(id)')",
                "CREATE TRIGGER \(table)_notified AFTER INSERT OR UPDATE OR DELETE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION zamin_statement_changed()",
            ]
        }
}
