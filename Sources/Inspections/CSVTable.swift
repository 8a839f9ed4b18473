/// A comma-separated table as RFC 4180 defines it, read strictly enough that a feed's mistakes are
/// reported where a person can find them: every record knows the line it starts on, and every error
/// names a line.
///
/// LIVES 1.0 ("Files" preamble of the specification) asks for Excel-style CSV: a header row of field
/// names, values with commas or quotes enclosed in quotes. It also says values carry no newlines, but
/// the exports municipalities actually publish put line breaks inside quoted descriptions, and RFC 4180
/// §2.6 allows them, so a quoted value may span lines; the lines of later records still count them.
///
/// Accepted beyond RFC 4180's letter, because spreadsheet and database exports write them:
/// - LF as well as CRLF (and a lone CR) as a line break; a missing break after the last record;
/// - a UTF-8 byte order mark before the header (Excel's "CSV UTF-8");
/// - blank (or all-space) lines anywhere, skipped rather than read as one-field records.
/// Refused, each with its line: bytes that are not UTF-8, a quote inside an unquoted field, text after a
/// closing quote, a quote never closed, a record whose field count differs from the header's, a column
/// named twice.
package struct CSVTable: Sendable {
    /// One data record, its fields in the header's order.
    package struct Row: Sendable {
        /// The 1-based line the record starts on (a quoted value with line breaks makes a record span several).
        package let line: Int
        package let fields: [String]
        /// The table's column index, shared (copy-on-write) by every row so that a row alone can be read by name.
        fileprivate let columnIndex: [String: Int]

        /// The field under `column` (a lower-case header name), untrimmed; nil when the table has no such column.
        package subscript(column: String) -> String? {
            guard let index = columnIndex[column] else { return nil }
            return fields[index]
        }
    }

    /// The header's names, trimmed and lower-cased: LIVES names its fields in lower case, and an export
    /// that writes "Business_ID " means the same column.
    package let columns: [String]
    /// The line the header row is on (after any leading blank lines).
    package let headerLine: Int
    package let rows: [Row]
    private let columnIndex: [String: Int]

    package func hasColumn(_ name: String) -> Bool { columnIndex[name] != nil }

    /// Reads a whole table from text, refusing it if anything is wrong; all errors are in the thrown value.
    package init(parsing text: String) throws(CSVErrors) {
        try self.init(utf8: Array(text.utf8))
    }

    /// Reads a whole table from a file's bytes, refusing it if anything is wrong; all errors are in the thrown value.
    package init(utf8 bytes: [UInt8]) throws(CSVErrors) {
        let reading = Self.read(utf8: bytes)
        guard reading.errors.isEmpty, let table = reading.table else { throw CSVErrors(errors: reading.errors) }
        self = table
    }

    /// Reads what can be read and lists every error: the well-formed rows of a table with bad ones, so that a
    /// validator can go on to find the problems in their values too (a row of the wrong length is left out).
    /// The table is nil when there is no header to read: an empty file, bytes that are not UTF-8, or a quote
    /// left open before the header ends.
    package static func read(utf8 bytes: [UInt8]) -> (table: CSVTable?, errors: [CSVError]) {
        // Validating first means every field can be decoded without repair, and a bad byte is reported
        // instead of turning silently into U+FFFD in a business name.
        if String(validating: bytes, as: UTF8.self) == nil {
            return (nil, [CSVError(line: firstInvalidUTF8Line(bytes), kind: .invalidUTF8)])
        }
        var scanner = RecordScanner(bytes: bytes)
        var errors: [CSVError] = []
        guard let header = scanner.nextRecord(errors: &errors) else {
            if errors.isEmpty { errors.append(CSVError(line: 1, kind: .emptyFile)) }
            return (nil, errors)
        }
        let columns = header.fields.map { trimmedWhitespace($0).lowercased() }
        var columnIndex: [String: Int] = [:]
        for (index, name) in columns.enumerated() where !name.isEmpty {
            // An unnamed column (a trailing comma in the header) is allowed and unreadable by name; a name
            // used twice would make one of the two columns silently unreadable.
            if columnIndex[name] != nil {
                errors.append(CSVError(line: header.line, kind: .duplicateColumn(name)))
            } else {
                columnIndex[name] = index
            }
        }
        var rows: [Row] = []
        while let record = scanner.nextRecord(errors: &errors) {
            guard record.fields.count == columns.count else {
                errors.append(CSVError(line: record.line, kind: .fieldCount(expected: columns.count, found: record.fields.count)))
                continue
            }
            rows.append(Row(line: record.line, fields: record.fields, columnIndex: columnIndex))
        }
        let table = CSVTable(columns: columns, headerLine: header.line, rows: rows, columnIndex: columnIndex)
        return (table, errors)
    }

    private init(columns: [String], headerLine: Int, rows: [Row], columnIndex: [String: Int]) {
        self.columns = columns
        self.headerLine = headerLine
        self.rows = rows
        self.columnIndex = columnIndex
    }

    /// The line of the first byte sequence that is not UTF-8, counting line breaks as the scanner does.
    private static func firstInvalidUTF8Line(_ bytes: [UInt8]) -> Int {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var line = 1
        var previous: UInt8 = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                guard encoded.count == 1, let byte = encoded.first else {
                    previous = 0
                    continue
                }
                if byte == ASCII.cr || (byte == ASCII.lf && previous != ASCII.cr) { line += 1 }
                previous = byte
            case .error:
                return line
            case .emptyInput:
                return line
            }
        }
    }
}

