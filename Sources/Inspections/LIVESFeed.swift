/// Restaurant inspections in Yelp's LIVES 1.0 (Local Inspector Value-entry Specification): a folder of
/// CSV files, read all or nothing. Every problem found is reported with its file and line, and a feed with
/// any problem yields no data, so a half-valid export never replaces a good one half-way.
///
/// The files, and what each section of the specification asks of them:
/// - businesses.csv (required): one row a business; business_id unique, name required.
/// - inspections.csv (required): one row an inspection of a business of businesses.csv; date YYYYMMDD;
///   score 0–100 or empty for an unscored inspection; type initial, routine, followup or complaint.
/// - violations.csv (optional): violations found, keyed by business_id and date to their inspection.
/// - legend.csv (optional): score ranges and what each is called (the grade).
/// - feed_info.csv (LIVES: required; Zamin: optional): one row describing the feed.
/// Zamin's extensions: businesses.csv `facility_id` (a facility this business is), feed_info.csv
/// `grade_scheme` (`legend`, or `nyc_letters` for New York's violation points, where scores pass 100).
#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

// MARK: - Values

/// A day of the Gregorian calendar, as LIVES writes dates: YYYYMMDD, no time, no zone.
package struct CalendarDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    package let year: Int
    package let month: Int
    package let day: Int

    /// Nil unless the day exists (February 29 only in leap years); years 1–9999, as four digits hold.
    package init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Self.days(inMonth: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Exactly eight ASCII digits naming a real day: "20240229" yes, "20230229", "2024-02-29", "2024229" no.
    package init?(yyyymmdd text: some StringProtocol) {
        let digits = Array(text.utf8)
        guard digits.count == 8, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(digits[$1] - UInt8(ascii: "0")) } }
        self.init(year: number(0..<4), month: number(4..<6), day: number(6..<8))
    }

    /// LIVES's form, "20240305".
    package var yyyymmdd: String { Self.padded(year, 4) + Self.padded(month, 2) + Self.padded(day, 2) }

    /// ISO 8601's calendar date, "2024-03-05", for JSON and people.
    package var iso8601: String { Self.padded(year, 4) + "-" + Self.padded(month, 2) + "-" + Self.padded(day, 2) }

    package var description: String { iso8601 }

    package static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    package static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// A row of businesses.csv.
package struct InspectionBusiness: Sendable, Equatable {
    package struct Location: Sendable, Equatable {
        /// Decimal degrees (LIVES: WGS 84, as geocoders give them).
        package var latitude: Double
        package var longitude: Double
        package init(latitude: Double, longitude: Double) {
            self.latitude = latitude
            self.longitude = longitude
        }
    }

    /// LIVES business_id, trimmed; unique in the feed.
    package var id: String
    package var name: String
    package var address: String?
    package var city: String?
    package var state: String?
    /// Text, not a number: postal codes keep their leading zeros.
    package var postalCode: String?
    package var phone: String?
    package var location: Location?
    /// Zamin's extension column: the id of the facility this business is, for the caller to resolve.
    package var facilityID: String?
    /// The line of businesses.csv it was read from (0 when made otherwise), so that a caller's
    /// problem with it (an unknown facility) names the line as the reader's own problems do.
    package var line: Int

    package init(
        id: String, name: String, address: String? = nil, city: String? = nil, state: String? = nil,
        postalCode: String? = nil, phone: String? = nil, location: Location? = nil, facilityID: String? = nil, line: Int = 0
    ) {
        self.line = line
        self.id = id
        self.name = name
        self.address = address
        self.city = city
        self.state = state
        self.postalCode = postalCode
        self.phone = phone
        self.location = location
        self.facilityID = facilityID
    }
}

/// A row of violations.csv: at least one of its two texts is there.
package struct InspectionViolation: Sendable, Equatable {
    /// The municipality's own code for the violation (LIVES gives no code list).
    package var code: String?
    package var description: String?
    package init(code: String?, description: String?) {
        self.code = code
        self.description = description
    }
}

