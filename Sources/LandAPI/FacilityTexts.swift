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
/// Valid for the facility layer it was made from. Edits and `datetime=` snapshots carry the layer
/// over, so the API makes it once at start-up; a city reloaded after another process changed the
/// file has a layer of its own, and `matches(_:)` then sends callers back to rendering.
struct FacilityTexts: Sendable {
    private let persian: PackedTexts
    private let english: PackedTexts
    let points: RenderedGeometries
    private let layer: Int

    init(_ snapshot: CitySnapshot) {
        let facilities = snapshot.facilities
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
        layer = snapshot.facilityLayer
    }

    /// True when these texts were made from this snapshot's facility layer.
    func matches(_ snapshot: borrowing CitySnapshot) -> Bool { snapshot.facilityLayer == layer }

    /// Writes facility `position`'s properties into the object `json` is writing.
    func writeProperties(of position: Int, language: Language, into json: inout JSONWriter) {
        (language == .fa ? persian : english).withText(position) { json.members(rawJSON: $0) }
    }
}
