/// Problem reports (issue 20): what citizens tell the city is broken, and what the city did about it.

/// A service of the city's catalogue (`services.json`), Open311 GeoReport v2's `service_code`.
package struct ServiceCode: Hashable, Comparable, Sendable, CustomStringConvertible {
    package let rawValue: String
    package init(_ rawValue: String) { self.rawValue = rawValue }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8) }
    package var description: String { rawValue }
}

/// A text in both languages of the city.
package struct BilingualText: Sendable, Equatable {
    package var fa: String
    package var en: String
    package init(fa: String, en: String) {
        self.fa = fa
        self.en = en
    }
}

/// One service citizens may report, as the catalogue declares it (Open311 GeoReport v2
/// "GET Service List" and "GET Service Definition").
package struct ReportService: Sendable, Equatable {
    package var code: ServiceCode
    package var group: BilingualText
    package var name: BilingualText
    package var description: BilingualText
    package var keywords: (fa: [String], en: [String])
    /// Open311's `type`: realtime, batch or blackbox.
    package var type: String
    /// Whether a report of this service is about a plot (illegal construction): it then names the parcel at its point.
    package var isParcelRelated: Bool
    package var attributes: [ServiceAttribute]

    package init(
        code: ServiceCode, group: BilingualText, name: BilingualText, description: BilingualText,
        keywords: (fa: [String], en: [String]), type: String, isParcelRelated: Bool, attributes: [ServiceAttribute]
    ) {
        self.code = code
        self.group = group
        self.name = name
        self.description = description
        self.keywords = keywords
        self.type = type
        self.isParcelRelated = isParcelRelated
        self.attributes = attributes
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.group == rhs.group && lhs.name == rhs.name && lhs.description == rhs.description
            && lhs.keywords.fa == rhs.keywords.fa && lhs.keywords.en == rhs.keywords.en && lhs.type == rhs.type
            && lhs.isParcelRelated == rhs.isParcelRelated && lhs.attributes == rhs.attributes
    }
}

/// An extra question a service asks ("how many lamps are out"), Open311's service definition attribute.
package struct ServiceAttribute: Sendable, Equatable {
    package enum Datatype: String, Sendable, CaseIterable {
        case string, number, datetime, text, singlevaluelist, multivaluelist
    }

    package var code: String
    package var datatype: Datatype
    package var isRequired: Bool
    package var order: Int
    package var description: BilingualText
    package var datatypeDescription: BilingualText?
    /// The allowed answers of a value list: key and name.
    package var values: [(key: String, name: BilingualText)]

    package init(
        code: String, datatype: Datatype, isRequired: Bool, order: Int, description: BilingualText,
        datatypeDescription: BilingualText?, values: [(key: String, name: BilingualText)]
    ) {
        self.code = code
        self.datatype = datatype
        self.isRequired = isRequired
        self.order = order
        self.description = description
        self.datatypeDescription = datatypeDescription
        self.values = values
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.datatype == rhs.datatype && lhs.isRequired == rhs.isRequired && lhs.order == rhs.order
            && lhs.description == rhs.description && lhs.datatypeDescription == rhs.datatypeDescription
            && lhs.values.map(\.key) == rhs.values.map(\.key) && lhs.values.map(\.name) == rhs.values.map(\.name)
    }
}

/// Where a report is in the city's hands. Open311 knows only open and closed (`open311Status`).
package enum ReportStatus: String, Sendable, CaseIterable {
    case open, inProgress = "in_progress", closed, duplicate

    package var isOpen: Bool { self == .open || self == .inProgress }
    package var open311Status: String { isOpen ? "open" : "closed" }

    /// The steps an operator may take from here (issue 20 point 6): open → in_progress → closed,
    /// either open status → duplicate of another report; a closed report is reopened by its
    /// reporter (`reopen`), not by this.
    package func mayMove(to next: ReportStatus) -> Bool {
        switch (self, next) {
        case (.open, .inProgress), (.open, .closed), (.inProgress, .closed), (.open, .duplicate), (.inProgress, .duplicate),
            (.inProgress, .open):
            true
        default: false
        }
    }
}

/// Who filed a report, when they chose to say: personal data, shown to operators only, never
/// logged. `description` is redacted so that string interpolation cannot leak it into a log line.
package struct ReporterContact: Sendable, Equatable, CustomStringConvertible {
    package var name: String?
    package var email: String?
    package var phone: String?

    package init(name: String?, email: String?, phone: String?) {
        self.name = name
        self.email = email
        self.phone = phone
    }

    package var isEmpty: Bool { name == nil && email == nil && phone == nil }
    package var description: String { "ReporterContact(redacted)" }
}

