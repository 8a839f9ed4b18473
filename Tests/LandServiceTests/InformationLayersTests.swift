import Foundation
import GeoCore
import LandModel
import LandService
import LandStore
import Logging
import Testing
import TestSupport

/// Issue 21 points 2, 4 and 5 below the API: the information layer files checked as an import
/// checks them (every problem named), stored whole with history on both stores, "your district",
/// the district figures against hand-worked sums, and the search facets against brute force.
@Suite("Information layers")
struct InformationLayersTests {
    static func collection(_ features: [String]) -> [UInt8] {
        Array(("{\"type\":\"FeatureCollection\",\"features\":[" + features.joined(separator: ",") + "]}").utf8)
    }

    static func square(_ minX: Double, _ minY: Double, _ size: Double) -> String {
        let (maxX, maxY) = (minX + size, minY + size)
        return "{\"type\":\"Polygon\",\"coordinates\":[[[\(minX),\(minY)],[\(maxX),\(minY)],[\(maxX),\(maxY)],[\(minX),\(maxY)],[\(minX),\(minY)]]]}"
    }

    static func feature(_ id: String, _ geometry: String, _ properties: String) -> String {
        "{\"type\":\"Feature\",\"id\":\"\(id)\",\"geometry\":\(geometry),\"properties\":{\(properties)}}"
    }

    static let point = "{\"type\":\"Point\",\"coordinates\":[51.4,35.7]}"
    static let line = "{\"type\":\"LineString\",\"coordinates\":[[51.4,35.7],[51.5,35.8]]}"

    @Test("a projects file is read whole; each bad feature is named by index and id, and nothing of the file is kept")
    func projectProblems() throws {
        let good = #""name_fa":"پل","name_en":"Bridge","status":"planned","budget":5,"start_date":"2024-02-29","end_date":"2024-03-01","contractor":null,"progress_pct":0"#
        var problems: [ImportProblem] = []
        #expect(InformationLayers.readProjects(Self.collection([Self.feature("P1", Self.point, good)]), problems: &problems)?.count == 1)
        #expect(problems.isEmpty)
        let bad = [
            Self.feature("A", Self.point, good.replacingOccurrences(of: "planned", with: "finished")),
            Self.feature("B", Self.point, good.replacingOccurrences(of: "2024-02-29", with: "2023-02-29")),  // not a leap year
            Self.feature("C", Self.point, good.replacingOccurrences(of: "2024-03-01", with: "2024-02-01")),  // ends before it starts
            Self.feature("D", Self.point, good.replacingOccurrences(of: "\"progress_pct\":0", with: "\"progress_pct\":120")),
            Self.feature("E", Self.line, good),
            Self.feature("F", Self.point, good.replacingOccurrences(of: "\"name_en\":\"Bridge\"", with: "\"name_en\":\"  \"")),
            Self.feature("G", Self.point, good.replacingOccurrences(of: "\"budget\":5", with: "\"budget\":-1")),
            Self.feature("P1", Self.point, good), Self.feature("P1", Self.point, good),
        ]
        problems = []
        #expect(InformationLayers.readProjects(Self.collection(bad), problems: &problems) == nil)
        #expect(problems.map(\.featureIndex) == [0, 1, 2, 3, 4, 5, 6, 8])
        #expect(problems.map(\.featureID) == ["A", "B", "C", "D", "E", "F", "G", "P1"])
        #expect(problems.allSatisfy { $0.file == "projects.geojson" })
        #expect(problems[0].message.contains("status") && problems[1].message.contains("start_date") && problems[7].message.contains("repeats"))
    }

