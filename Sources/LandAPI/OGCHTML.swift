#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GeoFormats
import Hummingbird
import LandModel
import LandService

/// The HTML representation (OGC 17-069r4 §7.8 `/req/html/content`): plain pages with every link,
/// `lang` and `dir` from the request's language (style guide: Persian pages are right-to-left).
/// `base` starts every link (`PublicOrigin.base(for:context:)`).
enum OGCHTML {
    static func page(_ request: Request, base: String, title: String, language: Language, body: String) -> Response {
        let html = """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)" dir="\(language.direction)"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1"><title>\(escape(title))</title>
            <style>body{font-family:Vazirmatn,Tahoma,"DejaVu Sans",sans-serif;margin:1.5rem;line-height:1.5}
            table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2rem .5rem;text-align:start}</style>
            </head><body><nav><a href="\(escape(base))/?f=html">Zamin</a> · <a href="\(escape(base))/collections?f=html">collections</a></nav>
            <h1>\(escape(title))</h1>
            \(body)
            </body></html>
            """
        return OGCResponse.make(request, body: Array(html.utf8), contentType: "text/html; charset=utf-8", language: language)
    }

    static func linkList(_ links: [OGCLink]) -> String {
        "<ul>"
            + links.map { "<li><a href=\"\(escape($0.href))\">\(escape($0.title ?? $0.rel))</a> (\(escape($0.rel)), \(escape($0.type)))</li>" }
            .joined() + "</ul>"
    }

    /// A table of features: id, properties, and the links (`next`, `prev`, …) as a list.
    static func itemsPage(
        _ request: Request, base: String, title: String, language: Language, snapshot: CitySnapshot, collection: FeatureCollectionID,
        positions: [Int32], matched: Int?, links: [OGCLink], validity: (Int32) -> Validity?
    ) -> Response {
        var rows = ""
        for position in positions {
            var json = JSONWriter()
            json.beginObject()
            OGCFeatureWriter.properties(
                &json, snapshot: snapshot, collection: collection, position: Int(position), validity: validity(position))
            json.endObject()
            let id = OGCFeatureWriter.id(snapshot: snapshot, collection: collection, position: Int(position))
            let href = "\(base)/collections/\(collection.rawValue)/items/\(QueryParameters.percentEncodedSegment(id))?f=html"
            rows += "<tr><td><a href=\"\(escape(href))\">\(escape(id))</a></td><td><code>"
                + escape(String(decoding: json.bytes, as: UTF8.self)) + "</code></td></tr>"
        }
        let count = matched.map { "<p>numberMatched: \($0), numberReturned: \(positions.count)</p>" } ?? ""
        return page(
            request, base: base, title: title, language: language,
            body: count + "<table><tr><th>id</th><th>properties</th></tr>\(rows)</table>" + linkList(links))
    }

    static func apiSummary(_ document: OpenAPIDocument) -> String {
        "<p><a href=\"\(escape(document.serverURL))/api?f=json\">OpenAPI 3.0 (JSON)</a></p><ul>"
            + document.table.endpoints.map { path in
                "<li><code>\(path.method.rawValue) \(escape(path.path))</code> — \(escape(path.summary))"
                    + (path.parameters.isEmpty ? "" : " (" + path.parameters.map { escape($0.name) }.joined(separator: ", ") + ")")
                    + "</li>"
            }.joined() + "</ul>"
    }

    /// HTML text and attribute escaping (the five characters with meaning in HTML).
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}

/// The response time of an items page (`timeStamp`, OGC 17-069r4 §7.15.7), RFC 3339 in UTC.
enum Timestamp {
    static func nowRFC3339() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return RFC3339.string(milliseconds: Int64(now.tv_sec) * 1000, fractionDigits: 0)
    }
}
