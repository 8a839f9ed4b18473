import Hummingbird
import GeoCore
import GeoFormats
import LandModel
import LandService

/// Problem reports (issue 20), Zamin's own endpoints; Open311 GeoReport v2 is `Open311Controller`.
///
/// - `POST /reports` (public, rate-limited per client address): JSON, or `multipart/form-data`
///   with up to 3 `photo` parts → 201 with id, tracking code, photo URLs and the open reports of
///   the same service within 50 m.
/// - `GET /reports/{tracking_code}`: status and public history (time, status, note; never who).
/// - `POST /reports/{id}/confirm` (public): "me too" on an open report.
/// - `POST /reports/{tracking_code}/reopen` (the reporter, within 30 days of closing).
/// - `GET /reports` (operators): the queue, reporters' contact included.
/// - `POST /reports/{id}/status`, `POST /reports/{id}/assignment` (operators).
/// - `GET /photos/{photo}`: a report's photo, metadata stripped.
/// - `GET /stats/reports` (planners): counts per service and status, median time to close.
struct ReportsController: Sendable {
    let services: LandServices
    let limiter: RateLimiter
    let origin: PublicOrigin

    static let maxBodyBytes = 16 * 1024 * 1024

    var endpoints: [Endpoint] {
        let trackingCode = EndpointParameter.path("report", "The tracking code given when the report was filed")
        let reportID = EndpointParameter.path("report", "The report's number (`id`)")
        let statuses = ReportStatus.allCases.map(\.rawValue)
        return [
            Endpoint(
                method: .post, path: "/reports", summary: "Report a problem in the city (potholes, street lights, waste, …)",
                tag: "citizens", parameters: [.lang], body: Self.filingBody,
                responses: [
                    EndpointResponse(
                        status: 201, description: "Filed: id, tracking code, photo URLs and open reports of the same service within 50 m",
                        mediaTypes: [MediaType.json], headers: ["Location": "The report's tracking page"]),
                    .error(413, "A photo is larger than 5 MB or the body larger than 16 MB"),
                    .error(415, "A photo is not a JPEG or PNG (by its bytes), or the body is neither JSON nor a form"),
                    .error(422, "The place is outside the city, or the address or parcel is unknown"),
                    .error(429, "Too many requests from this address (Retry-After says when to try again)"),
                ],
                handler: { request, context, input in try await file(request, context, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "/reports", summary: "The queue of problem reports (operators)", tag: "operators",
                access: .role(.operator),
                parameters: [
                    .query("status", .oneOf(statuses), "Report status"),
                    .query("service_code", .text(maxLength: 40), "A service of the catalogue"),
                    .query("zone", .text(maxLength: 100), "Zone code at the report's point"),
                    .query("bbox", .boundingBox(allowsHeights: false), "minLon,minLat,maxLon,maxLat (WGS 84)"),
                    .query("assigned_to", .text(maxLength: 200), "Who the report is assigned to"),
                    .query("from", .dateTime, "Submitted at or after (RFC 3339)"),
                    .query("to", .dateTime, "Submitted at or before (RFC 3339)"),
                    .query("limit", .integer(minimum: 1, maximum: 10_000), "At most this many, newest first", default: 1000), .lang,
                ],
                responses: [.ok(MediaType.json)],
                handler: { request, context, input in
                    try await queue(input.query, base: origin.base(for: request, context: context), language: input.query.language(of: request))
                }),
            Endpoint(
                method: .get, path: "/reports/{report}", summary: "A report's status and public history (no personal data)",
                tag: "citizens", parameters: [trackingCode, .lang],
                responses: [.ok(MediaType.json), .error(404, "No report with that tracking code")],
                handler: { request, context, input in
                    let code = TrackingCode(try context.parameters.require("report"))
                    let report = try await self.report(code)
                    return try await answer(report, view: .reporter, request, context, language: input.query.language(of: request))
                }),
            Endpoint(
                method: .post, path: "/reports/{report}/confirm", summary: "Add yourself to an open report instead of filing a new one",
                tag: "citizens", parameters: [reportID, .lang],
                responses: [
                    .ok(MediaType.json), .error(404, "No report with that number"), .error(409, "The report is no longer open"),
                    .error(429, "Too many requests from this address"),
                ],
                handler: { request, context, input in
                    try limiter.admit(origin.clientAddress(for: request, context: context))
                    let report = try await step(.confirm, id: try Self.number(context), actor: "public")
                    return try await answer(report, view: .public, request, context, language: input.query.language(of: request))
                }),
            Endpoint(
                method: .post, path: "/reports/{report}/reopen", summary: "Reopen your closed report (within 30 days of closing)",
                tag: "citizens", parameters: [trackingCode, .lang], body: Self.noteBody,
                responses: [
                    .ok(MediaType.json), .error(404, "No report with that tracking code"),
                    .error(409, "The report is not closed, or was closed more than 30 days ago"),
                    .error(429, "Too many requests from this address"),
                ],
                handler: { request, context, input in
                    try limiter.admit(origin.clientAddress(for: request, context: context))
                    let body = try await JSONBody.read(request)
                    try body.onlyKnown(["note"])
                    let note = try body.string("note", maxLength: 2000)
                    let code = TrackingCode(try context.parameters.require("report"))
                    let report = try await reopen(code, note: note)
                    return try await answer(report, view: .reporter, request, context, language: input.query.language(of: request))
                }),
            Endpoint(
                method: .post, path: "/reports/{report}/status",
                summary: "Move a report: open → in_progress → closed (with a public note), or → duplicate of another (operators)",
                tag: "operators", access: .role(.operator), parameters: [reportID, .lang], body: Self.statusBody(statuses),
                responses: [.ok(MediaType.json), .error(404, "No report with that number"), .error(409, "The report's status does not allow this step")],
                handler: { request, context, input in
                    let body = try await JSONBody.read(request)
                    try body.onlyKnown(["status", "note", "duplicate_of"])
                    guard let status = ReportStatus(rawValue: try body.requiredString("status")) else {
                        throw APIError.invalidParameter("status", .invalidField)
                    }
                    let note = try body.string("note", maxLength: 2000)
                    let other = try body.integer("duplicate_of", in: 1...Int(Int32.max))
                    let step: ReportStep
                    if status == .duplicate {
                        guard let other else { throw APIError.invalidParameter("duplicate_of", .missingField) }
                        step = .markDuplicate(of: other, note: note)
                    } else {
                        guard other == nil else { throw APIError.invalidParameter("duplicate_of", .unknownField) }
                        step = .move(to: status, note: note)
                    }
                    let report = try await self.step(step, id: try Self.number(context), actor: input.keyHolder!.name)
                    return try await answer(report, view: .operator, request, context, language: input.query.language(of: request))
                }),
            Endpoint(
                method: .post, path: "/reports/{report}/assignment", summary: "Assign an open report to a person or team (operators)",
                tag: "operators", access: .role(.operator), parameters: [reportID, .lang], body: Self.assignmentBody,
                responses: [.ok(MediaType.json), .error(404, "No report with that number"), .error(409, "The report is closed")],
                handler: { request, context, input in
                    let body = try await JSONBody.read(request)
                    try body.onlyKnown(["assignee"])
                    let assignee = try body.string("assignee", maxLength: 200)
                    let report = try await step(.assign(to: assignee), id: try Self.number(context), actor: input.keyHolder!.name)
                    return try await answer(report, view: .operator, request, context, language: input.query.language(of: request))
                }),
            Endpoint(
                method: .get, path: "/photos/{photo}", summary: "A report's photo (JPEG or PNG, metadata removed)", tag: "citizens",
                parameters: [.path("photo", "The photo's SHA-256 (hex) and extension, as the report lists it")],
                responses: [
                    EndpointResponse(status: 200, description: "The photo", mediaTypes: ["image/jpeg", "image/png"]),
                    .error(404, "No such photo"),
                ],
                handler: { _, context, _ in try await photo(context) }),
            Endpoint(
                method: .get, path: "/stats/reports", summary: "Problem reports per service and status, median time to close (planners)",
                tag: "planners", access: .role(.planner),
                parameters: [
                    .query("zone", .text(maxLength: 100), "Zone code at the report's point"),
                    .query("bbox", .boundingBox(allowsHeights: false), "minLon,minLat,maxLon,maxLat (WGS 84)"),
                    .query("from", .dateTime, "Submitted at or after (RFC 3339)"),
                    .query("to", .dateTime, "Submitted at or before (RFC 3339)"), .lang,
                ],
                responses: [.ok(MediaType.json)],
                handler: { request, _, input in try await statistics(input.query, language: input.query.language(of: request)) }),
        ]
    }

    // MARK: - filing

    func file(_ request: Request, _ context: ZaminRequestContext, language: Language) async throws -> Response {
        try limiter.admit(origin.clientAddress(for: request, context: context))
        let filing: ReportFiling
        if MultipartForm.boundary(of: request) != nil || JSONBody.mediaType(of: request) == MediaType.multipartForm {
            let form = try await MultipartForm.read(
                request,
                limits: .init(
                    totalBytes: Self.maxBodyBytes, fileBytes: ReportFiling.maxPhotoBytes, fileParts: ["photo"], fieldBytes: 64 * 1024,
                    maxParts: 64))
            filing = try Self.filing(form: form)
        } else {
            let body = try await JSONBody.read(request, limitBytes: 64 * 1024)
            filing = try Self.filing(json: body)
        }
        let filed: FiledReport
        do { filed = try await services.fileReport(filing) } catch { throw APIError(error) }
        let catalogue = try await catalogue()
        let base = origin.base(for: request, context: context)
        var writer = JSONWriter()
        ReportJSON.write(filed.report, view: .reporter, catalogue: catalogue, base: base, language: language, to: &writer, closing: false)
        writer.key("nearby")
        writer.beginArray()
        for nearby in filed.nearby {
            ReportJSON.write(nearby.report, view: .public, catalogue: catalogue, base: base, language: language, to: &writer, closing: false)
            writer.key("distance_m"); writer.number((nearby.meters * 10).rounded() / 10)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        var response = JSONResponse.make(writer.bytes, status: .created, contentType: MediaType.json, language: language)
        response.headers[.location] = base + "/reports/\(filed.report.trackingCode.rawValue)"
        return response
    }

    /// The fields both bodies share, read into a filing: `service_code`, `lon`, `lat`,
    /// `description`, `name`, `email`, `phone`, and the attribute answers.
    static func filing(
        field: (String) throws -> String?, attributes: [(code: String, values: [String])], photos: [[UInt8]]
    ) throws -> ReportFiling {
        guard let service = try field("service_code"), !service.isEmpty else { throw APIError.invalidParameter("service_code", .missingField) }
        guard let lonText = try field("lon") else { throw APIError.invalidParameter("lon", .missingField) }
        guard let latText = try field("lat") else { throw APIError.invalidParameter("lat", .missingField) }
        guard let lon = Double(lonText), lon.isFinite, (-180...180).contains(lon) else { throw APIError.invalidParameter("lon", .invalidField) }
        guard let lat = Double(latText), lat.isFinite, (-90...90).contains(lat) else { throw APIError.invalidParameter("lat", .invalidField) }
        let description = try field("description") ?? ""
        guard description.unicodeScalars.count <= ReportFiling.maxDescriptionCharacters else { throw APIError.invalidParameter("description", .invalidField) }
        return ReportFiling(
            serviceCode: ServiceCode(service), location: .point(Coordinate(lon: lon, lat: lat)!), description: description,
            attributes: attributes, photos: photos, contact: try contact(field), source: "web")
    }

    /// The reporter's optional contact fields, each checked for its form (never echoed in an error).
    static func contact(_ field: (String) throws -> String?) throws -> ReporterContact {
        func optional(_ name: String, maxLength: Int) throws -> String? {
            guard let sent = try field(name) else { return nil }
            // The length /api declares is of what was sent, in code points (JSON Schema's count).
            guard sent.unicodeScalars.count <= maxLength else { throw APIError.invalidParameter(name, .invalidField) }
            let value = Substring(sent).trimmingSpaces
            guard !value.isEmpty else { return nil }
            guard !value.contains(where: \.isNewline) else { throw APIError.invalidParameter(name, .invalidField) }
            return String(value)
        }
        let email = try optional("email", maxLength: 254)
        if let email {
            let halves = email.split(separator: "@", omittingEmptySubsequences: false)
            guard halves.count == 2, !halves[0].isEmpty, halves[1].contains("."), !email.contains(" ") else {
                throw APIError.invalidParameter("email", .invalidField)
            }
        }
        let phone = try optional("phone", maxLength: 40)
        if let phone {
            guard phone.allSatisfy({ $0.isASCII && ($0.isNumber || " +-()".contains($0)) }), phone.filter(\.isNumber).count >= 5 else {
                throw APIError.invalidParameter("phone", .invalidField)
            }
        }
        return ReporterContact(name: try optional("name", maxLength: 200), email: email, phone: phone)
    }

    static func filing(json body: JSONBody) throws -> ReportFiling {
        try body.onlyKnown(["service_code", "lon", "lat", "description", "name", "email", "phone", "attributes"])
        var attributes: [(code: String, values: [String])] = []
        if let value = body.object["attributes"], !value.isNull {
            guard let object = value.objectValue else { throw APIError.invalidParameter("attributes", .invalidField) }
            for member in object.members {
                switch member.value {
                case .string(let text): attributes.append((member.key, [text]))
                case .number(let number): attributes.append((member.key, [SentenceNumber.english(number)]))
                case .array(let items):
                    let texts = items.compactMap(\.stringValue)
                    guard texts.count == items.count else { throw APIError.invalidParameter("attributes.\(member.key)", .invalidField) }
                    attributes.append((member.key, texts))
                default: throw APIError.invalidParameter("attributes.\(member.key)", .invalidField)
                }
            }
        }
        return try filing(
            field: { name in
                guard let value = body.object[name], !value.isNull else { return nil }
                switch value {
                case .string(let text): return text
                case .number(let number) where name == "lon" || name == "lat": return String(number)
                default: throw APIError.invalidParameter(name, .invalidField)
                }
            }, attributes: attributes, photos: [])
    }

    static func filing(form: MultipartForm) throws -> ReportFiling {
        let known: Set<String> = ["service_code", "lon", "lat", "description", "name", "email", "phone", "photo"]
        var attributes: [(code: String, values: [String])] = []
        var photos: [[UInt8]] = []
        var seen = Set<String>()
        for part in form.parts {
            if let code = Open311Form.attributeCode(part.name) {
                if let index = attributes.firstIndex(where: { $0.code == code }) {
                    attributes[index].values.append(part.text)
                } else {
                    attributes.append((code, [part.text]))
                }
                continue
            }
            guard known.contains(part.name) else { throw APIError.invalidParameter(part.name, .unknownField) }
            if part.name == "photo" {
                guard photos.count < ReportFiling.maxPhotos else { throw APIError(.report(.tooManyPhotos)) }
                photos.append(part.bytes)
                continue
            }
            guard seen.insert(part.name).inserted else { throw APIError.invalidParameter(part.name, .invalidField) }
            guard String(validating: part.bytes, as: UTF8.self) != nil else { throw APIError.invalidParameter(part.name, .invalidField) }
        }
        return try filing(field: { form.field($0) }, attributes: attributes, photos: photos)
    }

    // MARK: - reading and steps

    func step(_ step: ReportStep, id: Int, actor: String) async throws -> ProblemReport {
        do { return try await services.applyReportStep(step, toReport: id, actor: actor) } catch { throw APIError(error) }
    }

    func report(_ code: TrackingCode) async throws -> ProblemReport {
        do { return try await services.report(trackingCode: code) } catch { throw APIError(error) }
    }

    func reopen(_ code: TrackingCode, note: String?) async throws -> ProblemReport {
        do { return try await services.applyReportStep(.reopen(note: note), toReport: nil, trackingCode: code, actor: "public") } catch {
            throw APIError(error)
        }
    }

    static func number(_ context: ZaminRequestContext) throws -> Int {
        guard let number = Int(try context.parameters.require("report")), number > 0 else { throw APIError.notFound(.reportNotFound) }
        return number
    }

    func catalogue() async throws -> ServiceCatalogue {
        do { return try await services.serviceCatalogue() } catch { throw APIError(error) }
    }

    func answer(
        _ report: ProblemReport, view: ReportJSON.View, _ request: Request, _ context: ZaminRequestContext, language: Language
    ) async throws -> Response {
        var writer = JSONWriter()
        ReportJSON.write(
            report, view: view, catalogue: try await catalogue(), base: origin.base(for: request, context: context), language: language,
            to: &writer)
        return JSONResponse.make(writer.bytes, contentType: MediaType.json, language: language)
    }

    func queue(_ query: QueryReader, base: String, language: Language) async throws -> Response {
        let filter = ReportFilter(
            status: query.string("status").flatMap(ReportStatus.init(rawValue:)), service: query.string("service_code").map(ServiceCode.init),
            zone: query.zone(), bbox: query.bbox(), assignedTo: query.string("assigned_to"),
            from: query.string("from").flatMap(Self.utc), to: query.string("to").flatMap(Self.utc))
        let found: [ProblemReport]
        do { found = try await services.reports(filter, limit: query.int("limit") ?? 1000, history: true) } catch { throw APIError(error) }
        let catalogue = try await catalogue()
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("reports")
        writer.beginArray()
        for report in found { ReportJSON.write(report, view: .operator, catalogue: catalogue, base: base, language: language, to: &writer) }
        writer.endArray()
        writer.key("count"); writer.number(found.count)
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: MediaType.json, language: language)
    }

    /// An instant as stored (UTC, milliseconds), so that it compares with stored instants as text.
    static func utc(_ text: String) -> String? { RFC3339.milliseconds(text).map { RFC3339.string(milliseconds: $0) } }

    func photo(_ context: ZaminRequestContext) async throws -> Response {
        let name = try context.parameters.require("photo")
        let hash = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        let found: (mediaType: String, bytes: [UInt8])
        do { found = try await services.photo(hash: hash) } catch { throw APIError(error) }
        var headers = HTTPFields()
        headers[.contentType] = found.mediaType
        // Stored by content hash: a name always means the same bytes.
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.eTag] = "\"\(hash)\""
        headers[.accessControlAllowOrigin] = "*"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: found.bytes)))
    }

    func statistics(_ query: QueryReader, language: Language) async throws -> Response {
        let filter = ReportFilter(
            zone: query.zone(), bbox: query.bbox(), from: query.string("from").flatMap(Self.utc), to: query.string("to").flatMap(Self.utc))
        let statistics: ReportStatistics
        do { statistics = try await services.reportStatistics(filter) } catch { throw APIError(error) }
        let catalogue = try await catalogue()
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("total"); writer.number(statistics.total)
        writer.key("median_hours_to_close")
        if let median = statistics.overallMedianHoursToClose { writer.number((median * 100).rounded() / 100) } else { writer.null() }
        writer.key("services")
        writer.beginArray()
        for code in statistics.counts.keys.sorted() {
            writer.beginObject()
            writer.key("service_code"); writer.string(code.rawValue)
            writer.key("service_name"); writer.string(catalogue[code].map { language == .fa ? $0.name.fa : $0.name.en } ?? code.rawValue)
            writer.key("counts")
            writer.beginObject()
            for status in ReportStatus.allCases {
                writer.key(status.rawValue); writer.number(statistics.counts[code]?[status] ?? 0)
            }
            writer.endObject()
            writer.key("median_hours_to_close")
            if let median = statistics.medianHoursToClose[code] { writer.number((median * 100).rounded() / 100) } else { writer.null() }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: MediaType.json, language: language)
    }

    // MARK: - bodies as `/api` declares them

    static let filingProperties: JSONObject = [
        "service_code": RequestSchemas.string(maxLength: 40, "A service of the catalogue (GET /open311/v2/services.json)"),
        "lon": .object(["type": "number", "minimum": -180, "maximum": 180, "description": "Longitude (WGS 84)"]),
        "lat": .object(["type": "number", "minimum": -90, "maximum": 90, "description": "Latitude (WGS 84)"]),
        "description": RequestSchemas.string(maxLength: 4000, minLength: 0, "What is wrong (public)"),
        "name": RequestSchemas.string(maxLength: 200, "Your name (optional; operators only, never public)"),
        "email": .object(["type": "string", "format": "email", "maxLength": 254, "description": "Your e-mail (optional; operators only, never public)"]),
        "phone": phoneSchema,
    ]

    /// What `contact` takes as a phone number. (No `pattern`: schemathesis 4's coverage phase,
    /// asked for a string past maxLength, made one of exactly 40 characters from the pattern.)
    static let phoneSchema: JSONValue = .object([
        "type": "string", "maxLength": 40,
        "description": "A phone number: digits (at least five), spaces and + - ( ) (optional; operators only, never public)",
    ])

    static let filingBody: EndpointBody = {
        var json = filingProperties
        json["attributes"] = .object([
            "type": "object", "description": "Answers to the service's attributes: code → value (an array for a multivaluelist)",
        ])
        var form = filingProperties
        form["photo"] = .object([
            "type": "string", "format": "binary",
            "description": "A JPEG or PNG photo of at most 5 MB; up to 3 parts of this name. Location and camera metadata are removed",
        ])
        let required: JSONValue = .array(["service_code", "lon", "lat"])
        return EndpointBody(
            schema: ["type": "object", "additionalProperties": .bool(false), "required": required, "properties": .object(json)],
            // No example: which services exist, and what each asks, is the city's catalogue.
            example: nil,
            mediaTypes: [MediaType.json, MediaType.multipartForm], maxBytes: maxBodyBytes,
            schemasByMediaType: [
                MediaType.multipartForm: [
                    // OpenAPI 3.0 has no patternProperties: the attribute[code] fields are the other
                    // properties (a field of any other name is a 400 naming it).
                    "type": "object", "required": required, "properties": .object(form),
                    "additionalProperties": .object(["type": "string", "description": "attribute[code]: an answer to the service's attribute"]),
                    "description": "Also attribute[code] fields, one per answer (repeated for a multivaluelist)",
                ]
            ])
    }()

    static let noteBody = EndpointBody(
        schema: [
            "type": "object", "additionalProperties": .bool(false),
            "properties": .object(["note": .object(["type": "string", "maxLength": 2000, "nullable": .bool(true), "description": "Why (public)"])]),
        ], example: nil)

    static func statusBody(_ statuses: [String]) -> EndpointBody {
        EndpointBody(
            schema: [
                "type": "object", "additionalProperties": .bool(false), "required": .array(["status"]),
                "properties": .object([
                    "status": RequestSchemas.oneOf(statuses, "in_progress, closed, duplicate (with duplicate_of), or open again"),
                    "note": .object(["type": "string", "maxLength": 2000, "nullable": .bool(true), "description": "Public note"]),
                    "duplicate_of": .object(["type": "integer", "minimum": 1, "nullable": .bool(true), "description": "With duplicate"]),
                ]),
            ], example: nil)
    }

    static let assignmentBody = EndpointBody(
        schema: [
            "type": "object", "additionalProperties": .bool(false),
            "properties": .object([
                "assignee": .object(["type": "string", "maxLength": 200, "nullable": .bool(true), "description": "A person or team; null unassigns"])
            ]),
        ], example: nil)
}

