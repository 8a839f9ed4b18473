package import LandModel
import GeoCore
import GeoFormats

/// What an edit did, for the caller to publish and answer.
package struct FeatureEditOutcome: Sendable {
    package var before: StoredFeature?
    package var after: StoredFeature?
    package var cityVersion: CityVersion
    package var at: String
}

/// Edits of one feature through OGC API – Features Part 4 (create, replace, update, delete):
/// one BEGIN IMMEDIATE … COMMIT with the precondition, the parcel overlap check, the version
/// written by the layer's one writer (Versions+Store.swift), the city's version and the audit
/// record. `check` runs inside the transaction on the version stored at that moment (nil: none),
/// so an `If-Match` cannot pass on a version another writer has just replaced; it throws to
/// refuse (`preconditionFailed`, `conflict`, `notFound`).
extension LandStore {
    package func editFeature(
        _ layer: VersionedLayer, id: String, next: StoredFeature?, actor: String, action: String,
        check: @Sendable (StoredFeature?) throws(StoreError) -> Void, afterCommit: @Sendable (FeatureEditOutcome) -> Void
    ) async throws(StoreError) -> FeatureEditOutcome {
        try await writer.editFeature(layer, id: id, next: next, actor: actor, action: action, check: check, afterCommit: afterCommit)
    }
}

extension StoreWriter {
    func editFeature(
        _ layer: VersionedLayer, id: String, next: StoredFeature?, actor: String, action: String,
        check: (StoredFeature?) throws(StoreError) -> Void, afterCommit: (FeatureEditOutcome) -> Void
    ) throws(StoreError) -> FeatureEditOutcome {
        let outcome = try connection.transaction { () throws(StoreError) -> FeatureEditOutcome in
            let current: StoredFeature?
            switch layer {
            case .parcel: current = try storedParcel(ParcelID(id)).map { .parcel($0.parcel) }
            case .zone: current = try storedZone(ZoneID(id)).map { .zone($0.zone) }
            case .facility: current = try storedFacility(FacilityID(id)).map { .facility($0.facility) }
            }
            try check(current)
            // Removing or reshaping a parcel a citizen's open request is about would leave the
            // request deciding a parcel that is gone or other than the one asked about: refused
            // until the request is decided, as a sync and a subdivision refuse it.
            if case .parcel(let old)? = current {
                let reshapes: Bool = if case .parcel(let new)? = next { new.geometry != old.geometry } else { true }
                if reshapes, let open = try Self.openRequest(of: old.id, except: nil, in: connection) { throw StoreError.parcelHasOpenRequest(parcel: old.id, request: open) }
            }
            let now = Timestamp.now()
            switch next {
            case .parcel(let parcel):
                let overlaps = try parcelOverlaps(parcel)
                guard overlaps.isEmpty else { throw StoreError.parcelOverlaps(overlaps) }
                try writeParcelVersion(parcel.id, next: parcel, at: now, actor: actor)
            case .zone(let zone):
                try writeZoneVersion(zone.id, next: zone, at: now, actor: actor, reason: nil)
            case .facility(let facility):
                try writeFacilityVersion(facility.id, next: facility, at: now, actor: actor, reason: nil)
            case nil:
                switch layer {
                case .parcel: try writeParcelVersion(ParcelID(id), next: nil, at: now, actor: actor)
                case .zone: try writeZoneVersion(ZoneID(id), next: nil, at: now, actor: actor, reason: nil)
                case .facility: try writeFacilityVersion(FacilityID(id), next: nil, at: now, actor: actor, reason: nil)
                }
            }
            // No `markReshaped`: followers apply the feature as it now is (`cityChanges`).
            let version = try bumpCityVersion(at: now)
            try audit(
                at: now, actor: actor, action: action, target: "\(layer.rawValue):\(id)", before: current.map(Self.summary),
                after: next.map(Self.summary))
            return FeatureEditOutcome(before: current, after: next, cityVersion: version, at: now)
        }
        afterCommit(outcome)
        return outcome
    }

    /// The first open request about `parcel` other than `requestID`, if any: what Part 4 edits
    /// and subdivisions refuse to change a parcel under.
    static func openRequest(of parcel: ParcelID, except requestID: RequestID?, in connection: Connection) throws(StoreError) -> RequestID? {
        try connection.cached(SQL.openRequestOfParcel, name: "openRequestOfParcel")
            .bind(parcel.rawValue, at: 1).bind(requestID?.rawValue, at: 2).all { $0.int(0) }.first.flatMap { $0 }.map(RequestID.init)
    }

    /// Parcels whose interiors share more than `overlapToleranceSquareMeters` with `parcel`'s
    /// outline (geodesic area of the intersection, GEOS through SpatiaLite, as `zamin check`
    /// measures them), found through the spatial index; the parcel's own row is not compared.
    private func parcelOverlaps(_ parcel: Parcel) throws(StoreError) -> [ParcelOverlap] {
        let box = parcel.geometry.bbox
        return try connection.cached(SQL.overlapsOfOutline, name: "overlapsOfOutline")
            .bind(blob: WKB.encode(.polygonal(parcel.geometry)), at: 1).bind(parcel.id.rawValue, at: 2)
            .bind(box.minLon, at: 3).bind(box.minLat, at: 4).bind(box.maxLon, at: 5).bind(box.maxLat, at: 6)
            .all { row in ParcelOverlap(first: parcel.id, second: ParcelID(row.string(0) ?? ""), areaSquareMeters: row.double(1) ?? .infinity) }
            .filter { $0.areaSquareMeters > LandStore.overlapToleranceSquareMeters }
    }

    /// A version for the audit log: its fingerprint and values, not its outline.
    static func summary(_ feature: StoredFeature) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        func text(_ key: String, _ value: String?) {
            writer.key(key)
            if let value { writer.string(value) } else { writer.null() }
        }
        switch feature {
        case .parcel(let parcel):
            text("version", parcel.versionTag.description)
            text("zone_code", parcel.zoneCode?.rawValue)
            text("current_use", parcel.currentUse?.rawValue)
            writer.key("floors"); if let floors = parcel.floors { writer.number(floors) } else { writer.null() }
            writer.key("area_m2"); writer.number(parcel.areaSquareMeters, decimals: 2)
        case .zone(let zone):
            text("version", zone.versionTag.description)
            text("code", zone.code.rawValue)
            text("name_fa", zone.nameFa)
            text("name_en", zone.nameEn)
        case .facility(let facility):
            text("version", facility.versionTag.description)
            text("category", facility.category.rawValue)
            text("name_fa", facility.nameFa)
            text("name_en", facility.nameEn)
        }
        writer.endObject()
        return writer.text
    }
}