/// A row of inspections.csv with the rows of violations.csv of the same business and date.
package struct Inspection: Sendable, Equatable {
    package var businessID: String
    package var date: CalendarDay
    /// Nil for an inspection LIVES calls unscored (an empty score).
    package var score: Double?
    package var description: String?
    /// As the feed writes it; LIVES names initial, routine, followup and complaint, and feeds write others.
    package var type: String?
    /// In the order of violations.csv.
    package var violations: [InspectionViolation]

    package init(
        businessID: String, date: CalendarDay, score: Double?, description: String? = nil, type: String? = nil,
        violations: [InspectionViolation] = []
    ) {
        self.businessID = businessID
        self.date = date
        self.score = score
        self.description = description
        self.type = type
        self.violations = violations
    }
}

/// A row of legend.csv: scores from `minimum` to `maximum`, both included, earn `grade` (its description).
package struct GradeBand: Sendable, Equatable {
    package var minimum: Double
    package var maximum: Double
    package var grade: String
    package init(minimum: Double, maximum: Double, grade: String) {
        self.minimum = minimum
        self.maximum = maximum
        self.grade = grade
    }
}

/// legend.csv: bands that do not overlap, ordered by their minimum.
package struct GradeLegend: Sendable, Equatable {
    package let bands: [GradeBand]

    package init(bands: [GradeBand]) {
        self.bands = bands.sorted { $0.minimum < $1.minimum }
    }

    /// The band holding `score`; nil in a gap between bands (79.5 between 0–79 and 80–89).
    package func grade(forScore score: Double) -> String? {
        bands.first { $0.minimum <= score && score <= $0.maximum }?.grade
    }
}

/// How a score becomes a grade.
package enum GradeScheme: Sendable, Equatable {
    /// legend.csv's bands (LIVES's own way).
    case legend(GradeLegend)
    /// New York City's letter grades: the score counts violation points, fewer is better;
    /// 0–13 is A, 14–27 is B, 28 and more is C.
    case nycLetters
    /// Scores without grades: no legend.csv and no scheme named.
    case none

    package func grade(forScore score: Double) -> String? {
        switch self {
        case .legend(let legend): legend.grade(forScore: score)
        // Points are whole numbers; a fractional score is placed by the thresholds, not rounded.
        case .nycLetters: score < 14 ? "A" : score < 28 ? "B" : "C"
        case .none: nil
        }
    }
}

/// The row of feed_info.csv.
package struct FeedInfo: Sendable, Equatable {
    package var feedDate: CalendarDay?
    package var feedVersion: String?
    package var municipalityName: String?
    package var municipalityURL: String?
    package var contactEmail: String?
    package init(
        feedDate: CalendarDay? = nil, feedVersion: String? = nil, municipalityName: String? = nil,
        municipalityURL: String? = nil, contactEmail: String? = nil
    ) {
        self.feedDate = feedDate
        self.feedVersion = feedVersion
        self.municipalityName = municipalityName
        self.municipalityURL = municipalityURL
        self.contactEmail = contactEmail
    }
}

/// One thing wrong with a feed: "inspections.csv line 7: date '20241345' is not a calendar date".
package struct LIVESProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file's name ("inspections.csv"), or the folder's path for a folder that cannot be read.
    package let file: String
    /// Nil for a problem of the whole file (missing, unreadable).
    package let line: Int?
    package let message: String

    package init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    package var description: String {
        if let line { "\(file) line \(line): \(message)" } else { "\(file): \(message)" }
    }
}

/// Why a feed was refused: its problems in file order (businesses, inspections, violations, legend,
/// feed_info), each file's by line; past `LIVESFeed.problemLimit` only counted, since a file broken
/// throughout repeats one mistake on every line.
package struct LIVESFeedErrors: Error, Sendable, Equatable, CustomStringConvertible {
    package let problems: [LIVESProblem]
    /// Problems found beyond the limit and left out.
    package let omittedCount: Int

    package init(problems: [LIVESProblem], omittedCount: Int = 0) {
        self.problems = problems
        self.omittedCount = omittedCount
    }

    package var description: String {
        let lines = problems.map(\.description)
        return (omittedCount > 0 ? lines + ["… and \(omittedCount) more problems"] : lines).joined(separator: "\n")
    }
}

