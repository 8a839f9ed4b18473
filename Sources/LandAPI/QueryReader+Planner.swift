import Hummingbird
import LandModel
import LandService
import FoundationEssentials
import GeoFormats

/// The query parameters of the request and planner endpoints, on the shared `QueryReader`.
extension QueryReader {
    /// A zone code (R121, M111…), matched against the code that governs each parcel.
    func zone() -> ZoneCode? { string("zone").map(ZoneCode.init) }

    /// A declared `.dateTime` parameter (`datetime=`, `from=`, `to=`), validated on reading the query.
    func instant(_ name: String) -> Date? { string(name).flatMap(Self.parseInstant) }

    /// One grammar for every instant of the API: RFC 3339 §5.6 `date-time` (GeoFormats' `RFC3339`),
    /// read to the millisecond, the precision instants are stored with.
    static func parseInstant(_ text: String) -> Date? {
        RFC3339.milliseconds(text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// A declared enum of the statuses, validated on reading the query.
    func status() -> RequestStatus? { string("status").flatMap(RequestStatus.init(rawValue:)) }
}

extension LandServices {
    /// Today's snapshot, or the city as it was at `instant` when one is given (`datetime=`).
    func snapshot(at instant: Date?) async throws(APIError) -> CitySnapshot {
        guard let instant else { return snapshots.snapshot }
        do { return try await snapshot(asOf: instant) } catch { throw APIError(error) }
    }
}