    @Test("districts must be polygons with both names; sensitive sites need a kind")
    func districtAndSiteProblems() {
        var problems: [ImportProblem] = []
        let names = #""name_fa":"یک","name_en":"One""#
        #expect(InformationLayers.readDistricts(Self.collection([Self.feature("D1", Self.point, names)]), problems: &problems) == nil)
        #expect(problems.count == 1 && problems[0].message.contains("Polygon"))
        problems = []
        #expect(InformationLayers.readSensitiveSites(Self.collection([Self.feature("S1", Self.point, names)]), problems: &problems) == nil)
        #expect(problems.count == 1 && problems[0].message.contains("kind"))
        problems = []
        let site = Self.feature("S1", Self.square(51, 35, 0.01), names + #","kind":"substation""#)
        #expect(InformationLayers.readSensitiveSites(Self.collection([site]), problems: &problems)?.first?.kind == "substation")
        #expect(problems.isEmpty)
    }

    @Test("a layer is stored when it differs, its old text kept in history, the city version moved, the replacement audited")
    func storedWhole() async throws {
        let store = try LandStore(path: try TestDatabase.fresh(), create: true, logger: Logger(label: "test"))
        let empty = Dataset(name: "empty", parcels: [], zones: [], facilities: [], streets: [], rules: [])
        try await store.importDataset(empty, source: "test", replace: false, actor: "test")
        let names = #""name_fa":"یک","name_en":"One""#
        let first = String(decoding: Self.collection([Self.feature("D1", Self.square(51, 35, 1), names)]), as: UTF8.self)
        let second = String(decoding: Self.collection([Self.feature("D2", Self.square(52, 35, 1), names)]), as: UTF8.self)
        // Through a sync of the (empty) city with the folder's layer texts, as `zamin import --sync` writes them.
        func sync(_ layers: [InformationLayerName: String], dryRun: Bool = false) async throws -> [InformationLayerName] {
            try await store.syncDataset(empty, texts: DatasetTexts(informationLayers: layers), actor: "t", prefer: nil, dryRun: dryRun)
                .texts.informationLayers
        }
        let before = try await store.cityVersion()
        #expect(try await sync([.districts: first], dryRun: true) == [.districts])
        #expect(try await store.informationLayerTexts().isEmpty)  // only compared
        #expect(try await sync([.districts: first]) == [.districts])
        let afterFirst = try await store.cityVersion()
        #expect(afterFirst.number == before.number + 1)
        #expect(try await sync([.districts: first]).isEmpty)  // the same text again
        #expect(try await store.cityVersion() == afterFirst)
        #expect(try await sync([.districts: second, .projects: Self.emptyCollection]) == [.districts, .projects])
        #expect(try await store.informationLayerTexts() == [.districts: second, .projects: Self.emptyCollection])
        let audit = try await store.auditRecords(from: nil, to: nil, limit: 100).filter { $0.action == "layer.import" }
        #expect(audit.map(\.target).sorted { ($0 ?? "") < ($1 ?? "") } == ["districts", "districts", "projects"])
        #expect(try await store.informationLayerHistoryCount() == 1)  // the first districts text
        // A city loaded from the store carries the layers.
        #expect(try await store.loadCity().informationLayers[.districts] == second)
    }

    static let emptyCollection = "{\"type\":\"FeatureCollection\",\"features\":[]}"

    /// Two districts side by side (west and east of lon 51.01) over four parcels, three
    /// facilities and two open reports; every figure below is worked by hand.
    static func smallCity() throws -> CitySnapshot {
        let names = { (n: String) in "\"name_fa\":\"ناحیه \(n)\",\"name_en\":\"District \(n)\"" }
        let districts = String(
            decoding: collection([
                feature("W", square(51.00, 35.00, 0.01), names("W")),
                feature("E", square(51.01, 35.00, 0.01), names("E")),
            ]), as: UTF8.self)
        func parcel(_ id: String, _ minX: Double, _ area: Double, _ use: String?) -> Parcel {
            let ring = Ring([Coordinate(lon: minX, lat: 35.002)!, Coordinate(lon: minX + 0.002, lat: 35.002)!,
                             Coordinate(lon: minX + 0.002, lat: 35.004)!, Coordinate(lon: minX, lat: 35.004)!,
                             Coordinate(lon: minX, lat: 35.002)!])
            return Parcel(
                id: ParcelID(id), geometry: Polygonal(Polygon(exterior: ring)), zoneCode: nil, areaSquareMeters: area,
                currentUse: use.map(LandUse.init), floors: nil, address: nil)
        }
        let parcels = [
            parcel("P1", 51.001, 100, "green"), parcel("P2", 51.004, 300, "residential"),
            parcel("P3", 51.012, 50, "residential"), parcel("P4", 51.020, 999, "green"),  // P4 lies east of both districts
        ]
        func facility(_ id: String, _ lon: Double, _ category: String) -> Facility {
            Facility(id: FacilityID(id), location: Coordinate(lon: lon, lat: 35.005)!, category: FacilityCategory(category), categoryFa: nil, nameFa: id, nameEn: nil)
        }
        let facilities = [facility("F1", 51.002, "hospital"), facility("F2", 51.003, "hospital"), facility("F3", 51.015, "clinic")]
        return CitySnapshot(
            parcels: parcels, zones: [], facilities: facilities, rules: [], information: InformationLayers(texts: [.districts: districts]))
    }

    @Test("your district and each district's figures, worked by hand")
    func districtFigures() throws {
        let city = try Self.smallCity()
        #expect(city.information.district(containing: Coordinate(lon: 51.005, lat: 35.005)!)?.id == "W")
        #expect(city.information.district(containing: Coordinate(lon: 51.015, lat: 35.005)!)?.id == "E")
        #expect(city.information.district(containing: Coordinate(lon: 51.025, lat: 35.005)!) == nil)
        #expect(city.lookUp(at: Coordinate(lon: 51.0015, lat: 35.003)!).district?.id == "W")
        let figures = city.districtFigures(openReportPoints: [Coordinate(lon: 51.011, lat: 35.001)!, Coordinate(lon: 51.5, lat: 35.5)!])
        #expect(figures.map(\.district.id) == ["E", "W"])
        let east = figures[0], west = figures[1]
        #expect(west.parcels == 2 && west.parcelAreaSquareMeters == 400 && west.greenAreaSquareMeters == 100 && west.greenShare == 0.25)
        #expect(west.areaByUse.map(\.use.rawValue) == ["green", "residential"] && west.areaByUse.map(\.areaSquareMeters) == [100, 300])
        #expect(west.facilitiesByCategory.map(\.category.rawValue) == ["hospital"] && west.facilitiesByCategory[0].count == 2)
        #expect(west.openReports == 0)
        #expect(east.parcels == 1 && east.parcelAreaSquareMeters == 50 && east.greenShare == 0)
        #expect(east.facilitiesByCategory.map(\.category.rawValue) == ["clinic"] && east.openReports == 1)
    }

    @Test("search facets count every match per category and group, not only the page, against brute force")
    func searchFacets() async throws {
        let city = try await TestCity.shared().snapshots.snapshot
        let health = Set(city.categories.filter(SearchGroup.health.contains))
        #expect(health.contains(FacilityCategory("hospital")))
        let result = city.search(SearchQuery(text: nil, categories: health, landUse: nil, zoneCode: nil, bbox: nil, limit: 3))
        var expected: [FacilityCategory: Int] = [:]
        for facility in city.facilities where health.contains(facility.category) { expected[facility.category, default: 0] += 1 }
        #expect(result.hits.count == 3)
        #expect(result.facilitiesByCategory == expected)
        #expect(result.total == expected.values.reduce(0, +))
        #expect(result.groups.first { $0.group == .health }?.count == result.total)
        #expect(result.groups.first { $0.group == .hotelsAndLodging }?.count == 0)
        // OSM's key=value categories join a group by key.
        #expect(SearchGroup.tradeGuilds.contains(FacilityCategory("shop=clothes")) && !SearchGroup.tradeGuilds.contains(FacilityCategory("amenity=cafe")))
        #expect(SearchGroup.groups(of: FacilityCategory("amenity=cafe")) == [.restaurants])
    }
}
