import GeoFormats
package import LandModel

/// The dataset's own properties that the API writes after a feature's fields (`extraPropertiesJSON`).
enum ExtraProperties {
    /// `json` (an object) without the members named in `columns`, in compact form; "{}" when
    /// nothing is left or the text is not an object. Run once per feature when a city is loaded,
    /// so that writing a feature copies the text instead of parsing it (OGC items, 100 per page).
    static func dropping(_ columns: Set<String>, from json: String) -> String {
        guard json != "{}" else { return json }
        guard case .object(let object)? = try? JSONParser.parse(Array(json.utf8)) else { return "{}" }
        var writer = JSONWriter()
        writer.beginObject()
        for member in object.members where !columns.contains(member.key) {
            writer.key(member.key)
            writer.value(member.value)
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension HasExtraProperties {
    /// The feature with its extra properties as `ExtraProperties.dropping` leaves them.
    package var withExtraPropertiesCompacted: Self {
        var copy = self
        copy.extraPropertiesJSON = ExtraProperties.dropping(Self.columnNames, from: extraPropertiesJSON)
        return copy
    }
}
