package import Foundation
package import LandModel
package import GeoCore
import GeoFormats
package import SpatialIndex

/// The information layers of the city as one value of the snapshot (districts, projects,
/// sensitive sites: issue 21 points 2 and 4), each in id order with its R-tree. They are small
/// (tens to thousands of features) and change only when a dataset folder brings a new file, so
/// they are read whole from their stored texts.
package struct InformationLayers: Sendable {
    package let districts: [District]
    package let projects: [CityProject]
    package let sensitiveSites: [SensitiveSite]
    package let districtIndex: LayerIndex
    package let projectIndex: LayerIndex
    package let sensitiveSiteIndex: LayerIndex
    /// Restaurant inspections by facility (issue 21 point 1).
    package let inspections: FacilityInspections
    /// The layers' files as stored (a snapshot image keeps them so).
    package let texts: [InformationLayerName: String]

    package static let empty = InformationLayers(texts: [:])

    /// The layers of stored texts; each was checked when it was stored, so what does not read
    /// now (a text written by hand into the database) is left out rather than failing a start.
    package init(texts: [InformationLayerName: String]) {
        var ignored: [ImportProblem] = []
        let districts = texts[.districts].flatMap { Self.readDistricts(Array($0.utf8), problems: &ignored) } ?? []
        let projects = texts[.projects].flatMap { Self.readProjects(Array($0.utf8), problems: &ignored) } ?? []
        let sites = texts[.sensitiveSites].flatMap { Self.readSensitiveSites(Array($0.utf8), problems: &ignored) } ?? []
        self.districts = districts.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        self.projects = projects.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        self.sensitiveSites = sites.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        districtIndex = Self.index(self.districts.map(\.geometry.bbox))
        projectIndex = Self.index(self.projects.map(\.geometry.bbox))
        sensitiveSiteIndex = Self.index(self.sensitiveSites.map(\.geometry.bbox))
        inspections = texts[.inspections].flatMap(FacilityInspections.init(storedText:)) ?? .empty
        self.texts = texts
    }

    private static func index(_ boxes: [BoundingBox]) -> LayerIndex {
        var flat: [Double] = []
        flat.reserveCapacity(boxes.count * 4)
        for box in boxes { flat += [box.minLon, box.minLat, box.maxLon, box.maxLat] }
        return LayerIndex(boxes: flat, ids: (0..<Int32(boxes.count)).map { $0 }, nodeSize: 16)
    }

    private static func search(_ index: LayerIndex, _ box: BoundingBox) -> [Int32] {
        var found: [Int32] = []
        index.search(minX: box.minLon, minY: box.minLat, maxX: box.maxLon, maxY: box.maxLat, into: &found)
        return found.sorted()
    }

    /// The district the point lies in (the first by id where districts overlap), or nil.
    package func district(containing point: Coordinate) -> District? {
        let candidates = Self.search(districtIndex, BoundingBox(point: point))
        return candidates.lazy.map { districts[Int($0)] }.first { $0.geometry.contains(point) }
    }

    /// The projects of a status (any when nil) whose outline's box meets `box` (all when nil), by id.
    package func projects(status: ProjectStatus?, meeting box: BoundingBox?) -> [CityProject] {
        let positions: [Int32] =
            if let box {
                Self.search(projectIndex, box)
            } else {
                Array(0..<Int32(projects.count))
            }
        return positions.map { projects[Int($0)] }.filter { project in
            guard status == nil || project.status == status else { return false }
            guard let box else { return true }
            return Self.geometry(project.geometry, meets: box)
        }
    }

    /// The sensitive sites whose geometry meets `box` (all when nil), by id.
    package func sensitiveSites(meeting box: BoundingBox?) -> [SensitiveSite] {
        guard let box else { return sensitiveSites }
        return Self.search(sensitiveSiteIndex, box).map { sensitiveSites[Int($0)] }.filter { Self.geometry($0.geometry, meets: box) }
    }

    /// Exact for points; for outlines, the boxes meet (OGC 17-069r4 §7.15.3 lets a server test a
    /// feature's bounding box; these layers are small and their outlines simple).
    private static func geometry(_ geometry: Geometry, meets box: BoundingBox) -> Bool {
        if case .point(let point) = geometry { return box.contains(point) }
        return geometry.bbox.intersects(box)
    }
}

// MARK: - reading the files

extension InformationLayers {
    /// The features of a layer file, each checked; problems are appended (named after the
    /// file) and nil returned when there was any, so that a layer is stored whole or not at all.
    static func features(
        _ bytes: [UInt8], layer: InformationLayerName, problems: inout [ImportProblem],
        _ make: (GeoJSONFeature, String, (String) -> Void) -> Void
    ) -> Bool {
        let file = layer.fileName
        let before = problems.count
        let reading: FeatureCollectionReading
        do {
            reading = try GeoJSONReader.readFeatureCollection(bytes)
        } catch {
            problems.append(ImportProblem(file: file, message: "is not a GeoJSON FeatureCollection: \(error)"))
            return false
        }
        for problem in reading.problems {
            problems.append(ImportProblem(file: file, featureIndex: problem.index, featureID: problem.id, message: problem.reason.description))
        }
        var seen = Set<String>()
        var found: [ImportProblem] = []
        for feature in reading.features {
            let id = feature.id ?? feature.properties["id"]?.stringValue
            guard let id, !id.isEmpty, id.count <= 200 else {
                found.append(ImportProblem(file: file, featureIndex: feature.index, message: "needs an id (1…200 characters)"))
                continue
            }
            guard seen.insert(id).inserted else {
                found.append(ImportProblem(file: file, featureIndex: feature.index, featureID: id, message: "repeats an id"))
                continue
            }
            make(feature, id) { message in found.append(ImportProblem(file: file, featureIndex: feature.index, featureID: id, message: message)) }
        }
        problems += found
        return problems.count == before
    }