/// A business with its most recent inspection and grade.
package struct BusinessStanding: Sendable, Equatable {
    package let business: InspectionBusiness
    /// The latest inspection of any kind, scored or not; nil for a business never inspected.
    package let latest: Inspection?
    /// The latest inspection with a score: a follow-up visit often has none, and the grade a diner sees
    /// stays the one of the last scored visit.
    package let latestScored: Inspection?
    package var score: Double? { latestScored?.score }
    /// The grade of `score` under the feed's scheme.
    package let grade: String?
}

// MARK: - The feed

/// A LIVES 1.0 feed that passed every check.
package struct LIVESFeed: Sendable {
    package static let businessesFile = "businesses.csv"
    package static let inspectionsFile = "inspections.csv"
    package static let violationsFile = "violations.csv"
    package static let legendFile = "legend.csv"
    package static let feedInfoFile = "feed_info.csv"
    /// The files a feed is made of, in the order problems are reported.
    package static let fileNames = [businessesFile, inspectionsFile, violationsFile, legendFile, feedInfoFile]
    /// Problems reported at most; more are counted.
    package static let problemLimit = 100

    /// In the order of businesses.csv.
    package let businesses: [InspectionBusiness]
    /// Ordered by business_id (its UTF-8 bytes, so the order is the same everywhere), then by date.
    package let inspections: [Inspection]
    package let scheme: GradeScheme
    package let info: FeedInfo?

    private let businessIndex: [String: Int]
    private let inspectionRanges: [String: Range<Int>]

    /// A feed from values already checked; orders the inspections as `inspections` promises.
    package init(businesses: [InspectionBusiness], inspections: [Inspection], scheme: GradeScheme, info: FeedInfo?) {
        self.businesses = businesses
        self.inspections = inspections.sorted {
            $0.businessID != $1.businessID
                ? $0.businessID.utf8.lexicographicallyPrecedes($1.businessID.utf8)
                : $0.date < $1.date
        }
        self.scheme = scheme
        self.info = info
        var businessIndex: [String: Int] = [:]
        for (index, business) in businesses.enumerated() where businessIndex[business.id] == nil {
            businessIndex[business.id] = index
        }
        self.businessIndex = businessIndex
        var ranges: [String: Range<Int>] = [:]
        var start = 0
        while start < self.inspections.count {
            let id = self.inspections[start].businessID
            var end = start + 1
            while end < self.inspections.count && self.inspections[end].businessID == id { end += 1 }
            ranges[id] = start..<end
            start = end
        }
        self.inspectionRanges = ranges
    }

    package func business(id: String) -> InspectionBusiness? {
        businessIndex[id].map { businesses[$0] }
    }

    /// A business's inspections, oldest first.
    package func inspections(of businessID: String) -> ArraySlice<Inspection> {
        guard let range = inspectionRanges[businessID] else { return [] }
        return inspections[range]
    }

    /// The business's most recent inspection, scored or not (a feed has one inspection a business and day).
    package func latest(for businessID: String) -> Inspection? {
        inspections(of: businessID).last
    }

    /// The business's most recent inspection that has a score.
    package func latestScored(for businessID: String) -> Inspection? {
        inspections(of: businessID).last { $0.score != nil }
    }

    /// The grade of an inspection under the feed's scheme; nil when unscored or the scheme has none.
    package func grade(of inspection: Inspection) -> String? {
        inspection.score.flatMap(scheme.grade(forScore:))
    }

    /// Every business, in the order of businesses.csv, with its latest inspection, score and grade.
    package func standings() -> [BusinessStanding] {
        businesses.map { business in
            let scored = latestScored(for: business.id)
            return BusinessStanding(
                business: business, latest: latest(for: business.id), latestScored: scored,
                grade: scored.flatMap(grade(of:)))
        }
    }

    // MARK: Reading

    /// Reads the feed in `folder`; the files are found by their LIVES names, other files are ignored.
    package static func read(folder: URL) throws(LIVESFeedErrors) -> LIVESFeed {
        let manager = FileManager.default
        guard (try? manager.contentsOfDirectory(atPath: folder.path(percentEncoded: false))) != nil else {
            throw LIVESFeedErrors(problems: [LIVESProblem(file: folder.path(percentEncoded: false), line: nil, message: "is not a readable folder")])
        }
        var files: [String: [UInt8]] = [:]
        var unreadable: [LIVESProblem] = []
        for name in fileNames {
            let url = folder.appending(path: name)
            guard manager.fileExists(atPath: url.path(percentEncoded: false)) else { continue }
            do {
                files[name] = [UInt8](try Data(contentsOf: url))
            } catch {
                unreadable.append(LIVESProblem(file: name, line: nil, message: "cannot be read (\(error))"))
            }
        }
        if !unreadable.isEmpty { throw LIVESFeedErrors(problems: unreadable) }
        return try read(files: files)
    }

    /// Reads the feed in the folder at `folderPath`.
    package static func read(folderPath: String) throws(LIVESFeedErrors) -> LIVESFeed {
        try read(folder: URL(filePath: folderPath, directoryHint: .isDirectory))
    }

    /// Reads a feed from its files' bytes, keyed by file name ("businesses.csv"); a missing key is a missing
    /// file. The same checks as `read(folder:)`, for feeds that come zipped or over the network.
    package static func read(files: [String: [UInt8]]) throws(LIVESFeedErrors) -> LIVESFeed {
        var reader = FeedReader(files: files)
        return try reader.read()
    }
}

