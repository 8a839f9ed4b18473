package import LandModel
import GeoFormats

/// The city's problem-report services (`services.json` of a dataset folder; GeoData/tehran/README.md
/// describes it): read and checked once when a folder is imported or synced, stored whole, and
/// read from the store when a report is filed or the catalogue is asked for.
package struct ServiceCatalogue: Sendable, Equatable {
    package var services: [ReportService]

    package init(services: [ReportService]) { self.services = services }

    package static let empty = ServiceCatalogue(services: [])

    package subscript(code: ServiceCode) -> ReportService? { services.first { $0.code == code } }

    /// The file a dataset folder keeps it in; a folder without one offers no services.
    package static let fileName = "services.json"

    /// Reads a catalogue; every problem found is appended to `problems` (named after `file`), and
    /// nil is returned when there was any.
    package static func read(_ bytes: [UInt8], file: String = fileName, problems: inout [ImportProblem]) -> ServiceCatalogue? {
        let before = problems.count
        func problem(_ service: String?, _ message: String) {
            problems.append(ImportProblem(file: file, featureID: service, message: message))
        }
        guard case .object(let root)? = try? JSONParser.parse(bytes) else {
            problem(nil, "is not a JSON object")
            return nil
        }
        guard root["version"]?.numberValue == 1 else {
            problem(nil, "\"version\" must be 1")
            return nil
        }
        guard let entries = root["services"]?.arrayValue else {
            problem(nil, "has no \"services\" array")
            return nil
        }
        var services: [ReportService] = []
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            guard let object = entry.objectValue else {
                problem("#\(index)", "a service is not an object")
                continue
            }
            guard let code = object["service_code"]?.stringValue, isCode(code, maxLength: 40) else {
                problem("#\(index)", "service_code must be 1…40 of a-z, 0-9 and _")
                continue
            }
            guard seen.insert(code).inserted else {
                problem(code, "service_code is repeated")
                continue
            }
            guard let group = bilingual(object["group"]), let name = bilingual(object["name"]),
                let description = bilingual(object["description"])
            else {
                problem(code, "group, name and description each need non-empty fa and en texts")
                continue
            }
            let keywords = object["keywords"]?.objectValue
            let keywordsFa = keywords?["fa"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let keywordsEn = keywords?["en"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let type = object["type"]?.stringValue ?? "realtime"
            guard ["realtime", "batch", "blackbox"].contains(type) else {
                problem(code, "type must be realtime, batch or blackbox")
                continue
            }
            var attributes: [ServiceAttribute] = []
            var attributeCodes = Set<String>()
            for (position, item) in (object["attributes"]?.arrayValue ?? []).enumerated() {
                guard let attribute = item.objectValue, let attributeCode = attribute["code"]?.stringValue,
                    isCode(attributeCode, maxLength: 40), attributeCodes.insert(attributeCode).inserted
                else {
                    problem(code, "attribute \(position + 1) needs a unique code of a-z, 0-9 and _")
                    continue
                }
                guard let datatype = attribute["datatype"]?.stringValue.flatMap(ServiceAttribute.Datatype.init(rawValue:)) else {
                    problem(code, "attribute \(attributeCode): datatype must be one of \(ServiceAttribute.Datatype.allCases.map(\.rawValue))")
                    continue
                }
                guard let text = bilingual(attribute["description"]) else {
                    problem(code, "attribute \(attributeCode): description needs fa and en")
                    continue
                }
                var values: [(key: String, name: BilingualText)] = []
                for value in attribute["values"]?.arrayValue ?? [] {
                    guard let key = value.objectValue?["key"]?.stringValue, !key.isEmpty,
                        let valueName = bilingual(value.objectValue?["name"])
                    else {
                        problem(code, "attribute \(attributeCode): each value needs a key and a name in fa and en")
                        continue
                    }
                    values.append((key, valueName))
                }
                let isList = datatype == .singlevaluelist || datatype == .multivaluelist
                guard isList == !values.isEmpty else {
                    problem(code, "attribute \(attributeCode): values are given for value lists, and only for them")
                    continue
                }
                attributes.append(
                    ServiceAttribute(
                        code: attributeCode, datatype: datatype, isRequired: attribute["required"]?.boolValue ?? false,
                        order: Int(attribute["order"]?.numberValue ?? Double(position + 1)), description: text,
                        datatypeDescription: bilingual(attribute["datatype_description"]), values: values))
            }
            services.append(
                ReportService(
                    code: ServiceCode(code), group: group, name: name, description: description,
                    keywords: (keywordsFa, keywordsEn), type: type,
                    isParcelRelated: object["parcel_related"]?.boolValue ?? false,
                    attributes: attributes.sorted { $0.order < $1.order }))
        }
        return problems.count == before ? ServiceCatalogue(services: services) : nil
    }

    private static func isCode(_ text: String, maxLength: Int) -> Bool {
        !text.isEmpty && text.utf8.count <= maxLength
            && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    private static func bilingual(_ value: JSONValue?) -> BilingualText? {
        guard let object = value?.objectValue, let fa = object["fa"]?.stringValue, let en = object["en"]?.stringValue,
            !fa.isEmpty, !en.isEmpty
        else { return nil }
        return BilingualText(fa: fa, en: en)
    }
}
