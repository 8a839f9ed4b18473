import LandModel
import GeoCore
import GeoFormats

/// The one writer of each versioned layer. Every change of a parcel, zone or facility — an
/// approval, a rezoning, a file sync, later an edit through OGC API – Features Part 4, a
/// subdivision or a merger — goes through `writeParcelVersion`, `writeZoneVersion` or
/// `writeFacilityVersion`: the version it ends is kept whole in the history (every value, the
/// outline too, migration 6), with [valid_from, valid_to), who made the change and why, and the
/// current row becomes the next version (or goes, for a removal). Each runs inside the caller's
/// transaction, which also bumps the city's version and writes the audit record.
extension StoreWriter {
    // MARK: parcels

    /// The parcel's current version as stored, with when it began (nil: at the import).
    func storedParcel(_ id: ParcelID) throws(StoreError) -> (parcel: Parcel, validFrom: String?)? {
        try connection.cached(SQL.parcelByID, name: "parcelByID").bind(id.rawValue, at: 1).all { (row) throws(StoreError) in
            (try LandStore.parcel(row), row.string(8))
        }.first
    }

    /// Makes `next` the parcel's current version (nil: the parcel ends), as of `now`. The version
    /// it replaces, if any, goes into the history whole; the returned change describes it (nil
    /// when the parcel is new). Writing a version equal to the current one is the caller's
    /// mistake to avoid: it would record a change that changed nothing.
    @discardableResult
    func writeParcelVersion(
        _ id: ParcelID, next: Parcel?, at now: String, actor: String, requestID: RequestID? = nil,
        zoneChangeID: Int? = nil, reason: String? = nil
    ) throws(StoreError) -> ParcelChange? {
        let current = try storedParcel(id)
        guard current != nil || next != nil else { throw StoreError.notFound(what: "parcel \(id)") }
        var change: ParcelChange?
        if let current {
            let validFrom = try versionStart(current.validFrom, SQL.lastParcelChange, id: id.rawValue)
            let old = current.parcel
            try connection.cached(SQL.insertParcelVersion, name: "insertParcelVersion")
                .bind(id.rawValue, at: 1).bind(validFrom, at: 2).bind(now, at: 3)
                .bind(old.zoneCode?.rawValue, at: 4).bind(old.currentUse?.rawValue, at: 5).bind(old.floors, at: 6)
                .bind(next?.zoneCode?.rawValue, at: 7).bind(next?.currentUse?.rawValue, at: 8).bind(next?.floors, at: 9)
                .bind(requestID?.rawValue, at: 10).bind(actor, at: 11).bind(zoneChangeID, at: 12)
                .bind(next == nil ? "removal" : "change", at: 13).bind(old.areaSquareMeters, at: 14).bind(old.address, at: 15)
                .bind(old.extraPropertiesJSON, at: 16).bind(blob: WKB.encode(.polygonal(old.geometry)), at: 17)
                .bind(reason, at: 18).run()
            change = ParcelChange(
                id: Int(connection.lastInsertedRowID), parcelID: id, validFrom: validFrom, at: now, requestID: requestID,
                zoneChangeID: zoneChangeID, before: old.attributes,
                after: next?.attributes ?? ParcelAttributes(zoneCode: nil, currentUse: nil, floors: nil), isRemoval: next == nil,
                reason: reason)
            try connection.cached(SQL.deleteParcel, name: "deleteParcel").bind(id.rawValue, at: 1).run()
        }
        if let next {
            try connection.cached(SQL.insertParcelWithStart, name: "insertParcelWithStart")
                .bind(next.id.rawValue, at: 1).bind(next.zoneCode?.rawValue, at: 2)
                .bind(next.areaSquareMeters, at: 3).bind(next.currentUse?.rawValue, at: 4)
                .bind(next.floors, at: 5).bind(next.address, at: 6).bind(next.extraPropertiesJSON, at: 7)
                .bind(blob: WKB.encode(.polygonal(next.geometry)), at: 8).bind(now, at: 9).run()
        }
        return change
    }

    /// When a feature's current version began: `known` (its row's `valid_from`), or for rows
    /// written before that was kept, its last change since the dataset was imported, else the import.
    private func versionStart(_ known: String?, _ lastChange: String, id: String) throws(StoreError) -> String {
        if let known { return known }
        let importedAt = try importedAt()
        let last = try connection.cached(lastChange, name: "lastChange").bind(id, at: 1).bind(importedAt, at: 2)
            .all { $0.string(0) }.first.flatMap { $0 }
        return last ?? importedAt
    }

    // MARK: zones

