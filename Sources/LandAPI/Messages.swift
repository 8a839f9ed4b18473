import LandModel
import LandService

/// Every user-facing text of the API has a key here; each language's words are one exhaustive
/// switch (Strings+fa.swift, Strings+en.swift), so a missing translation does not compile.
/// Services return typed reasons; only this module turns them into sentences.
enum Message: Sendable {
    case noSuchPath
    case methodNotAllowed
    case bodyTooLarge
    case badRequest
    case internalError
    /// The database is unreachable (503 with Retry-After).
    case storeUnavailable
    case invalidDataset
    // OGC API – Features (OGC 17-069r4 §7.5.1, OGC 18-058r1 §7.2)
    case invalidBoundingBox
    case invalidLimit
    case invalidOffset
    case invalidDatetime
    case invalidFormat
    case invalidFilterValue
    /// A CQL2 `filter` that cannot be answered (OGC 19-079r2 Part 3), with the place and the reason.
    case filter(FilterError)
    case unknownCollection
    case unknownFeature
    /// A tile outside WebMercatorQuad's zooms 0–20 or its rows and columns.
    case noSuchTile
    case unknownCRS
    case outsideCRSDomain
    case ogcServiceTitle
    case ogcServiceDescription
    case ogcConformanceTitle
    case ogcCollectionsTitle
    case ogcParcelsTitle
    case ogcZonesTitle
    case ogcFacilitiesTitle

    // Query parameters
    case unknownParameter(String)
    case notOneOf(String, [String])
    case tooLong(String, Int)
    case wholeNumberAtLeast(String, Int)
    /// Said in both languages: the client asked for one we do not have.
    case unsupportedLanguage
    case unsupportedMediaType
    case repeatedParameter(String)
    case missingParameter(String)
    case notANumber(String)
    case notAWholeNumber(String)
    case outOfRange(String, lower: Double, upper: Double)
    case mustBePositive(String)
    case invalidBBox(String)
    case parcelOrPoint
    case emptyQuery
    case categoryWithParcelFilter

    // Vocabulary and ids
    case unknownParcel(String)
    case unknownUse(String, valid: [String])
    case unknownCategory(String, valid: [String])
    case unknownZone(String, valid: [String])
    case parcelHasNoZone(String)

    // Answers
    case landUse(LandUse)
    case conformity(Conformity, use: LandUse, zone: String)
    case zoningSummary(allowed: Bool, needsApproval: Bool)
    case zoningCheck(ZoningCheckItem)
    // Change requests, keys, planners (issue 7).
    case missingKey
    case invalidKey
    case roleNotAllowed
    case tooManyRequests
    case bodyNotJSONObject
    case missingField
    case invalidField
    case unknownField
    case invalidNationalID
    case invalidPhone
    case floorsRequired
    case zoneCodeOnlyForLandUseChange
    case noZoningRules
    case requestNotFound
    case requestStatusConflict
    case keyNameTaken
    case keyNotFound
    case invalidInstant
    case invalidStatus
    // Zone edits.
    case unknownZoneID
    case zoneCodeUnchanged
    // Feature edits (OGC API – Features Part 4).
    case featureRule(FeatureRule)
    case featureExists(String)
    case parcelHasOpenRequest(String, Int)
    case preconditionRequired
    case preconditionFailed
    case parcelOverlaps([(id: String, squareMeters: Double)])
    /// Subdivisions and mergers: every problem found, children numbered from 1 for people.
    case cadastral([CadastralProblem])
    /// Child `index` (from 0) of a subdivision breaks a rule of the importer.
    case childRule(index: Int, FeatureRule)
    case unsupportedPatchType
    case invalidIfMatch
    // Problem reports (issue 20).
    case reportProblem(ReportProblem)
    case reportNotFound
    case reportStatusConflict
    case tenderProblem(TenderProblem)
    case photoNotFound
    case photoTooLarge
    case notMultipart
    case open311DateRange
    case open311LocationRequired

    func text(in language: Language) -> String {
        switch language {
        case .fa: return persian
        case .en: return english
        }
    }
}

/// Numbers inside sentences: whole numbers without a fraction, else up to two decimals;
/// Persian text gets Persian digits (JSON numbers stay ASCII).
enum SentenceNumber {
    static func english(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let hundredths = (value * 100).rounded() / 100
        var text = String(hundredths)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func persian(_ value: Double) -> String { persianDigits(english(value)) }

    static func persianDigits(_ text: String) -> String {
        String(text.map { character -> Character in
            guard let digit = character.wholeNumberValue, character.isASCII else { return character == "." ? "٫" : character }
            return Character(UnicodeScalar(0x06F0 + digit)!)
        })
    }
}

extension Message {
    /// An unknown `lang` is answered in both languages: the client has not said which it reads.
    static let unsupportedLanguageInBoth =
        "زبان پشتیبانی نمی‌شود: lang باید fa یا en باشد. — Unsupported language: lang must be fa or en."
}
