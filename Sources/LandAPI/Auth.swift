import Hummingbird
import LandService
import LandModel

/// `Authorization: Bearer KEY` (RFC 6750 §2.1) for planner and admin endpoints. No key → 401,
/// a key that is malformed, unknown or revoked → 401, a valid key of too low a role → 403; all
/// JSON. The key is never logged or echoed.
struct Authenticator: Sendable {
    let services: LandServices

    func require(_ role: KeyRole, _ request: Request) async throws -> APIKeys.Holder {
        guard let header = request.headers[.authorization] else {
            throw Self.unauthorized(.missingKey)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Self.unauthorized(.missingKey) }
        let token = String(parts[1].trimmingSpaces)
        let holder: APIKeys.Holder?
        do { holder = try await services.keyHolder(bearer: token) } catch { throw APIError(error) }
        guard let holder else { throw Self.unauthorized(.invalidKey) }
        guard holder.role >= role else {
            throw APIError(status: .forbidden, code: "Forbidden", message: .roleNotAllowed)
        }
        return holder
    }

    static func unauthorized(_ message: Message) -> APIError {
        var error = APIError(status: .unauthorized, code: "Unauthorized", message: message)
        error.extraHeaders[.wwwAuthenticate] = "Bearer"
        return error
    }
}
