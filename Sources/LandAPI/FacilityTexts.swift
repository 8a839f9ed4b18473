import GeoCore
import GeoFormats
import LandModel
import LandService

/// Each facility's properties (`FeatureJSON.facilityProperties`) as JSON members, rendered once per
/// language, and its point as GeoJSON geometry text: `/nearest` and `/lookup` copy them instead of
/// copying the facility (six strings retained and released) and escaping its names on every
/// request. perf on `zamin serve` under `/nearest`: the properties, the copies and the point were
/// ≈ 7 % of the server's CPU.
///
/// Valid for the facilities it was made from. Facilities never change while the server runs (edits
/// and `datetime=` snapshots carry the loaded array over), so the API makes it once at start-up;
/// `matches(_:)` guards the assumption and callers fall back to rendering when it fails.
struct FacilityTexts: Sendable {
    private let persian: PackedTexts
    private let english: PackedTexts
    let points: RenderedGeometries
    private let count: Int

    init(_ facilities: [Facility]) {
        func render(in language: Language) -> PackedTexts {
            var texts = PackedTexts(reservingCapacity: facilities.count)
            for facility in facilities {
                var json = JSONWriter()
                json.beginObject()
                FeatureJSON.facilityProperties(facility, options: .domain(language), into: &json)
                json.endObject()
                texts.append(json.bytes.dropFirst().dropLast())  // the members, without `{` `}`
            }
            return texts
        }
        persian = render(in: .fa)
        english = render(in: .en)
        points = RenderedGeometries(facilities.lazy.map { .point($0.location) }, decimals: FeatureCRS.crs84.fractionDigits)
        count = facilities.count
    }

    /// True when these texts were made from `facilities` (same count; the array never changes).
    func matches(_ facilities: [Facility]) -> Bool { facilities.count == count }

    /// Writes facility `position`'s properties into the object `json` is writing.
    func writeProperties(of position: Int, language: Language, into json: inout JSONWriter) {
        (language == .fa ? persian : english).withText(position) { json.members(rawJSON: $0) }
    }
}
