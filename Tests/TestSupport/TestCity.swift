public import Foundation
package import LandService
import Logging

/// A database imported from a GeoData folder into a temp directory, and the services over it.
/// Each call makes its own copy, so tests never share files.
package enum TestCity {
    package static func services(_ dataset: String = "tehran") async throws -> LandServices {
        let path = try await TestDatabase.imported(dataset)
        return try await LandServices.open(databaseAt: path, logger: Logger(label: "test"))
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
