import GeoCore

/// A feature version's fingerprint: 16 hex digits of FNV-1a (64 bits) over every value of the
/// version, the outline's coordinates included. The strong `ETag` of a feature's GET starts with
/// it, and PUT, PATCH and DELETE compare `If-Match` with the tag of the version stored at that
/// moment (RFC 9110 §13.1.1). The same values give the same tag in every process and after a
/// restart (Swift's `Hasher` is seeded per process, so it is not used). Not a security measure:
/// it detects that a version changed, which is all a precondition needs.
package struct VersionTag: Sendable, Hashable, CustomStringConvertible {
    package let value: UInt64

    package var description: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: (0..<16).map { digits[Int((value >> (60 - 4 * UInt64($0))) & 15)] }, as: UTF8.self)
    }

    /// Parses 16 hex digits.
    package init?(_ text: Substring) {
        guard text.utf8.count == 16, let value = UInt64(text, radix: 16) else { return nil }
        self.value = value
    }

    init(_ hasher: FNV1a) { value = hasher.state }
}

/// FNV-1a, 64 bits (http://www.isthe.com/chongo/tech/comp/fnv/): fields are fed with a length or
/// a marker before them, so that ("ab", "c") and ("a", "bc") differ.
struct FNV1a {
    var state: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func byte(_ byte: UInt8) {
        state ^= UInt64(byte)
        state = state &* 0x0000_0100_0000_01B3
    }

    mutating func integer(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { byte(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func text(_ value: String?) {
        guard let value else { return byte(0) }
        byte(1)
        integer(UInt64(value.utf8.count))
        for byte in value.utf8 { self.byte(byte) }
    }

    mutating func number(_ value: Double?) {
        guard let value else { return byte(0) }
        byte(1)
        integer(value.bitPattern)
    }

    mutating func ring(_ ring: Ring) {
        integer(UInt64(ring.xy.count))
        for coordinate in ring.xy { integer(coordinate.bitPattern) }
    }

    mutating func polygonal(_ polygonal: Polygonal) {
        byte(polygonal.isMulti ? 1 : 0)
        integer(UInt64(polygonal.parts.count))
        for part in polygonal.parts {
            ring(part.exterior)
            integer(UInt64(part.holes.count))
            for hole in part.holes { ring(hole) }
        }
    }
}

extension Parcel {
    /// This version's fingerprint (`VersionTag`).
    package var versionTag: VersionTag {
        var hasher = FNV1a()
        hasher.text(id.rawValue)
        hasher.polygonal(geometry)
        hasher.text(zoneCode?.rawValue)
        hasher.number(areaSquareMeters)
        hasher.text(currentUse?.rawValue)
        hasher.number(floors.map(Double.init))
        hasher.text(address)
        hasher.text(extraPropertiesJSON)
        return VersionTag(hasher)
    }
}

extension Zone {
    package var versionTag: VersionTag {
        var hasher = FNV1a()
        hasher.text(id.rawValue)
        hasher.polygonal(geometry)
        hasher.text(code.rawValue)
        hasher.text(nameFa)
        hasher.text(nameEn)
        hasher.text(extraPropertiesJSON)
        return VersionTag(hasher)
    }
}

extension Facility {
    package var versionTag: VersionTag {
        var hasher = FNV1a()
        hasher.text(id.rawValue)
        hasher.number(location.lon)
        hasher.number(location.lat)
        hasher.text(category.rawValue)
        hasher.text(categoryFa)
        hasher.text(nameFa)
        hasher.text(nameEn)
        hasher.text(extraPropertiesJSON)
        return VersionTag(hasher)
    }
}
