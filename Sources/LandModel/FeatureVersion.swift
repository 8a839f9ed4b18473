/// The versioned layers and one version of a feature of them, as the store keeps it and edits
/// (OGC API – Features Part 4, a file sync) write it.

/// One version of a feature of a versioned layer, as stored or to be stored.
package enum StoredFeature: Sendable, Equatable {
    case parcel(Parcel)
    case zone(Zone)
    case facility(Facility)

    package var id: String {
        switch self {
        case .parcel(let parcel): parcel.id.rawValue
        case .zone(let zone): zone.id.rawValue
        case .facility(let facility): facility.id.rawValue
        }
    }
}

/// The versioned layers (their history tables: Versions+Store.swift).
package enum VersionedLayer: String, Sendable, CaseIterable {
    case parcel, zone, facility
}

/// Two parcels whose interiors share more than the tolerance (0.5 m²: `zamin check`, edits).
package struct ParcelOverlap: Sendable, Equatable, CustomStringConvertible {
    package var first: ParcelID
    package var second: ParcelID
    package var areaSquareMeters: Double

    package init(first: ParcelID, second: ParcelID, areaSquareMeters: Double) {
        self.first = first
        self.second = second
        self.areaSquareMeters = areaSquareMeters
    }

    package var description: String {
        "parcel \(first): overlaps parcel \(second) by \((areaSquareMeters * 10).rounded() / 10) m²"
    }
}

/// The validity [from, to) of one version of a feature, RFC 3339 in UTC (stored instants share
/// one form, so they compare as text). `from` is nil for the version the dataset was imported
/// with: the state before the import is not recorded, so that version is taken to reach back
/// without limit (an instant before the import answers as imported). `to` is nil for the current
/// version.
package struct Validity: Sendable, Equatable {
    package var from: String?
    package var to: String?

    package init(from: String?, to: String?) {
        self.from = from
        self.to = to
    }

    /// A feature never edited since the import: one version, valid at every instant.
    package static let always = Validity(from: nil, to: nil)

    /// Whether [from, to) holds the instant.
    package func holds(_ instant: String) -> Bool { intersects(start: instant, end: instant) }

    /// Whether [from, to) meets the closed interval [start, end] (nil ends open).
    package func intersects(start: String?, end: String?) -> Bool {
        if let from, let end, from > end { return false }
        if let to, let start, to <= start { return false }
        return true
    }
}

/// One version of a feature with when it was current.
package struct DatedVersion<Feature: Sendable & Equatable>: Sendable, Equatable {
    package var feature: Feature
    package var validity: Validity

    package init(_ feature: Feature, validity: Validity) {
        self.feature = feature
        self.validity = validity
    }
}

/// Every version of the features that changed since the dataset was imported, or were made
/// after it (a sync, an OGC API – Features Part 4 edit, an approval, a subdivision…), per layer and
/// id, oldest first, the current version (if the feature still exists) last. A feature not
/// here has one version, the imported one, valid at every instant.
package struct CityTimeline: Sendable {
    package var parcels: [ParcelID: [DatedVersion<Parcel>]]
    package var zones: [ZoneID: [DatedVersion<Zone>]]
    package var facilities: [FacilityID: [DatedVersion<Facility>]]

    package init(
        parcels: [ParcelID: [DatedVersion<Parcel>]], zones: [ZoneID: [DatedVersion<Zone>]],
        facilities: [FacilityID: [DatedVersion<Facility>]]
    ) {
        self.parcels = parcels
        self.zones = zones
        self.facilities = facilities
    }

    /// Every instant at which a version began or ended, sorted and unique: between two of them
    /// (and before the first, after the last) the city stood still.
    package var boundaries: [String] {
        var instants = Set<String>()
        func add<F>(_ layer: [some Hashable: [DatedVersion<F>]]) {
            for versions in layer.values {
                for version in versions {
                    if let from = version.validity.from { instants.insert(from) }
                    if let to = version.validity.to { instants.insert(to) }
                }
            }
        }
        add(parcels)
        add(zones)
        add(facilities)
        return instants.sorted()
    }

    /// Orders each feature's rows (history and current, as read) into a chain: by the end of their
    /// validity, the current (open) one last; a version whose start is not recorded (nil, or at
    /// or before the import: rows written before migration 6) starts where the one before it
    /// ended, or reaches back to the import.
    package static func chain<F>(_ rows: [DatedVersion<F>], importedAt: String) -> [DatedVersion<F>] {
        var sorted = rows.sorted { ($0.validity.to ?? "\u{10FFFF}") < ($1.validity.to ?? "\u{10FFFF}") }
        for index in sorted.indices {
            let from = sorted[index].validity.from
            if let from, from > importedAt { continue }
            sorted[index].validity.from = index > 0 ? sorted[index - 1].validity.to : nil
        }
        return sorted
    }
}
