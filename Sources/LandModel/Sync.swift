/// The vocabulary of `zamin import --sync` (LandStore's Sync+Store.swift does it): what the user
/// chose for conflicts, the conflicts, and the counts per layer.

/// What the user chose for conflicts; nil refuses a sync that has any.
package enum SyncPreference: String, Sendable, CaseIterable {
    /// Apply the file; the history says which Zamin change it replaced.
    case file
    /// Keep Zamin's values for the conflicting features; apply the rest of the file.
    case store
}

/// A feature the file would change although Zamin changed it since it came from a file, or
/// although a request about it is open.
package struct SyncConflict: Sendable, Equatable, CustomStringConvertible {
    package enum Layer: String, Sendable { case parcel, zone, facility }
    package enum Cause: Sendable, Equatable {
        /// The current version comes from an approved request, a rezoning or an edit (who made it).
        case changedInZamin(actor: String, requestID: RequestID?, zoneChangeID: Int?, at: String)
        /// A request about the parcel is open (submitted or under review).
        case openRequest(RequestID)
    }
    package var layer: Layer
    package var id: String
    package var cause: Cause
    /// What the file would do: the changed fields ("floors 3 → 1", "outline") or "remove it".
    package var fileWould: String

    package init(layer: Layer, id: String, cause: Cause, fileWould: String) {
        self.layer = layer
        self.id = id
        self.cause = cause
        self.fileWould = fileWould
    }

    package var description: String {
        let why: String
        switch cause {
        case .changedInZamin(let actor, let requestID, let zoneChangeID, let at):
            if let requestID {
                why = "its current values come from request \(requestID), approved by \(actor) at \(at)"
            } else if let zoneChangeID {
                why = "its current values come from zone change \(zoneChangeID) by \(actor) at \(at)"
            } else {
                why = "its current values come from an edit by \(actor) at \(at)"
            }
        case .openRequest(let id): why = "request \(id) about it is open"
        }
        return "\(layer.rawValue) \(id): the file would \(fileWould); \(why)"
    }
}

/// The counts of one layer.
package struct SyncCounts: Sendable, Equatable {
    package var added = 0
    package var changed = 0
    package var removed = 0
    package var unchanged = 0
    /// Conflicting features whose stored values were kept (`--prefer store`).
    package var kept = 0

    package init() {}
    package var isEmpty: Bool { added == 0 && changed == 0 && removed == 0 }
}

/// What a sync found, and whether it was applied.
package struct SyncReport: Sendable {
    package init() {}

    package var parcels = SyncCounts()
    package var zones = SyncCounts()
    package var facilities = SyncCounts()
    package var streets = SyncCounts()
    package var rules = SyncCounts()
    package var conflicts: [SyncConflict] = []
    /// Written to the store (false for a dry run, a refused sync, or a folder equal to the store).
    package var applied = false
    /// The city's version after the sync, when applied.
    package var cityVersion: Int?

    /// The texts stored whole beside the features that differ from the folder's (replaced when applied).
    package var texts = DatasetTextChanges()

    package var layers: [(name: String, counts: SyncCounts)] {
        [("parcels", parcels), ("zones", zones), ("facilities", facilities), ("streets", streets), ("rules", rules)]
    }
    /// Whether a feature, street or rule differs.
    package var changesFeatures: Bool { layers.contains { !$0.counts.isEmpty } }
    package var changesAnything: Bool { changesFeatures || !texts.isEmpty }
}

/// The texts a dataset folder carries beside its features, each checked and stored whole: the
/// problem-report service catalogue (`services.json`) and the information layers (issue 21).
/// An import or a sync writes them in the transaction that writes the features, so that no
/// node sees the city half synced (a sync moving a business's inspections to another facility,
/// seen half done, gave them to neither).
package struct DatasetTexts: Sendable {
    /// nil: the folder has none, and the stored catalogue stays.
    package var serviceCatalogue: String?
    /// The layers whose files the folder has (the stored layers of the others stay).
    package var informationLayers: [InformationLayerName: String]

    package init(serviceCatalogue: String? = nil, informationLayers: [InformationLayerName: String] = [:]) {
        self.serviceCatalogue = serviceCatalogue
        self.informationLayers = informationLayers
    }
}

/// Which of a folder's texts differ from the stored ones.
package struct DatasetTextChanges: Sendable, Equatable {
    package var serviceCatalogue = false
    package var informationLayers: [InformationLayerName] = []

    package init() {}
    package var isEmpty: Bool { !serviceCatalogue && informationLayers.isEmpty }
}
