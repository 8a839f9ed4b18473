import GeoCore
import GeoFormats
import LandModel
import LandService
import Inspections

/// How the domain endpoints write parcels, zones, facilities, rules and verdicts: fixed key
/// order, names in the request's language beside both originals, numbers with fixed decimals.
enum FeatureJSON {
    /// What differs between the endpoints that write a feature's properties, as options of the
    /// one writer per layer (issue 15 point 3), not as copies of it.
    struct Options {
        /// The domain endpoints' texts in the request's language beside both originals (`name`,
        /// `current_use_label`); nil for OGC items, which carry the dataset's fields only.
        var language: Language?
        /// The version's validity (`valid_from`, `valid_to`), when an OGC request had `datetime`.
        var validity: Validity?
        /// The dataset's own extra properties after ours (OGC items).
        var extras = false

        static func domain(_ language: Language) -> Options { Options(language: language) }
        static func ogc(validity: Validity?) -> Options { Options(language: nil, validity: validity, extras: true) }
    }

    /// The parcel at `position` as a GeoJSON Feature.
    static func parcel(at position: Int, of snapshot: CitySnapshot, language: Language, into out: inout GeoJSONWriter) {
        let parcel = snapshot.parcels.values[position]
        out.beginFeature(id: parcel.id.rawValue)
        parcelProperties(parcel, zoneCode: parcel.zoneCode, options: .domain(language), into: &out.json)
        parcelGeometry(at: position, of: snapshot, into: &out)
    }

    /// Closes a parcel's Feature with its geometry: the snapshot's rendered text when it was
    /// written with this writer's decimals (it always is: both are CRS84's 7).
    static func parcelGeometry(at position: Int, of snapshot: CitySnapshot, into out: inout GeoJSONWriter) {
        if snapshot.parcelGeometryJSON.decimals == out.decimals {
            out.endFeature(geometryOf: position, in: snapshot.parcelGeometryJSON)
        } else {
            out.endFeature(geometry: .polygonal(snapshot.parcels[position].geometry))
        }
    }

    /// A parcel's properties, for every endpoint that writes one. `zoneCode` is the code the
    /// caller shows: the parcel's own, or the one that governs it.
    static func parcelProperties(_ parcel: borrowing ParcelValues, zoneCode: ZoneCode?, options: Options, into json: inout JSONWriter) {
        json.key("id")
        json.string(parcel.id.rawValue)
        json.key("zone_code")
        optional(zoneCode?.rawValue, into: &json)
        json.key("area_m2")
        json.number(parcel.areaSquareMeters, decimals: 1)
        json.key("current_use")
        optional(parcel.currentUse?.rawValue, into: &json)
        if let language = options.language {
            json.key("current_use_label")
            optional(parcel.currentUse.map { Message.landUse($0).text(in: language) }, into: &json)
        }
        json.key("floors")
        if let floors = parcel.floors { json.number(floors) } else { json.null() }
        json.key("address")
        optional(parcel.address, into: &json)
        tail(options, extras: parcel.extraPropertiesJSON, into: &json)
    }

    /// A zone's properties, for every endpoint that writes one (the domain endpoints as an object of its own).
    /// With `rule` (OGC items), the uses its code allows and allows on conditions, as the
    /// queryables `allowed_uses` and `conditional_uses` that CQL2's array functions compare;
    /// derived, so a body that sends them back does not store them (DatasetImporter).
    static func zoneProperties(_ zone: borrowing Zone, rule: ZoningRule? = nil, options: Options, into json: inout JSONWriter) {
        json.key("id")
        json.string(zone.id.rawValue)
        json.key("code")
        json.string(zone.code.rawValue)
        if let language = options.language {
            json.key("name")
            optional(pick(fa: zone.nameFa, en: zone.nameEn, language), into: &json)
        }
        json.key("name_fa")
        optional(zone.nameFa, into: &json)
        json.key("name_en")
        optional(zone.nameEn, into: &json)
        if let rule {
            json.key("allowed_uses")
            uses(rule.allowedUses, into: &json)
            json.key("conditional_uses")
            uses(rule.conditionalUses, into: &json)
        }
        tail(options, extras: zone.extraPropertiesJSON, into: &json)
    }

    static func zoneSummary(_ zone: Zone, language: Language, into json: inout JSONWriter) {
        json.beginObject()
        zoneProperties(zone, options: .domain(language), into: &json)
        json.endObject()
    }

    static func rule(_ rule: ZoningRule, language: Language, into json: inout JSONWriter) {
        json.beginObject()
        json.key("code")
        json.string(rule.code.rawValue)
        json.key("name")
        optional(pick(fa: rule.nameFa, en: rule.nameEn, language), into: &json)
        json.key("allowed_uses")
        uses(rule.allowedUses, into: &json)
        json.key("conditional_uses")
        uses(rule.conditionalUses, into: &json)
        json.key("max_floors")
        if let value = rule.maxFloors { json.number(value) } else { json.null() }
        json.key("max_coverage_pct")
        number(rule.maxCoveragePercent, decimals: 2, into: &json)
        json.key("max_density_pct")
        number(rule.maxDensityPercent, decimals: 2, into: &json)
        json.key("min_parcel_area_m2")
        number(rule.minParcelAreaSquareMeters, decimals: 1, into: &json)
        json.key("notes")
        optional(rule.notes, into: &json)
        json.endObject()
    }

