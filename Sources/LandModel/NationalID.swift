/// An Iranian national id (کد ملی): ten digits, the last a check digit. With d₀…d₈ the first
/// nine digits, s = Σ dᵢ·(10 − i) and r = s mod 11, the check digit is r when r < 2, else 11 − r.
/// Ids of ten equal digits pass that sum but are not issued, so they are refused.
/// `description` is redacted: a national id is personal data and must not reach a log.
package struct NationalID: Sendable, Hashable, CustomStringConvertible {
    /// Ten ASCII digits.
    package let digits: String

    /// nil unless `text` is ten digits (ASCII, Persian ۰–۹ or Arabic-Indic ٠–٩) with a valid check digit.
    package init?(_ text: String) {
        guard let ascii = asciiDigits(text), ascii.count == 10 else { return nil }
        let values = ascii.map { Int($0.asciiValue! - 48) }
        guard Set(values).count > 1 else { return nil }
        var sum = 0
        for i in 0..<9 { sum += values[i] * (10 - i) }
        let remainder = sum % 11
        let check = remainder < 2 ? remainder : 11 - remainder
        guard values[9] == check else { return nil }
        digits = String(ascii)
    }

    package var description: String { "NationalID(redacted)" }
}

/// An Iranian mobile number, kept as 09xxxxxxxxx. Accepted forms: 09xxxxxxxxx, +989xxxxxxxxx,
/// 00989xxxxxxxxx, with ASCII, Persian or Arabic-Indic digits, spaces and hyphens ignored.
/// `description` is redacted (personal data).
package struct MobileNumber: Sendable, Hashable, CustomStringConvertible {
    package let digits: String

    package init?(_ text: String) {
        var trimmed = Substring(text.filter { $0 != " " && $0 != "-" })
        var prefix = ""
        if trimmed.hasPrefix("+") {
            trimmed = trimmed.dropFirst()
            prefix = "+"
        }
        guard let ascii = asciiDigits(String(trimmed)) else { return nil }
        let national: String
        if prefix == "+" {
            guard ascii.hasPrefix("989"), ascii.count == 12 else { return nil }
            national = "0" + ascii.dropFirst(2)
        } else if ascii.hasPrefix("00989") {
            guard ascii.count == 14 else { return nil }
            national = "0" + ascii.dropFirst(4)
        } else {
            national = ascii
        }
        guard national.count == 11, national.hasPrefix("09") else { return nil }
        digits = national
    }

    package var description: String { "MobileNumber(redacted)" }
}

/// The text with Persian (U+06F0…) and Arabic-Indic (U+0660…) digits made ASCII; nil if any
/// character is not a digit.
private func asciiDigits(_ text: String) -> String? {
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x30...0x39: result.unicodeScalars.append(scalar)
        case 0x06F0...0x06F9: result.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x06F0 + 0x30)!)
        case 0x0660...0x0669: result.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x0660 + 0x30)!)
        default: return nil
        }
    }
    return result.isEmpty ? nil : result
}
