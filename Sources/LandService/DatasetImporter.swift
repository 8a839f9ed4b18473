package import Foundation
package import LandModel
import GeoCore
import GeoFormats
import LandStore
package import Logging

/// Reads a dataset folder (a `dataset.json` manifest, or the Tehran layout without one), maps
/// the city's properties onto ours and validates everything before anything is written.
/// Every problem is collected — file, feature index, id, what is wrong — so that one run tells
/// the user all there is to fix.
package struct DatasetImporter: Sendable {
    package init() {}

    /// Reads and validates the folder. Throws `ServiceError.invalidDataset` with every problem.
    package func readDataset(at folder: URL) throws(ServiceError) -> Dataset {
        let list = ProblemList()
        guard let manifest = readManifest(folder: folder, problems: &list.items) else { throw .invalidDataset(list.items) }

        let rules = readRules(folder.appending(path: manifest.rules), file: manifest.rules, problems: &list.items)
        let knownCodes = Set(rules.map(\.code))

        let parcelFeatures = readFeatures(folder: folder, mapping: manifest.parcels, required: true, problems: &list.items)
        let zoneFeatures = readFeatures(folder: folder, mapping: manifest.zones, required: true, problems: &list.items)
        let facilityFeatures = readFeatures(folder: folder, mapping: manifest.facilities, required: true, problems: &list.items)
        let streetFeatures = manifest.streets.map {
            readFeatures(folder: folder, mapping: $0, required: false, problems: &list.items)
        } ?? []

        var parcels: [Parcel] = []
        parcels.reserveCapacity(parcelFeatures.count)
        var seen = Set<String>()
        for feature in parcelFeatures {
            let mapping = manifest.parcels
            let report = Reporter(file: mapping.file, feature: feature, id: featureID(feature, mapping), list: list)
            guard let id = uniqueID(feature, mapping: mapping, seen: &seen, report: report) else { continue }
            guard case .polygonal(let geometry)? = feature.geometry else {
                report("a parcel must be a Polygon or MultiPolygon")
                continue
            }
            let zoneCode = mapping.zoneCode.flatMap { feature.properties.text($0) }.map(ZoneCode.init)
            if let zoneCode, !knownCodes.contains(zoneCode) {
                report("zone code '\(zoneCode)' is not in \(manifest.rules)")
                continue
            }
            guard let floors = floorsValue(feature, key: mapping.floors, roundingDown: mapping.floorsRounding == "down", report: report)
            else { continue }
            let area = geometry.geodesicAreaSquareMeters
            guard area > 0, area.isFinite else {
                report("the polygon has no area")
                continue
            }
            parcels.append(
                Parcel(
                    id: ParcelID(id), geometry: geometry, zoneCode: zoneCode, areaSquareMeters: area,
                    currentUse: mapping.currentUse.flatMap { feature.properties.text($0) }.map(LandUse.init),
                    floors: floors, address: mapping.address.flatMap { feature.properties.text($0) },
                    extraPropertiesJSON: extraJSON(feature, mapping: mapping)))
        }

        var zones: [Zone] = []
        seen.removeAll()
        for feature in zoneFeatures {
            let mapping = manifest.zones
            let report = Reporter(file: mapping.file, feature: feature, id: featureID(feature, mapping), list: list)
            guard let id = uniqueID(feature, mapping: mapping, seen: &seen, report: report) else { continue }
            guard case .polygonal(let geometry)? = feature.geometry else {
                report("a zone must be a Polygon or MultiPolygon")
                continue
            }
            guard let code = feature.properties.text(mapping.code ?? "code").map(ZoneCode.init) else {
                report("the zone has no code (property '\(mapping.code ?? "code")')")
                continue
            }
            guard knownCodes.contains(code) else {
                report("zone code '\(code)' is not in \(manifest.rules)")
                continue
            }
            zones.append(
                Zone(
                    id: ZoneID(id), geometry: geometry, code: code,
                    nameFa: mapping.nameFa.flatMap { feature.properties.text($0) },
                    nameEn: mapping.nameEn.flatMap { feature.properties.text($0) },
                    extraPropertiesJSON: extraJSON(feature, mapping: mapping)))
        }

        var facilities: [Facility] = []
        seen.removeAll()
        for feature in facilityFeatures {
            let mapping = manifest.facilities
            let report = Reporter(file: mapping.file, feature: feature, id: featureID(feature, mapping), list: list)
            guard let id = uniqueID(feature, mapping: mapping, seen: &seen, report: report) else { continue }
            guard case .point(let location)? = feature.geometry else {
                report("a facility must be a Point")
                continue
            }
            guard let category = feature.properties.text(mapping.category ?? "category") else {
                report("the facility has no category (property '\(mapping.category ?? "category")')")
                continue
            }
            facilities.append(
                Facility(
                    id: FacilityID(id), location: location, category: FacilityCategory(category),
                    categoryFa: mapping.categoryFa.flatMap { feature.properties.text($0) },
                    nameFa: mapping.nameFa.flatMap { feature.properties.text($0) },
                    nameEn: mapping.nameEn.flatMap { feature.properties.text($0) },
                    extraPropertiesJSON: extraJSON(feature, mapping: mapping)))
        }

        var streets: [Street] = []
        seen.removeAll()
        if let mapping = manifest.streets {
            for feature in streetFeatures {
                let report = Reporter(file: mapping.file, feature: feature, id: featureID(feature, mapping), list: list)
                guard let id = uniqueID(feature, mapping: mapping, seen: &seen, report: report) else { continue }
                guard let geometry = feature.geometry else { continue }
                streets.append(
                    Street(
                        id: id, geometry: geometry, name: mapping.name.flatMap { feature.properties.text($0) },
                        extraPropertiesJSON: extraJSON(feature, mapping: mapping)))
            }
        }

        guard list.items.isEmpty else { throw .invalidDataset(list.items) }
        return Dataset(
            name: manifest.name ?? folder.standardizedFileURL.lastPathComponent, parcels: parcels, zones: zones,
            facilities: facilities, streets: streets, rules: rules)
    }

    // MARK: - reading files

    private func readManifest(folder: URL, problems: inout [ImportProblem]) -> DatasetManifest? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            problems.append(ImportProblem(file: folder.path, message: "is not a folder"))
            return nil
        }
        let url = folder.appending(path: "dataset.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return .tehranLayout }
        do {
            return try JSONDecoder().decode(DatasetManifest.self, from: Data(contentsOf: url))
        } catch {
            problems.append(ImportProblem(file: "dataset.json", message: "not a valid manifest: \(error)"))
            return nil
        }
    }

    private func readRules(_ url: URL, file: String, problems: inout [ImportProblem]) -> [ZoningRule] {
        guard let bytes = try? Data(contentsOf: url) else {
            problems.append(ImportProblem(file: file, message: "cannot be read (missing?)"))
            return []
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(Array(bytes))
        } catch {
            problems.append(ImportProblem(file: file, message: "is not valid JSON: \(error)"))
            return []
        }
        guard case .object(let root) = document, case .object(let zones)? = root["zones"] else {
            problems.append(ImportProblem(file: file, message: "has no \"zones\" object"))
            return []
        }
        var rules: [ZoningRule] = []
        for member in zones.members {
            let code = member.key, value = member.value
            guard case .object(let entry) = value else {
                problems.append(ImportProblem(file: file, featureID: code, message: "the rule is not an object"))
                continue
            }
            func uses(_ key: String) -> [LandUse] {
                guard case .array(let items)? = entry[key] else { return [] }
                return items.compactMap { if case .string(let use) = $0 { LandUse(use) } else { nil } }
            }
            let maxFloors = entry.number("max_floors")
            if let maxFloors, maxFloors < 0 || maxFloors != maxFloors.rounded() {
                problems.append(ImportProblem(file: file, featureID: code, message: "max_floors must be a whole number ≥ 0"))
                continue
            }
            rules.append(
                ZoningRule(
                    code: ZoneCode(code), nameFa: entry.text("name_fa"), nameEn: entry.text("name_en"),
                    allowedUses: uses("allowed_uses"), conditionalUses: uses("conditional_uses"),
                    maxFloors: maxFloors.map { Int($0) }, maxCoveragePercent: entry.number("max_coverage_pct"),
                    maxDensityPercent: entry.number("max_density_pct"),
                    minParcelAreaSquareMeters: entry.number("min_parcel_area_m2"), notes: entry.text("notes")))
        }
        return rules
    }

    private func readFeatures(
        folder: URL, mapping: DatasetManifest.LayerMapping, required: Bool, problems: inout [ImportProblem]
    ) -> [GeoJSONFeature] {
        let url = folder.appending(path: mapping.file)
        guard let bytes = try? Data(contentsOf: url) else {
            if required { problems.append(ImportProblem(file: mapping.file, message: "cannot be read (missing?)")) }
            return []
        }
        do {
            let reading = try GeoJSONReader.readFeatureCollection(Array(bytes))
            for problem in reading.problems {
                problems.append(
                    ImportProblem(
                        file: mapping.file, featureIndex: problem.index, featureID: problem.id,
                        message: problem.reason.description))
            }
            if reading.features.isEmpty, reading.problems.isEmpty, required {
                problems.append(ImportProblem(file: mapping.file, message: "holds no features"))
            }
            return reading.features
        } catch {
            problems.append(ImportProblem(file: mapping.file, message: "is not a GeoJSON FeatureCollection: \(error)"))
            return []
        }
    }

    // MARK: - per feature

    /// Reports problems of one feature into the import's list.
    private struct Reporter {
        let file: String
        let feature: GeoJSONFeature
        let id: String?
        let list: ProblemList

        func callAsFunction(_ message: String) {
            list.items.append(ImportProblem(file: file, featureIndex: feature.index, featureID: id, message: message))
        }
    }

    /// The problems of one import run, shared by the per-feature reporters.
    private final class ProblemList { var items: [ImportProblem] = [] }

    private func uniqueID(
        _ feature: GeoJSONFeature, mapping: DatasetManifest.LayerMapping, seen: inout Set<String>, report: Reporter
    ) -> String? {
        guard let id = featureID(feature, mapping), !id.isEmpty else {
            report("the feature has no id (property '\(mapping.id ?? "id")')")
            return nil
        }
        guard seen.insert(id).inserted else {
            report("duplicate id")
            return nil
        }
        return id
    }

    /// The mapped id property, else the GeoJSON `id` member (or `id` property).
    private func featureID(_ feature: GeoJSONFeature, _ mapping: DatasetManifest.LayerMapping) -> String? {
        if let key = mapping.id { return feature.properties.text(key) }
        return feature.id
    }

    /// Floors may come as a number or, from OSM, as a string ("6"). nil result = a problem was reported;
    /// `.some(nil)` = no floors given.
    private func floorsValue(_ feature: GeoJSONFeature, key: String?, roundingDown: Bool, report: Reporter) -> Int?? {
        guard let key, let value = feature.properties[key] else { return .some(nil) }
        let number: Double?
        switch value {
        case .null: return .some(nil)
        case .number(let n): number = n
        case .string(let text): number = Double(text.trimmingCharacters(in: .whitespaces))
        default: number = nil
        }
        guard let number = roundingDown ? number?.rounded(.down) : number, number >= 0, number == number.rounded(), number < 1000
        else {
            report("'\(key)' must be a whole number of floors from 0 to 999")
            return nil
        }
        return .some(Int(number))
    }

    /// The properties our columns do not hold, kept as a JSON object.
    private func extraJSON(_ feature: GeoJSONFeature, mapping: DatasetManifest.LayerMapping) -> String {
        let mapped = mapping.mappedProperties
        var writer = JSONWriter()
        writer.beginObject()
        for member in feature.properties.members where !mapped.contains(member.key) {
            let key = member.key, value = member.value
            writer.key(key)
            writer.value(value)
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension JSONObject {
    /// A property as text: strings as they are, whole numbers without a fraction (OSM ids may
    /// come either way); nil for null, missing, or other types.
    fileprivate func text(_ key: String) -> String? {
        switch self[key] {
        case .string(let value)?: return value
        case .number(let value)? where value == value.rounded() && abs(value) < 1e15: return String(Int64(value))
        default: return nil
        }
    }

    fileprivate func number(_ key: String) -> Double? { self[key]?.numberValue }
}

/// What an import did, for the command's summary.
package struct ImportSummary: Sendable {
    package var datasetName: String
    package var parcels: Int
    package var zones: Int
    package var facilities: Int
    package var streets: Int
    package var rules: Int
    package var readMilliseconds: Int64
    package var writeMilliseconds: Int64
}

extension DatasetImporter {
    /// Reads and validates `folder`, then stores it in the database at `path` (created when
    /// missing) in one transaction. On any problem nothing is written.
    package func importFolder(
        _ folder: URL, intoDatabaseAt path: String, replace: Bool, actor: String, logger: Logger
    ) async throws(ServiceError) -> ImportSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let dataset = try readDataset(at: folder)
        let read = clock.now - started
        do {
            let store = try LandStore(path: path, create: true, logger: logger)
            try await store.importDataset(dataset, source: folder.path, replace: replace, actor: actor)
            await store.close()
        } catch {
            throw .store(error)
        }
        return ImportSummary(
            datasetName: dataset.name, parcels: dataset.parcels.count, zones: dataset.zones.count,
            facilities: dataset.facilities.count, streets: dataset.streets.count, rules: dataset.rules.count,
            readMilliseconds: read.wholeMilliseconds, writeMilliseconds: (clock.now - started - read).wholeMilliseconds)
    }
}

extension DatasetImporter {
    /// `zamin import --sync`: reads and validates the folder as an import does, then applies
    /// what differs from the store as edits by `import:<folder>` (LandStore.syncDataset).
    /// Nothing is written when the folder has a problem, when there are conflicts and no
    /// `prefer`, or with `dryRun`.
    package func syncFolder(
        _ folder: URL, intoDatabaseAt path: String, prefer: SyncPreference?, dryRun: Bool, logger: Logger
    ) async throws(ServiceError) -> (report: SyncReport, readMilliseconds: Int64, syncMilliseconds: Int64) {
        let clock = ContinuousClock()
        let started = clock.now
        let dataset = try readDataset(at: folder)
        let read = clock.now - started
        do {
            let store = try LandStore(path: path, create: false, logger: logger)
            let report = try await store.syncDataset(dataset, actor: "import:\(folder.path)", prefer: prefer, dryRun: dryRun)
            await store.close()
            let synced = clock.now - started - read
            return (report, read.wholeMilliseconds, synced.wholeMilliseconds)
        } catch {
            throw .store(error)
        }
    }
}

extension Duration {
    package var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

