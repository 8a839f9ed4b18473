import Dispatch

// SQLite calls block their thread (a commit waits for fsync with synchronous=FULL). `zamin serve`
// runs Swift concurrency on SwiftNIO's event loops (fewer thread hops per request), so a blocking
// call on the default executor would stall every connection of that loop. The writer actor and the
// readers therefore run their SQLite work on dispatch queues of their own.

/// The writer actor's executor: one serial dispatch queue.
final class DispatchSerialExecutor: SerialExecutor, Sendable {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}

/// Where reads run (`withTaskExecutorPreference`): a concurrent dispatch queue, so several readers
/// can work at once, each on its own connection.
final class DispatchTaskExecutor: TaskExecutor, Sendable {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label, attributes: .concurrent) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }
}
