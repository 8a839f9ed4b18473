/// Numbered schema migrations, applied in order, one transaction each; the version is kept in
/// `PRAGMA user_version`. A released migration is never edited: changes go in a new one.
enum Migrations {
    /// Each entry brings the schema from version `index` to `index + 1`.
    static let all: [[String]] = [version1]

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
}
