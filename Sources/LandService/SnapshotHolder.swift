import Synchronization

/// Holds the current `CitySnapshot`. Taking it copies one reference-sized value under a mutex;
/// the query then runs on the copy with no lock held. A writer publishes the next snapshot
/// after its commit, so readers never wait for writers.
package final class SnapshotHolder: Sendable {
    private let current: Mutex<CitySnapshot>

    package init(_ first: CitySnapshot) { current = Mutex(first) }

    package var snapshot: CitySnapshot { current.withLock { $0 } }

    package func publish(_ next: CitySnapshot) { current.withLock { $0 = next } }
}
