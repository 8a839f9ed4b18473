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
