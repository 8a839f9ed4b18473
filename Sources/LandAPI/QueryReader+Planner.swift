import Hummingbird
import LandModel
import LandService
import FoundationEssentials
import GeoFormats

/// The query parameters of the request and planner endpoints, on the shared `QueryReader`.
extension QueryReader {
    /// A zone code (R121, M111…), matched against the code that governs each parcel.
    func zone() throws(APIError) -> ZoneCode? {
        guard let text = string("zone") else { return nil }
        guard !text.isEmpty else { throw APIError.invalidParameter("zone", .missingParameter("zone")) }
        return ZoneCode(text)
    }

    /// An RFC 3339 date-time, with or without fractional seconds (`datetime=`, `from=`, `to=`).
    func instant(_ name: String) throws(APIError) -> Date? {
        guard let text = string(name) else { return nil }
        guard let date = Self.parseInstant(text) else { throw APIError.invalidParameter(name, .invalidInstant) }
        return date
    }

    /// One grammar for every instant of the API: RFC 3339 §5.6 `date-time` (GeoFormats' `RFC3339`),
    /// read to the millisecond, the precision instants are stored with.
    static func parseInstant(_ text: String) -> Date? {
        RFC3339.milliseconds(text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    func status() throws(APIError) -> RequestStatus? {
        guard let text = string("status") else { return nil }
        guard let status = RequestStatus(rawValue: text) else { throw APIError.invalidParameter("status", .invalidStatus) }
        return status
    }
}

extension LandServices {
    /// Today's snapshot, or the city as it was at `instant` when one is given (`datetime=`).
    func snapshot(at instant: Date?) async throws(APIError) -> CitySnapshot {
        guard let instant else { return snapshots.snapshot }
        do { return try await snapshot(asOf: instant) } catch { throw APIError(error) }
    }
}
