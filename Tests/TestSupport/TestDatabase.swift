import Foundation
import LandService
import Logging

/// Where a test's database lives (issue 17 point 2: the same tests against both stores): a fresh
/// SQLite file, or — when `ZAMIN_TEST_POSTGRES` names a PostgreSQL server's admin URL
/// (`scripts/test` starts a throwaway cluster and runs the suite again with it) — a fresh
/// PostgreSQL database on it, made with `psql`.
package enum TestDatabase {
    /// The admin URL of the test cluster, if the suite runs against PostgreSQL.
    package static var postgresAdmin: String? {
        ProcessInfo.processInfo.environment["ZAMIN_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    package static var isPostgres: Bool { postgresAdmin != nil }

    /// A location for a new, empty database.
    package static func fresh(_ name: String = "city") throws -> String {
        guard let admin = postgresAdmin else {
            return try Fixtures.temporaryDirectory().appending(path: "\(name).db").path
        }
        return try createDatabase(admin: admin, template: nil)
    }

    /// A new database holding `dataset` as `zamin import` leaves it. The import runs once per
    /// dataset per test process; SQLite gets a copy of the file (`ImportedDatabase`), PostgreSQL
    /// a database made from the imported one as its template.
    package static func imported(_ dataset: String = "tehran") async throws -> String {
        guard let admin = postgresAdmin else { return try await ImportedDatabase.copy(dataset) }
        let template = try await PostgresTemplates.instance.location(dataset)
        return try createDatabase(admin: admin, template: String(template.split(separator: "/").last ?? ""))
    }

    private static func createDatabase(admin: String, template: String?) throws -> String {
        let name = "zt_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let psql = Process()
        psql.executableURL = URL(filePath: "/usr/bin/psql")
        psql.arguments = [
            admin, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
            "CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? ""),
        ]
        try psql.run()
        psql.waitUntilExit()
        guard psql.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        guard let slash = admin.lastIndex(of: "/") else { throw CocoaError(.fileWriteUnknown) }
        return admin[..<slash] + "/" + name
    }
}

/// The imported datasets on the PostgreSQL test cluster, one database each, as templates.
private actor PostgresTemplates {
    static let instance = PostgresTemplates()
    private var locations: [String: Task<String, any Error>] = [:]

    func location(_ dataset: String) async throws -> String {
        if let task = locations[dataset] { return try await task.value }
        let task = Task {
            let location = try TestDatabase.fresh(dataset)
            _ = try await DatasetImporter().importFolder(
                Fixtures.dataset(dataset), intoDatabaseAt: location, replace: false, actor: "test", logger: Logger(label: "test"))
            return location
        }
        locations[dataset] = task
        return try await task.value
    }
}