// MARK: - Validation

/// An inspection's key in violations.csv: LIVES gives inspections no id, so a violation names the
/// business and the date.
private struct InspectionKey: Hashable {
    let businessID: String
    let date: CalendarDay
}

/// The problems found so far, per file, each file's capped at the limit.
private struct ProblemLog {
    private var byFile: [String: [LIVESProblem]] = [:]
    private(set) var total = 0

    var isEmpty: Bool { total == 0 }

    mutating func add(_ file: String, _ line: Int?, _ message: String) {
        total += 1
        if byFile[file, default: []].count < LIVESFeed.problemLimit {
            byFile[file, default: []].append(LIVESProblem(file: file, line: line, message: message))
        }
    }

    /// Files in LIVES order, each file's problems by line (file-wide problems first), cut at the limit.
    func errors() -> LIVESFeedErrors {
        let ordered = LIVESFeed.fileNames.flatMap { name in
            (byFile[name] ?? []).enumerated()
                .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
                .map(\.element)
        }
        let shown = Array(ordered.prefix(LIVESFeed.problemLimit))
        return LIVESFeedErrors(problems: shown, omittedCount: total - shown.count)
    }
}

/// What the grade scheme turned out to be; `unknown` when feed_info.csv names one badly, so that checks
/// depending on it are skipped instead of adding problems that are only echoes.
private enum SchemeState {
    case known(GradeScheme)
    case unknown
}

/// What legend.csv held: nothing (no file), bands, or problems (already logged).
private enum LegendState {
    case absent
    case valid(GradeLegend)
    case invalid
}

/// A value that may be left empty: absent, read, or wrong (the problem already logged).
private enum OptionalField<Value> {
    case absent
    case value(Value)
    case invalid
}

/// An inspection row whose date could not be read, by its raw text.
private struct UnreadInspection: Hashable {
    let businessID: String
    let dateText: String
}

private struct FeedReader {
    let files: [String: [UInt8]]
    var log = ProblemLog()

    init(files: [String: [UInt8]]) { self.files = files }