/// A problem in a CSV file, at the line where a reader would look for it.
package struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// No header row at all.
        case emptyFile
        case invalidUTF8
        case duplicateColumn(String)
        /// A quoted field never closed; `line` is where its quote opened, since the rest of the file was swallowed.
        case unterminatedQuote
        /// `ab"c`: RFC 4180 §2.5 lets quotes appear only in fields enclosed in quotes.
        case quoteInUnquotedField
        /// `"abc"d` or `"abc" ,`: after a closing quote only a comma or a line break may follow (RFC 4180 §2.6–2.7).
        case textAfterClosingQuote
        /// RFC 4180 §2.4: every record has as many fields as the header.
        case fieldCount(expected: Int, found: Int)
    }

    package let line: Int
    package let kind: Kind

    package init(line: Int, kind: Kind) {
        self.line = line
        self.kind = kind
    }

    package var message: String {
        switch kind {
        case .emptyFile: "the file is empty: no header row"
        case .invalidUTF8: "the text is not valid UTF-8"
        case .duplicateColumn(let name): "column '\(name)' appears twice in the header"
        case .unterminatedQuote: "a quoted field opened on this line is never closed"
        case .quoteInUnquotedField: "a quote inside a field that is not enclosed in quotes"
        case .textAfterClosingQuote: "text after the closing quote of a field"
        case .fieldCount(let expected, let found): "\(found) fields where the header has \(expected)"
        }
    }

    package var description: String { "line \(line): \(message)" }
}

/// Every error of a table refused whole.
package struct CSVErrors: Error, Sendable, Equatable, CustomStringConvertible {
    package let errors: [CSVError]
    package var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Whitespace (spaces, tabs, line breaks, no-break spaces) removed from both ends.
func trimmedWhitespace(_ text: String) -> String {
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
    let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) ?? first
    if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return text }
    return String(scalars[first...last])
}

private enum ASCII {
    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
}

/// Cuts validated UTF-8 bytes into records. The delimiters are all ASCII, so scanning bytes is safe: no
/// byte of a multi-byte UTF-8 sequence can be mistaken for a quote, comma or line break.
private struct RecordScanner {
    private let bytes: [UInt8]
    private var position: Int
    /// The line `position` is on.
    private var line = 1
    /// Set by an unclosed quote: nothing after it can be told apart from the quoted value.
    private var finished = false

