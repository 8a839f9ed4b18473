import LandModel
import Testing

/// Hand-worked cases; each expected key is written with the code points spelled out where the
/// glyphs look alike.
@Suite("SearchText")
struct SearchTextTests {
    @Test("Arabic yeh and alef maksura fold to Persian yeh")
    func arabicYeh() {
        let arabic = "\u{0628}\u{064A}\u{0645}\u{0627}\u{0631}\u{0633}\u{062A}\u{0627}\u{0646}"  // بيمارستان, Arabic yeh
        let persian = "\u{0628}\u{06CC}\u{0645}\u{0627}\u{0631}\u{0633}\u{062A}\u{0627}\u{0646}"  // بیمارستان
        #expect(arabic != persian)
        #expect(SearchText.normalized(arabic) == persian)
        #expect(SearchText.normalized(persian) == persian)
        #expect(SearchText.matchRank(query: SearchText.normalized(arabic), candidate: SearchText.normalized(persian)) == 0)
        // موسى (alef maksura) → موسی
        #expect(SearchText.normalized("\u{0645}\u{0648}\u{0633}\u{0649}") == "\u{0645}\u{0648}\u{0633}\u{06CC}")
    }

    @Test("Arabic kaf folds to keheh")
    func arabicKaf() {
        let arabic = "\u{0643}\u{062A}\u{0627}\u{0628}\u{062E}\u{0627}\u{0646}\u{0647}"  // كتابخانه
        let persian = "\u{06A9}\u{062A}\u{0627}\u{0628}\u{062E}\u{0627}\u{0646}\u{0647}"  // کتابخانه
        #expect(SearchText.normalized(arabic) == persian)
        #expect(SearchText.matchRank(query: SearchText.normalized(arabic), candidate: SearchText.normalized("کتابخانه ملی")) == 1)
    }

    @Test("zero-width non-joiner and joiner are removed")
    func zeroWidth() {
        let withZWNJ = "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}"  // می‌خواهم
        let without = "\u{0645}\u{06CC}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}"  // میخواهم
        #expect(SearchText.normalized(withZWNJ) == without)
        #expect(SearchText.normalized("a\u{200D}b\u{200F}c\u{FEFF}") == "abc")
        // A space stays a word break: a different key.
        #expect(SearchText.normalized("\u{0645}\u{06CC} \u{062E}\u{0648}\u{0627}\u{0647}\u{0645}") != without)
    }

    @Test("Persian and Arabic-Indic digits become ASCII")
    func digits() {
        #expect(SearchText.normalized("۱۲۳") == "123")
        #expect(SearchText.normalized("١٢٣") == "123")
        #expect(SearchText.normalized("\u{06F0}\u{06F9}\u{0660}\u{0669}") == "0909")
        #expect(SearchText.normalized("پلاک ۱۲") == "پلاک 12")
    }

    @Test("harakat, tatweel and superscript alef are removed")
    func diacritics() {
        // مُحَمَّد (damma, fatha, shadda, fatha) → محمد
        #expect(SearchText.normalized("\u{0645}\u{064F}\u{062D}\u{064E}\u{0645}\u{0651}\u{064E}\u{062F}") == "\u{0645}\u{062D}\u{0645}\u{062F}")
        // تهـــران (tatweel) → تهران
        #expect(SearchText.normalized("\u{062A}\u{0647}\u{0640}\u{0640}\u{0640}\u{0631}\u{0627}\u{0646}") == "\u{062A}\u{0647}\u{0631}\u{0627}\u{0646}")
        // رحمٰن (superscript alef) → رحمن; كِتابٌ → کتاب
        #expect(SearchText.normalized("\u{0631}\u{062D}\u{0645}\u{0670}\u{0646}") == "\u{0631}\u{062D}\u{0645}\u{0646}")
        #expect(SearchText.normalized("\u{0643}\u{0650}\u{062A}\u{0627}\u{0628}\u{064C}") == "\u{06A9}\u{062A}\u{0627}\u{0628}")
    }

    @Test("hamza forms of alef, teh marbuta and heh with yeh fold")
    func alefAndHeh() {
        // آب انبار → اب انبار; أحمد → احمد; إسلام → اسلام
        #expect(SearchText.normalized("\u{0622}\u{0628} \u{0627}\u{0646}\u{0628}\u{0627}\u{0631}") == "\u{0627}\u{0628} \u{0627}\u{0646}\u{0628}\u{0627}\u{0631}")
        #expect(SearchText.normalized("\u{0623}\u{062D}\u{0645}\u{062F}") == "\u{0627}\u{062D}\u{0645}\u{062F}")
        #expect(SearchText.normalized("\u{0625}\u{0633}\u{0644}\u{0627}\u{0645}") == "\u{0627}\u{0633}\u{0644}\u{0627}\u{0645}")
        // مدرسة → مدرسه; خانۀ → خانه; خانهٔ (heh + hamza above U+0654) → خانه
        #expect(SearchText.normalized("\u{0645}\u{062F}\u{0631}\u{0633}\u{0629}") == "\u{0645}\u{062F}\u{0631}\u{0633}\u{0647}")
        #expect(SearchText.normalized("\u{062E}\u{0627}\u{0646}\u{06C0}") == "\u{062E}\u{0627}\u{0646}\u{0647}")
        #expect(SearchText.normalized("\u{062E}\u{0627}\u{0646}\u{0647}\u{0654}") == "\u{062E}\u{0627}\u{0646}\u{0647}")
        // مسئول keeps its hamza on yeh
        #expect(SearchText.normalized("\u{0645}\u{0633}\u{0626}\u{0648}\u{0644}") == "\u{0645}\u{0633}\u{0626}\u{0648}\u{0644}")
    }

