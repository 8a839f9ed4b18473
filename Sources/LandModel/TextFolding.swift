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
    /// - Unicode's canonical decomposition (NFD) with the marks removed, as OGC 21-065 §7.5.4
    ///   describes ACCENTI: combining marks go (a decomposed "é" is "e" + U+0301), the precomposed
    ///   letters of Latin-1 and Latin Extended-A that decompose become their base letter ("Töölö"
    ///   → "Toolo"; "ø", "ł", "đ" have no decomposition and stay), and Arabic hamza on yeh ئ and
    ///   on waw ؤ become ی and و (U+0626 = U+064A + U+0654).
    /// White space and letter case are left alone: CASEI is a separate function.
    package static func accentFolded(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let base = decomposedBase[scalar.value] ?? scalar
            guard let folded = SearchText.persianFolded(base), folded.properties.generalCategory != .nonspacingMark else { continue }
            result.append(folded)
        }
        return String(result)
    }

    /// Precomposed letters whose canonical decomposition is a base letter and marks: the base.
    private static let decomposedBase: [UInt32: Unicode.Scalar] = {
        let groups: [(String, String)] = [
            ("ÀÁÂÃÄÅĀĂĄ", "A"), ("àáâãäåāăą", "a"), ("ÇĆĈĊČ", "C"), ("çćĉċč", "c"), ("Ď", "D"), ("ď", "d"),
            ("ÈÉÊËĒĔĖĘĚ", "E"), ("èéêëēĕėęě", "e"), ("ĜĞĠĢ", "G"), ("ĝğġģ", "g"), ("Ĥ", "H"), ("ĥ", "h"),
            ("ÌÍÎÏĨĪĬĮİ", "I"), ("ìíîïĩīĭį", "i"), ("Ĵ", "J"), ("ĵ", "j"), ("Ķ", "K"), ("ķ", "k"),
            ("ĹĻĽ", "L"), ("ĺļľ", "l"), ("ÑŃŅŇ", "N"), ("ñńņň", "n"), ("ÒÓÔÕÖŌŎŐ", "O"), ("òóôõöōŏő", "o"),
            ("ŔŖŘ", "R"), ("ŕŗř", "r"), ("ŚŜŞŠ", "S"), ("śŝşš", "s"), ("ŢŤ", "T"), ("ţť", "t"),
            ("ÙÚÛÜŨŪŬŮŰŲ", "U"), ("ùúûüũūŭůűų", "u"), ("Ŵ", "W"), ("ŵ", "w"), ("ÝŶŸ", "Y"), ("ýÿŷ", "y"),
            ("ŹŻŽ", "Z"), ("źżž", "z"),
            ("\u{0626}", "\u{064A}"), ("\u{0624}", "\u{0648}"), ("\u{06D3}", "\u{06D2}"), ("\u{06C2}", "\u{06C1}"),
        ]
        var table: [UInt32: Unicode.Scalar] = [:]
        for (letters, base) in groups {
            for scalar in letters.unicodeScalars { table[scalar.value] = base.unicodeScalars.first! }
        }
        return table
    }()
}