    init(bytes: [UInt8]) {
        self.bytes = bytes
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    private enum Scan {
        case record([String], blank: Bool)
        /// A record spoiled by a misplaced quote; reading resumes on the next line.
        case malformed(CSVError)
        case unterminated(CSVError)
    }

    /// The next non-blank record with the line it starts on; nil at the end. Malformed records are reported
    /// into `errors` and skipped, so one stray quote does not hide the errors of the lines after it.
    mutating func nextRecord(errors: inout [CSVError]) -> (line: Int, fields: [String])? {
        while !finished && position < bytes.count {
            let start = line
            switch scanRecord() {
            case .record(let fields, let blank):
                if blank { continue }
                return (start, fields)
            case .malformed(let error):
                errors.append(error)
                skipRestOfLine()
            case .unterminated(let error):
                errors.append(error)
                finished = true
            }
        }
        return nil
    }

    private mutating func scanRecord() -> Scan {
        var fields: [String] = []
        // Blank: one unquoted field of nothing but spaces and tabs.
        var blank = true
        while true {
            if position < bytes.count && bytes[position] == ASCII.quote {
                blank = false
                let openedOn = line
                position += 1
                var value: [UInt8] = []
                var closed = false
                while position < bytes.count {
                    let byte = bytes[position]
                    if byte == ASCII.quote {
                        if position + 1 < bytes.count && bytes[position + 1] == ASCII.quote {
                            // RFC 4180 §2.7: a quote inside a quoted field is written twice.
                            value.append(ASCII.quote)
                            position += 2
                            continue
                        }
                        position += 1
                        closed = true
                        break
                    }
                    if byte == ASCII.lf || (byte == ASCII.cr && !isLF(at: position + 1)) { line += 1 }
                    value.append(byte)
                    position += 1
                }
                guard closed else { return .unterminated(CSVError(line: openedOn, kind: .unterminatedQuote)) }
                fields.append(String(decoding: value, as: UTF8.self))
                guard position < bytes.count else { return .record(fields, blank: false) }
                switch bytes[position] {
                case ASCII.comma:
                    position += 1
                case ASCII.cr, ASCII.lf:
                    consumeLineBreak()
                    return .record(fields, blank: false)
                default:
                    return .malformed(CSVError(line: line, kind: .textAfterClosingQuote))
                }
            } else {
                let start = position
                while position < bytes.count {
                    let byte = bytes[position]
                    if byte == ASCII.comma || byte == ASCII.cr || byte == ASCII.lf || byte == ASCII.quote { break }
                    position += 1
                }
                if position < bytes.count && bytes[position] == ASCII.quote {
                    return .malformed(CSVError(line: line, kind: .quoteInUnquotedField))
                }
                let field = bytes[start..<position]
                if blank && field.contains(where: { $0 != ASCII.space && $0 != ASCII.tab }) { blank = false }
                fields.append(String(decoding: field, as: UTF8.self))
                guard position < bytes.count else { return .record(fields, blank: blank) }
                if bytes[position] == ASCII.comma {
                    blank = false
                    position += 1
                } else {
                    consumeLineBreak()
                    return .record(fields, blank: blank)
                }
            }
        }
    }

    private func isLF(at index: Int) -> Bool { index < bytes.count && bytes[index] == ASCII.lf }

    /// Steps over CRLF, LF or a lone CR at `position`.
    private mutating func consumeLineBreak() {
        if bytes[position] == ASCII.cr && isLF(at: position + 1) { position += 1 }
        position += 1
        line += 1
    }

    private mutating func skipRestOfLine() {
        while position < bytes.count && bytes[position] != ASCII.cr && bytes[position] != ASCII.lf { position += 1 }
        if position < bytes.count { consumeLineBreak() }
    }
}
