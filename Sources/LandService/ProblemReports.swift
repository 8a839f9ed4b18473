package import LandModel
package import LandStore
package import GeoCore
import GeoFormats
import SpatialIndex
import Photos
import Crypto
import Synchronization
import Logging
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a report is, as the reporter said it (Open311 GeoReport v2 "POST Service Request":
/// `lat`+`long`, `address_string` or `address_id`).
package enum ReportLocation: Sendable {
    /// A point, with the address the reporter wrote beside it, if any (kept as written).
    case point(Coordinate, address: String? = nil)
    /// A parcel's address as the city writes it.
    case address(String)
    /// A parcel id (Open311's `address_id`).
    case parcel(ParcelID)
}

/// A report as the API read it: typed, each field within its limits. What remains to check needs
/// the city: the service and its attributes, the place, the photos' bytes.
package struct ReportFiling: Sendable {
    package var serviceCode: ServiceCode
    package var location: ReportLocation
    package var description: String
    /// The answers as sent: code → values (several only for a multivaluelist).
    package var attributes: [(code: String, values: [String])]
    /// The photos' bytes as uploaded (cleaned and checked here).
    package var photos: [[UInt8]]
    package var contact: ReporterContact
    package var source: String
    /// Open311 `media_url`: a photo the app hosts (kept as a link, never fetched).
    package var mediaURL: String?

    package init(
        serviceCode: ServiceCode, location: ReportLocation, description: String, attributes: [(code: String, values: [String])],
        photos: [[UInt8]], contact: ReporterContact, source: String, mediaURL: String? = nil
    ) {
        self.mediaURL = mediaURL
        self.serviceCode = serviceCode
        self.location = location
        self.description = description
        self.attributes = attributes
        self.photos = photos
        self.contact = contact
        self.source = source
    }

    package static let maxPhotos = 3
    package static let maxPhotoBytes = 5 * 1024 * 1024
    package static let maxDescriptionCharacters = 4000
}

/// Why a report cannot be filed; each names what is wrong, never what the reporter wrote.
package enum ReportProblem: Sendable, Equatable {
    case unknownService(ServiceCode)
    case missingAttribute(String)
    case unknownAttribute(String)
    case invalidAttributeValue(String)
    case photoNotJPEGOrPNG(index: Int)
    case photoDamaged(index: Int)
    case tooManyPhotos
    case outsideCity
    case unknownAddress
    case unknownParcel(ParcelID)
}

/// A filed report and the open reports of its service that were already there nearby.
package struct FiledReport: Sendable {
    package var report: ProblemReport
    package var nearby: [NearbyReport]
}

package struct NearbyReport: Sendable {
    package var report: ProblemReport
    package var meters: Double
}

/// What the operators' queue and the statistics filter on.
package struct ReportFilter: Sendable {
    package var status: ReportStatus?
    package var service: ServiceCode?
    package var zone: ZoneCode?
    package var bbox: BoundingBox?
    package var assignedTo: String?
    /// Submitted in [from, to] (RFC 3339 UTC).
    package var from: String?
    package var to: String?

    package init(
        status: ReportStatus? = nil, service: ServiceCode? = nil, zone: ZoneCode? = nil, bbox: BoundingBox? = nil,
        assignedTo: String? = nil, from: String? = nil, to: String? = nil
    ) {
        self.status = status
        self.service = service
        self.zone = zone
        self.bbox = bbox
        self.assignedTo = assignedTo
        self.from = from
        self.to = to
    }

    func admits(_ report: ProblemReport) -> Bool {
        if let status, report.status != status { return false }
        if let service, report.serviceCode != service { return false }
        if let zone, report.zoneCode != zone { return false }
        if let assignedTo, report.assignedTo != assignedTo { return false }
        if let bbox, let point = Coordinate(lon: report.longitude, lat: report.latitude), !bbox.contains(point) { return false }
        return true
    }
}

/// Counts per service and status, and how long closing took (`/stats/reports`).
package struct ReportStatistics: Sendable {
    package var counts: [ServiceCode: [ReportStatus: Int]]
    /// Median hours from submission to closing, per service (closed reports only).
    package var medianHoursToClose: [ServiceCode: Double]
    package var overallMedianHoursToClose: Double?
    package var total: Int
}

/// The open reports a node knows, in an R-tree by point, for "already reported here" (issue 20
/// point 5). Brought up to date from the store before each use (`reportsChanged(since:)`), so a
/// report filed on another node is found too.
final class OpenReportIndex: Sendable {
    struct Entry: Sendable {
        var service: ServiceCode
        var point: Coordinate
    }

    private struct State: Sendable {
        var index = LayerIndex(boxes: [], ids: [])
        var entries: [Int32: Entry] = [:]
        /// The newest `updated_at` seen: rows changed at or after it are read again.
        var watermark: String?
    }

    private let state = Mutex(State())

    var watermark: String? { state.withLock { $0.watermark } }

    func apply(_ reports: [ProblemReport]) {
        state.withLock { state in
            for report in reports {
                let id = Int32(clamping: report.id)
                if report.status.isOpen, let point = Coordinate(lon: report.longitude, lat: report.latitude) {
                    state.index.upsert(id: id, minX: point.lon, minY: point.lat, maxX: point.lon, maxY: point.lat)
                    state.entries[id] = Entry(service: report.serviceCode, point: point)
                } else if state.entries.removeValue(forKey: id) != nil {
                    _ = state.index.remove(id: id)
                }
                if report.updatedAt > (state.watermark ?? "") { state.watermark = report.updatedAt }
            }
            if state.index.overlayCount > LayerIndex.compactionThreshold { state.index = state.index.compacted() }
        }
    }

    /// Where every open report is.
    var openPoints: [Coordinate] { state.withLock { $0.entries.values.map(\.point) } }

    /// Open reports of `service` within `meters` (geodesic, WGS 84) of `point`, nearest first.
    func near(_ point: Coordinate, service: ServiceCode, meters: Double) -> [(id: Int, meters: Double)] {
        // A box certainly holding the circle: a degree of latitude is at least 110.5 km, one of
        // longitude at least that times cos(latitude) (with a margin for the ellipsoid).
        let dLat = meters / 110_000
        let dLon = meters / (110_000 * max(cos((abs(point.lat) + dLat) * .pi / 180), 1e-6))
        return state.withLock { state in
            var candidates: [Int32] = []
            state.index.search(minX: point.lon - dLon, minY: point.lat - dLat, maxX: point.lon + dLon, maxY: point.lat + dLat, into: &candidates)
            return candidates.compactMap { id -> (id: Int, meters: Double)? in
                guard let entry = state.entries[id], entry.service == service else { return nil }
                let distance = point.geodesicDistanceMeters(to: entry.point)
                return distance <= meters ? (Int(id), distance) : nil
            }.sorted { ($0.meters, $0.id) < ($1.meters, $1.id) }
        }
    }
}

extension LandServices {
    /// "Already reported here": open reports of the same service within this many metres.
    package static let nearbyReportMeters = 50.0

    /// The city's service catalogue as stored (empty before a folder with `services.json` was imported).
    package func serviceCatalogue() async throws(ServiceError) -> ServiceCatalogue {
        let text: String?
        do { text = try await store.serviceCatalogueText() } catch { throw .store(error) }
        guard let text else { return .empty }
        var ignored: [ImportProblem] = []
        return ServiceCatalogue.read(Array(text.utf8), problems: &ignored) ?? .empty
    }

    /// Checks a report against the catalogue and the city, cleans its photos, stores it, and
    /// answers with the open reports of its service that were already within 50 m.
    package func fileReport(_ filing: ReportFiling) async throws(ServiceError) -> FiledReport {
        let catalogue = try await serviceCatalogue()
        guard let service = catalogue[filing.serviceCode] else { throw .report(.unknownService(filing.serviceCode)) }
        let attributes = try Self.checkedAnswers(filing.attributes, for: service)
        guard filing.photos.count <= ReportFiling.maxPhotos else { throw .report(.tooManyPhotos) }
        var photos: [(photo: StoredPhoto, bytes: [UInt8])] = []
        for (index, bytes) in filing.photos.enumerated() {
            // Milliseconds of work per megabyte: off the event loops, which answer lookups meanwhile.
            let cleaned = await photoWorker.run { () -> Result<(StoredPhoto, [UInt8]), PhotoCleaner.Problem> in
                Result { () throws(PhotoCleaner.Problem) in
                    let clean = try PhotoCleaner.clean(bytes)
                    let hash = Hex.string(Array(SHA256.hash(data: clean.bytes)))
                    return (StoredPhoto(hash: hash, mediaType: clean.mediaType.rawValue), clean.bytes)
                }
            }
            switch cleaned {
            case .success(let photo): photos.append(photo)
            case .failure(let problem):
                throw .report(problem == .notJPEGOrPNG ? .photoNotJPEGOrPNG(index: index) : .photoDamaged(index: index))
            }
        }
        let snapshot = snapshots.snapshot
        let place = try Self.place(of: filing.location, in: snapshot)
        let parcel = snapshot.parcel(at: place.point)
        let zoneCode = parcel.flatMap { snapshot.zoneCode(ofParcelAt: $0) }
            ?? snapshot.zones(at: place.point).first.map { snapshot.zones[Int($0)].code }
        let nearby = try await nearbyOpenReports(place.point, service: filing.serviceCode)
        // A report's address: the one the reporter gave, else that of the parcel at its point.
        let address = place.address ?? parcel.flatMap { snapshot.parcels[Int($0)].address }
        let new = NewProblemReport(
            trackingCode: Self.newTrackingCode(),
            content: ReportContent(
                serviceCode: filing.serviceCode, longitude: place.point.lon, latitude: place.point.lat, address: address,
                parcelID: parcel.map { snapshot.parcels[Int($0)].id }, zoneCode: zoneCode, description: filing.description,
                attributes: attributes, contact: filing.contact, source: filing.source, mediaURL: filing.mediaURL),
            photos: photos)
        let stored: ProblemReport
        do {
            stored = try await storeWrites.time(.fileReport) { () async throws(StoreError) in
                try await store.fileReport(new, actor: filing.source.hasPrefix("open311:") ? filing.source : "public")
            }
        } catch {
            throw .store(error)
        }
        openReports.apply([stored])
        logger.info("report filed", metadata: ["report_id": "\(stored.id)", "service_code": "\(stored.serviceCode)"])
        return FiledReport(report: stored, nearby: nearby)
    }

    /// Open reports of `service` within 50 m of `point`, nearest first, as stored now.
    package func nearbyOpenReports(_ point: Coordinate, service: ServiceCode) async throws(ServiceError) -> [NearbyReport] {
        try await refreshOpenReports()
        var found: [NearbyReport] = []
        for (id, meters) in openReports.near(point, service: service, meters: Self.nearbyReportMeters) {
            if let report = try? await store.report(id: id), report.status.isOpen { found.append(NearbyReport(report: report, meters: meters)) }
        }
        return found
    }

    /// Reads the reports changed since the index last looked.
    func refreshOpenReports() async throws(ServiceError) {
        do { openReports.apply(try await store.reportsChanged(since: openReports.watermark)) } catch { throw .store(error) }
    }

    package func report(trackingCode: TrackingCode) async throws(ServiceError) -> ProblemReport {
        let found: ProblemReport?
        do { found = try await store.report(trackingCode: trackingCode) } catch { throw .store(error) }
        guard let found else { throw .reportNotFound }
        return found
    }

    package func report(id: Int) async throws(ServiceError) -> ProblemReport {
        let found: ProblemReport?
        do { found = try await store.report(id: id) } catch { throw .store(error) }
        guard let found else { throw .reportNotFound }
        return found
    }

    /// Reports submitted in [from, to], newest first, at most `limit`, that `filter` admits.
    package func reports(_ filter: ReportFilter, limit: Int, history: Bool = false) async throws(ServiceError) -> [ProblemReport] {
        let found: [ProblemReport]
        do {
            found = try await store.reports(
                submittedFrom: filter.from ?? "", to: filter.to ?? "9999", limit: filter.hasInMemoryConditions ? Int(Int32.max) : limit,
                history: history)
        } catch {
            throw .store(error)
        }
        return Array(found.lazy.filter(filter.admits).prefix(limit))
    }

    /// Applies an operator's (or the reporter's) step; the index of open reports follows.
    package func applyReportStep(
        _ step: ReportStep, toReport id: Int?, trackingCode: TrackingCode? = nil, actor: String
    ) async throws(ServiceError) -> ProblemReport {
        do {
            let report = try await storeWrites.time(.reportStep) { () async throws(StoreError) in
                try await store.applyReportStep(step, toReport: id, trackingCode: trackingCode, actor: actor)
            }
            openReports.apply([report])
            logger.info("report step", metadata: ["report_id": "\(report.id)", "status": "\(report.status.rawValue)"])
            return report
        } catch .notFound {
            throw .reportNotFound
        } catch .conflict {
            var status: ReportStatus?
            if let id { status = (try? await store.report(id: id))??.status }
            throw .reportStatusConflict(status)
        } catch {
            throw .store(error)
        }
    }

    package func photo(hash: String) async throws(ServiceError) -> (mediaType: String, bytes: [UInt8]) {
        guard hash.utf8.count == 64, hash.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw .photoNotFound
        }
        let found: (mediaType: String, bytes: [UInt8])?
        do { found = try await store.photo(hash: hash) } catch { throw .store(error) }
        guard let found else { throw .photoNotFound }
        return found
    }

    /// Counts per service and status and the median time to close, of the reports `filter` admits.
    package func reportStatistics(_ filter: ReportFilter) async throws(ServiceError) -> ReportStatistics {
        let found = try await reports(filter, limit: Int(Int32.max))
        var counts: [ServiceCode: [ReportStatus: Int]] = [:]
        var hours: [ServiceCode: [Double]] = [:]
        for report in found {
            counts[report.serviceCode, default: [:]][report.status, default: 0] += 1
            if report.status == .closed, let closed = report.closedAt.flatMap(RFC3339.milliseconds),
                let submitted = RFC3339.milliseconds(report.submittedAt)
            {
                hours[report.serviceCode, default: []].append(Double(closed - submitted) / 3_600_000)
            }
        }
        return ReportStatistics(
            counts: counts, medianHoursToClose: hours.mapValues(Self.median),
            overallMedianHoursToClose: hours.isEmpty ? nil : Self.median(hours.values.flatMap { $0 }), total: found.count)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The answers checked against the service's attributes (Open311 service definition): every
    /// required one given, none unknown, numbers numbers, list answers among the list's keys (one
    /// for a singlevaluelist), datetimes RFC 3339; in the catalogue's order.
    static func checkedAnswers(
        _ answers: [(code: String, values: [String])], for service: ReportService
    ) throws(ServiceError) -> [(code: String, values: [String])] {
        var byCode: [String: [String]] = [:]
        for answer in answers {
            guard service.attributes.contains(where: { $0.code == answer.code }) else { throw .report(.unknownAttribute(answer.code)) }
            byCode[answer.code, default: []] += answer.values.filter { !$0.isEmpty }
        }
        var checked: [(code: String, values: [String])] = []
        for attribute in service.attributes {
            let values = byCode[attribute.code] ?? []
            if values.isEmpty {
                if attribute.isRequired { throw .report(.missingAttribute(attribute.code)) }
                continue
            }
            let valid: Bool
            switch attribute.datatype {
            case .number: valid = values.count == 1 && Double(values[0]).map(\.isFinite) == true
            case .datetime: valid = values.count == 1 && RFC3339.milliseconds(values[0]) != nil
            case .string: valid = values.count == 1 && values[0].count <= 200
            case .text: valid = values.count == 1 && values[0].count <= 2000
            case .singlevaluelist: valid = values.count == 1 && attribute.values.contains { $0.key == values[0] }
            case .multivaluelist:
                valid = Set(values).count == values.count && values.allSatisfy { value in attribute.values.contains { $0.key == value } }
            }
            guard valid else { throw .report(.invalidAttributeValue(attribute.code)) }
            checked.append((attribute.code, values))
        }
        return checked
    }

    /// The point a location names, and the address when it named one; points outside the city
    /// (its layers' extent and 5 km around) are refused.
    static func place(of location: ReportLocation, in snapshot: CitySnapshot) throws(ServiceError) -> (point: Coordinate, address: String?) {
        switch location {
        case .point(let point, let address):
            guard snapshot.isInCityArea(point) else { throw .report(.outsideCity) }
            return (point, address)
        case .parcel(let id):
            guard let position = snapshot.parcelPosition[id] else { throw .report(.unknownParcel(id)) }
            let parcel = snapshot.parcels[Int(position)]
            return (parcel.geometry.interiorPoint ?? parcel.geometry.parts[0].exterior.position(0), parcel.address)
        case .address(let text):
            let wanted = SearchText.foldedAddress(text)
            guard !wanted.isEmpty else { throw .report(.unknownAddress) }
            for position in 0..<snapshot.parcels.count {
                let parcel = snapshot.parcels.values[position]
                guard let address = parcel.address, SearchText.foldedAddress(address) == wanted else { continue }
                let geometry = snapshot.parcels[position].geometry
                return (geometry.interiorPoint ?? geometry.parts[0].exterior.position(0), address)
            }
            throw .report(.unknownAddress)
        }
    }
}

extension ReportFilter {
    /// Conditions the store's query does not apply (it filters by submission time only).
    var hasInMemoryConditions: Bool { status != nil || service != nil || zone != nil || bbox != nil || assignedTo != nil }
}

extension CitySnapshot {
    /// Within the extent of the city's parcels and zones, widened by about 5 km.
    package func isInCityArea(_ point: Coordinate) -> Bool {
        let margin = 0.05
        return [parcelIndex.extent, zoneIndex.extent].contains { extent in
            guard let extent else { return false }
            return point.lon >= extent.minX - margin && point.lon <= extent.maxX + margin
                && point.lat >= extent.minY - margin && point.lat <= extent.maxY + margin
        }
    }
}

extension SearchText {
    /// An address compared loosely: folded as search keys are (Arabic and Persian letters, digits,
    /// case) and with runs of spaces and punctuation as one space.
    static func foldedAddress(_ text: String) -> String {
        SearchText.normalized(text)
            .split(whereSeparator: { $0 == " " || $0 == "," || $0 == "،" || $0 == "-" || $0 == "." }).joined(separator: " ")
    }
}

extension String {
    func leftPadded(to length: Int) -> String { count >= length ? self : String(repeating: "0", count: length - count) + self }
}

/// One thread of its own, at a lower priority than the event loops (nice 10: CFS gives it about
/// a tenth of a core they want), for CPU work that may take milliseconds — a photo's cleaning
/// and hashing — so that a burst of uploads does not delay the lookups answered meanwhile.
final class BackgroundWorker: Sendable {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let ready = DispatchSemaphore(value: 0)

    init(name: String, niceness: Int32 = 10) {
        // The thread keeps its worker for the life of the process.
        let thread = Thread { [self] in
            #if canImport(Glibc)
            // Linux: a nice value belongs to a thread, and who = 0 names the calling one (setpriority(2), BUGS).
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
            #endif
            while true {
                self.ready.wait()
                let job = self.jobs.withLock { $0.removeFirst() }
                job()
            }
        }
        thread.name = name
        thread.start()
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            jobs.withLock { $0.append { continuation.resume(returning: body()) } }
            ready.signal()
        }
    }
}
