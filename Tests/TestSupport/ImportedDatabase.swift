import Foundation
import LandService
import Logging

/// A database file imported from a GeoData folder, closed (its write-ahead log checkpointed, so
/// the file is whole), copied into a fresh temp directory per call: for tests that change the
/// file behind the store's back. The import runs once per dataset per test process.
package enum ImportedDatabase {
    /// The path of a private copy of the imported `dataset`.
    package static func copy(_ dataset: String = "tehran") async throws -> String {
        let template = try await Templates.instance.path(dataset)
        let target = try Fixtures.temporaryDirectory().appending(path: "\(dataset).db")
        try FileManager.default.copyItem(at: URL(filePath: template), to: target)
        return target.path
    }
}

private actor Templates {
    static let instance = Templates()
    private var paths: [String: Task<String, any Error>] = [:]

    func path(_ dataset: String) async throws -> String {
        if let task = paths[dataset] { return try await task.value }
        let task = Task {
            let path = try Fixtures.temporaryDirectory("zamin-template").appending(path: "\(dataset).db").path
            _ = try await DatasetImporter().importFolder(
                Fixtures.dataset(dataset), intoDatabaseAt: path, replace: false, actor: "test", logger: Logger(label: "test"))
            return path
        }
        paths[dataset] = task
        return try await task.value
    }
}
