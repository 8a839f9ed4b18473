import Hummingbird

/// The languages of every user-facing text. Persian is the default: the first users read it.
package enum Language: String, Sendable, CaseIterable {
    case fa, en

    /// `?lang=` first, then `Accept-Language` (first listed language we have), else Persian.
    /// A `lang` value we do not have falls back like a missing one (Accept-Language, then Persian).
    static func of(_ request: Request) -> Language {
        of(request, lang: request.uri.queryParameters["lang"].map(String.init))
    }

    /// As `of(_:)` with the query's `lang` value already read.
    static func of(_ request: Request, lang: String?) -> Language {
        if let lang, let language = Language(rawValue: lang.lowercased()) {
            return language
        }
        if let header = request.headers[.acceptLanguage] {
            for part in header.split(separator: ",") {
                let tag = part.split(separator: ";")[0].trimmingSpaces.lowercased()
                let primary = tag.split(separator: "-").first.map(String.init) ?? tag
                if let language = Language(rawValue: primary) { return language }
            }
        }
        return .fa
    }

    var direction: String { self == .fa ? "rtl" : "ltr" }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