    /// A non-empty text property, or nil (reported as `name` required when `required`).
    private static func names(_ feature: GeoJSONFeature, _ report: (String) -> Void) -> (fa: String, en: String)? {
        let fa = feature.properties["name_fa"]?.stringValue.map(Self.trimmed) ?? ""
        let en = feature.properties["name_en"]?.stringValue.map(Self.trimmed) ?? ""
        guard !fa.isEmpty, !en.isEmpty, fa.count <= 200, en.count <= 200 else {
            report("name_fa and name_en must be non-empty texts of at most 200 characters")
            return nil
        }
        return (fa, en)
    }

    private static func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    package static func readDistricts(_ bytes: [UInt8], problems: inout [ImportProblem]) -> [District]? {
        var districts: [District] = []
        let ok = features(bytes, layer: .districts, problems: &problems) { feature, id, report in
            guard case .polygonal(let outline)? = feature.geometry else { return report("a district is a Polygon or MultiPolygon") }
            guard let names = names(feature, report) else { return }
            districts.append(District(id: id, geometry: outline, nameFa: names.fa, nameEn: names.en))
        }
        return ok ? districts : nil
    }

    package static func readProjects(_ bytes: [UInt8], problems: inout [ImportProblem]) -> [CityProject]? {
        var projects: [CityProject] = []
        let ok = features(bytes, layer: .projects, problems: &problems) { feature, id, report in
            guard let geometry = feature.geometry, Self.isPointOrOutline(geometry) else {
                return report("a project is a Point, Polygon or MultiPolygon")
            }
            guard let names = names(feature, report) else { return }
            let properties = feature.properties
            guard let status = properties["status"]?.stringValue.flatMap(ProjectStatus.init(rawValue:)) else {
                return report("status must be one of \(ProjectStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var budget: Double?
            if let value = properties["budget"], !value.isNull {
                guard let number = value.numberValue, number >= 0, number.isFinite else { return report("budget must be a number ≥ 0 (rials) or null") }
                budget = number
            }
            var progress: Double?
            if let value = properties["progress_pct"], !value.isNull {
                guard let number = value.numberValue, (0...100).contains(number) else { return report("progress_pct must be a number from 0 to 100 or null") }
                progress = number
            }
            var dates: [String?] = []
            for key in ["start_date", "end_date"] {
                guard let value = properties[key], !value.isNull else {
                    dates.append(nil)
                    continue
                }
                guard let text = value.stringValue, CalendarDate.isValid(text) else { return report("\(key) must be a date YYYY-MM-DD or null") }
                dates.append(text)
            }
            if let start = dates[0], let end = dates[1], end < start { return report("end_date is before start_date") }
            var contractor: String?
            if let value = properties["contractor"], !value.isNull {
                guard let text = value.stringValue.map(Self.trimmed), !text.isEmpty, text.count <= 200 else {
                    return report("contractor must be a text of 1…200 characters or null")
                }
                contractor = text
            }
            projects.append(
                CityProject(
                    id: id, geometry: geometry, nameFa: names.fa, nameEn: names.en, status: status, budget: budget,
                    startDate: dates[0], endDate: dates[1], contractor: contractor, progressPercent: progress))
        }
        return ok ? projects : nil
    }

    package static func readSensitiveSites(_ bytes: [UInt8], problems: inout [ImportProblem]) -> [SensitiveSite]? {
        var sites: [SensitiveSite] = []
        let ok = features(bytes, layer: .sensitiveSites, problems: &problems) { feature, id, report in
            guard let geometry = feature.geometry, Self.isPointOrOutline(geometry) else {
                return report("a sensitive site is a Point, Polygon or MultiPolygon")
            }
            guard let names = names(feature, report) else { return }
            guard let kind = feature.properties["kind"]?.stringValue.map(Self.trimmed), !kind.isEmpty, kind.count <= 100 else {
                return report("kind must be a text of 1…100 characters")
            }
            sites.append(SensitiveSite(id: id, geometry: geometry, nameFa: names.fa, nameEn: names.en, kind: kind))
        }
        return ok ? sites : nil
    }

    private static func isPointOrOutline(_ geometry: Geometry) -> Bool {
        switch geometry {
        case .point, .polygonal: true
        case .lineString, .multiLineString: false
        }
    }

    /// Checks a layer file's bytes as the importer does.
    static func check(_ bytes: [UInt8], layer: InformationLayerName, problems: inout [ImportProblem]) -> Bool {
        switch layer {
        case .districts: readDistricts(bytes, problems: &problems) != nil
        case .projects: readProjects(bytes, problems: &problems) != nil
        case .sensitiveSites: readSensitiveSites(bytes, problems: &problems) != nil
        case .inspections: true  // read with the facilities (`linkInspectionFeed`)
        }
    }
}

extension DatasetImporter {
    /// The folder's information layer files as the texts to store, each checked; a layer whose
    /// file is absent is not in the answer (its stored layer stays as it is).
    func readInformationLayers(of folder: URL, problems: inout [ImportProblem]) -> [InformationLayerName: String] {
        var texts: [InformationLayerName: String] = [:]
        for layer in InformationLayerName.allCases where layer != .inspections {
            let url = folder.appending(path: layer.fileName)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            guard let bytes = try? Data(contentsOf: url) else {
                problems.append(ImportProblem(file: layer.fileName, message: "cannot be read"))
                continue
            }
            if InformationLayers.check(Array(bytes), layer: layer, problems: &problems) {
                texts[layer] = String(decoding: bytes, as: UTF8.self)
            }
        }
        return texts
    }
}
