import Synchronization

/// The writes LandServices makes through the store's single writer, as operators see them in
/// the metrics (`zamin_store_write_duration_seconds{operation=…}`).
package enum StoreWrite: String, Sendable, CaseIterable {
    case fileRequest = "file_request"
    case decideRequest = "decide_request"
    case rezone
    case createKey = "create_key"
    case revokeKey = "revoke_key"
    /// A feature created, replaced, patched or deleted (OGC API – Features Part 4).
    case editFeature = "edit_feature"
    /// A subdivision or a merger of parcels.
    case cadastralChange = "cadastral_change"
    /// A problem report filed, with its photos (issue 20).
    case fileReport = "file_report"
    /// A report moved, assigned, confirmed or reopened.
    case reportStep = "report_step"
}

/// Times each store write and tells whoever watches: LandAPI's metrics record them, so that
/// LandService stays free of any metrics API (it knows no backend, no registry, no HTTP).
/// A duration runs from the call to the writer until it returns: waiting for the writer, the
/// transaction with its fsync (`synchronous=FULL`), and, for a decision or a rezoning, building
/// and publishing the next snapshot, which happens before the writer takes the next write.
/// Observers are added for the life of the services (one per metrics registry); a write reads
/// the list under a mutex, which costs nothing next to an fsync.
package final class StoreWriteTimings: Sendable {
    package typealias Observer = @Sendable (StoreWrite, Duration) -> Void
    private let observers = Mutex<[Observer]>([])

    package init() {}

    package func observe(_ observer: @escaping Observer) { observers.withLock { $0.append(observer) } }

    /// Runs `body` and reports its duration, failed writes included (a refused or failed write
    /// held the writer too).
    func time<Result, Failure: Error>(
        _ write: StoreWrite, _ body: () async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        let started = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - started
            for observer in observers.withLock({ $0 }) { observer(write, elapsed) }
        }
        return try await body()
    }
}