    mutating func read() throws(LIVESFeedErrors) -> LIVESFeed {
        let (info, schemeName) = readFeedInfo()
        let legend = readLegend()
        let scheme = resolveScheme(named: schemeName, legend: legend)
        let (businesses, declaredIDs) = readBusinesses()
        let rows = readInspections(declaredIDs: declaredIDs, scheme: scheme)
        var inspections = rows.inspections
        readViolations(
            declaredIDs: declaredIDs, into: &inspections, index: rows.index, knownKeys: rows.knownKeys,
            unread: rows.unread)
        guard log.isEmpty, case .known(let finalScheme) = scheme else { throw log.errors() }
        return LIVESFeed(businesses: businesses, inspections: inspections, scheme: finalScheme, info: info)
    }

    // MARK: Files and fields

    /// The file's table if it is there and has the columns the rest relies on; its CSV errors logged.
    /// A table with bad rows is still returned, so the values of its good rows are checked too.
    mutating func table(_ name: String, required: Bool, columns: [String]) -> CSVTable? {
        guard let bytes = files[name] else {
            if required { log.add(name, nil, "the file is missing; LIVES 1.0 requires it") }
            return nil
        }
        let (table, errors) = CSVTable.read(utf8: bytes)
        for error in errors { log.add(name, error.line, error.message) }
        guard let table else { return nil }
        let missing = columns.filter { !table.hasColumn($0) }
        for column in missing { log.add(name, table.headerLine, "required column '\(column)' is missing from the header") }
        return missing.isEmpty ? table : nil
    }

    /// A field trimmed, "" when empty or when the file has no such column.
    func text(_ row: CSVTable.Row, _ column: String) -> String {
        row[column].map(trimmedWhitespace) ?? ""
    }

    /// An optional text: nil when empty, so an empty cell and a missing column read alike.
    func optionalText(_ row: CSVTable.Row, _ column: String) -> String? {
        let value = text(row, column)
        return value.isEmpty ? nil : value
    }

    /// A decimal number as feeds write scores and coordinates: a sign, digits, a fraction. Swift's
    /// `Double(_:)` alone would also take "nan", "inf", "1e3" and hex floats, which no LIVES producer
    /// writes and which hide typos.
    static func decimal(_ text: String) -> Double? {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits = { (part: Substring) in part.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }
        guard parts.allSatisfy(isDigits), parts.contains(where: { !$0.isEmpty }) else { return nil }
        return Double(text)
    }

    /// A required date column: the day, or nil with the problem logged.
    mutating func date(_ row: CSVTable.Row, _ file: String, _ column: String) -> CalendarDay? {
        let value = text(row, column)
        if value.isEmpty {
            log.add(file, row.line, "\(column) is empty")
            return nil
        }
        guard let day = CalendarDay(yyyymmdd: value) else {
            let shaped = value.utf8.count == 8 && value.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            log.add(file, row.line, shaped ? "\(column) '\(value)' is not a calendar date" : "\(column) '\(value)' is not a date in YYYYMMDD form")
            return nil
        }
        return day
    }

    // MARK: feed_info.csv

    /// feed_info.csv (LIVES: one row; feed_date YYYYMMDD). The file is optional here, unlike in LIVES,
    /// because a municipality's own export often lacks it and nothing Zamin shows depends on it.
    mutating func readFeedInfo() -> (FeedInfo?, schemeName: (value: String, line: Int)?) {
        let file = LIVESFeed.feedInfoFile
        guard let table = table(file, required: false, columns: []) else { return (nil, nil) }
        guard let row = table.rows.first else {
            log.add(file, table.headerLine + 1, "the file has no data row; LIVES asks for one")
            return (nil, nil)
        }
        for extra in table.rows.dropFirst() {
            log.add(file, extra.line, "a second data row; LIVES feed_info.csv has one (the first is on line \(row.line))")
        }
        var info = FeedInfo(
            feedVersion: optionalText(row, "feed_version"), municipalityName: optionalText(row, "municipality_name"),
            municipalityURL: optionalText(row, "municipality_url"), contactEmail: optionalText(row, "contact_email"))
        if optionalText(row, "feed_date") != nil { info.feedDate = date(row, file, "feed_date") }
        let scheme = optionalText(row, "grade_scheme").map { (value: $0, line: row.line) }
        return (info, scheme)
    }

