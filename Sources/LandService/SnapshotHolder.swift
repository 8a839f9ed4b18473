package import LandStore
import Synchronization

/// Holds the current `CitySnapshot`. Taking it retains one box under a mutex (`published`); the
/// query then runs on the box's snapshot with no lock held. A writer publishes the next snapshot
/// after its commit, so readers never wait for writers.
package final class SnapshotHolder: Sendable {
    private let current: Mutex<PublishedSnapshot>

    package init(_ first: CitySnapshot, cityVersion: CityVersion) {
        current = Mutex(PublishedSnapshot(first, cityVersion: cityVersion, version: 1, publishedAt: .now))
    }

    /// The current snapshot, boxed: one retain, where a copy of the struct retains each of its
    /// arrays, dictionaries and trees (about 40) and releases them again — 2 % of /lookup's CPU
    /// when every request did it. Query it with `published.withSnapshot { … }`.
    package var published: PublishedSnapshot { current.withLock { $0 } }

    /// A copy of the current snapshot, for code that keeps or edits it.
    package var snapshot: CitySnapshot { published.snapshot }

    /// Publishes this process's own change of the city, made on the current snapshot, after the
    /// commit that brought the city to `cityVersion`. Runs on the store's writer, in commit order
    /// (as does `publishReloaded`): no other publication can come between reading the current
    /// snapshot here and replacing it. When the commit's version is not the next after the
    /// current one, another process changed the city in between: the version stays behind, so
    /// the follower (`LandServices.followOtherWriters`) reloads the whole city.
    package func publishOwnChange(_ edit: (CitySnapshot) -> CitySnapshot, cityVersion: CityVersion?) {
        let base = published
        var version = base.cityVersion
        if let cityVersion, cityVersion.number == base.cityVersion.number + 1 { version = cityVersion }
        replace(with: edit(base.stored), cityVersion: version)
    }

    /// Publishes the current city with another process's changes applied, when it is still the
    /// city they were read against (`changes.since`). Runs on the store's writer.
    package func publishOthersChanges(_ changes: CityChanges) -> Bool {
        let base = published
        guard base.cityVersion == changes.since, changes.version.number > base.cityVersion.number else { return false }
        replace(with: base.stored.applying(changes), cityVersion: changes.version)
        return true
    }

    /// Publishes a city reloaded from the store at `cityVersion`, unless a newer one is published.
    /// Runs on the store's writer, like `publishOwnChange`.
    package func publishReloaded(_ city: CitySnapshot, cityVersion: CityVersion) -> Bool {
        guard cityVersion.number >= published.cityVersion.number else { return false }
        replace(with: city, cityVersion: cityVersion)
        return true
    }

    private func replace(with next: CitySnapshot, cityVersion: CityVersion) {
        let now = ContinuousClock.now
        current.withLock { $0 = PublishedSnapshot(next, cityVersion: cityVersion, version: $0.version + 1, publishedAt: now) }
    }
}

package final class PublishedSnapshot: Sendable {
    @usableFromInline let stored: CitySnapshot
    /// The version of the stored city this snapshot is complete up to (`CityVersion`).
    package let cityVersion: CityVersion
    /// 1 for the snapshot loaded at start-up, one more for each publication after it: an operator
    /// sees from the outside (LandAPI's metrics) that a write reached the readers.
    package let version: Int
    /// When it was published, on the monotonic clock (its age does not jump with the wall clock).
    package let publishedAt: ContinuousClock.Instant

    init(_ snapshot: CitySnapshot, cityVersion: CityVersion, version: Int, publishedAt: ContinuousClock.Instant) {
        stored = snapshot
        self.cityVersion = cityVersion
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