/// One report as JSON, in one of three views: `public` (anyone: no tracking code, no contact),
/// `reporter` (its tracking code added: the reporter's own page) and `operator` (contact,
/// assignment and source added).
enum ReportJSON {
    enum View { case `public`, reporter, `operator` }

    /// Writes the report's members; leaves the object open when `closing` is false (the caller adds members).
    static func write(
        _ report: ProblemReport, view: View, catalogue: ServiceCatalogue, base: String, language: Language,
        to writer: inout JSONWriter, closing: Bool = true
    ) {
        writer.beginObject()
        writer.key("id"); writer.number(report.id)
        if view != .public { writer.key("tracking_code"); writer.string(report.trackingCode.rawValue) }
        writer.key("service_code"); writer.string(report.serviceCode.rawValue)
        writer.key("service_name")
        writer.string(catalogue[report.serviceCode].map { language == .fa ? $0.name.fa : $0.name.en } ?? report.serviceCode.rawValue)
        writer.key("status"); writer.string(report.status.rawValue)
        writer.key("lon"); writer.number(report.longitude, decimals: 7)
        writer.key("lat"); writer.number(report.latitude, decimals: 7)
        writer.key("address"); if let address = report.address { writer.string(address) } else { writer.null() }
        writer.key("parcel_id"); if let parcel = report.parcelID { writer.string(parcel.rawValue) } else { writer.null() }
        writer.key("zone_code"); if let zone = report.zoneCode { writer.string(zone.rawValue) } else { writer.null() }
        writer.key("description"); writer.string(report.description)
        writer.key("attributes")
        writer.beginObject()
        for attribute in report.attributes {
            writer.key(attribute.code)
            writer.beginArray()
            for value in attribute.values { writer.string(value) }
            writer.endArray()
        }
        writer.endObject()
        writer.key("photos")
        writer.beginArray()
        for photo in report.photos { writer.string(photoURL(photo, base: base)) }
        writer.endArray()
        writer.key("confirmations"); writer.number(report.confirmations)
        writer.key("duplicate_of"); if let other = report.duplicateOf { writer.number(other) } else { writer.null() }
        writer.key("submitted_at"); writer.string(report.submittedAt)
        writer.key("updated_at"); writer.string(report.updatedAt)
        writer.key("closed_at"); if let closed = report.closedAt { writer.string(closed) } else { writer.null() }
        if !report.history.isEmpty {
            writer.key("history")
            writer.beginArray()
            for entry in report.history {
                writer.beginObject()
                writer.key("at"); writer.string(entry.at)
                writer.key("status"); writer.string(entry.status.rawValue)
                writer.key("note"); if let note = entry.note { writer.string(note) } else { writer.null() }
                writer.endObject()
            }
            writer.endArray()
        }
        if view == .operator {
            writer.key("assigned_to"); if let name = report.assignedTo { writer.string(name) } else { writer.null() }
            writer.key("source"); writer.string(report.source)
            writer.key("reporter")
            writer.beginObject()
            writer.key("name"); if let name = report.contact.name { writer.string(name) } else { writer.null() }
            writer.key("email"); if let email = report.contact.email { writer.string(email) } else { writer.null() }
            writer.key("phone"); if let phone = report.contact.phone { writer.string(phone) } else { writer.null() }
            writer.endObject()
        }
        if closing { writer.endObject() }
    }

    static func photoURL(_ photo: StoredPhoto, base: String) -> String {
        base + "/photos/\(photo.hash).\(photo.mediaType == "image/png" ? "png" : "jpg")"
    }
}
