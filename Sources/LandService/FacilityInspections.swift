package import Foundation
package import LandModel
package import GeoCore
import GeoFormats
package import Inspections

/// How a LIVES business was linked to a facility (issue 21 point 1), as the import reports it.
package enum InspectionLinkKind: String, Sendable {
    /// businesses.csv names the facility (`facility_id`).
    case byID = "id"
    /// The nearest facility within 30 m whose name folds (as search folds) to the business's.
    case byNameNearby = "name_within_30m"
    /// No facility matched: the business became a facility of category `restaurant`.
    case newFacility = "new_facility"
}

package struct InspectionLink: Sendable, Equatable {
    package var businessID: String
    package var facilityID: FacilityID
    package var kind: InspectionLinkKind
    /// The geodesic distance to the facility matched by name.
    package var meters: Double?
}

/// What a facility's inspections say now: the latest inspection's date, the latest scored one's
/// score and grade.
package struct LatestInspection: Sendable, Equatable {
    package var date: CalendarDay
    package var score: Double?
    package var grade: String?
    /// Older than `FacilityInspections.staleDays` on the day it is asked.
    package var isStale: Bool

    package init(date: CalendarDay, score: Double?, grade: String?, isStale: Bool) {
        self.date = date
        self.score = score
        self.grade = grade
        self.isStale = isStale
    }
}

