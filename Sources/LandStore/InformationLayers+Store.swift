package import LandModel

/// The city's information layers (issue 21: districts, projects, sensitive sites), each stored
/// whole as the checked text of its dataset file: they are read whole (small layers, loaded
/// with the city) and replaced whole when their file changes. A replaced text is kept in
/// `information_layer_history` with the span it was current, and every replacement is audited
/// by layer name only (never a feature's name or place: sensitive sites are among them). They
/// are written only with their folder's features (`writeDatasetTexts`, by an import or a sync).
extension LandStore {
    /// The stored texts by layer; a layer never imported is absent.
    package func informationLayerTexts() async throws(StoreError) -> [InformationLayerName: String] {
        try await readers.read { (connection) throws(StoreError) in try Self.informationLayerTexts(connection) }
    }

    /// How many replaced texts history keeps (all layers).
    package func informationLayerHistoryCount() async throws(StoreError) -> Int {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.informationLayerHistoryCount, name: "informationLayerHistoryCount").all { $0.int(0) ?? 0 }.first ?? 0
        }
    }

    static func informationLayerTexts(_ connection: Connection) throws(StoreError) -> [InformationLayerName: String] {
        let rows = try connection.cached(SQL.informationLayers, name: "informationLayers").all { row in
            (row.string(0).flatMap(InformationLayerName.init(rawValue:)), row.string(1))
        }
        var texts: [InformationLayerName: String] = [:]
        for case (let name?, let text?) in rows { texts[name] = text }
        return texts
    }
}

extension StoreWriter {
    /// Which of `texts` differ from the stored ones.
    func datasetTextChanges(_ texts: DatasetTexts) throws(StoreError) -> DatasetTextChanges {
        var changes = DatasetTextChanges()
        if let catalogue = texts.serviceCatalogue {
            changes.serviceCatalogue = try LandStore.serviceCatalogueText(connection) != catalogue
        }
        if !texts.informationLayers.isEmpty {
            let stored = try LandStore.informationLayerTexts(connection)
            changes.informationLayers = InformationLayerName.allCases.filter { name in
                texts.informationLayers[name].map { $0 != stored[name] } ?? false
            }
        }
        return changes
    }

    /// Writes the texts `changes` names, inside the caller's transaction (which moves the city's
    /// version): each replaced layer's text goes to history, each replacement is audited by name
    /// only (never a feature's name or place: sensitive sites are among them), and a replaced
    /// layer makes followers reload the city whole (`reshaped_at`).
    func writeDatasetTexts(_ texts: DatasetTexts, changes: DatasetTextChanges, at now: String, actor: String) throws(StoreError) {
        if changes.serviceCatalogue, let catalogue = texts.serviceCatalogue {
            try connection.cached(SQL.upsertServiceCatalogue, name: "upsertServiceCatalogue").bind(catalogue, at: 1).bind(now, at: 2).run()
            try audit(at: now, actor: actor, action: "services.import", target: "services", before: nil, after: nil)
        }
        for name in changes.informationLayers {
            try connection.cached(SQL.closeInformationLayer, name: "closeInformationLayer").bind(name.rawValue, at: 1).bind(now, at: 2).run()
            try connection.cached(SQL.upsertInformationLayer, name: "upsertInformationLayer")
                .bind(name.rawValue, at: 1).bind(texts.informationLayers[name], at: 2).bind(now, at: 3).bind(actor, at: 4).run()
            try audit(at: now, actor: actor, action: "layer.import", target: name.rawValue, before: nil, after: nil)
        }
        if !changes.informationLayers.isEmpty { try markReshaped(at: now) }
    }
}

extension SQL {
    // MARK: information layers (migration 10)
    static let informationLayers = "SELECT name, features FROM information_layer ORDER BY name"
    static let informationLayerHistoryCount = "SELECT count(*) FROM information_layer_history"
    /// The current text, if any, into history before it is replaced.
    static let closeInformationLayer = """
        INSERT INTO information_layer_history (name, features, valid_from, valid_to, changed_by)
        SELECT name, features, changed_at, ?2, changed_by FROM information_layer WHERE name = ?1
        """
    static let upsertInformationLayer = """
        INSERT INTO information_layer (name, features, changed_at, changed_by) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (name) DO UPDATE SET features = excluded.features, changed_at = excluded.changed_at, changed_by = excluded.changed_by
        """
}

extension Migrations {
    /// Information layers (issue 21) in either dialect.
    static let informationLayerTables: [String] = [
        """
        CREATE TABLE information_layer (
          name TEXT PRIMARY KEY CHECK (name IN ('districts', 'projects', 'sensitive_sites', 'inspections')),
          features TEXT NOT NULL, changed_at TEXT NOT NULL, changed_by TEXT NOT NULL)
        """,
        """
        CREATE TABLE information_layer_history (
          name TEXT NOT NULL, features TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, changed_by TEXT NOT NULL)
        """,
        "CREATE INDEX information_layer_history_name ON information_layer_history (name, valid_to)",
    ]
}
