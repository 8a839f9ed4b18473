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
    // OGC API – Features (OGC 17-069r4 §7.5.1, OGC 18-058r1 §7.2)
    case invalidBoundingBox
    case invalidLimit
    case invalidOffset
    case invalidDatetime
    case invalidFormat
    case invalidFilterValue
    case unknownQueryParameter
    case unknownCollection
    case unknownFeature
    case unknownCRS
    case outsideCRSDomain
    case ogcServiceTitle
    case ogcServiceDescription
    case ogcConformanceTitle
    case ogcCollectionsTitle
    case ogcParcelsTitle
    case ogcZonesTitle
    case ogcFacilitiesTitle

    func text(in language: Language) -> String {
        switch language {
        case .fa: return persian
        case .en: return english
        }
    }
}