/// The stored feed and its links, read into inspections by facility. Part of the snapshot's
/// information layers (`InformationLayerName.inspections`): replaced whole when the dataset's
/// `lives/` folder or its links change.
package struct FacilityInspections: Sendable {
    package let feed: LIVESFeed?
    /// Business ids by facility; the links as made at import.
    package let businessesByFacility: [FacilityID: [String]]
    package let links: [InspectionLink]

    package static let empty = FacilityInspections(feed: nil, links: [])

    /// An inspection older than this many days is flagged stale (`ZAMIN_INSPECTION_STALE_DAYS`,
    /// default 365: a restaurant is inspected at least yearly in most cities).
    package static let staleDays: Int = {
        ProcessInfo.processInfo.environment["ZAMIN_INSPECTION_STALE_DAYS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 365
    }()

    init(feed: LIVESFeed?, links: [InspectionLink]) {
        self.feed = feed
        self.links = links
        businessesByFacility = Dictionary(grouping: links, by: \.facilityID).mapValues { $0.map(\.businessID) }
    }

    /// The stored text: `{"files": {"businesses.csv": "…", …}, "links": [{business, facility, how, meters}]}`.
    init?(storedText text: String) {
        guard case .object(let root)? = try? JSONParser.parse(Array(text.utf8)), let files = root["files"]?.objectValue else { return nil }
        var bytes: [String: [UInt8]] = [:]
        for member in files.members { if let text = member.value.stringValue { bytes[member.key] = Array(text.utf8) } }
        guard let feed = try? LIVESFeed.read(files: bytes) else { return nil }
        let links = (root["links"]?.arrayValue ?? []).compactMap { item -> InspectionLink? in
            guard let object = item.objectValue, let business = object["business"]?.stringValue, let facility = object["facility"]?.stringValue,
                let kind = object["how"]?.stringValue.flatMap(InspectionLinkKind.init(rawValue:))
            else { return nil }
            return InspectionLink(businessID: business, facilityID: FacilityID(facility), kind: kind, meters: object["meters"]?.numberValue)
        }
        self.init(feed: feed, links: links)
    }

    static func storedText(files: [String: String], links: [InspectionLink]) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("files")
        writer.beginObject()
        for name in files.keys.sorted() {
            writer.key(name)
            writer.string(files[name]!)
        }
        writer.endObject()
        writer.key("links")
        writer.beginArray()
        for link in links {
            writer.beginObject()
            writer.key("business"); writer.string(link.businessID)
            writer.key("facility"); writer.string(link.facilityID.rawValue)
            writer.key("how"); writer.string(link.kind.rawValue)
            if let meters = link.meters { writer.key("meters"); writer.number(meters, decimals: 2) }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Every inspection of the facility's businesses, newest first.
    package func inspections(of facility: FacilityID) -> [Inspection] {
        guard let feed, let businesses = businessesByFacility[facility] else { return [] }
        return businesses.flatMap { feed.inspections(of: $0) }.sorted { $0.date > $1.date }
    }

    /// The latest inspection (any) and the latest scored one's score and grade, as of `today`.
    package func latest(for facility: FacilityID, today: CalendarDay = CalendarDay.today) -> LatestInspection? {
        let all = inspections(of: facility)
        guard let newest = all.first, let feed else { return nil }
        let scored = all.first { $0.score != nil }
        return LatestInspection(
            date: newest.date, score: scored?.score, grade: scored?.score.flatMap { feed.scheme.grade(forScore: $0) },
            isStale: newest.date.daysUntil(today) > Self.staleDays)
    }

    /// The grades of the feed's scheme, best first: NYC's letters, or the legend's bands from
    /// the highest scores down (LIVES scores are out of 100, higher is better).
    package var gradesBestFirst: [String] {
        switch feed?.scheme {
        case .nycLetters: ["A", "B", "C"]
        case .legend(let legend): legend.bands.sorted { $0.minimum > $1.minimum }.map(\.grade)
        case .none?, nil: []
        }
    }

    /// Whether `grade` is `minimum` or better.
    package func grade(_ grade: String?, isAtLeast minimum: String) -> Bool {
        let order = gradesBestFirst
        guard let grade, let rank = order.firstIndex(of: grade), let wanted = order.firstIndex(of: minimum) else { return false }
        return rank <= wanted
    }
}

extension CalendarDay {
    /// Today in UTC.
    package static var today: CalendarDay {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date.now)
        return CalendarDay(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    /// Days from this day to `other` (negative when `other` is earlier).
    package func daysUntil(_ other: CalendarDay) -> Int {
        Self.dayNumber(other) - Self.dayNumber(self)
    }

    /// Days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's days_from_civil).
    private static func dayNumber(_ day: CalendarDay) -> Int {
        let y = day.month <= 2 ? day.year - 1 : day.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (day.month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}

extension CitySnapshot {
    /// The k nearest inspected facilities graded `minimumGrade` or better (of `categories` when
    /// given), within `maxDistanceMeters`, nearest first (ties by position). Inspected facilities
    /// are few (one city's food businesses), so they are measured one by one.
    package func nearestInspected(
        to point: Coordinate, k: Int, categories: Set<FacilityCategory>?, minimumGrade: String, maxDistanceMeters: Double
    ) -> [NearbyFacility] {
        let inspections = information.inspections
        var found: [NearbyFacility] = []
        for (facility, _) in inspections.businessesByFacility {
            guard let position = facilityPosition[facility] else { continue }
            let candidate = facilities[Int(position)]
            if let categories, !categories.contains(candidate.category) { continue }
            guard inspections.grade(inspections.latest(for: facility)?.grade, isAtLeast: minimumGrade) else { continue }
            let meters = point.geodesicDistanceMeters(to: candidate.location)
            if meters <= maxDistanceMeters { found.append(NearbyFacility(position: position, distanceMeters: meters)) }
        }
        found.sort { ($0.distanceMeters, $0.position) < ($1.distanceMeters, $1.position) }
        return Array(found.prefix(k))
    }
}

// MARK: - linking at import

extension DatasetImporter {
    /// The dataset's LIVES feed (`lives/` of the folder), read strictly, its businesses linked to
    /// `facilities`: by `facility_id`, else to the nearest facility within 30 m whose name folds
    /// to the business's, else as a new facility of category `restaurant` (`lives-<business_id>`).
    /// nil when the folder has no `lives/`; problems (file and line) go into `problems`.
    func linkInspectionFeed(
        of folder: URL, facilities: [Facility], problems: inout [ImportProblem]
    ) -> (storedText: String, links: [InspectionLink], newFacilities: [Facility])? {
        let directory = folder.appending(path: Self.livesFolder)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        var files: [String: [UInt8]] = [:]
        for name in LIVESFeed.fileNames {
            if let data = FileManager.default.contents(atPath: directory.appending(path: name).path) { files[name] = Array(data) }
        }
        let feed: LIVESFeed
        do {
            feed = try LIVESFeed.read(files: files)
        } catch {
            for problem in error.problems {
                problems.append(ImportProblem(file: "\(Self.livesFolder)/\(problem.file)", message: problem.line.map { "line \($0): \(problem.message)" } ?? problem.message))
            }
            if error.omittedCount > 0 {
                problems.append(ImportProblem(file: Self.livesFolder, message: "\(error.omittedCount) more problems"))
            }
            return nil
        }
        let byID = Dictionary(facilities.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var links: [InspectionLink] = []
        var created: [Facility] = []
        let before = problems.count
        for business in feed.businesses {
            if let named = business.facilityID {
                guard byID[FacilityID(named)] != nil else {
                    problems.append(
                        ImportProblem(
                            file: "\(Self.livesFolder)/\(LIVESFeed.businessesFile)",
                            message: "line \(business.line): business \(business.id): facility_id \(named) names no facility of the dataset"))
                    continue
                }
                links.append(InspectionLink(businessID: business.id, facilityID: FacilityID(named), kind: .byID, meters: nil))
                continue
            }
            guard let location = business.location.flatMap({ Coordinate(lon: $0.longitude, lat: $0.latitude) }) else {
                problems.append(
                    ImportProblem(
                        file: "\(Self.livesFolder)/\(LIVESFeed.businessesFile)",
                        message: "line \(business.line): business \(business.id) has neither facility_id nor latitude and longitude: it cannot be placed"))
                continue
            }
            let name = SearchText.normalized(business.name)
            var best: (facility: Facility, meters: Double)?
            for facility in facilities {
                let names = [facility.nameFa, facility.nameEn].compactMap { $0 }.map(SearchText.normalized)
                guard !name.isEmpty, names.contains(name) else { continue }
                let meters = location.geodesicDistanceMeters(to: facility.location)
                guard meters <= Self.linkRadiusMeters else { continue }
                if best == nil || (meters, facility.id) < (best!.meters, best!.facility.id) { best = (facility, meters) }
            }
            if let best {
                links.append(InspectionLink(businessID: business.id, facilityID: best.facility.id, kind: .byNameNearby, meters: best.meters))
                continue
            }
            let facility = Facility(
                id: FacilityID("lives-" + business.id), location: location, category: FacilityCategory("restaurant"), categoryFa: "رستوران",
                nameFa: business.name, nameEn: nil)
            guard byID[facility.id] == nil else {
                problems.append(
                    ImportProblem(
                        file: "\(Self.livesFolder)/\(LIVESFeed.businessesFile)",
                        message: "line \(business.line): business \(business.id) would become facility \(facility.id.rawValue), an id the dataset already has"))
                continue
            }
            created.append(facility)
            links.append(InspectionLink(businessID: business.id, facilityID: facility.id, kind: .newFacility, meters: nil))
        }
        guard problems.count == before else { return nil }
        var texts: [String: String] = [:]
        for (name, bytes) in files { texts[name] = String(decoding: bytes, as: UTF8.self) }
        return (FacilityInspections.storedText(files: texts, links: links), links, created)
    }

    /// A dataset's LIVES feed folder.
    package static let livesFolder = "lives"
    /// How far a business may be from the facility its name matches.
    static let linkRadiusMeters = 30.0
}
