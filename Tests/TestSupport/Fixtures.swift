public import Foundation

/// The repository's GeoData folder and temporary copies of it. No test writes into GeoData.
public enum Fixtures {
    /// `<repo>/GeoData`, found from this file's path.
    public static let geoData: URL = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "GeoData")

    public static func dataset(_ name: String) -> URL { geoData.appending(path: name) }

    /// A fresh empty directory under the system temp folder; each test gets its own, so tests
    /// run in parallel without sharing files.
    /// The directories live under one folder of this test process, removed when the process
    /// exits: 16 MB per test left behind filled this machine's disk (53 GB) after a day of runs.
    public static func temporaryDirectory(_ label: String = "zamin-test") throws -> URL {
        let url = processFolder.appending(path: "\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `zamin-tests-<pid>` under the system temp folder, registered for removal at exit once.
    private static let processFolder: URL = {
        let url = FileManager.default.temporaryDirectory.appending(path: "zamin-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: url)
        atexit { try? FileManager.default.removeItem(at: Fixtures.processFolderPath) }
        return url
    }()

    /// The same folder for the exit handler, which captures nothing.
    private static var processFolderPath: URL {
        FileManager.default.temporaryDirectory.appending(path: "zamin-tests-\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// Copies a GeoData folder to a temp directory so a test may change its files.
    public static func copyOfDataset(_ name: String) throws -> URL {
        let target = try temporaryDirectory("zamin-data").appending(path: name)
        try FileManager.default.copyItem(at: dataset(name), to: target)
        return target
    }

    /// Parses a GeoJSON file with Foundation's JSONSerialization: an oracle independent of
    /// our own reader.
    public static func foundationFeatures(_ url: URL) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let root = object as? [String: Any], let features = root["features"] as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return features
    }
}

/// A value parsed once by a test and only read afterwards (Foundation's `[String: Any]` trees),
/// handed to HummingbirdTesting's `@Sendable` closures. `@unchecked`: nothing mutates it after init.
public struct Frozen<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
