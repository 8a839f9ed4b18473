extension Message {
    var english: String {
        switch self {
        case .noSuchPath: return "There is no resource at this path."
        case .methodNotAllowed: return "This method is not allowed on this resource."
        case .bodyTooLarge: return "The request body is too large."
        case .badRequest: return "The request is not valid."
        case .internalError: return "The server could not answer this request. Please try again later."
        case .invalidDataset: return "The dataset is not valid."
        case .invalidBoundingBox: return "bbox must be 4 (or 6) finite numbers separated by commas, each minimum no larger than its maximum, within the range of the CRS."
        case .invalidLimit: return "limit must be a whole number of at least 1."
        case .invalidOffset: return "offset must be a whole number of at least 0."
        case .invalidDatetime: return "datetime must be an RFC 3339 date-time or an interval (start/end, with '..' for an open end)."
        case .invalidFormat: return "f must be json or html."
        case .invalidFilterValue: return "This property takes a whole number."
        case .unknownQueryParameter: return "This query parameter is not defined for this resource (see /api)."
        case .unknownCollection: return "There is no collection with this id."
        case .unknownFeature: return "There is no feature with this id in the collection."
        case .unknownCRS: return "This coordinate reference system is not supported (see the collection's crs list)."
        case .outsideCRSDomain: return "The coordinates cannot be expressed in this coordinate reference system."
        case .ogcServiceTitle: return "Zamin land information"
        case .ogcServiceDescription: return "Parcels, zones and facilities of the city as OGC API – Features."
        case .ogcConformanceTitle: return "Conformance classes"
        case .ogcCollectionsTitle: return "Collections"
        case .ogcParcelsTitle: return "Parcels"
        case .ogcZonesTitle: return "Land-use zones"
        case .ogcFacilitiesTitle: return "Facilities"
        }
    }
}
