import ArgumentParser
import Foundation
import LandStore

/// Which database a command works on (issue 17 point 1): the SQLite file of `--db`, or the
/// PostgreSQL + PostGIS database of `--postgres`. The services take either as one location
/// string; a `postgres://` URL is PostgreSQL's (`LandStore.isPostgresURL`).
struct StoreOptions: ParsableArguments {
    @Option(help: "The database file (env ZAMIN_DB).") var db: String?
    @Option(help: "A PostgreSQL + PostGIS database instead of a file: postgres://user[:password]@host[:port]/database (env ZAMIN_POSTGRES).")
    var postgres: String?

    /// The database named by the options, else by the environment; `--db` and `--postgres` exclude each other.
    func location() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if db != nil && postgres != nil { throw ValidationError("--db and --postgres exclude each other: give one database") }
        if let postgres { return try checkedURL(postgres) }
        if let db { return db }
        if let postgres = environment["ZAMIN_POSTGRES"], !postgres.isEmpty { return try checkedURL(postgres) }
        if let db = environment["ZAMIN_DB"], !db.isEmpty { return db }
        throw ValidationError("give the database with --db FILE (or ZAMIN_DB), or --postgres URL (or ZAMIN_POSTGRES)")
    }

    private func checkedURL(_ url: String) throws -> String {
        do {
            _ = try PostgresLocation(url: url)
        } catch {
            throw ValidationError("--postgres: \(error)")
        }
        return url
    }

    /// For messages: the file, or the URL without its password.
    static func shown(_ location: String) -> String {
        LandStore.isPostgresURL(location) ? ((try? PostgresLocation(url: location))?.description ?? "postgres") : location
    }
}
