import LandModel
import Testing

/// CQL2's CASEI and ACCENTI foldings, hand-worked (OGC 21-065 §7.5.3–7.5.4).
@Suite("TextFolding")
struct TextFoldingTests {
    @Test("ACCENTI: NFD without marks, Persian as search folds it, case kept")
    func accents() {
        #expect(TextFolding.accentFolded("Töölö") == "Toolo")
        #expect(TextFolding.accentFolded("Émile") == "Emile")
        // Decomposed: e + U+0301.
        #expect(TextFolding.accentFolded("Caf\u{0065}\u{0301}") == "Cafe")
        // No canonical decomposition: kept.
        #expect(TextFolding.accentFolded("Ølhus Łódź") == "Ølhus Łodz")
        // تئاتر: hamza on yeh (U+0626) is yeh + hamza above → ی.
        #expect(TextFolding.accentFolded("\u{062A}\u{0626}\u{0627}\u{062A}\u{0631}") == "\u{062A}\u{06CC}\u{0627}\u{062A}\u{0631}")
        // بيمارستان with Arabic yeh → Persian yeh; harakat and ZWNJ removed; آ → ا.
        #expect(TextFolding.accentFolded("\u{0628}\u{064A}\u{0645}\u{0627}\u{0631}\u{0633}\u{062A}\u{0627}\u{0646}") == "\u{0628}\u{06CC}\u{0645}\u{0627}\u{0631}\u{0633}\u{062A}\u{0627}\u{0646}")
        #expect(TextFolding.accentFolded("\u{0645}\u{06CC}\u{200C}\u{0631}\u{064E}\u{0648}\u{062F}") == "\u{0645}\u{06CC}\u{0631}\u{0648}\u{062F}")
        #expect(TextFolding.accentFolded("\u{0622}\u{0628}") == "\u{0627}\u{0628}")
        // Persian digits → ASCII, as search folds them.
        #expect(TextFolding.accentFolded("\u{06F1}\u{06F2}") == "12")
    }

    @Test("CASEI: Unicode lowercase, accents kept")
    func cases() {
        #expect(TextFolding.caseFolded("COMMERCIAL") == "commercial")
        #expect(TextFolding.caseFolded("Töölö") == "töölö")
        #expect(TextFolding.caseFolded("ΟΔΟΣ") == TextFolding.caseFolded("οδοσ"))
    }
}