    func storedZone(_ id: ZoneID) throws(StoreError) -> (zone: Zone, validFrom: String?)? {
        try connection.cached(SQL.zoneByID, name: "zoneByID").bind(id.rawValue, at: 1).all { (row) throws(StoreError) in
            (try LandStore.zone(row), row.string(6))
        }.first
    }

    /// As `writeParcelVersion`, for zones.
    @discardableResult
    func writeZoneVersion(_ id: ZoneID, next: Zone?, at now: String, actor: String, reason: String?) throws(StoreError) -> ZoneChange? {
        let current = try storedZone(id)
        guard current != nil || next != nil else { throw StoreError.notFound(what: "zone \(id)") }
        var change: ZoneChange?
        if let current {
            let validFrom = try versionStart(current.validFrom, SQL.lastZoneChange, id: id.rawValue)
            let old = current.zone
            try connection.cached(SQL.insertZoneVersion, name: "insertZoneVersion")
                .bind(id.rawValue, at: 1).bind(validFrom, at: 2).bind(now, at: 3)
                .bind(old.code.rawValue, at: 4).bind(old.nameFa, at: 5).bind(old.nameEn, at: 6)
                .bind(next?.code.rawValue ?? "", at: 7).bind(next?.nameFa, at: 8).bind(next?.nameEn, at: 9)
                .bind(reason, at: 10).bind(actor, at: 11).bind(next == nil ? "removal" : "change", at: 12)
                .bind(old.extraPropertiesJSON, at: 13).bind(blob: WKB.encode(.polygonal(old.geometry)), at: 14).run()
            change = ZoneChange(
                id: Int(connection.lastInsertedRowID), zoneID: id, validFrom: validFrom, at: now, before: old.attributes,
                after: next?.attributes ?? ZoneAttributes(code: ZoneCode(""), nameFa: nil, nameEn: nil), reason: reason, actor: actor)
            try connection.cached(SQL.deleteZone, name: "deleteZone").bind(id.rawValue, at: 1).run()
        }
        if let next {
            try connection.cached(SQL.insertZoneWithStart, name: "insertZoneWithStart")
                .bind(next.id.rawValue, at: 1).bind(next.code.rawValue, at: 2).bind(next.nameFa, at: 3)
                .bind(next.nameEn, at: 4).bind(next.extraPropertiesJSON, at: 5)
                .bind(blob: WKB.encode(.polygonal(next.geometry)), at: 6).bind(now, at: 7).run()
        }
        return change
    }

    // MARK: facilities

    func storedFacility(_ id: FacilityID) throws(StoreError) -> (facility: Facility, validFrom: String?)? {
        try connection.cached(SQL.facilityByID, name: "facilityByID").bind(id.rawValue, at: 1).all { (row) throws(StoreError) in
            (try LandStore.facility(row), row.string(7))
        }.first
    }

    /// As `writeParcelVersion`, for facilities (whose history began with migration 6).
    func writeFacilityVersion(_ id: FacilityID, next: Facility?, at now: String, actor: String, reason: String?) throws(StoreError) {
        let current = try storedFacility(id)
        guard current != nil || next != nil else { throw StoreError.notFound(what: "facility \(id)") }
        if let current {
            let validFrom = try versionStart(current.validFrom, SQL.lastFacilityChange, id: id.rawValue)
            let old = current.facility
            try connection.cached(SQL.insertFacilityVersion, name: "insertFacilityVersion")
                .bind(id.rawValue, at: 1).bind(validFrom, at: 2).bind(now, at: 3).bind(next == nil ? "removal" : "change", at: 4)
                .bind(old.category.rawValue, at: 5).bind(old.categoryFa, at: 6).bind(old.nameFa, at: 7).bind(old.nameEn, at: 8)
                .bind(old.extraPropertiesJSON, at: 9).bind(blob: WKB.encode(.point(old.location)), at: 10)
                .bind(reason, at: 11).bind(actor, at: 12).run()
            try connection.cached(SQL.deleteFacility, name: "deleteFacility").bind(id.rawValue, at: 1).run()
        }
        if let next {
            try connection.cached(SQL.insertFacilityWithStart, name: "insertFacilityWithStart")
                .bind(next.id.rawValue, at: 1).bind(next.category.rawValue, at: 2)
                .bind(next.categoryFa, at: 3).bind(next.nameFa, at: 4).bind(next.nameEn, at: 5)
                .bind(next.extraPropertiesJSON, at: 6).bind(blob: WKB.encode(.point(next.location)), at: 7).bind(now, at: 8).run()
        }
    }

    /// Inside the caller's transaction: a change that did more than edit parcel and zone
    /// attributes in place (`Migrations.version6`), so followers reload the whole city.
    func markReshaped(at now: String) throws(StoreError) {
        try connection.cached(SQL.markReshaped, name: "markReshaped").bind(now, at: 1).run()
    }
}
