public import Foundation
package import LandService
import Logging

/// A database imported from a GeoData folder into a temp directory, and the services over it.
/// Each call makes its own copy, so tests never share files.
package enum TestCity {
    package static func services(_ dataset: String = "tehran") async throws -> LandServices {
        let path = try Fixtures.temporaryDirectory().appending(path: "\(dataset).db").path
        let logger = Logger(label: "test")
        _ = try await DatasetImporter().importFolder(
            Fixtures.dataset(dataset), intoDatabaseAt: path, replace: false, actor: "test", logger: logger)
        return try await LandServices.open(databaseAt: path, logger: logger)
    }
}