/// A photo as kept: by the SHA-256 of its cleaned bytes (hex), with its type.
package struct StoredPhoto: Sendable, Equatable {
    package var hash: String
    package var mediaType: String
    package init(hash: String, mediaType: String) {
        self.hash = hash
        self.mediaType = mediaType
    }
}

/// What a report says, as filed: the service, the place, the answers and who may be contacted.
/// Kept whole by `NewProblemReport` and `ProblemReport`, so the two cannot drift apart.
package struct ReportContent: Sendable {
    package var serviceCode: ServiceCode
    package var longitude: Double
    package var latitude: Double
    /// The address the reporter gave (Open311 `address_string`) or that of the parcel they named.
    package var address: String?
    package var parcelID: ParcelID?
    package var zoneCode: ZoneCode?
    package var description: String
    /// Answers to the service's attributes, code → values (one, or several for a multivaluelist).
    package var attributes: [(code: String, values: [String])]
    package var contact: ReporterContact
    /// `web` (POST /reports) or `open311:<key name>` (a third-party app).
    package var source: String
    /// A photo a third-party app keeps itself (Open311 `media_url`): linked, never fetched.
    package var mediaURL: String?

    package init(
        serviceCode: ServiceCode, longitude: Double, latitude: Double, address: String?, parcelID: ParcelID?, zoneCode: ZoneCode?,
        description: String, attributes: [(code: String, values: [String])], contact: ReporterContact, source: String,
        mediaURL: String? = nil
    ) {
        self.serviceCode = serviceCode
        self.longitude = longitude
        self.latitude = latitude
        self.address = address
        self.parcelID = parcelID
        self.zoneCode = zoneCode
        self.description = description
        self.attributes = attributes
        self.contact = contact
        self.source = source
        self.mediaURL = mediaURL
    }
}

/// A report as the service checked it, ready to store, with its photos' cleaned bytes.
@dynamicMemberLookup
package struct NewProblemReport: Sendable {
    package var trackingCode: TrackingCode
    package var content: ReportContent
    package var photos: [(photo: StoredPhoto, bytes: [UInt8])]

    package init(trackingCode: TrackingCode, content: ReportContent, photos: [(photo: StoredPhoto, bytes: [UInt8])]) {
        self.trackingCode = trackingCode
        self.content = content
        self.photos = photos
    }

    package subscript<Value>(dynamicMember keyPath: KeyPath<ReportContent, Value>) -> Value { content[keyPath: keyPath] }
}

/// One step of a report's public history: when, to which status, with the city's note. Never who.
package struct ReportStatusEntry: Sendable, Equatable {
    package var at: String
    package var status: ReportStatus
    package var note: String?
    package init(at: String, status: ReportStatus, note: String?) {
        self.at = at
        self.status = status
        self.note = note
    }
}

/// A stored report: its content as filed and what the city did since.
@dynamicMemberLookup
package struct ProblemReport: Sendable {
    package var id: Int
    package var trackingCode: TrackingCode
    package var content: ReportContent
    package var photos: [StoredPhoto]
    package var status: ReportStatus
    package var submittedAt: String
    package var updatedAt: String
    package var closedAt: String?
    package var duplicateOf: Int?
    /// Citizens who said "me too" (`POST /reports/{id}/confirm`).
    package var confirmations: Int
    package var assignedTo: String?
    /// The public history, oldest first (filled when asked for).
    package var history: [ReportStatusEntry]

    package init(
        id: Int, trackingCode: TrackingCode, content: ReportContent, photos: [StoredPhoto], status: ReportStatus,
        submittedAt: String, updatedAt: String, closedAt: String?, duplicateOf: Int?, confirmations: Int, assignedTo: String?,
        history: [ReportStatusEntry] = []
    ) {
        self.id = id
        self.trackingCode = trackingCode
        self.content = content
        self.photos = photos
        self.status = status
        self.submittedAt = submittedAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
        self.duplicateOf = duplicateOf
        self.confirmations = confirmations
        self.assignedTo = assignedTo
        self.history = history
    }

    package subscript<Value>(dynamicMember keyPath: KeyPath<ReportContent, Value>) -> Value { content[keyPath: keyPath] }
}

/// What an operator (or the reporter) does to a report.
package enum ReportStep: Sendable {
    case move(to: ReportStatus, note: String?)
    case markDuplicate(of: Int, note: String?)
    case assign(to: String?)
    /// The reporter reopens a closed report within `ReportStep.reopenWindowDays` of its closing.
    case reopen(note: String?)
    /// A citizen adds themselves to an open report instead of filing a new one.
    case confirm

    package static let reopenWindowDays = 30
}
