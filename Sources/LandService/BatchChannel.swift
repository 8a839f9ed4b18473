import Foundation

/// Hands batches from one thread to another with at most `capacity` waiting: an import reads
/// and checks the files on one thread while the store's writer inserts on another (issue 16
/// point 8: on 1M parcels reading takes about 15 s and writing about 20 s; one after the other
/// they took 42 s). The sender ends with `finish(_:)`, which hands over a final value; the
/// receiver may `cancel()` (its write failed), after which `send` answers false.
final class BatchChannel<Element: Sendable, Final: Sendable>: @unchecked Sendable {
    // Every stored property is read and written under `condition` only.
    private let condition = NSCondition()
    private var batches: [[Element]] = []
    private var head = 0
    private var final: Final?
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; false once the receiver cancelled.
    func send(_ batch: [Element]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && batches.count - head >= capacity { condition.wait() }
        guard !cancelled else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    func finish(_ value: Final) {
        condition.lock()
        defer { condition.unlock() }
        final = value
        condition.broadcast()
    }

    /// The next batch, or the final value once every batch was received.
    func receive() -> Result<[Element], Finished> {
        condition.lock()
        defer { condition.unlock() }
        while head == batches.count && final == nil { condition.wait() }
        if head < batches.count {
            let batch = batches[head]
            head += 1
            if head > 64 {
                batches.removeFirst(head)
                head = 0
            }
            condition.broadcast()
            return .success(batch)
        }
        return .failure(Finished(value: final!))
    }

    struct Finished: Error { let value: Final }

    /// Stops the sender, and waits until it has finished.
    func cancel() -> Final {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
        while final == nil { condition.wait() }
        return final!
    }
}
