import Hummingbird
import FoundationEssentials
import GeoCore
import GeoFormats
import LandModel
import LandService

/// Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) under `/open311/v2/`, so that
/// third-party apps file and read the city's problem reports: the service list and definitions,
/// service requests (GET, and POST with an `api_key` of role `reporter_app` or higher), a request
/// by id and a token's request. Each resource in JSON and XML by its extension, dates ISO 8601
/// with the zone (UTC, `Z`), errors in the spec's shape (`[{"code", "description"}]`,
/// `<errors><error>`). No answer carries a reporter's contact data.
struct Open311Controller: Sendable {
    let services: LandServices
    let limiter: RateLimiter

    static let prefix = "/open311/v2"
    /// GeoReport v2 "GET Service Requests": at most 90 days between start_date and end_date,
    /// and 1,000 requests when no date is given (the last 90 days).
    static let maxDays = 90
    static let defaultCount = 1000

    var endpoints: [Endpoint] {
        var endpoints: [Endpoint] = []
        for format in Open311Format.allCases {
            let type = format.mediaType
            endpoints.append(
                Endpoint(
                    method: .get, path: "\(Self.prefix)/services.\(format.rawValue)", summary: "Open311: the service list (\(format.rawValue))",
                    tag: "open311", parameters: [Self.jurisdiction, .lang], responses: [.ok(type)], errorFormat: .open311,
                    handler: { request, _, input in try await serviceList(format, language: input.query.language(of: request)) }))
            endpoints.append(
                Endpoint(
                    method: .get, path: "\(Self.prefix)/requests.\(format.rawValue)", summary: "Open311: service requests (\(format.rawValue))",
                    tag: "open311",
                    parameters: [
                        .query("service_request_id", .text(maxLength: 2000), "Comma-separated request ids (the other filters are then ignored)"),
                        .query("service_code", .text(maxLength: 2000), "Comma-separated service codes"),
                        .query("start_date", .dateTime, "Requested at or after (ISO 8601 with the zone)"),
                        .query("end_date", .dateTime, "Requested at or before; at most 90 days after start_date"),
                        .query("status", .listOf(["open", "closed"]), "open or closed (comma-separated for both)"),
                        Self.jurisdiction, .lang,
                    ],
                    responses: [.ok(type)], errorFormat: .open311,
                    handler: { request, _, input in try await requestList(format, input.query, language: input.query.language(of: request)) }))
            endpoints.append(
                Endpoint(
                    method: .post, path: "\(Self.prefix)/requests.\(format.rawValue)", summary: "Open311: file a service request (\(format.rawValue))",
                    tag: "open311", parameters: [.lang], body: Self.filingBody,
                    responses: [
                        .ok(type, description: "Filed: the request's id"),
                        EndpointResponse(status: 403, description: "api_key missing or not valid", mediaTypes: [type]),
                        .error(422, "The place is outside the city, or the address is unknown"),
                    ],
                    errorFormat: .open311,
                    handler: { request, context, input in try await file(format, request, context, language: input.query.language(of: request)) }))
        }
        endpoints += [
            Endpoint(
                method: .get, path: "\(Self.prefix)/services/{service}", summary: "Open311: a service's definition (its attributes)",
                tag: "open311", parameters: [.path("service", "The service code followed by .json or .xml"), Self.jurisdiction, .lang],
                responses: [.ok(MediaType.json, MediaType.xml), .error(404, "No such service")], errorFormat: .open311,
                handler: { request, context, input in try await definition(context, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "\(Self.prefix)/requests/{request}", summary: "Open311: one service request",
                tag: "open311", parameters: [.path("request", "The request id followed by .json or .xml"), Self.jurisdiction, .lang],
                responses: [.ok(MediaType.json, MediaType.xml), .error(404, "No such request")], errorFormat: .open311,
                handler: { request, context, input in try await oneRequest(context, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "\(Self.prefix)/tokens/{token}", summary: "Open311: the request id of a token",
                tag: "open311", parameters: [.path("token", "The token followed by .json or .xml"), Self.jurisdiction, .lang],
                responses: [.ok(MediaType.json, MediaType.xml), .error(404, "No such token")], errorFormat: .open311,
                handler: { _, context, _ in try await token(context) }),
        ]
        return endpoints
    }

    static let jurisdiction = EndpointParameter.query("jurisdiction_id", .text(maxLength: 200), "Ignored: one city per server")

    // MARK: - services

    func catalogue() async throws -> ServiceCatalogue {
        do { return try await services.serviceCatalogue() } catch { throw APIError(error) }
    }

    func serviceList(_ format: Open311Format, language: Language) async throws -> Response {
        var document = Open311Document(format, root: "services")
        for service in try await catalogue().services {
            document.item("service") { item in
                item.field("service_code", service.code.rawValue)
                item.field("service_name", language == .fa ? service.name.fa : service.name.en)
                item.field("description", language == .fa ? service.description.fa : service.description.en)
                item.field("metadata", !service.attributes.isEmpty)
                item.field("type", service.type)
                item.field("keywords", (language == .fa ? service.keywords.fa : service.keywords.en).joined(separator: ", "))
                item.field("group", language == .fa ? service.group.fa : service.group.en)
            }
        }
        return document.response(language: language)
    }

    func definition(_ context: ZaminRequestContext, language: Language) async throws -> Response {
        let name = try context.parameters.require("service")
        let (code, format) = try Open311Format.split(name, missing: .reportProblem(.unknownService(ServiceCode(name))))
        guard let service = try await catalogue()[ServiceCode(code)] else { throw APIError.notFound(.reportProblem(.unknownService(ServiceCode(code)))) }
        var document = Open311Document(format, root: "service_definition", isList: false)
        document.item(nil) { item in
            item.field("service_code", service.code.rawValue)
            item.list("attributes", "attribute") { list in
                for attribute in service.attributes {
                    list.item { entry in
                        entry.field("variable", true)
                        entry.field("code", attribute.code)
                        entry.field("datatype", attribute.datatype.rawValue)
                        entry.field("required", attribute.isRequired)
                        entry.field("datatype_description", attribute.datatypeDescription.map { language == .fa ? $0.fa : $0.en })
                        entry.field("order", attribute.order)
                        entry.field("description", language == .fa ? attribute.description.fa : attribute.description.en)
                        entry.list("values", "value") { values in
                            for value in attribute.values {
                                values.item { pair in
                                    pair.field("key", value.key)
                                    pair.field("name", language == .fa ? value.name.fa : value.name.en)
                                }
                            }
                        }
                    }
                }
            }
        }
        return document.response(language: language)
    }

    // MARK: - requests

    func requestList(_ format: Open311Format, _ query: QueryReader, language: Language) async throws -> Response {
        var found: [ProblemReport] = []
        if let ids = query.string("service_request_id") {
            // An id that is not one of ours names no request: it is left out, as an unknown number is.
            for text in ids.split(separator: ",") {
                guard let id = Int(text.trimmingSpaces), id > 0 else { continue }
                if let report = try? await services.report(id: id) { found.append(report) }
            }
        } else {
            let now = RFC3339.milliseconds(RFC3339.string(milliseconds: Int64(Date.now.timeIntervalSince1970 * 1000)))!
            let dayMs: Int64 = 86_400_000
            let start = query.string("start_date").flatMap(RFC3339.milliseconds)
            let end = query.string("end_date").flatMap(RFC3339.milliseconds)
            let to = end ?? (start.map { $0 + Int64(Self.maxDays) * dayMs } ?? now)
            let from = start ?? to - Int64(Self.maxDays) * dayMs
            guard to >= from else { throw APIError.invalidParameter("end_date", .invalidField) }
            guard to - from <= Int64(Self.maxDays) * dayMs else { throw APIError.invalidParameter("end_date", .open311DateRange) }
            let codes = query.string("service_code").map { Set($0.split(separator: ",").map { ServiceCode(String($0.trimmingSpaces)) }) }
            let statuses = query.list("status").map(Set.init)
            let all: [ProblemReport]
            do {
                all = try await services.reports(
                    ReportFilter(from: RFC3339.string(milliseconds: from), to: RFC3339.string(milliseconds: to)),
                    limit: Int(Int32.max), history: true)
            } catch {
                throw APIError(error)
            }
            found = Array(
                all.lazy.filter { report in
                    (codes?.contains(report.serviceCode) ?? true) && (statuses?.contains(report.status.open311Status) ?? true)
                }.prefix(Self.defaultCount))
        }
        return try await requestsDocument(found, format, language: language)
    }

    func oneRequest(_ context: ZaminRequestContext, language: Language) async throws -> Response {
        let (idText, format) = try Open311Format.split(try context.parameters.require("request"), missing: .reportNotFound)
        guard let id = Int(idText), id > 0 else { throw APIError.notFound(.reportNotFound) }
        let report: ProblemReport
        do { report = try await services.report(id: id) } catch { throw APIError(error) }
        return try await requestsDocument([report], format, language: language)
    }

    /// GeoReport v2 "GET request_id from a token": our requests get their id at once, and their
    /// token is their tracking code.
    func token(_ context: ZaminRequestContext) async throws -> Response {
        let (code, format) = try Open311Format.split(try context.parameters.require("token"), missing: .reportNotFound)
        let trackingCode = TrackingCode(code)
        let report: ProblemReport
        do { report = try await services.report(trackingCode: trackingCode) } catch { throw APIError(error) }
        var document = Open311Document(format, root: "service_requests")
        document.item("request") { item in
            item.field("service_request_id", String(report.id))
            item.field("token", report.trackingCode.rawValue)
        }
        return document.response(language: nil)
    }

    func requestsDocument(_ reports: [ProblemReport], _ format: Open311Format, language: Language) async throws -> Response {
        let catalogue = try await catalogue()
        var document = Open311Document(format, root: "service_requests")
        for report in reports {
            document.item("request") { item in
                item.field("service_request_id", String(report.id))
                item.field("status", report.status.open311Status)
                // GeoReport v2: notes on the current status, so the note of the step that set it (none may have one).
                item.field("status_notes", report.history.last?.note)
                item.field(
                    "service_name",
                    catalogue[report.serviceCode].map { language == .fa ? $0.name.fa : $0.name.en } ?? report.serviceCode.rawValue)
                item.field("service_code", report.serviceCode.rawValue)
                item.field("description", report.description)
                item.field("agency_responsible", nil as String?)
                item.field("service_notice", nil as String?)
                item.field("requested_datetime", report.submittedAt)
                item.field("updated_datetime", report.updatedAt)
                item.field("expected_datetime", nil as String?)
                item.field("address", report.address)
                item.field("address_id", report.parcelID?.rawValue)
                item.field("zipcode", nil as String?)
                item.field("lat", report.latitude)
                item.field("long", report.longitude)
                item.field("media_url", report.mediaURL)
            }
        }
        return document.response(language: language)
    }

    func file(_ format: Open311Format, _ request: Request, _ context: ZaminRequestContext, language: Language) async throws -> Response {
        let pairs = try FormURLEncoded.pairs(try await JSONBody.bytes(request, limitBytes: 64 * 1024))
        var fields: [String: String] = [:]
        var attributes: [(code: String, values: [String])] = []
        for (name, value) in pairs {
            if let code = Open311Form.attributeCode(name) {
                if let index = attributes.firstIndex(where: { $0.code == code }) { attributes[index].values.append(value) } else { attributes.append((code, [value])) }
                continue
            }
            // Fields GeoReport v2 does not define are ignored, as its servers do (apps send their own).
            guard Open311Form.fields.contains(name) else { continue }
            guard fields[name] == nil else { throw APIError.invalidParameter(name, .invalidField) }
            fields[name] = value
        }
        // The key comes in the form (GeoReport v2), not in a header; the same keys as Bearer ones.
        guard let key = fields["api_key"], !key.isEmpty else { throw Open311Form.forbidden }
        let holder: APIKeys.Holder?
        do { holder = try await services.keyHolder(bearer: key) } catch { throw APIError(error) }
        guard let holder, holder.role >= .reporterApp else { throw Open311Form.forbidden }
        guard let code = fields["service_code"], !code.isEmpty else { throw APIError.invalidParameter("service_code", .missingField) }
        let location: ReportLocation
        if let lat = fields["lat"], let lon = fields["long"] {
            guard let latitude = Double(lat), let longitude = Double(lon), let point = Coordinate(lon: longitude, lat: latitude) else {
                throw APIError.invalidParameter("lat", .invalidField)
            }
            location = .point(point, address: fields["address_string"].flatMap { $0.isEmpty || $0.unicodeScalars.count > 500 ? nil : $0 })
        } else if let id = fields["address_id"], !id.isEmpty {
            location = .parcel(ParcelID(id))
        } else if let address = fields["address_string"], !address.isEmpty {
            guard address.unicodeScalars.count <= 500 else { throw APIError.invalidParameter("address_string", .invalidField) }
            location = .address(address)
        } else {
            throw APIError.invalidParameter("lat", .open311LocationRequired)
        }
        let description = fields["description"] ?? ""
        guard description.unicodeScalars.count <= ReportFiling.maxDescriptionCharacters else { throw APIError.invalidParameter("description", .invalidField) }
        var mediaURL: String?
        if let url = fields["media_url"], !url.isEmpty {
            guard url.unicodeScalars.count <= 2000, url.hasPrefix("https://") || url.hasPrefix("http://"), !url.contains(where: { $0.isWhitespace }) else {
                throw APIError.invalidParameter("media_url", .invalidField)
            }
            mediaURL = url
        }
        let name = [fields["first_name"], fields["last_name"]].compactMap { $0.map { String(Substring($0).trimmingSpaces) } }.filter { !$0.isEmpty }.joined(separator: " ")
        let contact = try ReportsController.contact { field in field == "name" ? (name.isEmpty ? nil : name) : fields[field] }
        let filing = ReportFiling(
            serviceCode: ServiceCode(code), location: location, description: description, attributes: attributes, photos: [],
            contact: contact, source: "open311:\(holder.name)", mediaURL: mediaURL)
        let filed: FiledReport
        do { filed = try await services.fileReport(filing) } catch { throw APIError(error) }
        var document = Open311Document(format, root: "service_requests")
        document.item("request") { item in
            item.field("service_request_id", String(filed.report.id))
            item.field("token", filed.report.trackingCode.rawValue)
            item.field("service_notice", nil as String?)
            item.field("account_id", nil as String?)
        }
        return document.response(language: language)
    }

    static let filingBody = EndpointBody(
        schema: [
            "type": "object", "required": .array(["api_key", "service_code"]),
            "description": .string(
                "GeoReport v2 POST Service Request: a location (lat and long, address_string or address_id) is required; "
                    + "attribute[code] fields answer the service's attributes"),
            "properties": .object([
                "api_key": RequestSchemas.string(maxLength: 200, "A key of role reporter_app or higher"),
                "jurisdiction_id": RequestSchemas.string(maxLength: 200, "Ignored"),
                "service_code": RequestSchemas.string(maxLength: 40, "A service of the list"),
                "lat": .object(["type": "number", "minimum": -90, "maximum": 90]),
                "long": .object(["type": "number", "minimum": -180, "maximum": 180]),
                "address_string": RequestSchemas.string(maxLength: 500, "A parcel's address"),
                "address_id": RequestSchemas.string(maxLength: 200, "A parcel id"),
                "email": .object(["type": "string", "format": "email", "maxLength": 254, "description": "Reporter's e-mail (never public)"]),
                "device_id": RequestSchemas.string(maxLength: 200, "Ignored"),
                "account_id": RequestSchemas.string(maxLength: 200, "Ignored"),
                "first_name": RequestSchemas.string(maxLength: 100, "Reporter's first name (never public)"),
                "last_name": RequestSchemas.string(maxLength: 100, "Reporter's last name (never public)"),
                "phone": ReportsController.phoneSchema,
                "description": RequestSchemas.string(maxLength: 4000, minLength: 0, "What is wrong (public)"),
                "media_url": .object([
                    "type": "string", "format": "uri", "pattern": "^https?://[^\\s]+$", "maxLength": 2000,
                    "description": "A photo the app hosts (linked, never fetched)",
                ]),
            ]),
        ], example: nil, mediaTypes: [MediaType.urlEncodedForm])
}

/// The form fields of a GeoReport v2 POST.
enum Open311Form {
    static let fields: Set<String> = [
        "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id", "email", "device_id",
        "account_id", "first_name", "last_name", "phone", "description", "media_url",
    ]

    static var forbidden: APIError { APIError(status: .forbidden, code: "Forbidden", message: .invalidKey, parameter: "api_key") }

    /// `attribute[code]` (or `attribute[code][]`, as forms send a multivaluelist) → `code`.
    static func attributeCode(_ name: String) -> String? {
        guard name.hasPrefix("attribute["), name.hasSuffix("]") else { return nil }
        var inner = name.dropFirst("attribute[".count).dropLast()
        if inner.hasSuffix("][") { inner = inner.dropLast(2) }
        return inner.isEmpty || inner.contains("[") || inner.contains("]") ? nil : String(inner)
    }
}

/// The two representations of every GeoReport v2 resource, chosen by the path's extension.
enum Open311Format: String, CaseIterable, Sendable {
    case json, xml

    var mediaType: String { self == .json ? MediaType.json : MediaType.xml }

    /// `code.json` → ("code", .json); without a format it names no resource: `missing` (a 404).
    static func split(_ name: String, missing: Message) throws(APIError) -> (String, Open311Format) {
        guard let dot = name.lastIndex(of: "."), let format = Open311Format(rawValue: String(name[name.index(after: dot)...])),
            dot > name.startIndex
        else { throw APIError.notFound(missing) }
        return (String(name[..<dot]), format)
    }

    /// The format a request path asks for (its last extension), JSON when it names none.
    static func of(path: String) -> Open311Format { path.hasSuffix(".xml") ? .xml : .json }
}

/// One GeoReport v2 document written as JSON (an array of objects, or one object) or as XML
/// (a root element of items), from the same calls, so that the two cannot differ in content.
struct Open311Document {
    let format: Open311Format
    let root: String
    let isList: Bool
    var json = JSONWriter()
    var xml = XMLText()

    init(_ format: Open311Format, root: String, isList: Bool = true) {
        self.format = format
        self.root = root
        self.isList = isList
        if format == .json {
            if isList { json.beginArray() }
        } else {
            xml.open(root)
        }
    }

    mutating func item(_ element: String?, _ body: (inout Item) -> Void) {
        var item = Item(format: format)
        if format == .json { item.json.beginObject() } else if let element { item.xml.open(element) }
        body(&item)
        if format == .json {
            item.json.endObject()
            item.json.bytes.withUnsafeBufferPointer { json.value(rawJSON: $0) }
        } else {
            if let element { item.xml.close(element) }
            xml.text += item.xml.text
        }
    }

    struct Item {
        let format: Open311Format
        var json = JSONWriter()
        var xml = XMLText()

        mutating func field(_ name: String, _ value: String?) {
            if format == .json {
                json.key(name)
                if let value { json.string(value) } else { json.null() }
            } else {
                xml.element(name, value ?? "")
            }
        }

        mutating func field(_ name: String, _ value: Bool) {
            if format == .json { json.key(name); json.bool(value) } else { xml.element(name, value ? "true" : "false") }
        }

        mutating func field(_ name: String, _ value: Int) {
            if format == .json { json.key(name); json.number(value) } else { xml.element(name, String(value)) }
        }

        mutating func field(_ name: String, _ value: Double) {
            if format == .json { json.key(name); json.number(value, decimals: 7) } else { xml.element(name, String((value * 1e7).rounded() / 1e7)) }
        }

        /// A list member: a JSON array of objects, or an XML element of `element`s.
        mutating func list(_ name: String, _ element: String, _ body: (inout ItemList) -> Void) {
            var list = ItemList(format: format, element: element)
            body(&list)
            if format == .json {
                json.key(name)
                json.beginArray()
                for entry in list.entries { entry.withUnsafeBufferPointer { json.value(rawJSON: $0) } }
                json.endArray()
            } else {
                xml.open(name)
                xml.text += list.xml
                xml.close(name)
            }
        }
    }

    struct ItemList {
        let format: Open311Format
        let element: String
        var entries: [[UInt8]] = []
        var xml = ""

        mutating func item(_ body: (inout Item) -> Void) {
            var item = Item(format: format)
            if format == .json { item.json.beginObject() } else { item.xml.open(element) }
            body(&item)
            if format == .json {
                item.json.endObject()
                entries.append(item.json.bytes)
            } else {
                item.xml.close(element)
                xml += item.xml.text
            }
        }
    }

    mutating func response(language: Language?) -> Response {
        let bytes: [UInt8]
        if format == .json {
            if isList { json.endArray() }
            bytes = json.bytes
        } else {
            xml.close(root)
            bytes = Array(("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + xml.text).utf8)
        }
        var response = JSONResponse.make(
            bytes, contentType: format == .json ? MediaType.json : MediaType.xml + "; charset=utf-8", language: language)
        response.headers[.contentType] = format == .json ? "application/json; charset=utf-8" : "text/xml; charset=utf-8"
        return response
    }

    /// A GeoReport v2 error document: `[{"code": 404, "description": "…"}]` or `<errors><error>…`.
    static func error(_ error: APIError, format: Open311Format, language: Language) -> Response {
        var document = Open311Document(format, root: "errors")
        document.item("error") { item in
            item.field("code", error.status.code)
            let text = error.message.text(in: language)
            item.field("description", error.parameter.map { "\($0): \(text)" } ?? text)
        }
        var response = document.response(language: language)
        response.status = error.status
        for field in error.extraHeaders { response.headers[field.name] = field.value }
        return response
    }
}

/// XML text: the five characters with meaning escaped as HTML's are (`OGCHTML.escape`: the same
/// entities, XML 1.0 §2.4 and §4.6), and the control characters XML 1.0 §2.2 cannot carry dropped.
struct XMLText {
    var text = ""

    mutating func open(_ name: String) { text += "<\(name)>" }
    mutating func close(_ name: String) { text += "</\(name)>" }

    mutating func element(_ name: String, _ value: String) {
        var allowed = String.UnicodeScalarView()
        for scalar in value.unicodeScalars
        where scalar.value >= 0x20 ? scalar.value != 0xFFFE && scalar.value != 0xFFFF : scalar == "\t" || scalar == "\n" || scalar == "\r" {
            allowed.append(scalar)
        }
        open(name)
        text += OGCHTML.escape(String(allowed))
        close(name)
    }
}
