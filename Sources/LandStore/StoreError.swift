package import LandModel

/// Errors of the store layer. They carry SQLite's result code and the name of the statement,
/// never bound values: a bound value may be an applicant's national id.
package enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, message: String)
    case spatiaLiteMissing(message: String)
    case sqlite(code: Int32, statement: String, message: String)
    /// PostgreSQL answered with an error: its SQLSTATE (https://www.postgresql.org/docs/15/errcodes-appendix.html)
    /// and message.
    case postgres(state: String, statement: String, message: String)
    /// The database cannot be reached (PostgreSQL stopped, the connection lost): a write is not
    /// made and may be tried again later (503 with Retry-After at the API's edge).
    case unavailable(message: String)
    case schemaTooNew(found: Int, supported: Int)
    case datasetAlreadyImported(name: String, importedAt: String)
    case notFound(what: String)
    case conflict(what: String)
    /// A precondition on the stored version failed (`If-Match` against another version, or none).
    case preconditionFailed
    /// The parcel would overlap these parcels by more than the tolerance.
    case parcelOverlaps([ParcelOverlap])
    /// A subdivision or merger that cannot be applied, with every reason found.
    case cadastral([CadastralProblem])
    /// A Part 4 edit would remove or reshape a parcel an open request is about.
    case parcelHasOpenRequest(parcel: ParcelID, request: RequestID)
    /// `import --replace` on a database whose requests or history it would lose.
    case replaceWouldLoseHistory(requests: Int, historyRows: Int)
    // Backups (zamin backup).
    /// The backup's target exists and `force` was not given.
    case targetExists(path: String)
    /// A file operation failed; `message` is the C library's text for errno.
    case fileSystem(operation: String, path: String, message: String)
    /// The copy is not a database equal to its source (`reason` says what differs), or the source
    /// is not a database to back up.
    case backupFailed(reason: String)
    /// A sync's plan was made against a city that has changed since (an edit or a decision
    /// committed in between): compare again.
    case cityChangedDuringSync
    /// A write its caller gave up on (an import whose folder had a problem): rolled back.
    case abandoned

    package var description: String {
        switch self {
        case .cannotOpen(let path, let message): return "cannot open database \(path): \(message)"
        case .spatiaLiteMissing(let message):
            return "cannot load SpatiaLite (mod_spatialite): \(message); install the Debian package libsqlite3-mod-spatialite"
        case .sqlite(let code, let statement, let message): return "SQLite error \(code) in \(statement): \(message)"
        case .postgres(let state, let statement, let message): return "PostgreSQL error \(state) in \(statement): \(message)"
        case .unavailable(let message): return "the database is unavailable: \(message)"
        case .schemaTooNew(let found, let supported):
            return "database schema version \(found) is newer than this zamin supports (\(supported))"
        case .datasetAlreadyImported(let name, let importedAt):
            return "the database already holds dataset '\(name)' (imported \(importedAt)); pass --sync to apply the folder as edits (with history), or --replace to replace it"
        case .notFound(let what): return "\(what) not found"
        case .conflict(let what): return "conflict: \(what)"
        case .preconditionFailed: return "the stored version is not the one the precondition names"
        case .parcelOverlaps(let overlaps): return overlaps.map(\.description).joined(separator: "; ")
        case .cadastral(let problems): return "\(problems.count) problem(s) with the subdivision or merger"
        case .parcelHasOpenRequest(let parcel, let request): return "parcel \(parcel) has open request \(request.rawValue)"
        case .replaceWouldLoseHistory(let requests, let historyRows):
            return "the database holds \(requests) request(s) and \(historyRows) history row(s) that --replace would lose "
                + "(an approved change would be silently undone); use --sync to apply the folder as edits with history"
        case .targetExists(let path): return "\(path) exists; pass --force to replace it"
        case .fileSystem(let operation, let path, let message): return "\(operation) \(path): \(message)"
        case .backupFailed(let reason): return "backup failed: \(reason)"
        case .abandoned: return "the write was given up and rolled back"
        case .cityChangedDuringSync: return "the city changed while the folder was being compared; compare again"
        }
    }
}
