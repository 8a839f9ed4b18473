/// Search keys for Persian (and English) names: the same folding is applied to the stored name
/// and to the query, so spellings that readers take as the same word compare equal.
///
/// Folded (each choice follows Lucene's `PersianNormalizer` and `ArabicNormalizer`, which the
/// Persian analyzers of Lucene, Solr and Elasticsearch apply in that order):
/// - Arabic yeh ي (U+064A) and alef maksura ى (U+0649) → Persian yeh ی (U+06CC); Arabic kaf ك
///   (U+0643) → keheh ک (U+06A9). Arabic keyboards and older data use the Arabic letters.
/// - Teh marbuta ة (U+0629), heh with yeh above ۀ (U+06C0) and heh goal ہ (U+06C1) → heh ه (U+0647).
///   ة appears in Arabic loanwords that Persian also writes with ه; ۀ is the ezafe form of ه
///   ("خانۀ" and "خانه" are one word to a searcher).
/// - Alef with madda آ, hamza above أ, hamza below إ and alef wasla ٱ → bare alef ا. Many users
///   omit the hamza or the madda ("اب انبار" for "آب انبار"); exact matches still rank first.
///   Hamza on yeh ئ and on waw ؤ are kept: they are spelled consistently ("مسئول").
/// - Removed: tatweel (U+0640), Arabic harakat and the hamza marks U+064B–U+065F, superscript alef
///   U+0670, and invisible format characters: zero-width non-joiner (U+200C) and joiner (U+200D),
///   left-to-right/right-to-left marks and embeddings (U+200E–U+200F, U+202A–U+202E, U+2066–U+2069),
///   and the byte order mark (U+FEFF). The ZWNJ is dropped so "می‌خواهم" (with ZWNJ) and
///   "میخواهم" (without, as typed on many phones) are one key; a space instead of it ("می خواهم")
///   remains a different key.
/// - Persian ۰–۹ (U+06F0–U+06F9) and Arabic-Indic ٠–٩ (U+0660–U+0669) digits → ASCII 0–9.
/// - Letters with case are lowercased (Unicode lowercase mapping: "Azadi" → "azadi").
/// - Every run of white space (including no-break space) becomes one ASCII space; none at either end.
///
/// Not folded: Arabic presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFF), which need NFKC.
package enum SearchText {
    package static func normalized(_ text: String) -> String {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isWhitespace(scalar) {
                pendingSpace = !result.isEmpty
                continue
            }
            guard let folded = fold(scalar) else { continue }
            if pendingSpace {
                result.append(0x20)
                pendingSpace = false
            }
            appendLowercased(folded, to: &result)
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Unicode's White_Space, answered without the property tables for ASCII and the Arabic
    /// block (U+0600–U+06FF, none of it white space): the tables cost half of a 1M-parcel
    /// city's start-up (issue 17 point 8), every address being folded once.
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20: return true
        case 0x00..<0x80, 0x0600...0x06FF: return false
        default: return scalar.properties.isWhitespace
        }
    }

    /// Appends the scalar's lowercase mapping as UTF-8: ASCII A–Z by arithmetic, the rest of
    /// ASCII and the caseless Arabic block as they are, anything else through the tables.
    private static func appendLowercased(_ scalar: Unicode.Scalar, to result: inout [UInt8]) {
        switch scalar.value {
        case 0x41...0x5A: result.append(UInt8(scalar.value + 0x20))
        case 0x00..<0x80: result.append(UInt8(scalar.value))
        case 0x0600...0x06FF:  // two UTF-8 bytes: 110xxxxx 10xxxxxx
            result.append(UInt8(0xC0 | (scalar.value >> 6)))
            result.append(UInt8(0x80 | (scalar.value & 0x3F)))
        default:
            if scalar.properties.changesWhenLowercased {
                result.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
            } else {
                result.append(contentsOf: String(scalar).utf8)
            }
        }
    }

    /// How well a normalised candidate matches a normalised query, lower is better: 0 the whole
    /// candidate equals the query, 1 the candidate or one of its words starts with the query,
    /// 2 the query occurs elsewhere in it; nil if it does not occur or the query is empty.
    /// A word starts at the beginning or after any character that is neither a letter nor a digit
    /// (a space, "(", "-", "،"), compared by Character, so a match never splits a letter from its marks.
    package static func matchRank(query: String, candidate: String) -> Int? {
        guard !query.isEmpty else { return nil }
        if candidate == query { return 0 }
        var best: Int?
        for range in candidate.ranges(of: query) {
            if range.lowerBound == candidate.startIndex { return 1 }
            let previous = candidate[candidate.index(before: range.lowerBound)]
            if !previous.isLetter && !previous.isNumber { return 1 }
            best = 2
        }
        return best
    }

    /// `matchRank` for a candidate kept as UTF-8 bytes (the search catalogue packs 1M keys in one
    /// buffer instead of 1M strings: issue 17 point 8). The bytes are searched first: when the
    /// query is ASCII and Arabic-block text, its Characters occur in a normalised candidate only
    /// where its bytes do (no scalar of either range has a canonical equivalent with other bytes
    /// once `normalized` has removed the marks), so a candidate without them is no match; any
    /// other candidate is ranked by `matchRank` itself, by Character.
    package static func matchRank(query: Query, candidate: UnsafeBufferPointer<UInt8>) -> Int? {
        if query.bytesDecideAbsence && !query.occurs(in: candidate) { return nil }
        return matchRank(query: query.text, candidate: String(decoding: candidate, as: UTF8.self))
    }

    /// A normalised query with what the byte search needs.
    package struct Query: Sendable {
        package let text: String
        let bytes: [UInt8]
        /// Horspool's shifts: how far the window moves when its last byte is this one.
        let shifts: [Int]
        let bytesDecideAbsence: Bool

        package init(normalized text: String) {
            self.text = text
            bytes = Array(text.utf8)
            var shifts = [Int](repeating: bytes.count, count: 256)
            for (index, byte) in bytes.dropLast().enumerated() { shifts[Int(byte)] = bytes.count - 1 - index }
            self.shifts = shifts
            bytesDecideAbsence = text.unicodeScalars.allSatisfy { $0.value < 0x80 || (0x0600...0x06FF).contains($0.value) }
        }

        /// Whether the query's bytes occur in `candidate` (Boyer–Moore–Horspool).
        func occurs(in candidate: UnsafeBufferPointer<UInt8>) -> Bool {
            let length = bytes.count
            guard length > 0 else { return true }
            guard candidate.count >= length else { return false }
            return bytes.withUnsafeBufferPointer { needle in
                var at = 0
                while at <= candidate.count - length {
                    var index = length - 1
                    while needle[index] == candidate[at + index] {
                        if index == 0 { return true }
                        index -= 1
                    }
                    at += shifts[Int(candidate[at + length - 1])]
                }
                return false
            }
        }
    }

    /// The Persian folding of one scalar (as `normalized` applies it, before lowercasing), nil
    /// for one that is removed: what CQL2's ACCENTI shares with search (`TextFolding`).
    package static func persianFolded(_ scalar: Unicode.Scalar) -> Unicode.Scalar? { fold(scalar) }

    /// The folded scalar, or nil for one that is removed.
    private static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x064A, 0x0649: return "\u{06CC}"  // ي ى → ی
        case 0x0643: return "\u{06A9}"  // ك → ک
        case 0x0629, 0x06C0, 0x06C1: return "\u{0647}"  // ة ۀ ہ → ه
        case 0x0622, 0x0623, 0x0625, 0x0671: return "\u{0627}"  // آ أ إ ٱ → ا
        case 0x06F0...0x06F9: return Unicode.Scalar(scalar.value - 0x06F0 + 0x30)  // ۰–۹
        case 0x0660...0x0669: return Unicode.Scalar(scalar.value - 0x0660 + 0x30)  // ٠–٩
        case 0x0640, 0x064B...0x065F, 0x0670: return nil  // tatweel, harakat, hamza marks, superscript alef
        case 0x200C...0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: return nil  // ZWNJ, ZWJ, bidi marks, BOM
        default: return scalar
        }
    }
}
