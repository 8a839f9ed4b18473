/// The folding of CQL2's CASEI and ACCENTI (OGC 21-065 §7.5.3–7.5.4, classes
/// case-insensitive-comparison and accent-insensitive-comparison): both sides of a comparison are
/// folded the same way, so only spellings a reader takes as one compare equal.
package enum TextFolding {
    /// CASEI: Unicode's lowercase mapping (the standard's "case-insensitive": `'Azadi'` = `'AZADI'`).
    package static func caseFolded(_ text: String) -> String { text.lowercased() }

    /// ACCENTI: accents and their Persian counterparts removed, case kept.
    /// - Persian, as `/search` folds it (`SearchText`): Arabic ي ى ك → Persian ی ک; ة ۀ ہ → ه;
    ///   آ أ إ ٱ → ا; harakat, tatweel and superscript alef removed; zero-width non-joiners and
    ///   bidi marks removed; Persian and Arabic-Indic digits → ASCII — "whichever keyboard typed it".
    /// - Latin: combining marks removed (a decomposed "é" is "e" + U+0301) and the precomposed
    ///   letters of Latin-1 and Latin Extended-A mapped to their base letter ("Töölö" → "Toolo").
    /// White space and letter case are left alone: CASEI is a separate function.
    package static func accentFolded(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if let folded = SearchText.persianFolded(scalar) {
                if folded.properties.generalCategory == .nonspacingMark { continue }
                if let base = latinBase[folded.value] { result.append(base) } else { result.append(folded) }
            }
        }
        return String(result)
    }

    /// Precomposed Latin letters (U+00C0–U+017F) to their base letter.
    private static let latinBase: [UInt32: Unicode.Scalar] = {
        let groups: [(String, String)] = [
            ("ÀÁÂÃÄÅĀĂĄ", "A"), ("àáâãäåāăą", "a"), ("ÇĆĈĊČ", "C"), ("çćĉċč", "c"), ("ĎĐ", "D"), ("ďđ", "d"),
            ("ÈÉÊËĒĔĖĘĚ", "E"), ("èéêëēĕėęě", "e"), ("ĜĞĠĢ", "G"), ("ĝğġģ", "g"), ("ĤĦ", "H"), ("ĥħ", "h"),
            ("ÌÍÎÏĨĪĬĮİ", "I"), ("ìíîïĩīĭįı", "i"), ("Ĵ", "J"), ("ĵ", "j"), ("Ķ", "K"), ("ķ", "k"),
            ("ĹĻĽĿŁ", "L"), ("ĺļľŀł", "l"), ("ÑŃŅŇ", "N"), ("ñńņňŉ", "n"), ("ÒÓÔÕÖØŌŎŐ", "O"), ("òóôõöøōŏő", "o"),
            ("ŔŖŘ", "R"), ("ŕŗř", "r"), ("ŚŜŞŠ", "S"), ("śŝşš", "s"), ("ŢŤŦ", "T"), ("ţťŧ", "t"),
            ("ÙÚÛÜŨŪŬŮŰŲ", "U"), ("ùúûüũūŭůűų", "u"), ("Ŵ", "W"), ("ŵ", "w"), ("ÝŶŸ", "Y"), ("ýÿŷ", "y"),
            ("ŹŻŽ", "Z"), ("źżž", "z"),
        ]
        var table: [UInt32: Unicode.Scalar] = [:]
        for (letters, base) in groups {
            for scalar in letters.unicodeScalars { table[scalar.value] = base.unicodeScalars.first! }
        }
        return table
    }()
}
