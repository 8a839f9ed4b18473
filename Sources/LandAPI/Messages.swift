/// Every user-facing text of the API has a key here; each language's words are one exhaustive
/// switch (Strings+fa.swift, Strings+en.swift), so a missing translation does not compile.
/// Services return typed reasons; only this module turns them into sentences.
enum Message: Sendable, Equatable {
    case noSuchPath
    case methodNotAllowed
    case bodyTooLarge
    case badRequest
    case internalError
    case invalidDataset
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
    case unknownParcel
    case unknownLandUse
    case unknownZoneCode
    case noZoningRules
    case requestNotFound
    case requestStatusConflict
    case keyNameTaken
    case keyNotFound
    case invalidBBox
    case invalidDatetime
    case unknownParameter
    case invalidStatus
    case invalidLimit

    func text(in language: Language) -> String {
        switch language {
        case .fa: return persian
        case .en: return english
        }
    }
}
