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

    /// One read-only city per dataset per test process, for suites that only read: importing
    /// costs seconds in a debug build.
    package static func shared(_ dataset: String = "tehran") async throws -> LandServices {
        try await SharedCities.instance.services(dataset)
    }
}

private actor SharedCities {
    static let instance = SharedCities()
    private var cities: [String: Task<LandServices, any Error>] = [:]

    func services(_ dataset: String) async throws -> LandServices {
        if let task = cities[dataset] { return try await task.value }
        let task = Task { try await TestCity.services(dataset) }
        cities[dataset] = task
        return try await task.value
    }
}
