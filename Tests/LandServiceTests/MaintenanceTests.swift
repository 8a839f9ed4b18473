import Foundation
import GeoCore
// @testable for `Connection`: faults are planted with raw SQL behind the store's back.
@testable import LandStore
import LandModel
import LandService
import Logging
import Testing
import TestSupport

/// `zamin check` at the service level: the store's checks, the snapshot built from the file as
/// `zamin serve` builds it, the overlap policy, and files it must not open.
@Suite("Database check")
struct MaintenanceTests {
    static let logger = Logger(label: "test")

    static func plant(_ statement: String, in path: String) throws {
        let connection = try Connection(path: path, mode: .readWrite)
        try connection.loadSpatiaLite()
        try connection.execute(statement, name: "plant")
    }

    @Test("Tehran as imported passes, with its counts in the summary")
    func tehranPasses() async throws {
        let report = try await Maintenance.check(
            databaseAt: try await ImportedDatabase.copy("tehran"), parcelsMayOverlap: false, logger: Self.logger)
        #expect(report.problems == [])
        #expect(report.notes == [])
        #expect(report.summary.contains("6673 parcels, 46 zones, 1060 facilities"))
    }

    /// GeoData/helsinki's parcels are OSM building footprints (its README): the cathedral's
    /// towers are buildings of their own inside the cathedral's outline, and a few buildings share
    /// more than 0.5 m² with a neighbour. They are real overlaps, so they fail the check unless
    /// the operator says the parcels may overlap.
    @Test("Helsinki's nested building footprints are overlaps; with parcelsMayOverlap they are notes and it passes")
    func helsinkiOverlaps() async throws {
        let path = try await ImportedDatabase.copy("helsinki")
        let strict = try await Maintenance.check(databaseAt: path, parcelsMayOverlap: false, logger: Self.logger)
        #expect(strict.problems.count == 11, "\(strict.problems)")
        #expect(strict.problems.allSatisfy { $0.hasPrefix("parcel ") && $0.contains(": overlaps parcel ") })
        // A tower lies inside Helsinki Cathedral (way/419479428): the overlap is the tower's whole
        // area, here by GeoCore's geodesic area (Karney), independent of SpatiaLite's.
        let tower = try #require(
            try await LandStore(path: path, create: false, logger: Self.logger).allParcels().first { $0.id == ParcelID("way/234870674") })
        let towerArea = (tower.geometry.geodesicAreaSquareMeters * 10).rounded() / 10
        #expect(strict.problems.contains("parcel way/234870674: overlaps parcel way/419479428 by \(towerArea) m²"))

        let lenient = try await Maintenance.check(databaseAt: path, parcelsMayOverlap: true, logger: Self.logger)
        #expect(lenient.problems == [])
        #expect(lenient.notes == strict.problems)
        #expect(lenient.summary.contains("482 parcels, 237 zones, 1773 facilities, 2504 streets"))
    }

    @Test("a parcel the snapshot cannot load is reported, naming the snapshot")
    func snapshotCannotBeBuilt() async throws {
        let path = try await ImportedDatabase.copy("tehran")
        // The parcel column takes any geometry type; the snapshot takes polygons only.
        try Self.plant(
            "INSERT INTO parcel (parcel_id, area_m2, extra, geom) VALUES ('P-POINT', 1, '{}', MakePoint(51.3, 35.6, 4326))", in: path)
        let report = try await Maintenance.check(databaseAt: path, parcelsMayOverlap: false, logger: Self.logger)
        #expect(report.problems.count == 1, "\(report.problems)")
        #expect(report.problems.first?.hasPrefix("snapshot city: cannot be built from the file") == true)
    }

    @Test("a file of another schema version is reported and left as it was (opening it would migrate it)")
    func otherSchemaVersion() async throws {
        let path = try await ImportedDatabase.copy("tehran")
        try Self.plant("PRAGMA user_version = 3", in: path)
        let report = try await Maintenance.check(databaseAt: path, parcelsMayOverlap: false, logger: Self.logger)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.hasPrefix("database user_version: 3, but this zamin's schema is \(LandStore.currentSchemaVersion)") == true)
        #expect(try LandStore.schemaVersion(ofDatabaseAt: path) == 3)
    }
}
