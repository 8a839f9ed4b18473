import Foundation
import GeoCore
import Inspections
import LandModel
import LandService
import Logging
import Testing
import TestSupport

/// Issue 21 point 1 at the import: a LIVES feed beside the city's files, each business linked to
/// a facility (by id, by name within 30 m, or as a new restaurant), its inspections served from
/// the snapshot; a malformed row refuses the whole import, naming file and line. The positions
/// below are hand-made: a business 0.0001° of latitude (≈ 11 m) from a facility, one 0.0005°
/// (≈ 55 m) from another of its name.
@Suite("Inspection feeds at import")
struct InspectionFeedImportTests {
    static let logger = Logger(label: "test")

    /// A copy of the Tehran folder whose `lives/` is `files`.
    static func dataset(_ files: [String: String]) throws -> URL {
        let folder = try Fixtures.copyOfDataset("tehran")
        let lives = folder.appending(path: "lives")
        try? FileManager.default.removeItem(at: lives)
        try FileManager.default.createDirectory(at: lives, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: lives.appending(path: name)) }
        return folder
    }

    // هتل انقلاب (place-0894) is at 51.408822, 35.7065714; هتل امیر (place-0893) at 51.4197756, 35.706826.
    static let businesses = """
        business_id,name,latitude,longitude,facility_id
        B1,Anything,,,place-0893
        B2,هتل انقلاب,35.7066714,51.408822,
        B3,هتل امير,35.707326,51.4197756,
        B4,چلوکبابی,35.7000000,51.4100000,
        """

    static let inspections = """
        business_id,score,date,type
        B1,12,20260101,routine
        B1,30,20250101,routine
        B2,14,20200101,routine
        B3,,20260601,complaint
        B3,27,20260301,routine
        B4,40,20261001,routine
        """

    static let violations = "business_id,date,code,description\nB4,20261001,02G,Cold food held warm\n"
    static let nyc = "feed_date,grade_scheme\n20261101,nyc_letters\n"

    @Test("each business is linked by id, by its folded name within 30 m, or becomes a restaurant; grades, dates and staleness follow")
    func linkedAndGraded() async throws {
        let folder = try Self.dataset(["businesses.csv": Self.businesses, "inspections.csv": Self.inspections, "violations.csv": Self.violations, "feed_info.csv": Self.nyc])
        let path = try Fixtures.temporaryDirectory().appending(path: "lives.db").path
        let summary = try await DatasetImporter().importFolder(folder, intoDatabaseAt: path, replace: false, actor: "test", logger: Self.logger)
        let links = Dictionary(uniqueKeysWithValues: summary.inspectionLinks.map { ($0.businessID, $0) })
        #expect(links["B1"]?.kind == .byID && links["B1"]?.facilityID == FacilityID("place-0893"))
        #expect(links["B2"]?.kind == .byNameNearby && links["B2"]?.facilityID == FacilityID("place-0894"))
        #expect(abs((links["B2"]?.meters ?? 0) - 11.09) < 0.1)  // 0.0001° of latitude at 35.7° N
        // "هتل امير" with an Arabic yeh folds to هتل امیر, but lies 55 m away: a facility of its own.
        #expect(links["B3"]?.kind == .newFacility && links["B3"]?.facilityID == FacilityID("lives-B3"))
        #expect(links["B4"]?.kind == .newFacility)
        let services = try await LandServices.open(databaseAt: path, logger: Self.logger)
        let city = services.snapshots.snapshot
        let restaurant = try #require(city.facilityPosition[FacilityID("lives-B4")])
        #expect(city.facilities[Int(restaurant)].category == FacilityCategory("restaurant"))
        let feed = city.information.inspections
        let today = try #require(CalendarDay(year: 2026, month: 12, day: 7))
        #expect(feed.latest(for: FacilityID("place-0893"), today: today) == LatestInspection(date: CalendarDay(yyyymmdd: "20260101")!, score: 12, grade: "A", isStale: false))
        #expect(feed.latest(for: FacilityID("place-0894"), today: today)?.isStale == true)  // 2020
        #expect(feed.latest(for: FacilityID("place-0894"), today: today)?.grade == "B")  // 14 points
        // The latest visit (a complaint, unscored) dates it; the grade is the last scored visit's.
        #expect(feed.latest(for: FacilityID("lives-B3"), today: today) == LatestInspection(date: CalendarDay(yyyymmdd: "20260601")!, score: 27, grade: "B", isStale: false))
        #expect(feed.inspections(of: FacilityID("lives-B4")).first?.violations.first?.code == "02G")
        #expect(feed.grade("A", isAtLeast: "B") && feed.grade("B", isAtLeast: "B") && !feed.grade("C", isAtLeast: "B"))
        let nearest = city.nearestInspected(to: Coordinate(lon: 51.41, lat: 35.70)!, k: 10, categories: nil, minimumGrade: "B", maxDistanceMeters: .infinity)
        #expect(Set(nearest.map { city.facilities[Int($0.position)].id.rawValue }) == ["place-0893", "place-0894", "lives-B3"])
        #expect(nearest.map(\.distanceMeters) == nearest.map(\.distanceMeters).sorted())
        await services.close()
    }

    @Test("a malformed row refuses the import, naming file and line; no database is left")
    func malformedRefused() async throws {
        let cases: [(file: String, text: String, expected: String)] = [
            ("inspections.csv", Self.inspections.replacingOccurrences(of: "20260301", with: "20261345"), "lives/inspections.csv: line 6"),
            ("inspections.csv", Self.inspections + "\nB9,10,20260101,routine", "lives/inspections.csv: line 8"),
            ("businesses.csv", Self.businesses.replacingOccurrences(of: "place-0893", with: "place-9999"), "names no facility"),
            ("businesses.csv", Self.businesses + "\nB5,No place,,,", "cannot be placed"),
            ("violations.csv", "business_id,date,code,description\nB4,20260102,02G,x\n", "lives/violations.csv: line 2"),
        ]
        for (file, text, expected) in cases {
            var files = ["businesses.csv": Self.businesses, "inspections.csv": Self.inspections, "feed_info.csv": Self.nyc]
            files[file] = text
            let folder = try Self.dataset(files)
            let path = try Fixtures.temporaryDirectory().appending(path: "bad.db").path
            do {
                _ = try await DatasetImporter().importFolder(folder, intoDatabaseAt: path, replace: false, actor: "test", logger: Self.logger)
                Issue.record("\(file): the import was not refused")
            } catch .invalidDataset(let problems) {
                #expect(problems.contains { $0.description.contains(expected) }, "\(file): \(problems)")
            } catch {
                Issue.record("\(file): \(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }
}
