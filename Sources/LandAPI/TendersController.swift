import Hummingbird
import GeoFormats
import LandModel
import LandService

/// Tenders and auctions with sealed bids (issue 21 point 3; the scheme and its limits: README,
/// "Security").
///
/// - `POST /tenders` (admin): publishes a tender; the answer carries the committee's shares,
///   once — they are stored nowhere.
/// - `GET /tenders?status=`, `GET /tenders/{tender}` (public): the notices and, once opened, the
///   result: winning amount, number of bids, losing amounts, no one's identity.
/// - `POST /tenders/{tender}/bids` (public, rate-limited): national id, mobile number and amount;
///   the amount is sealed to the tender's key before it is stored. Refused from the opening
///   time on, by the server's clock.
/// - `GET /tenders/{tender}/bids/{bid}` and `POST …/{bid}/withdrawal` by tracking code.
/// - `POST /tenders/{tender}/opening` (planner, admin): k committee shares; refused before the
///   opening time; the result is computed once.
struct TendersController: Sendable {
    let services: LandServices
    let limiter: RateLimiter
    let origin: PublicOrigin

    static let tenderParameter = EndpointParameter.path("tender", "The tender's id (T-0001, …)")

    var endpoints: [Endpoint] {
        [
            Endpoint(
                method: .post, path: "/tenders", summary: "Publish a tender or auction (administrators)", tag: "tenders",
                access: .role(.admin), parameters: [.lang], body: Self.noticeBody,
                responses: [
                    EndpointResponse(
                        status: 201, description: "Published; the committee's shares are in this answer only", mediaTypes: [MediaType.json],
                        headers: ["Location": "The tender's page"]),
                    .error(422, "A parcel or facility that does not exist, or an opening time not in the future"),
                ],
                handler: { request, context, input in try await publish(request, context, holder: input.keyHolder!, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "/tenders", summary: "Tenders and auctions: open ones take bids", tag: "tenders",
                parameters: [
                    .query("status", .oneOf(["open", "awaiting_opening", "opened"]), "Only tenders in this state"), .lang,
                ],
                responses: [.ok(MediaType.json)],
                handler: { request, _, input in try await list(input.query, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "/tenders/{tender}", summary: "A tender's notice and, once opened, its result", tag: "tenders",
                parameters: [Self.tenderParameter, .lang], responses: [.ok(MediaType.json), .error(404, "No tender with that id")],
                handler: { request, context, input in
                    let tender = try await tender(context)
                    var writer = JSONWriter()
                    Self.write(tender, language: input.query.language(of: request), to: &writer)
                    return JSONResponse.make(writer.bytes, contentType: MediaType.json, language: input.query.language(of: request))
                }),
            Endpoint(
                method: .post, path: "/tenders/{tender}/bids", summary: "Submit a sealed bid before the opening time", tag: "tenders",
                parameters: [Self.tenderParameter, .lang], body: Self.bidBody,
                responses: [
                    EndpointResponse(status: 201, description: "Sealed and stored: the tracking code", mediaTypes: [MediaType.json]),
                    .error(404, "No tender with that id"), .error(409, "The opening time has come"),
                    .error(422, "The amount is outside the tender's range"),
                    .error(429, "Too many requests from this address (Retry-After says when to try again)"),
                ],
                handler: { request, context, input in try await bid(request, context, language: input.query.language(of: request)) }),
            Endpoint(
                method: .get, path: "/tenders/{tender}/bids/{bid}", summary: "A bid's state by its tracking code (never its amount)",
                tag: "tenders", parameters: [Self.tenderParameter, .path("bid", "The bid's tracking code"), .lang],
                responses: [.ok(MediaType.json), .error(404, "No such bid")],
                handler: { request, context, input in
                    let (tender, bid) = try await bid(context)
                    var writer = JSONWriter()
                    Self.write(bid, of: tender, to: &writer)
                    return JSONResponse.make(writer.bytes, contentType: MediaType.json, language: input.query.language(of: request))
                }),
            Endpoint(
                method: .post, path: "/tenders/{tender}/bids/{bid}/withdrawal", summary: "Withdraw a bid before the opening time",
                tag: "tenders", parameters: [Self.tenderParameter, .path("bid", "The bid's tracking code"), .lang], body: Self.withdrawalBody,
                responses: [
                    .ok(MediaType.json), .error(404, "No bid with that tracking code and national id"),
                    .error(409, "Withdrawn already, or the opening time has come"),
                ],
                handler: { request, context, input in try await withdraw(request, context, language: input.query.language(of: request)) }),
            Endpoint(
                method: .post, path: "/tenders/{tender}/opening", summary: "Open the bids with the committee's shares (planners, admins)",
                tag: "tenders", access: .role(.planner), parameters: [Self.tenderParameter, .lang], body: Self.openingBody,
                responses: [
                    .ok(MediaType.json), .error(404, "No tender with that id"),
                    .error(409, "Before the opening time, or opened already"),
                    .error(422, "Fewer shares than the committee's threshold, or shares that do not rebuild the key"),
                ],
                handler: { request, context, input in try await open(request, context, holder: input.keyHolder!, language: input.query.language(of: request)) }),
        ]
    }

    // MARK: - bodies

    static let amountDescription = "Rials, as a string of digits (ASCII, Persian or Arabic-Indic): JSON numbers lose digits past 2^53"

    static let noticeBody: EndpointBody = {
        let bilingual: JSONValue = .object([
            "type": "object", "additionalProperties": .bool(false), "required": .array(["fa", "en"]),
            "properties": .object(["fa": RequestSchemas.string(maxLength: 2000, "Persian"), "en": RequestSchemas.string(maxLength: 2000, "English")]),
        ])
        let ids: JSONValue = .object(["type": "array", "maxItems": 100, "items": RequestSchemas.string(maxLength: 200, "An id")])
        let properties: JSONObject = [
            "title": bilingual, "description": bilingual,
            "kind": RequestSchemas.oneOf(TenderKind.allCases.map(\.rawValue), "auction (highest bid wins) or procurement (lowest wins)"),
            "parcels": ids, "facilities": ids,
            "reserve_price": RequestSchemas.string(maxLength: 40, "The auction's minimum or the procurement's maximum. " + amountDescription),
            "deposit": RequestSchemas.string(maxLength: 40, "The deposit a bidder pays. " + amountDescription),
            "opens_at": .object(["type": "string", "format": "date-time", "description": "RFC 3339, in the future: bids close and may be opened"]),
            "committee": .object([
                "type": "object", "additionalProperties": .bool(false), "required": .array(["threshold", "members"]),
                "properties": .object([
                    "threshold": .object(["type": "integer", "minimum": 2, "maximum": 255, "description": "Shares needed to open"]),
                    "members": .object(["type": "integer", "minimum": 2, "maximum": 255, "description": "Shares made (one per member)"]),
                ]),
            ]),
        ]
        return EndpointBody(
            schema: [
                "type": "object", "additionalProperties": .bool(false), "properties": .object(properties),
                "required": .array(["title", "description", "kind", "reserve_price", "deposit", "opens_at", "committee"]),
            ], example: nil)
    }()

    static let bidBody = EndpointBody(
        schema: [
            "type": "object", "additionalProperties": .bool(false), "required": .array(["national_id", "phone", "amount"]),
            "properties": .object([
                "national_id": RequestSchemas.string(maxLength: 40, "Iranian national id: ten digits with a valid check digit"),
                "phone": RequestSchemas.string(maxLength: 40, "Iranian mobile number: 09…, +989… or 00989…"),
                "amount": RequestSchemas.string(maxLength: 40, amountDescription),
            ]),
        ], example: nil)

    static let withdrawalBody = EndpointBody(
        schema: [
            "type": "object", "additionalProperties": .bool(false), "required": .array(["national_id"]),
            "properties": .object(["national_id": RequestSchemas.string(maxLength: 40, "The bidder's national id")]),
        ], example: nil)

    static let openingBody = EndpointBody(
        schema: [
            "type": "object", "additionalProperties": .bool(false), "required": .array(["shares"]),
            "properties": .object([
                "shares": .object([
                    "type": "array", "minItems": 1, "maxItems": 255,
                    "items": RequestSchemas.string(maxLength: 400, "A committee member's share, as handed out at publication"),
                ])
            ]),
        ], example: nil)

    /// Digits (ASCII, Persian, Arabic-Indic) into rials; nil for anything else or past the largest amount.
    static func rials(_ text: String) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        for scalar in text.unicodeScalars {
            let digit: UInt32
            switch scalar.value {
            case 0x30...0x39: digit = scalar.value - 0x30
            case 0x06F0...0x06F9: digit = scalar.value - 0x06F0
            case 0x0660...0x0669: digit = scalar.value - 0x0660
            default: return nil
            }
            digits += 1
            guard digits <= 19 else { return nil }
            value = value * 10 + UInt64(digit)
        }
        guard digits > 0, value <= LandServices.largestAmount else { return nil }
        return value
    }

    // MARK: - handlers

    private func publish(_ request: Request, _ context: ZaminRequestContext, holder: APIKeys.Holder, language: Language) async throws -> Response {
        let body = try await JSONBody.read(request)
        try body.onlyKnown(["title", "description", "kind", "parcels", "facilities", "reserve_price", "deposit", "opens_at", "committee"])
        func bilingual(_ key: String) throws -> BilingualText {
            let inner = try body.requiredObject(key)
            try inner.onlyKnown(["fa", "en"])
            return BilingualText(fa: try inner.requiredString("fa", maxLength: 2000), en: try inner.requiredString("en", maxLength: 2000))
        }
        let title = try bilingual("title")
        let details = try bilingual("description")
        guard let kind = TenderKind(rawValue: try body.requiredString("kind")) else { throw APIError.invalidParameter("kind", .invalidField) }
        guard let reserve = Self.rials(try body.requiredString("reserve_price", maxLength: 40)) else {
            throw APIError.invalidParameter("reserve_price", .invalidField)
        }
        guard let deposit = Self.rials(try body.requiredString("deposit", maxLength: 40)) else {
            throw APIError.invalidParameter("deposit", .invalidField)
        }
        // RFC 3339 at the edge, kept as the stores keep instants (UTC, milliseconds) so that
        // the opening time compares with the clock as text.
        guard let opensAtText = try body.string("opens_at", maxLength: 40), let millis = RFC3339.milliseconds(opensAtText) else {
            throw APIError.invalidParameter("opens_at", .invalidField)
        }
        let opensAt = RFC3339.string(milliseconds: millis)
        let snapshot = services.snapshots.snapshot
        func ids(_ key: String) throws -> [String] {
            guard let value = body.object[key], !value.isNull else { return [] }
            guard let items = value.arrayValue, items.count <= 100 else { throw APIError.invalidParameter(key, .invalidField) }
            return try items.enumerated().map { index, item in
                guard let text = item.stringValue, !text.isEmpty, text.unicodeScalars.count <= 200 else {
                    throw APIError.invalidParameter("\(key)[\(index)]", .invalidField)
                }
                return text
            }
        }
        let parcels = try ids("parcels").map(ParcelID.init)
        for (index, parcel) in parcels.enumerated() where snapshot.parcelPosition[parcel] == nil {
            throw APIError(status: .unprocessableContent, code: "InvalidParameterValue", message: .unknownParcel(parcel.rawValue), parameter: "parcels[\(index)]")
        }
        let facilities = try ids("facilities").map(FacilityID.init)
        for (index, facility) in facilities.enumerated() where snapshot.facilityPosition[facility] == nil {
            throw APIError(status: .unprocessableContent, code: "InvalidParameterValue", message: .unknownFeature, parameter: "facilities[\(index)]")
        }
        let committee = try body.requiredObject("committee")
        try committee.onlyKnown(["threshold", "members"])
        guard let threshold = try committee.integer("threshold", in: 2...255), let members = try committee.integer("members", in: 2...255),
            threshold <= members
        else { throw APIError.invalidParameter("committee", .invalidField) }
        guard let now = RFC3339.milliseconds(LandServices.now), millis > now else {
            throw APIError(status: .unprocessableContent, code: "InvalidParameterValue", message: .invalidField, parameter: "opens_at")
        }
        let notice = TenderNotice(
            title: title, details: details, kind: kind, parcels: parcels, facilities: facilities, reservePrice: reserve, deposit: deposit,
            opensAt: opensAt)
        let published: (tender: Tender, shares: [String])
        do {
            published = try await services.publishTender(notice, committee: TenderCommittee(threshold: threshold, members: members), actor: holder.name)
        } catch { throw APIError(error) }
        var writer = JSONWriter()
        Self.write(published.tender, language: language, to: &writer, closing: false)
        // Shown once: each member gets one and keeps it; the server keeps none.
        writer.key("shares")
        writer.beginArray()
        for share in published.shares { writer.string(share) }
        writer.endArray()
        writer.endObject()
        var response = JSONResponse.make(writer.bytes, status: .created, contentType: MediaType.json, language: language)
        response.headers[.location] = origin.base(for: request, context: context) + "/tenders/\(published.tender.id.rawValue)"
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func list(_ query: QueryReader, language: Language) async throws -> Response {
        let all: [Tender]
        do { all = try await services.tenders(openOnly: false) } catch { throw APIError(error) }
        let now = LandServices.now
        let wanted = query.string("status")
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("tenders")
        writer.beginArray()
        for tender in all where wanted == nil || Self.state(of: tender, at: now) == wanted {
            Self.write(tender, language: language, to: &writer)
        }
        writer.endArray()
        writer.endObject()
        return JSONResponse.make(writer.bytes, contentType: MediaType.json, language: language)
    }

    private func tender(_ context: ZaminRequestContext) async throws -> Tender {
        let id = TenderID(try context.parameters.require("tender"))
        do { return try await services.tender(id) } catch { throw APIError(error) }
    }

    private func bid(_ request: Request, _ context: ZaminRequestContext, language: Language) async throws -> Response {
        try limiter.admit(origin.clientAddress(for: request, context: context))
        let tender = try await tender(context)
        let body = try await JSONBody.read(request)
        try body.onlyKnown(["national_id", "phone", "amount"])
        guard let nationalID = NationalID(try body.requiredString("national_id", maxLength: 40)) else {
            throw APIError.invalidParameter("national_id", .invalidNationalID)
        }
        guard let phone = MobileNumber(try body.requiredString("phone", maxLength: 40)) else {
            throw APIError.invalidParameter("phone", .invalidPhone)
        }
        guard let amount = Self.rials(try body.requiredString("amount", maxLength: 40)) else {
            throw APIError.invalidParameter("amount", .invalidField)
        }
        let bid: SealedTenderBid
        do {
            bid = try await services.submitBid(to: tender.id, bidder: Bidder(nationalID: nationalID, phone: phone), amount: amount, actor: "public")
        } catch { throw APIError(error) }
        var writer = JSONWriter()
        Self.write(bid, of: tender, to: &writer)
        var response = JSONResponse.make(writer.bytes, status: .created, contentType: MediaType.json, language: language)
        response.headers[.location] = origin.base(for: request, context: context) + "/tenders/\(tender.id.rawValue)/bids/\(bid.trackingCode.rawValue)"
        return response
    }

    private func bid(_ context: ZaminRequestContext) async throws -> (Tender, SealedTenderBid) {
        let tender = try await tender(context)
        let code = TrackingCode(try context.parameters.require("bid"))
        let bid: SealedTenderBid
        do { bid = try await services.bid(trackingCode: code) } catch { throw APIError(error) }
        guard bid.tender == tender.id else { throw APIError(ServiceError.tender(.bidNotFound)) }
        return (tender, bid)
    }

    private func withdraw(_ request: Request, _ context: ZaminRequestContext, language: Language) async throws -> Response {
        try limiter.admit(origin.clientAddress(for: request, context: context))
        let (tender, found) = try await bid(context)
        let body = try await JSONBody.read(request)
        try body.onlyKnown(["national_id"])
        guard let nationalID = NationalID(try body.requiredString("national_id", maxLength: 40)) else {
            throw APIError.invalidParameter("national_id", .invalidNationalID)
        }
        let withdrawn: SealedTenderBid
        do { withdrawn = try await services.withdrawBid(trackingCode: found.trackingCode, nationalID: nationalID, actor: "public") } catch {
            throw APIError(error)
        }
        var writer = JSONWriter()
        Self.write(withdrawn, of: tender, to: &writer)
        return JSONResponse.make(writer.bytes, contentType: MediaType.json, language: language)
    }

    private func open(_ request: Request, _ context: ZaminRequestContext, holder: APIKeys.Holder, language: Language) async throws -> Response {
        let id = TenderID(try context.parameters.require("tender"))
        let body = try await JSONBody.read(request)
        try body.onlyKnown(["shares"])
        guard let items = body.object["shares"]?.arrayValue, !items.isEmpty, items.count <= 255 else {
            throw APIError.invalidParameter("shares", .missingField)
        }
        let shares = try items.enumerated().map { index, item in
            guard let text = item.stringValue, text.unicodeScalars.count <= 400 else { throw APIError.invalidParameter("shares[\(index)]", .invalidField) }
            return text
        }
        let opened: Tender
        do { opened = try await services.openTender(id, shareTexts: shares, actor: holder.name) } catch { throw APIError(error) }
        var writer = JSONWriter()
        Self.write(opened, language: language, to: &writer)
        return JSONResponse.make(writer.bytes, contentType: MediaType.json, language: language)
    }

    // MARK: - JSON

    /// open: bids taken; awaiting_opening: the time has come, the committee has not opened; opened.
    static func state(of tender: Tender, at now: String) -> String {
        tender.result != nil ? "opened" : tender.takesBids(at: now) ? "open" : "awaiting_opening"
    }

    static func write(_ tender: Tender, language: Language, to writer: inout JSONWriter, closing: Bool = true) {
        let notice = tender.notice
        writer.beginObject()
        writer.key("id"); writer.string(tender.id.rawValue)
        writer.key("title"); writer.string(language == .fa ? notice.title.fa : notice.title.en)
        writer.key("title_fa"); writer.string(notice.title.fa)
        writer.key("title_en"); writer.string(notice.title.en)
        writer.key("description_fa"); writer.string(notice.details.fa)
        writer.key("description_en"); writer.string(notice.details.en)
        writer.key("kind"); writer.string(notice.kind.rawValue)
        writer.key("state"); writer.string(state(of: tender, at: LandServices.now))
        writer.key("parcels")
        writer.beginArray()
        for parcel in notice.parcels { writer.string(parcel.rawValue) }
        writer.endArray()
        writer.key("facilities")
        writer.beginArray()
        for facility in notice.facilities { writer.string(facility.rawValue) }
        writer.endArray()
        writer.key("reserve_price"); writer.string(String(notice.reservePrice))
        writer.key("deposit"); writer.string(String(notice.deposit))
        writer.key("opens_at"); writer.string(notice.opensAt)
        writer.key("published_at"); writer.string(tender.publishedAt)
        writer.key("committee")
        writer.beginObject()
        writer.key("threshold"); writer.number(tender.committee.threshold)
        writer.key("members"); writer.number(tender.committee.members)
        writer.endObject()
        writer.key("result")
        if let result = tender.result {
            // Published: the winning amount, how many bids, the others' amounts; no one's identity.
            writer.beginObject()
            writer.key("opened_at"); writer.string(result.openedAt)
            writer.key("bids"); writer.number(result.bids)
            writer.key("winning_amount"); if let amount = result.winningAmount { writer.string(String(amount)) } else { writer.null() }
            writer.key("losing_amounts")
            writer.beginArray()
            for amount in result.losingAmounts { writer.string(String(amount)) }
            writer.endArray()
            writer.endObject()
        } else {
            writer.null()
        }
        if closing { writer.endObject() }
    }

    /// A bid as its bidder sees it by tracking code: never the amount (the server cannot read it
    /// before the opening), nor who bid.
    static func write(_ bid: SealedTenderBid, of tender: Tender, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("tracking_code"); writer.string(bid.trackingCode.rawValue)
        writer.key("tender"); writer.string(tender.id.rawValue)
        writer.key("submitted_at"); writer.string(bid.submittedAt)
        writer.key("withdrawn_at"); if let at = bid.withdrawnAt { writer.string(at) } else { writer.null() }
        writer.key("state"); writer.string(bid.withdrawnAt != nil ? "withdrawn" : tender.result != nil ? "opened" : "sealed")
        writer.key("won")
        if let result = tender.result, bid.withdrawnAt == nil { writer.bool(result.winningBid == bid.id) } else { writer.null() }
        writer.endObject()
    }
}