    @Test("Latin is lowercased and white space collapsed and trimmed")
    func caseAndSpace() {
        #expect(SearchText.normalized("  Azadi   TOWER\t\n") == "azadi tower")
        #expect(SearchText.normalized("Milad\u{00A0}\u{00A0}Tower") == "milad tower")
        #expect(SearchText.normalized("\u{200C} \u{200C}") == "")
        #expect(SearchText.normalized("") == "")
        #expect(SearchText.normalized("ÉCOLE") == "école")
        let query = SearchText.normalized("AZADI")
        #expect(SearchText.matchRank(query: query, candidate: SearchText.normalized("Azadi Square")) == 1)
    }

    @Test("ranks: exact, then prefix of the name or a word, then contains, else nil")
    func ranks() {
        let candidate = SearchText.normalized("بیمارستان امام خمینی")
        #expect(SearchText.matchRank(query: candidate, candidate: candidate) == 0)
        #expect(SearchText.matchRank(query: "بیمار", candidate: candidate) == 1)
        #expect(SearchText.matchRank(query: "امام", candidate: candidate) == 1)
        #expect(SearchText.matchRank(query: "خمین", candidate: candidate) == 1)
        #expect(SearchText.matchRank(query: "مارستان", candidate: candidate) == 2)
        #expect(SearchText.matchRank(query: "مینی", candidate: candidate) == 2)
        #expect(SearchText.matchRank(query: "پارک", candidate: candidate) == nil)
        #expect(SearchText.matchRank(query: "", candidate: candidate) == nil)
        #expect(SearchText.matchRank(query: "بیمارستان امام خمینی تهران", candidate: candidate) == nil)
        // Punctuation starts a word too; the best occurrence counts.
        #expect(SearchText.matchRank(query: "park", candidate: "mellat (park)") == 1)
        #expect(SearchText.matchRank(query: "ark", candidate: "park ark") == 1)
        #expect(SearchText.matchRank(query: "ark", candidate: "park") == 2)
    }

    /// The fast paths for ASCII and the Arabic block (issue 17 point 8) against Unicode's own
    /// tables: every scalar below U+3000 whose folding is not one of ours must be treated as the
    /// standard library's `isWhitespace` and `lowercaseMapping` say.
    @Test("White space and lowercasing agree with Unicode's tables for every scalar below U+3000")
    func agreesWithUnicodeTables() {
        let folded: Set<UInt32> = [0x064A, 0x0649, 0x0643, 0x0629, 0x06C0, 0x06C1, 0x0622, 0x0623, 0x0625, 0x0671, 0x0640, 0x0670, 0x200C, 0x200D, 0x200E, 0x200F]
        for value in UInt32(0)..<0x3000 {
            guard let scalar = Unicode.Scalar(value), !folded.contains(value),
                !(0x064B...0x065F).contains(value), !(0x06F0...0x06F9).contains(value), !(0x0660...0x0669).contains(value),
                !(0x202A...0x202E).contains(value), !(0x2066...0x2069).contains(value)
            else { continue }
            let text = "a" + String(scalar) + "b"
            let expected =
                scalar.properties.isWhitespace ? "a b" : "a" + scalar.properties.lowercaseMapping + "b"
            #expect(SearchText.normalized(text) == expected, "U+\(String(value, radix: 16))")
        }
    }
}

@Suite("SearchText over packed bytes")
struct SearchTextBytesTests {
    /// Random texts from pieces where byte and Character matching could part: Persian letters and
    /// marks, Latin with precomposed and decomposed accents, spaces, punctuation, digits.
    static let pieces = [
        "خیابان", "ولیعصر", "پلاک", "۱۲", "آ", "ا", "ٓ", "ؤ", "و", "ٔ", "ی", "ي", "\u{200C}", " ", "،", "(", "-",
        "e", "é", "e\u{301}", "\u{301}", "a", "A", "ä", "a\u{308}", "ö", "12", "P-000", "x", "ab", "🏠",
    ]

    static func random(_ random: inout SplitMix, pieces count: Int) -> String {
        (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    @Test("ranking a candidate's UTF-8 bytes equals ranking the candidate string, for random texts")
    func bytesAgreeWithStrings() {
        var random = SplitMix(seed: 17)
        var matched = 0
        for _ in 0..<20_000 {
            let query = SearchText.normalized(Self.random(&random, pieces: 1 + Int(random.next() % 3)))
            let candidate = SearchText.normalized(Self.random(&random, pieces: Int(random.next() % 12)))
            let expected = SearchText.matchRank(query: query, candidate: candidate)
            let packed = Array(candidate.utf8)
            let got = packed.withUnsafeBufferPointer { SearchText.matchRank(query: SearchText.Query(normalized: query), candidate: $0) }
            #expect(got == expected, "query \(query.unicodeScalars.map(\.value)) candidate \(candidate.unicodeScalars.map(\.value))")
            if expected != nil { matched += 1 }
        }
        #expect(matched > 1000, "enough of the random pairs match to test the ranks")
    }
}

/// SplitMix64: a seeded generator for the random texts above.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