    // MARK: legend.csv

    /// legend.csv's bands; `invalid` when the file has any problem, so that scores are not also checked
    /// against a legend known to be wrong.
    mutating func readLegend() -> LegendState {
        let file = LIVESFeed.legendFile
        guard files[file] != nil else { return .absent }
        let problemsBefore = log.total
        guard let table = table(file, required: false, columns: ["minimum_score", "maximum_score", "description"]) else {
            return .invalid
        }
        var bands: [(band: GradeBand, line: Int)] = []
        for row in table.rows {
            let minimumText = text(row, "minimum_score"), maximumText = text(row, "maximum_score")
            let grade = text(row, "description")
            let minimum = Self.decimal(minimumText), maximum = Self.decimal(maximumText)
            if minimum == nil { log.add(file, row.line, "minimum_score '\(minimumText)' is not a number") }
            if maximum == nil { log.add(file, row.line, "maximum_score '\(maximumText)' is not a number") }
            if grade.isEmpty { log.add(file, row.line, "description (the grade) is empty") }
            guard let minimum, let maximum, !grade.isEmpty else { continue }
            guard minimum <= maximum else {
                log.add(file, row.line, "minimum_score \(minimumText) is greater than maximum_score \(maximumText)")
                continue
            }
            bands.append((GradeBand(minimum: minimum, maximum: maximum, grade: grade), row.line))
        }
        // Ranges are inclusive at both ends (a legend reads 80–89, 90–100), so ranges that share an end
        // overlap: a score on the shared end would have two grades.
        let sorted = bands.sorted { ($0.band.minimum, $0.line) < ($1.band.minimum, $1.line) }
        var reach: (band: GradeBand, line: Int)?
        for entry in sorted {
            if let previous = reach, entry.band.minimum <= previous.band.maximum {
                let (a, b) = previous.line < entry.line ? (previous, entry) : (entry, previous)
                log.add(file, b.line, "range \(Self.format(b.band.minimum))–\(Self.format(b.band.maximum)) overlaps range \(Self.format(a.band.minimum))–\(Self.format(a.band.maximum)) on line \(a.line)")
            }
            if reach == nil || entry.band.maximum > reach!.band.maximum { reach = entry }
        }
        guard log.total == problemsBefore else { return .invalid }
        return .valid(GradeLegend(bands: bands.map(\.band)))
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// feed_info.csv's grade_scheme, or LIVES's own way by default: legend.csv's bands when the file is
    /// there, no grades when it is not.
    mutating func resolveScheme(named name: (value: String, line: Int)?, legend: LegendState) -> SchemeState {
        let file = LIVESFeed.feedInfoFile
        let fromLegend: SchemeState
        switch legend {
        case .absent:
            if let name, name.value.lowercased() == "legend" {
                log.add(file, name.line, "grade_scheme 'legend' but the feed has no legend.csv")
                return .unknown
            }
            fromLegend = .known(.none)
        case .invalid:
            fromLegend = .unknown
        case .valid(let bands):
            fromLegend = .known(.legend(bands))
            // An empty legend grades nothing; under nyc_letters it is merely unused.
            if bands.bands.isEmpty && name?.value.lowercased() != "nyc_letters" {
                log.add(LIVESFeed.legendFile, nil, "the file has no score ranges")
                return .unknown
            }
        }
        guard let name else { return fromLegend }
        switch name.value.lowercased() {
        case "legend":
            return fromLegend
        case "nyc_letters":
            return .known(.nycLetters)
        default:
            log.add(file, name.line, "grade_scheme '\(name.value)' is neither 'legend' nor 'nyc_letters'")
            return .unknown
        }
    }

    // MARK: businesses.csv

    /// The valid businesses, and every id the file declares (valid rows or not), or nil when the file
    /// cannot be read at all: then references to businesses are not checked, since every one would fail.
    mutating func readBusinesses() -> ([InspectionBusiness], Set<String>?) {
        let file = LIVESFeed.businessesFile
        guard let table = table(file, required: true, columns: ["business_id", "name"]) else { return ([], nil) }
        var businesses: [InspectionBusiness] = []
        var firstLine: [String: Int] = [:]
        for row in table.rows {
            var valid = true
            let id = text(row, "business_id")
            if id.isEmpty {
                log.add(file, row.line, "business_id is empty")
                valid = false
            } else if let first = firstLine[id] {
                log.add(file, row.line, "business_id '\(id)' is already used on line \(first)")
                valid = false
            } else {
                firstLine[id] = row.line
            }
            let name = text(row, "name")
            if name.isEmpty {
                log.add(file, row.line, "name is empty")
                valid = false
            }
            let location: InspectionBusiness.Location?
            switch readLocation(row) {
            case .absent: location = nil
            case .value(let value): location = value
            case .invalid: continue
            }
            guard valid else { continue }
            businesses.append(InspectionBusiness(
                id: id, name: name, address: optionalText(row, "address"), city: optionalText(row, "city"),
                state: optionalText(row, "state"), postalCode: optionalText(row, "postal_code"),
                phone: optionalText(row, "phone_number"), location: location,
                facilityID: optionalText(row, "facility_id"), line: row.line))
        }
        return (businesses, Set(firstLine.keys))
    }

    /// latitude and longitude (LIVES businesses.csv): both or neither, decimal degrees in range.
    mutating func readLocation(_ row: CSVTable.Row) -> OptionalField<InspectionBusiness.Location> {
        let file = LIVESFeed.businessesFile
        let latitudeText = text(row, "latitude"), longitudeText = text(row, "longitude")
        switch (latitudeText.isEmpty, longitudeText.isEmpty) {
        case (true, true):
            return .absent
        case (false, true):
            log.add(file, row.line, "latitude without longitude")
            return .invalid
        case (true, false):
            log.add(file, row.line, "longitude without latitude")
            return .invalid
        case (false, false):
            var valid = true
            let latitude = Self.decimal(latitudeText), longitude = Self.decimal(longitudeText)
            if let latitude {
                if !(-90...90).contains(latitude) {
                    log.add(file, row.line, "latitude '\(latitudeText)' is outside -90…90")
                    valid = false
                }
            } else {
                log.add(file, row.line, "latitude '\(latitudeText)' is not a decimal number")
                valid = false
            }
            if let longitude {
                if !(-180...180).contains(longitude) {
                    log.add(file, row.line, "longitude '\(longitudeText)' is outside -180…180")
                    valid = false
                }
            } else {
                log.add(file, row.line, "longitude '\(longitudeText)' is not a decimal number")
                valid = false
            }
            guard valid, let latitude, let longitude else { return .invalid }
            return .value(InspectionBusiness.Location(latitude: latitude, longitude: longitude))
        }
    }

    // MARK: inspections.csv

    /// The valid inspections with the index of each by key. Also, so that the violations of a broken
    /// inspection row are not reported a second time as orphans: the keys of every row whose business and
    /// date could be read, valid or not (nil when the file could not be read at all), and the rows whose
    /// date could not.
    mutating func readInspections(declaredIDs: Set<String>?, scheme: SchemeState)
        -> (inspections: [Inspection], index: [InspectionKey: Int], knownKeys: Set<InspectionKey>?, unread: Set<UnreadInspection>)
    {
        let file = LIVESFeed.inspectionsFile
        guard let table = table(file, required: true, columns: ["business_id", "date"]) else { return ([], [:], nil, []) }
        var inspections: [Inspection] = []
        var index: [InspectionKey: Int] = [:]
        var firstLine: [InspectionKey: Int] = [:]
        var unread: Set<UnreadInspection> = []
        for row in table.rows {
            var valid = true
            let businessID = text(row, "business_id")
            if businessID.isEmpty {
                log.add(file, row.line, "business_id is empty")
                valid = false
            } else if let declaredIDs, !declaredIDs.contains(businessID) {
                log.add(file, row.line, "business_id '\(businessID)' is not in businesses.csv")
                valid = false
            }
            let date = date(row, file, "date")
            if date == nil { unread.insert(UnreadInspection(businessID: businessID, dateText: text(row, "date"))) }
            let scoreText = text(row, "score")
            var score: Double?
            if !scoreText.isEmpty {
                score = checkedScore(scoreText, row: row, scheme: scheme)
                if score == nil { valid = false }
            }
            guard let date, !businessID.isEmpty else { continue }
            let key = InspectionKey(businessID: businessID, date: date)
            if let first = firstLine[key] {
                // violations.csv names an inspection by business and date alone, so a second inspection of a
                // business on one day would make its violations ambiguous.
                log.add(file, row.line, "a second inspection of business '\(businessID)' on \(date.yyyymmdd) (the first is on line \(first)); violations.csv could not tell them apart")
                continue
            }
            firstLine[key] = row.line
            guard valid else { continue }
            index[key] = inspections.count
            inspections.append(Inspection(
                businessID: businessID, date: date, score: score, description: optionalText(row, "description"),
                type: optionalText(row, "type")))
        }
        return (inspections, index, Set(firstLine.keys), unread)
    }

    /// A score as LIVES inspections.csv defines it: 0–100. Under `nyc_letters` scores are violation points
    /// with no upper bound; under a legend, a score must also fall in one of its ranges, or it has no grade.
    mutating func checkedScore(_ text: String, row: CSVTable.Row, scheme: SchemeState) -> Double? {
        let file = LIVESFeed.inspectionsFile
        guard let score = Self.decimal(text) else {
            log.add(file, row.line, "score '\(text)' is not a number")
            return nil
        }
        switch scheme {
        case .known(.nycLetters), .unknown:
            guard score >= 0 else {
                log.add(file, row.line, "score '\(text)' is negative")
                return nil
            }
        case .known(.none), .known(.legend):
            guard (0...100).contains(score) else {
                log.add(file, row.line, "score '\(text)' is outside 0–100")
                return nil
            }
            if case .known(.legend(let legend)) = scheme, legend.grade(forScore: score) == nil {
                log.add(file, row.line, "score '\(text)' is in no range of legend.csv")
                return nil
            }
        }
        return score
    }

    // MARK: violations.csv

    mutating func readViolations(
        declaredIDs: Set<String>?, into inspections: inout [Inspection], index: [InspectionKey: Int],
        knownKeys: Set<InspectionKey>?, unread: Set<UnreadInspection>
    ) {
        let file = LIVESFeed.violationsFile
        guard let table = table(file, required: false, columns: ["business_id", "date"]) else { return }
        guard table.hasColumn("code") || table.hasColumn("description") else {
            log.add(file, table.headerLine, "the header has neither a 'code' nor a 'description' column")
            return
        }
        for row in table.rows {
            let businessID = text(row, "business_id")
            var known = true
            if businessID.isEmpty {
                log.add(file, row.line, "business_id is empty")
                known = false
            } else if let declaredIDs, !declaredIDs.contains(businessID) {
                log.add(file, row.line, "business_id '\(businessID)' is not in businesses.csv")
                known = false
            }
            let date = date(row, file, "date")
            let code = optionalText(row, "code"), description = optionalText(row, "description")
            if code == nil && description == nil { log.add(file, row.line, "the violation has neither a code nor a description") }
            guard known, let date, let knownKeys else { continue }
            let key = InspectionKey(businessID: businessID, date: date)
            if let position = index[key] {
                inspections[position].violations.append(InspectionViolation(code: code, description: description))
            } else if !knownKeys.contains(key) && !unread.contains(UnreadInspection(businessID: businessID, dateText: text(row, "date"))) {
                log.add(file, row.line, "no inspection of business '\(businessID)' on \(date.yyyymmdd) in inspections.csv")
            }
        }
    }
}
