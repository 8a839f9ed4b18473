import Synchronization

/// N read-only connections, each lent to one borrower at a time (like GRDB's DatabasePool
/// reader pool). A borrower that finds none free waits for one to come back.
///
/// `@unchecked Sendable`: the connections array never changes after init, and an index is
/// handed out under the mutex to exactly one borrower until it is returned, so no connection
/// is ever used by two tasks at once.
final class ReaderPool: @unchecked Sendable {
    private let connections: [Connection]
    private struct State {
        var free: [Int]
        var waiters: [CheckedContinuation<Int, Never>] = []
    }
    private let state: Mutex<State>
    private let executor = DispatchTaskExecutor(label: "zamin.store.readers")

    convenience init(path: String, count: Int) throws(StoreError) {
        var connections: [Connection] = []
        for _ in 0..<max(1, count) {
            let connection = try Connection(path: path, mode: .readOnly)
            try connection.loadSpatiaLite()
            connections.append(connection)
        }
        self.init(connections: connections)
    }

    init(connections: [Connection]) {
        self.connections = connections
        self.state = Mutex(State(free: Array(connections.indices)))
    }

    func read<T: Sendable>(_ body: (Connection) throws(StoreError) -> T) async throws(StoreError) -> T {
        let index = await checkOut()
        defer { checkIn(index) }
        let connection = connections[index]
        // Off the caller's thread (an event loop in `zamin serve`): see BlockingExecutors.
        return try await withTaskExecutorPreference(executor) { () async throws(StoreError) -> T in
            try body(connection)
        }
    }

    private func checkOut() async -> Int {
        if let index = state.withLock({ $0.free.popLast() }) { return index }
        return await withCheckedContinuation { continuation in
            let ready: Int? = state.withLock { state in
                if let index = state.free.popLast() { return index }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func checkIn(_ index: Int) {
        let waiter: CheckedContinuation<Int, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.free.append(index)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: index)
    }
}
