import Synchronization

/// A value of a snapshot made by the first request that needs it and kept for the snapshot's
/// life (a new snapshot, after an edit or a sync, starts without it). Made outside the lock, so
/// a slow first making never holds up the others' reads: two first requests may both make it,
/// alike, and the last one stored is kept.
final class MadeOnce<Value: Sendable>: Sendable {
    private let made = Mutex<Value?>(nil)

    init() {}

    func value(_ make: () -> Value) -> Value {
        if let value = made.withLock({ $0 }) { return value }
        let value = make()
        made.withLock { $0 = value }
        return value
    }
}