    /// A facility's properties, for every endpoint that writes one (and `FacilityTexts`, which
    /// renders them once per language).
    static func facilityProperties(_ facility: borrowing Facility, options: Options, into json: inout JSONWriter) {
        json.key("id")
        json.string(facility.id.rawValue)
        if let language = options.language {
            json.key("name")
            optional(pick(fa: facility.nameFa, en: facility.nameEn, language), into: &json)
        }
        json.key("name_fa")
        optional(facility.nameFa, into: &json)
        json.key("name_en")
        optional(facility.nameEn, into: &json)
        json.key("category")
        json.string(facility.category.rawValue)
        json.key("category_fa")
        optional(facility.categoryFa, into: &json)
        tail(options, extras: facility.extraPropertiesJSON, into: &json)
    }

    /// The members after a layer's own: the version's validity, then the dataset's extra properties.
    private static func tail(_ options: Options, extras: String, into json: inout JSONWriter) {
        if let validity = options.validity {
            json.key("valid_from")
            optional(validity.from, into: &json)
            json.key("valid_to")
            optional(validity.to, into: &json)
        }
        guard options.extras else { return }
        // LandServices has cleared the extras of our column names (copied as text); only a
        // `datetime` answer has two more names to leave out.
        if options.validity == nil { json.members(ofObject: extras) } else { extrasWithoutValidity(&json, extras) }
    }

    private static let validityNames: Set<String> = ["valid_from", "valid_to"]

    /// The extra properties (compact JSON object) without `valid_from`/`valid_to`.
    private static func extrasWithoutValidity(_ json: inout JSONWriter, _ text: String) {
        guard text != "{}", case .object(let object)? = try? JSONParser.parse(Array(text.utf8)) else { return }
        for member in object.members where !validityNames.contains(member.key) {
            json.key(member.key)
            json.value(member.value)
        }
    }

    /// A facility's latest inspection (issue 21 point 1), when it has one: the latest visit's date,
    /// the latest scored visit's score and grade, and whether the visit is older than the
    /// configured age (`ZAMIN_INSPECTION_STALE_DAYS`).
    static func inspection(_ latest: LatestInspection?, into json: inout JSONWriter) {
        guard let latest else { return }
        json.key("inspection")
        inspectionValue(latest, into: &json)
    }

    /// The object of `inspection`.
    static func inspectionValue(_ latest: LatestInspection, into json: inout JSONWriter) {
        json.beginObject()
        json.key("date"); json.string(latest.date.iso8601)
        json.key("score"); if let score = latest.score { json.number(score) } else { json.null() }
        json.key("grade"); if let grade = latest.grade { json.string(grade) } else { json.null() }
        json.key("stale"); json.bool(latest.isStale)
        json.endObject()
    }

    /// A facility with its distance, as `/lookup` lists the nearest amenities.
    static func facilitySummary(
        _ facility: Facility, distanceMeters: Double, language: Language, inspection: LatestInspection?, into json: inout JSONWriter
    ) {
        json.beginObject()
        facilityProperties(facility, options: .domain(language), into: &json)
        Self.inspection(inspection, into: &json)
        summaryTail(distanceMeters: distanceMeters, location: facility.location, into: &json)
        json.endObject()
    }

    /// The members of a facility summary after its properties: distance and position.
    static func summaryTail(distanceMeters: Double, location: Coordinate, into json: inout JSONWriter) {
        json.key("distance_m")
        json.number(distanceMeters, decimals: 2)
        json.key("lon")
        json.number(location.lon, decimals: 7)
        json.key("lat")
        json.number(location.lat, decimals: 7)
    }

    /// A zoning verdict, for `/zoning-check` and the one kept with each request (read back from
    /// its stored record): one shape wherever a verdict is shown.
    static func verdict(parcelID: ParcelID, _ verdict: ZoningVerdictRecord, language: Language, into json: inout JSONWriter) {
        json.beginObject()
        json.key("parcel")
        json.string(parcelID.rawValue)
        json.key("zone_code")
        json.string(verdict.zoneCode.rawValue)
        json.key("allowed")
        json.bool(verdict.isAllowed)
        json.key("needs_approval")
        json.bool(verdict.needsApproval)
        json.key("summary")
        json.string(Message.zoningSummary(allowed: verdict.isAllowed, needsApproval: verdict.needsApproval).text(in: language))
        json.key("checks")
        json.beginArray()
        for check in verdict.checks {
            json.beginObject()
            json.key("rule")
            json.string(check.rule.rawValue)
            json.key("limit")
            switch check.limit {
            case .number(let value): json.number(value, decimals: 2)
            case .uses(let allowed, let conditional):
                json.beginObject()
                json.key("allowed")
                uses(allowed, into: &json)
                json.key("conditional")
                uses(conditional, into: &json)
                json.endObject()
            case .none: json.null()
            }
            json.key("requested")
            switch check.requested {
            case .number(let value): json.number(value, decimals: 2)
            case .use(let use): json.string(use.rawValue)
            }
            json.key("ok")
            json.bool(check.isOK)
            json.key("outcome")
            json.string(check.outcome.word)
            json.key("message")
            json.string(Message.zoningCheck(check).text(in: language))
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }

    // MARK: - helpers

    static func pick(fa: String?, en: String?, _ language: Language) -> String? {
        language == .fa ? (fa ?? en) : (en ?? fa)
    }

    static func optional(_ value: String?, into json: inout JSONWriter) {
        if let value { json.string(value) } else { json.null() }
    }

    static func number(_ value: Double?, decimals: Int, into json: inout JSONWriter) {
        if let value { json.number(value, decimals: decimals) } else { json.null() }
    }

    static func uses(_ uses: [LandUse], into json: inout JSONWriter) {
        json.beginArray()
        for use in uses { json.string(use.rawValue) }
        json.endArray()
    }
}
