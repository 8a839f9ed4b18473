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

    /// Reads and validates the folder into memory (a sync compares it with the store). Throws
    /// `ServiceError.invalidDataset` with every problem.
    package func readDataset(at folder: URL) throws(ServiceError) -> Dataset {
        let (manifest, rules, problems) = try readHeader(of: folder)
        var parcels: [Parcel] = [], zones: [Zone] = [], facilities: [Facility] = [], streets: [Street] = []
        let list = ProblemList(problems)
        readLayers(of: folder, manifest: manifest, knownCodes: Set(rules.map(\.code)), list: list, feed: InspectionFeedOutcome()) {
            (feature) throws(Never) in
            switch feature {
            case .parcel(let parcel): parcels.append(parcel)
            case .zone(let zone): zones.append(zone)
            case .facility(let facility): facilities.append(facility)
            case .street(let street): streets.append(street)
            }
        }
        guard list.items.isEmpty else { throw .invalidDataset(list.items) }
        return Dataset(
            name: manifest.name ?? folder.standardizedFileURL.lastPathComponent, parcels: parcels, zones: zones,
            facilities: facilities, streets: streets, rules: rules)
    }

    /// The manifest and the rules, with the problems found in them; throws when there is no
    /// manifest to go on.
    private func readHeader(of folder: URL) throws(ServiceError) -> (DatasetManifest, [ZoningRule], [ImportProblem]) {
        var problems: [ImportProblem] = []
        guard let manifest = readManifest(folder: folder, problems: &problems) else { throw .invalidDataset(problems) }
        let rules = readRules(folder.appending(path: manifest.rules), file: manifest.rules, problems: &problems)
        _ = readServiceCatalogue(of: folder, problems: &problems)
        _ = readInformationLayers(of: folder, problems: &problems)
        return (manifest, rules, problems)
    }

    /// The folder's problem-report services (`services.json`) as the text to store, checked; nil
    /// when the folder has none (the stored catalogue is then left as it is).
    func readServiceCatalogue(of folder: URL, problems: inout [ImportProblem]) -> String? {
        let url = folder.appending(path: ServiceCatalogue.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let bytes = try? Data(contentsOf: url) else {
            problems.append(ImportProblem(file: ServiceCatalogue.fileName, message: "cannot be read"))
            return nil
        }
        guard ServiceCatalogue.read(Array(bytes), problems: &problems) != nil else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The folder's service catalogue and information layers (its inspection feed's as the reading
    /// of its layers found it), already checked by `readHeader` and the reading.
    private func readDatasetTexts(of folder: URL, feed: InspectionFeedOutcome) -> DatasetTexts {
        var ignored: [ImportProblem] = []
        var texts = DatasetTexts(
            serviceCatalogue: readServiceCatalogue(of: folder, problems: &ignored),
            informationLayers: readInformationLayers(of: folder, problems: &ignored))
        if let inspections = feed.storedText { texts.informationLayers[.inspections] = inspections }
        return texts
    }

    /// Features handed from the import's reader to its writer at a time.
    private static let batchSize = 512

    private struct ImportCancelled: Error {}

    /// One feature of a layer, read and checked.
    private enum DatasetFeature: Sendable {
        case parcel(Parcel), zone(Zone), facility(Facility), street(Street)
    }

    /// Reads every layer file one feature at a time, each checked and mapped as it comes, and
    /// hands each good feature to `emit`; every problem goes into `list`. The files are mapped,
    /// not read, and the pages behind the reader are given back (`MappedFile`), so that what
    /// stays in memory is what `emit` keeps (issue 16 point 8: an import keeps nothing).
    private func readLayers<Failure: Error>(
        of folder: URL, manifest: DatasetManifest, knownCodes: Set<ZoneCode>, list: ProblemList, feed: InspectionFeedOutcome,
        emit: (DatasetFeature) throws(Failure) -> Void
    ) throws(Failure) {
        try forEachIdentifiedFeature(folder: folder, mapping: manifest.parcels, required: true, list: list) { (feature, id, report) throws(Failure) in
            if let parcel = parcel(feature, id: id, mapping: manifest.parcels, rulesFile: manifest.rules, knownCodes: knownCodes, report: report) {
                try emit(.parcel(parcel))
            }
        }
        try forEachIdentifiedFeature(folder: folder, mapping: manifest.zones, required: true, list: list) { (feature, id, report) throws(Failure) in
            if let zone = zone(feature, id: id, mapping: manifest.zones, rulesFile: manifest.rules, knownCodes: knownCodes, report: report) {
                try emit(.zone(zone))
            }
        }
        var facilities: [Facility] = []
        try forEachIdentifiedFeature(folder: folder, mapping: manifest.facilities, required: true, list: list) { (feature, id, report) throws(Failure) in
            if let facility = facility(feature, id: id, mapping: manifest.facilities, report: report) {
                facilities.append(facility)
                try emit(.facility(facility))
            }
        }
        // Issue 21 point 1: the inspection feed's businesses linked to these facilities; those
        // that match none become facilities of their own, part of the facility layer.
        var feedProblems: [ImportProblem] = []
        if let linked = linkInspectionFeed(of: folder, facilities: facilities, problems: &feedProblems) {
            feed.storedText = linked.storedText
            feed.links = linked.links
            for facility in linked.newFacilities { try emit(.facility(facility)) }
        }
        list.items += feedProblems
        guard let mapping = manifest.streets else { return }
        try forEachIdentifiedFeature(folder: folder, mapping: mapping, required: false, list: list) { (feature, id, _) throws(Failure) in
            guard let geometry = feature.geometry else { return }
            try emit(
                .street(
                    Street(
                        id: id, geometry: geometry, name: mapping.name.flatMap { feature.properties.text($0) },
                        extraPropertiesJSON: extraJSON(feature, mapping: mapping))))
        }
    }

    /// Each feature of a layer's file with an id no feature before it in the file had; a feature
    /// without one, or with a repeated one, is reported and skipped.
    private func forEachIdentifiedFeature<Failure: Error>(
        folder: URL, mapping: DatasetManifest.LayerMapping, required: Bool, list: ProblemList,
        body: (GeoJSONFeature, String, Reporter) throws(Failure) -> Void
    ) throws(Failure) {
        var seen = Set<String>()
        try forEachFeature(folder: folder, mapping: mapping, required: required, list: list) { (feature) throws(Failure) in
            let report = Reporter(file: mapping.file, feature: feature, id: featureID(feature, mapping), list: list)
            guard let id = uniqueID(feature, mapping: mapping, seen: &seen, report: report) else { return }
            try body(feature, id, report)
        }
    }

    // MARK: - one feature of each layer (the importer's and the API's: FeatureEdits.swift)

    /// A parcel from a feature, as every parcel is read: a Polygon or MultiPolygon with an area, a
    /// zone code of the rules, whole floors; nil when `report` was told why not.
    private func parcel(
        _ feature: GeoJSONFeature, id: String, mapping: DatasetManifest.LayerMapping, rulesFile: String,
        knownCodes: Set<ZoneCode>, report: Reporter
    ) -> Parcel? {
        guard case .polygonal(let geometry)? = feature.geometry else {
            report(.geometryType(layer: "parcel", expected: "Polygon or MultiPolygon"))
            return nil
        }
        let zoneCode = mapping.zoneCode.flatMap { feature.properties.text($0) }.map(ZoneCode.init)
        if let zoneCode, !knownCodes.contains(zoneCode) {
            report(.unknownZoneCode(zoneCode, rulesFile: rulesFile))
            return nil
        }
        guard let floors = floorsValue(feature, key: mapping.floors, roundingDown: mapping.floorsRounding == "down", report: report)
        else { return nil }
        let area = geometry.geodesicAreaSquareMeters
        guard area > 0, area.isFinite else {
            report(.noArea)
            return nil
        }
        return Parcel(
            id: ParcelID(id), geometry: geometry, zoneCode: zoneCode, areaSquareMeters: area,
            currentUse: mapping.currentUse.flatMap { feature.properties.text($0) }.map(LandUse.init),
            floors: floors, address: mapping.address.flatMap { feature.properties.text($0) },
            extraPropertiesJSON: extraJSON(feature, mapping: mapping))
    }

    private func zone(
        _ feature: GeoJSONFeature, id: String, mapping: DatasetManifest.LayerMapping, rulesFile: String,
        knownCodes: Set<ZoneCode>, report: Reporter
    ) -> Zone? {
        guard case .polygonal(let geometry)? = feature.geometry else {
            report(.geometryType(layer: "zone", expected: "Polygon or MultiPolygon"))
            return nil
        }
        guard let code = feature.properties.text(mapping.code ?? "code").map(ZoneCode.init) else {
            report(.missing(layer: "zone", what: "code", property: mapping.code ?? "code"))
            return nil
        }
        guard knownCodes.contains(code) else {
            report(.unknownZoneCode(code, rulesFile: rulesFile))
            return nil
        }
        return Zone(
            id: ZoneID(id), geometry: geometry, code: code,
            nameFa: mapping.nameFa.flatMap { feature.properties.text($0) },
            nameEn: mapping.nameEn.flatMap { feature.properties.text($0) },
            extraPropertiesJSON: extraJSON(feature, mapping: mapping)
        ).withoutRuleUses
    }

    private func facility(_ feature: GeoJSONFeature, id: String, mapping: DatasetManifest.LayerMapping, report: Reporter) -> Facility? {
        guard case .point(let location)? = feature.geometry else {
            report(.geometryType(layer: "facility", expected: "Point"))
            return nil
        }
        guard let category = feature.properties.text(mapping.category ?? "category") else {
            report(.missing(layer: "facility", what: "category", property: mapping.category ?? "category"))
            return nil
        }
        return Facility(
            id: FacilityID(id), location: location, category: FacilityCategory(category),
            categoryFa: mapping.categoryFa.flatMap { feature.properties.text($0) },
            nameFa: mapping.nameFa.flatMap { feature.properties.text($0) },
            nameEn: mapping.nameEn.flatMap { feature.properties.text($0) },
            extraPropertiesJSON: extraJSON(feature, mapping: mapping))
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

    /// Each feature of a layer's file, read from a mapping of the file; problems go into `list`.
    private func forEachFeature<Failure: Error>(
        folder: URL, mapping: DatasetManifest.LayerMapping, required: Bool, list: ProblemList,
        body: (GeoJSONFeature) throws(Failure) -> Void
    ) throws(Failure) {
        guard let file = MappedFile(path: folder.appending(path: mapping.file).path) else {
            if required { list.items.append(ImportProblem(file: mapping.file, message: "cannot be read (missing?)")) }
            return
        }
        var reader: GeoJSONReader
        do {
            reader = try GeoJSONReader(borrowing: file.bytes, owner: file)
        } catch {
            list.items.append(ImportProblem(file: mapping.file, message: "is not a GeoJSON FeatureCollection: \(error)"))
            return
        }
        var features = 0, problems = 0, released = 0
        while true {
            let result: FeatureReadResult?
            do {
                result = try reader.next()
            } catch {
                list.items.append(ImportProblem(file: mapping.file, message: "is not a GeoJSON FeatureCollection: \(error)"))
                return
            }
            switch result {
            case nil:
                if features == 0, problems == 0, required {
                    list.items.append(ImportProblem(file: mapping.file, message: "holds no features"))
                }
                return
            case .feature(let feature)?:
                features += 1
                try body(feature)
            case .problem(let problem)?:
                problems += 1
                list.items.append(
                    ImportProblem(file: mapping.file, featureIndex: problem.index, featureID: problem.id, message: problem.reason.description))
            }
            if reader.byteOffset - released >= MappedFile.releaseStep {
                file.release(before: reader.byteOffset)
                released = reader.byteOffset
            }
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

        func callAsFunction(_ rule: FeatureRule) {
            list.rules.append(rule)
            self(rule.description)
        }
    }

    /// The problems of one import run, shared by the per-feature reporters.
    private final class ProblemList {
        var items: [ImportProblem]
        /// The rules broken, as reported (an API body's answer names them: FeatureEdits.swift).
        var rules: [FeatureRule] = []

        init(_ items: [ImportProblem] = []) { self.items = items }
    }

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
            report(.floors(property: key))
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
    /// How each business of the inspection feed was linked (empty without `lives/`).
    package var inspectionLinks: [InspectionLink]
    /// Reading, checking and writing, which go on together.
    package var milliseconds: Int64
}

extension DatasetImporter {
    /// Reads and validates `folder` and stores it in the database at `path` (created when
    /// missing) in one transaction, each feature written as it is read, so that the city is
    /// never held in memory whole. On any problem nothing is written: the transaction is rolled
    /// back, and a database this import created is removed again.
    package func importFolder(
        _ folder: URL, intoDatabaseAt path: String, replace: Bool, actor: String, logger: Logger
    ) async throws(ServiceError) -> ImportSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let (manifest, rules, headerProblems) = try readHeader(of: folder)
        let name = manifest.name ?? folder.standardizedFileURL.lastPathComponent
        let existed = FileManager.default.fileExists(atPath: path)
        let feed = InspectionFeedOutcome()
        let result: (problems: [ImportProblem], counts: [Int])
        do {
            let store = try LandStore(path: path, create: true, logger: logger)
            result = try await store.importDataset(name: name, rules: rules, source: folder.path, replace: replace, actor: actor) {
                (rows) throws(StoreError) in
                // Reading and checking on a thread of its own, writing here (BatchChannel).
                let channel = BatchChannel<DatasetFeature, [ImportProblem]>(capacity: 16)
                let reader = Thread {
                    let list = ProblemList(headerProblems)
                    var batch: [DatasetFeature] = []
                    batch.reserveCapacity(Self.batchSize)
                    do {
                        try self.readLayers(of: folder, manifest: manifest, knownCodes: Set(rules.map(\.code)), list: list, feed: feed) {
                            (feature) throws(ImportCancelled) in
                            guard list.items.isEmpty else { return }  // nothing will be written: only reading on
                            batch.append(feature)
                            if batch.count == Self.batchSize {
                                guard channel.send(batch) else { throw ImportCancelled() }
                                batch.removeAll(keepingCapacity: true)
                            }
                        }
                        if !batch.isEmpty, list.items.isEmpty { _ = channel.send(batch) }
                    } catch {}
                    channel.finish(list.items)
                }
                reader.start()
                while true {
                    switch channel.receive() {
                    case .success(let batch):
                        do throws(StoreError) {
                            for feature in batch {
                                switch feature {
                                case .parcel(let parcel): try rows.insert(parcel)
                                case .zone(let zone): try rows.insert(zone)
                                case .facility(let facility): try rows.insert(facility)
                                case .street(let street): try rows.insert(street)
                                }
                            }
                        } catch {
                            _ = channel.cancel()
                            throw error
                        }
                    case .failure(let finished):
                        let problems = finished.value
                        if problems.isEmpty { rows.texts = self.readDatasetTexts(of: folder, feed: feed) }
                        return (problems.isEmpty, (problems, [rows.parcels, rows.zones, rows.facilities, rows.streets]))
                    }
                }
            }
            await store.close()
        } catch {
            if !existed { Self.removeDatabase(at: path) }
            throw .store(error)
        }
        guard result.problems.isEmpty else {
            if !existed { Self.removeDatabase(at: path) }
            throw .invalidDataset(result.problems)
        }
        return ImportSummary(
            datasetName: name, parcels: result.counts[0], zones: result.counts[1], facilities: result.counts[2],
            streets: result.counts[3], rules: rules.count, inspectionLinks: feed.links,
            milliseconds: (clock.now - started).wholeMilliseconds)
    }

    private static func removeDatabase(at path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// A rule one feature breaks, as the importer and the API's edits check it; `description` is the
/// import's English line (LandAPI words it in both languages for an API answer).
package enum FeatureRule: Sendable, Equatable, CustomStringConvertible {
    case geometryType(layer: String, expected: String)
    case unknownZoneCode(ZoneCode, rulesFile: String)
    case noArea
    case missing(layer: String, what: String, property: String)
    case floors(property: String)
    /// An API body's property that holds text (a name, a code, an address) is not a string or null.
    case notText(property: String)
    /// The body is not one GeoJSON Feature with a valid geometry (`detail`: the reader's words).
    case notAFeature(detail: String)
    /// The body's id differs from the path's (an id cannot change).
    case idChanged
    /// A new feature's id is empty, longer than 100 characters, or has control characters or
    /// spaces at its ends.
    case invalidID
    /// The property or member this rule is about, for the API's `parameter`.
    package var field: String {
        switch self {
        case .geometryType, .noArea, .notAFeature: "geometry"
        case .unknownZoneCode: "properties.zone_code"
        case .missing(_, _, let property): "properties.\(property)"
        case .floors(let property), .notText(let property): "properties.\(property)"
        case .idChanged, .invalidID: "id"
        }
    }

    package var description: String {
        switch self {
        case .geometryType(let layer, let expected): "a \(layer) must be a \(expected)"
        case .unknownZoneCode(let code, let rulesFile): "zone code '\(code)' is not in \(rulesFile)"
        case .noArea: "the polygon has no area"
        case .missing(let layer, let what, let property): "the \(layer) has no \(what) (property '\(property)')"
        case .floors(let property): "'\(property)' must be a whole number of floors from 0 to 999"
        case .notText(let property): "'\(property)' must be text or null"
        case .notAFeature(let detail): "not a GeoJSON Feature: \(detail)"
        case .idChanged: "the feature's id cannot change"
        case .invalidID: "an id is 1 to 100 characters, without control characters or spaces at its ends"
        }
    }
}

extension DatasetImporter {
    /// How an API body names a feature's values: Zamin's own property names, those OGC items
    /// answer with (so a client may PUT what it got). Derived values (`area_m2`, a version's
    /// `valid_from` and `valid_to`) are not read, and not kept among the other properties.
    static let bodyMappings: [VersionedLayer: DatasetManifest.LayerMapping] = [
        .parcel: .init(file: "body", zoneCode: "zone_code", currentUse: "current_use", floors: "floors", address: "address"),
        .zone: .init(file: "body", code: "code", nameFa: "name_fa", nameEn: "name_en"),
        .facility: .init(file: "body", category: "category", categoryFa: "category_fa", nameFa: "name_fa", nameEn: "name_en"),
    ]

    /// One GeoJSON Feature (an OGC API – Features Part 4 body) read and checked as the importer
    /// reads every feature of a file: the same reader (rings closed, coordinates in range, …)
    /// and the same rules per layer. `id` receives the body's id (its `id` member, else
    /// `properties.id`; nil when it has none) and returns the feature's: the path's, or a new
    /// one. Throws the rules broken.
    package func readFeature(
        _ body: [UInt8], layer: VersionedLayer, knownCodes: Set<ZoneCode>, id: (String?) throws(FeatureInputError) -> String
    ) throws(FeatureInputError) -> StoredFeature {
        // Zamin's ids are text: a body's `id` is a string or null (RFC 7946 §3.2 also allows a
        // number, which a client that read our answers never sends).
        if case .object(let object)? = try? JSONParser.parse(body) {
            if let id = object["id"] {
                switch id {
                case .string, .null: break
                default: throw FeatureInputError([.invalidID])
                }
            }
            // A file's values are taken as the city wrote them (a number as its text); an API
            // body's text properties are what `/api` declares them: a string or null.
            if let properties = object["properties"]?.objectValue {
                let mapping = Self.bodyMappings[layer]!
                let textProperties = [mapping.zoneCode, mapping.currentUse, mapping.address, mapping.code, mapping.category,
                                      mapping.categoryFa, mapping.nameFa, mapping.nameEn, mapping.name].compactMap { $0 }
                for name in textProperties {
                    switch properties[name] {
                    case nil, .string?, .null?: continue
                    default: throw FeatureInputError([.notText(property: name)])
                    }
                }
            }
        }
        // The body inside a collection, for the one reader every imported feature goes through.
        let wrapped = Array(#"{"type":"FeatureCollection","features":["#.utf8) + body + Array("]}".utf8)
        let reading: FeatureCollectionReading
        do {
            reading = try GeoJSONReader.readFeatureCollection(wrapped)
        } catch {
            throw FeatureInputError([.notAFeature(detail: "\(error)")])
        }
        if let problem = reading.problems.first { throw FeatureInputError([.notAFeature(detail: "\(problem.reason)")]) }
        guard reading.features.count == 1, let feature = reading.features.first else {
            throw FeatureInputError([.notAFeature(detail: "the body must be one Feature")])
        }
        let mapping = Self.bodyMappings[layer]!
        let featureID = try id(featureID(feature, mapping))
        let list = ProblemList()
        let report = Reporter(file: mapping.file, feature: feature, id: featureID, list: list)
        let read: StoredFeature? =
            switch layer {
            case .parcel:
                parcel(feature, id: featureID, mapping: mapping, rulesFile: "the zoning rules", knownCodes: knownCodes, report: report)
                    .map { .parcel($0.withExtraPropertiesCompacted.withoutValidity) }
            case .zone:
                zone(feature, id: featureID, mapping: mapping, rulesFile: "the zoning rules", knownCodes: knownCodes, report: report)
                    .map { .zone($0.withExtraPropertiesCompacted.withoutValidity) }
            case .facility:
                facility(feature, id: featureID, mapping: mapping, report: report).map { .facility($0.withExtraPropertiesCompacted.withoutValidity) }
            }
        guard let read, list.rules.isEmpty else { throw FeatureInputError(list.rules) }
        // An edit names a code or a category; an empty one is none (a file's are taken as they are).
        switch read {
        case .zone(let zone) where zone.code.rawValue.trimmingCharacters(in: .whitespaces).isEmpty:
            throw FeatureInputError([.missing(layer: "zone", what: "code", property: "code")])
        case .facility(let facility) where facility.category.rawValue.trimmingCharacters(in: .whitespaces).isEmpty:
            throw FeatureInputError([.missing(layer: "facility", what: "category", property: "category")])
        default: return read
        }
    }
}

/// The rules an API body breaks (at least one).
package struct FeatureInputError: Error, Sendable, Equatable {
    package var rules: [FeatureRule]
    package init(_ rules: [FeatureRule]) { self.rules = rules }
}

extension Zone {
    /// Without `allowed_uses` and `conditional_uses`, which OGC items derive from the zone's
    /// rule and a client may send back.
    var withoutRuleUses: Zone {
        var copy = self
        copy.extraPropertiesJSON = ExtraProperties.dropping(["allowed_uses", "conditional_uses"], from: extraPropertiesJSON)
        return copy
    }
}

extension HasExtraProperties {
    /// Without a version's `valid_from` and `valid_to`, which OGC items add to answers with
    /// `datetime` and a client may send back.
    var withoutValidity: Self {
        var copy = self
        copy.extraPropertiesJSON = ExtraProperties.dropping(["valid_from", "valid_to"], from: extraPropertiesJSON)
        return copy
    }
}

extension DatasetImporter {
    /// `zamin import --sync`: reads and validates the folder as an import does, one feature at a
    /// time, comparing each with the stored one (LandStore.compareDataset: only the differences
    /// are kept), then applies what differs as edits by `import:<folder>`. Nothing is written
    /// when the folder has a problem, when there are conflicts and no `prefer`, or with `dryRun`.
    /// When the city changed between the comparison and the write, the folder is compared again.
    package func syncFolder(
        _ folder: URL, intoDatabaseAt path: String, prefer: SyncPreference?, dryRun: Bool, logger: Logger
    ) async throws(ServiceError) -> FolderSync {
        // readMilliseconds: reading, checking and comparing (they go on together); syncMilliseconds: the write.
        let clock = ContinuousClock()
        let started = clock.now
        let (manifest, rules, headerProblems) = try readHeader(of: folder)
        let store: LandStore
        do { store = try LandStore(path: path, create: false, logger: logger) } catch { throw .store(error) }
        var attempts = 0
        while true {
            attempts += 1
            let compared = clock.now
            let feed = InspectionFeedOutcome()
            let (plan, problems): (SyncPlan?, [ImportProblem])
            do {
                (plan, problems) = try await store.compareDataset(rules: rules, prefer: prefer) { (comparison) throws(StoreError) in
                    let list = ProblemList(headerProblems)
                    try self.readLayers(of: folder, manifest: manifest, knownCodes: Set(rules.map(\.code)), list: list, feed: feed) {
                        (feature) throws(StoreError) in
                        guard list.items.isEmpty else { return }  // nothing will be written: only reading on
                        switch feature {
                        case .parcel(let parcel): try comparison.compare(parcel)
                        case .zone(let zone): try comparison.compare(zone)
                        case .facility(let facility): try comparison.compare(facility)
                        case .street(let street): comparison.add(street)
                        }
                    }
                    return (list.items.isEmpty, list.items)
                }
            } catch {
                throw .store(error)
            }
            guard let plan, problems.isEmpty else { throw .invalidDataset(problems) }
            let read = clock.now - compared
            do {
                // The texts follow the city, in its transaction: not on a dry run, nor when conflicts refused the sync.
                let report = try await store.applySync(
                    plan, texts: readDatasetTexts(of: folder, feed: feed), actor: "import:\(folder.path)", prefer: prefer, dryRun: dryRun)
                await store.close()
                return FolderSync(
                    report: report, inspectionLinks: feed.links,
                    readMilliseconds: (compared - started + read).wholeMilliseconds,
                    syncMilliseconds: (clock.now - compared - read).wholeMilliseconds)
            } catch .cityChangedDuringSync where attempts < 3 {
                logger.info("the city changed while the folder was compared; comparing again", metadata: ["attempt": "\(attempts)"])
            } catch {
                throw .store(error)
            }
        }
    }
}

/// What the reading of a folder found in its inspection feed: the text to store and the links.
/// Filled by the reader (a thread of its own during an import) and read once it is done.
final class InspectionFeedOutcome: @unchecked Sendable {
    var storedText: String?
    var links: [InspectionLink] = []
}

/// What `syncFolder` did (or, on a dry run, would do).
package struct FolderSync: Sendable {
    package var report: SyncReport
    /// How each business of the inspection feed was linked (empty without `lives/`).
    package var inspectionLinks: [InspectionLink]
    /// Reading, checking and comparing (they go on together).
    package var readMilliseconds: Int64
    /// The write.
    package var syncMilliseconds: Int64
}

extension Duration {
    package var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

