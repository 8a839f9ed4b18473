package import LandStore
package import LandModel

/// One thing wrong with a dataset folder: the file, the feature's index and id when there is a
/// feature, and what is wrong. The importer collects all of them before refusing the import.
package struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var featureIndex: Int?
    package var featureID: String?
    package var message: String

    package init(file: String, featureIndex: Int? = nil, featureID: String? = nil, message: String) {
        self.file = file
        self.featureIndex = featureIndex
        self.featureID = featureID
        self.message = message
    }

    package var description: String {
        var text = file
        if let featureIndex { text += ": feature \(featureIndex)" }
        if let featureID { text += " (id \(featureID))" }
        return text + ": " + message
    }
}

/// Errors of the service layer. Each case is mapped to an HTTP status once, in LandAPI.
package enum ServiceError: Error, Sendable, Equatable {
    /// The store cannot be reached now (PostgreSQL stopped or restarting): try again later.
    package var isStoreUnavailable: Bool {
        if case .store(.unavailable) = self { return true }
        return false
    }

    case invalidDataset([ImportProblem])
    case store(StoreError)
    // Change requests and keys (issue 7).
    /// The request names a parcel the city does not have.
    case unknownParcel(ParcelID)
    /// The requested use is not in the city's land-use vocabulary (`valid`).
    case unknownLandUse(LandUse, valid: [LandUse])
    /// The requested zone code has no rules in the catalogue (`valid`: the codes that have).
    case unknownZoneCode(ZoneCode, valid: [ZoneCode])
    /// No zoning rules govern the parcel, so the request cannot be checked.
    case noZoningRules
    case requestNotFound
    /// The request's status does not allow the decision (e.g. it is already decided).
    case requestStatusConflict(RequestStatus)
    case keyNameTaken
    case keyNotFound
    // Zone edits.
    /// There is no zone with this id.
    case zoneNotFound
    /// A rezoning to the code the zone already has.
    case zoneCodeUnchanged(ZoneCode)
    // Feature edits (OGC API – Features Part 4).
    /// The body breaks these rules.
    case invalidFeature([FeatureRule])
    case featureNotFound
    /// A feature with this id exists (a create).
    case featureExists(String)
    /// `If-Match` names another version than the stored one.
    case versionMismatch
    /// A subdivision or merger that cannot be applied, with every reason found.
    case cadastral([CadastralProblem])
    /// Child `index` of a subdivision (or a merger's values, index 0) breaks these rules.
    case invalidChild(index: Int, rules: [FeatureRule])
    /// The parcel would overlap these parcels by more than the tolerance.
    case parcelOverlaps([ParcelOverlap])
    /// The edit would remove or reshape a parcel an open request is about.
    case parcelHasOpenRequest(ParcelID, RequestID)
    // Problem reports (issue 20).
    /// The report cannot be filed as it is.
    case report(ReportProblem)
    case reportNotFound
    /// The report's status (nil when unknown) does not allow the step.
    case reportStatusConflict(ReportStatus?)
    case photoNotFound
    // Tenders (issue 21 point 3).
    case tender(TenderProblem)
}
