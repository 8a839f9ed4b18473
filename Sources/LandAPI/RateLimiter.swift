import Hummingbird
import Synchronization

/// A token bucket per client address for public POSTs: each address may make `perMinute`
/// requests in a burst, then one every 60/`perMinute` seconds. Refusals are 429 with
/// `Retry-After`. Buckets that have refilled are dropped when the table grows, so memory stays
/// bounded by the clients of the last minute.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let capacity: Double
    private let refillPerSecond: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock = ContinuousClock()

    init(perMinute: Int) {
        capacity = Double(max(1, perMinute))
        refillPerSecond = Double(max(1, perMinute)) / 60
    }

    /// Takes a token for `address`; nil when admitted, else the seconds to wait.
    func take(for address: String) -> Int? {
        let now = clock.now
        return buckets.withLock { buckets in
            if buckets.count > 10_000 { prune(&buckets, now: now) }
            var bucket = buckets[address] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * refillPerSecond)
            bucket.updated = now
            defer { buckets[address] = bucket }
            guard bucket.tokens >= 1 else { return Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up)) }
            bucket.tokens -= 1
            return nil
        }
    }

    private func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        let full = Duration.seconds(capacity / refillPerSecond)
        buckets = buckets.filter { now - $0.value.updated < full }
    }

    /// Throws 429 when `address` has used its allowance.
    func admit(_ address: String) throws {
        if let wait = take(for: address) {
            var error = APIError(status: .tooManyRequests, code: "TooManyRequests", message: .tooManyRequests)
            error.extraHeaders[.retryAfter] = String(wait)
            throw error
        }
    }
}
