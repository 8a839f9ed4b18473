import Synchronization

/// Holds the current `CitySnapshot`. Taking it retains one box under a mutex (`published`); the
/// query then runs on the box's snapshot with no lock held. A writer publishes the next snapshot
/// after its commit, so readers never wait for writers.
package final class SnapshotHolder: Sendable {
    private let current: Mutex<PublishedSnapshot>

    package init(_ first: CitySnapshot) { current = Mutex(PublishedSnapshot(first, version: 1, publishedAt: .now)) }

    /// The current snapshot, boxed: one retain, where a copy of the struct retains each of its
    /// arrays, dictionaries and trees (about 40) and releases them again — 2 % of /lookup's CPU
    /// when every request did it. Query it with `published.withSnapshot { … }`.
    package var published: PublishedSnapshot { current.withLock { $0 } }

    /// A copy of the current snapshot, for code that keeps or edits it.
    package var snapshot: CitySnapshot { published.snapshot }

    package func publish(_ next: CitySnapshot) {
        let now = ContinuousClock.now
        current.withLock { $0 = PublishedSnapshot(next, version: $0.version + 1, publishedAt: now) }
    }
}

package final class PublishedSnapshot: Sendable {
    @usableFromInline let stored: CitySnapshot
    /// 1 for the snapshot loaded at start-up, one more for each publication after it: an operator
    /// sees from the outside (LandAPI's metrics) that a write reached the readers.
    package let version: Int
    /// When it was published, on the monotonic clock (its age does not jump with the wall clock).
    package let publishedAt: ContinuousClock.Instant

    init(_ snapshot: CitySnapshot, version: Int, publishedAt: ContinuousClock.Instant) {
        stored = snapshot
        self.version = version
        self.publishedAt = publishedAt
    }

    package var snapshot: CitySnapshot { stored }

    /// Runs `body` on the snapshot in place. Passing `published.snapshot` from another module as
    /// an argument still copied the struct (its read ended before the call; seen in the
    /// disassembly: CitySnapshot's outlined copy and destroy around every /lookup).
    @inlinable
    package func withSnapshot<Result, Failure: Error>(
        _ body: (borrowing CitySnapshot) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(stored)
    }
}
