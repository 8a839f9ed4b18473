/// Every text of the web map (`/`), one key each; each language's words are one exhaustive switch
/// (UIText+fa.swift, UIText+en.swift), so a missing translation does not compile. Where the page
/// says what an API message says, the case returns that `Message`'s text, so the two never differ.
/// The page gets the whole catalogue as JSON (`/ui/strings?lang=`), keyed by case name.
enum UIText: String, Sendable, CaseIterable {
    case appTitle
    case skipToPanel
    case switchLanguage
    case switchLanguageLabel
    case mapLabel
    case layersTitle
    case layerZones
    case layerParcels
    case layerFacilities
    case legendTitle
    case legendZones
    case colourParcelsBy
    case colourByUse
    case colourByConformity
    case conformityConforming
    case conformityConditional
    case conformityNonConforming
    case facilitiesHere
    case tilesFailed
    case partialView
    case loading
    case serverError
    case tabPlot
    case tabNearest
    case tabSearch
    case tabCheck
    case tabRequest
    case tabTrack
    case tabPlanner
    case panelLabel
    case clickMapHint
    case parcel
    case noParcelHere
    case zone
    case noZoneHere
    case parcelId
    case areaSquareMeters
    case currentUse
    case floors
    case address
    case zoneCode
    case zoneName
    case rules
    case allowedUses
    case conditionalUses
    case maxFloors
    case maxCoverage
    case maxDensity
    case minParcelArea
    case conformity
    case conforms
    case doesNotConform
    case conformityUnknown
    case nearestFacilities
    case distance
    case metersShort
    case kilometersShort
    case category
    case howMany
    case findNearest
    case nearestFrom
    case searchLabel
    case searchButton
    case noResults
    case use
    case requestedFloors
    case coveragePercent
    case runCheck
    case allowed
    case notAllowed
    case needsApproval
    case rule
    case limit
    case requested
    case result
    case ok
    case notOk
    case requestKind
    case kindLandUseChange
    case kindConstructionPermit
    case requestedUse
    case description
    case applicant
    case applicantName
    case nationalId
    case phone
    case submitRequest
    case trackingCodeIs
    case keepTrackingCode
    case trackingCode
    case showStatus
    case status
    case decision
    case reason
    case statusSubmitted
    case statusUnderReview
    case statusApproved
    case statusRejected
    case plannerKey
    case plannerKeyNote
    case signIn
    case signOut
    case queue
    case filterStatus
    case allStatuses
    case inCurrentView
    case refresh
    case markUnderReview
    case approve
    case reject
    case decisionReason
    case noRequests
    case landUseStats
    case count
    case totalArea
    case total
    case close
    case pointLabel
    case resultsLabel
    case useResidential
    case useCommercial
    case useOffice
    case useMixed
    case useVacant
    case useGreen
    case useEducation
    case useHealth
    case useReligious
    case useIndustrial
    case dataForMapClients
    case collectionsLink
    case apiLink
    case conformanceLink
    case zoomIn
    case zoomOut
    // Problem reports (issue 20): the layer, the form, "me too" and the tracking view.
    case layerReports
    case reportStatusOpen
    case reportStatusInProgress
    case reportStatusClosed
    case reportStatusDuplicate
    case tabReport
    case reportClickMapHint
    case reportPlace
    case reportPlaceHint
    case serviceLabel
    case chooseOne
    case optionalAnswer
    case contactTitle
    case contactNote
    case email
    case photosLabel
    case submitReport
    case reportFiled
    case keepReportCode
    case alreadyReported
    case meTooHint
    case meToo
    case meTooDone
    case confirmations
    case submittedAt
    case history
    case time
    case note
    case photosTitle
    case photoOfReport
    case showOnMap
    case noSuchTrackingCode
    case noServices
    case tooManyPhotos
    case photoTooLarge
    // City information (issue 21): districts, city projects, search groups.
    case layerDistricts
    case district
    case layerProjects
    case projectStatusFilter
    case allProjects
    case projectPlanned
    case projectUnderConstruction
    case projectDone
    case budget
    case rials
    case progress
    case contractor
    case startDate
    case endDate
    case searchGroups
    case searchGroupsHint
    case searchShown
    // Restaurant inspections (issue 21 point 1): grade badges, the facility card and its visits.
    case inspectionGrade
    case inspectionUngraded
    case inspectionStale
    case inspections
    case inspectionsTitle
    case lastInspection
    case inspectionScore
    case inspectionGradeLabel
    case inspectionKind
    case inspectionInitial
    case inspectionRoutine
    case inspectionFollowup
    case inspectionComplaint
    case violations
    case noViolations
    case noInspections
    case inspectionStaleAfter
    // Tenders and auctions (issue 21 point 3): the list, the sealed-bid form, "check my bid".
    case tabTenders
    case tendersTitle
    case tendersIntro
    case tenderStatusFilter
    case allTenders
    case tenderOpen
    case tenderAwaitingOpening
    case tenderOpened
    case tenderKind
    case tenderAuction
    case tenderProcurement
    case reservePriceAuction
    case reservePriceProcurement
    case deposit
    case bidDeadline
    case tehranTime
    case showParcelOnMap
    case showFacilityOnMap
    case noTenders
    case tenderResult
    case openedAt
    case bidsCount
    case winningAmount
    case losingAmounts
    case noBids
    case bidsClosed
    case bidFormTitle
    case bidAmount
    case bidAmountHint
    case submitBid
    case bidSubmitted
    case bidSealedNote
    case checkBidTitle
    case tenderLabel
    case checkBid
    case bidSealed
    case bidWithdrawn
    case bidOpened
    case bidWon
    case bidLost
    case bidOutcome
    case searchGroupBusinessOpportunities
    case tenderNotice

    func text(in language: Language) -> String {
        switch language {
        case .fa: return persian
        case .en: return english
        }
    }

    /// The page's words for a land use of the dataset's vocabulary, or nil for a use the
    /// catalogue does not name (the page then shows the code itself).
    static func landUse(_ code: String) -> UIText? {
        switch code {
        case "residential": return .useResidential
        case "commercial": return .useCommercial
        case "office": return .useOffice
        case "mixed": return .useMixed
        case "vacant": return .useVacant
        case "green": return .useGreen
        case "education": return .useEducation
        case "health": return .useHealth
        case "religious": return .useReligious
        case "industrial": return .useIndustrial
        default: return nil
        }
    }
}
