import Dispatch
package import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Where a PostgreSQL store is: `postgres://user[:password]@host[:port]/database`, as libpq and
/// `psql` take it (https://www.postgresql.org/docs/15/libpq-connect.html §34.1.1). Only TCP; TLS
/// off (a node and its database on one host or a private network; say so in the README).
package struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var user: String
    package var password: String?
    package var database: String

    /// Parses a `postgres://` or `postgresql://` URL; nil names what is wrong.
    package init(url: String) throws(StoreError) {
        var rest = Substring(url)
        guard let scheme = ["postgresql://", "postgres://"].first(where: { rest.hasPrefix($0) }) else {
            throw .cannotOpen(path: "postgres URL", message: "a PostgreSQL URL starts with postgres:// (postgres://user@host:port/database)")
        }
        rest = rest.dropFirst(scheme.count)
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        var user = "postgres"
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = Self.percentDecoded(credentials[..<colon])
                password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
            } else {
                user = Self.percentDecoded(credentials)
            }
        }
        let hostPort: Substring
        var database = user
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            let name = rest[rest.index(after: slash)...]
            if !name.isEmpty { database = Self.percentDecoded(name) }
        } else {
            hostPort = rest
        }
        var host = String(hostPort)
        var port = 5432
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            host = String(hostPort[..<colon])
            guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65_535).contains(number) else {
                throw .cannotOpen(path: "postgres URL", message: "the port of a PostgreSQL URL is a number from 1 to 65535")
            }
            port = number
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else {
            throw .cannotOpen(path: "postgres URL", message: "a PostgreSQL URL names its host (postgres://user@127.0.0.1:5432/zamin)")
        }
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// The URL without its password: for logs, messages and `/health`.
    package var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    private static func percentDecoded(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.first {
            utf8 = utf8.dropFirst()
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The event loops of the store's PostgreSQL connections: their own, so that the threads that
/// wait for an answer (the writer's and the readers' dispatch queues) are never one of them.
enum PostgresEventLoops {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
}

/// Waits for a future from a thread that is not its event loop's: the store's code is synchronous
/// and runs on dispatch queues of its own (BlockingExecutors), as SQLite's calls do.
func waitFor<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
    precondition(!future.eventLoop.inEventLoop, "a store call waited on its own event loop")
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<T, any Error>?>(nil)
    future.whenComplete { result in
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}

/// One PostgreSQL connection, the `DatabaseSession` of several nodes' store. A connection lost
/// (PostgreSQL stopped or restarted, the network cut) is opened again by the next statement that
/// begins outside a transaction (issue 17 point 5: nodes catch up without a restart); inside a
/// transaction the loss is `unavailable`, and the transaction is gone with the connection, so
/// nothing half-written remains.
final class PostgresSession: DatabaseSession {
    private(set) var connection: PostgresConnection
    private let location: PostgresLocation
    let logger: Logger
    var changes = 0
    var lastInsertRowID: Int64 = 0
    var dialect: SQLDialect { .postgres }
    /// Between BEGIN and COMMIT/ROLLBACK: a lost connection is not replaced then.
    private var inTransaction = false

    init(_ location: PostgresLocation, logger: Logger) throws(StoreError) {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        self.logger = quiet
        self.location = location
        connection = try Self.connect(location, logger: quiet)
    }

    private static func connect(_ location: PostgresLocation, logger: Logger) throws(StoreError) -> PostgresConnection {
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        do {
            return try waitFor(
                PostgresConnection.connect(
                    on: PostgresEventLoops.group.next(), configuration: configuration, id: Self.nextID(), logger: logger))
        } catch {
            throw .unavailable(message: "cannot connect to \(location): \(Self.message(of: error))")
        }
    }

    deinit {
        // PostgresNIO requires a connection to be closed before it is released.
        let closing: EventLoopFuture<Void> = connection.close()
        _ = try? waitFor(closing)
    }

    private static let ids = Atomic<Int>(0)
    private static func nextID() -> Int { ids.add(1, ordering: .relaxed).newValue }

    /// The connection, opened again first when it was lost outside a transaction.
    private func usableConnection(for name: String) throws(StoreError) -> PostgresConnection {
        guard connection.isClosed else { return connection }
        guard !inTransaction else {
            throw .unavailable(message: "PostgreSQL connection lost in a transaction (\(name))")
        }
        let lost = connection
        connection = try Self.connect(location, logger: logger)
        let closing: EventLoopFuture<Void> = lost.close()
        _ = try? waitFor(closing)
        logger.notice("reconnected to PostgreSQL", metadata: ["database": "\(location)"])
        return connection
    }

    func execute(_ sql: String, name: String) throws(StoreError) {
        let ends = sql == "COMMIT" || sql == "ROLLBACK"
        if sql == "ROLLBACK" && connection.isClosed {
            // The server ended the transaction with the connection.
            inTransaction = false
            return
        }
        defer { if ends { inTransaction = false } }
        let connection = try usableConnection(for: name)
        if sql.hasPrefix("BEGIN") { inTransaction = true }
        do {
            _ = try waitFor(connection.simpleQuery(sql))
        } catch {
            throw Self.storeError(error, statement: name)
        }
    }

    func prepare(_ sql: String, name: String) throws(StoreError) -> any PreparedStatement {
        PostgresStatement(session: self, sql: sql, name: name)
    }

    func run(_ sql: String, bindings: PostgresBindings, name: String) throws(StoreError) -> PostgresQueryResult {
        let connection = try usableConnection(for: name)
        do {
            return try waitFor(connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger))
        } catch {
            throw Self.storeError(error, statement: name)
        }
    }

    /// The server's message and SQLSTATE, never the statement's bound values (an applicant's
    /// national id may be one); a lost connection is `unavailable` (503 at the API's edge).
    static func storeError(_ error: any Error, statement: String) -> StoreError {
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                // Class 08 (connection exception), 53 (insufficient resources), 57P (the server
                // shutting down or restarting): the database is unavailable, not the request wrong.
                if state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P") {
                    return .unavailable(message: "PostgreSQL \(state) in \(statement): \(error.serverInfo?[.message] ?? "")")
                }
                return .postgres(state: state, statement: statement, message: error.serverInfo?[.message] ?? "")
            }
            return .unavailable(message: "PostgreSQL connection lost in \(statement): \(message(of: error))")
        }
        return .unavailable(message: "PostgreSQL error in \(statement): \(message(of: error))")
    }

    static func message(of error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return String(describing: underlying) }
            return "\(error.code)"
        }
        return String(describing: error)
    }
}

/// A statement of a PostgreSQL session: the values are kept until the first step, which runs
/// the query (extended protocol, binary values) and holds its rows.
final class PostgresStatement: PreparedStatement {
    /// A bound value; a NULL keeps the type it was bound as, so that PostgreSQL can tell the
    /// parameter's type in `$1 IS NULL OR at >= $1` (an untyped NULL there is error 42P08).
    private enum Value {
        case text(String?), integer(Int?), real(Double?), bytes([UInt8]?)
    }

    private unowned let session: PostgresSession
    private let sql: String
    private let name: String
    private let isInsert: Bool
    private var values: [Value] = []
    private var rows: [PostgresRandomAccessRow]?
    private var position = -1

    init(session: PostgresSession, sql: String, name: String) {
        self.session = session
        self.sql = sql
        self.name = name
        isInsert = sql.drop(while: { $0 == " " || $0 == "\n" }).hasPrefix("INSERT")
    }

    func reset() {
        // A cursor a reader left before its end is closed with its transaction (closing it here
        // could fail in a later transaction, and a failed statement aborts the transaction).
        cursor = nil
        cursorDone = false
        values.removeAll(keepingCapacity: true)
        rows = nil
        position = -1
    }

    private func set(_ value: Value, at index: Int32) {
        let slot = Int(index) - 1
        while values.count <= slot { values.append(.text(nil)) }
        values[slot] = value
    }

    func bind(_ value: String?, at index: Int32) { set(.text(value), at: index) }
    func bind(_ value: Int?, at index: Int32) { set(.integer(value), at: index) }
    func bind(_ value: Double?, at index: Int32) { set(.real(value), at: index) }
    func bind(blob: [UInt8]?, at index: Int32) { set(.bytes(blob), at: index) }

    /// Statements that read a whole layer or its history (loading a city): read through a cursor,
    /// `fetchSize` rows at a time, so that a node loading a large city never holds all of a
    /// layer's rows beside the features made from them. They run inside a read transaction
    /// (`loadCity`, `timeline`), where a cursor lives.
    static let streamed: Set<String> = ["allParcels", "allZones", "allFacilities", "parcelTimeline", "zoneTimeline", "facilityTimeline"]
    static let fetchSize = 5_000
    private var cursor: String?
    private var cursorDone = false
    private static let cursorNumbers = Atomic<Int>(0)

    func step() throws(StoreError) -> Bool {
        if cursor != nil, position + 1 >= rows!.count, !cursorDone {
            try fetch()
        }
        if rows == nil {
            var bindings = PostgresBindings(capacity: values.count)
            for value in values {
                switch value {
                case .text(let text): bindings.append(text)
                case .integer(let integer): bindings.append(integer)
                case .real(let real): bindings.append(real)
                case .bytes(let bytes): bindings.append(bytes.map { ByteBuffer(bytes: $0) })
                }
            }
            if Self.streamed.contains(name) {
                let name = "zamin_cursor_\(Self.cursorNumbers.add(1, ordering: .relaxed).newValue)"
                _ = try session.run("DECLARE \(name) NO SCROLL CURSOR FOR " + sql, bindings: bindings, name: self.name)
                cursor = name
                cursorDone = false
                rows = []
                try fetch()
                position += 1
                return position < rows!.count
            }
            let result = try session.run(sql, bindings: bindings, name: name)
            rows = result.rows.map { $0.makeRandomAccess() }
            session.changes = result.metadata.rows ?? 0
            if isInsert, let first = rows?.first, let key = try? first[0].decode(Int.self) {
                session.lastInsertRowID = Int64(key)
            }
        }
        position += 1
        return position < rows!.count
    }

    /// The next rows of the cursor; the cursor is closed after its last.
    private func fetch() throws(StoreError) {
        guard let cursor else { return }
        let result = try session.run("FETCH FORWARD \(Self.fetchSize) FROM \(cursor)", bindings: PostgresBindings(), name: name)
        rows = result.rows.map { $0.makeRandomAccess() }
        position = -1
        if rows!.count < Self.fetchSize {
            cursorDone = true
            _ = try session.run("CLOSE \(cursor)", bindings: PostgresBindings(), name: name)
            self.cursor = nil
        }
    }

    private func cell(_ column: Int32) -> PostgresCell? {
        guard let rows, position >= 0, position < rows.count, Int(column) < rows[position].count else { return nil }
        let cell = rows[position][Int(column)]
        return cell.bytes == nil ? nil : cell
    }

    func isNull(_ column: Int32) -> Bool { cell(column) == nil }

    func string(_ column: Int32) -> String? {
        guard let cell = cell(column) else { return nil }
        switch cell.dataType {
        case .int2, .int4, .int8: return (try? cell.decode(Int.self)).map(String.init)
        case .float4, .float8: return (try? cell.decode(Double.self)).map { "\($0)" }
        case .bool: return (try? cell.decode(Bool.self)).map { $0 ? "1" : "0" }
        default: return try? cell.decode(String.self)
        }
    }

    func int(_ column: Int32) -> Int? {
        guard let cell = cell(column) else { return nil }
        switch cell.dataType {
        case .int2, .int4, .int8: return try? cell.decode(Int.self)
        case .bool: return (try? cell.decode(Bool.self)).map { $0 ? 1 : 0 }
        case .float4, .float8: return (try? cell.decode(Double.self)).map { Int($0) }
        default: return (try? cell.decode(String.self)).flatMap { Int($0) }
        }
    }

    func double(_ column: Int32) -> Double? {
        guard let cell = cell(column) else { return nil }
        switch cell.dataType {
        case .int2, .int4, .int8: return (try? cell.decode(Int.self)).map(Double.init)
        case .float4, .float8: return try? cell.decode(Double.self)
        default: return (try? cell.decode(String.self)).flatMap { Double($0) }
        }
    }

    func blob(_ column: Int32) -> [UInt8]? {
        guard var bytes = cell(column)?.bytes else { return nil }
        return bytes.readBytes(length: bytes.readableBytes)
    }
}

/// `LISTEN zamin_changes` on a connection of its own (issue 17 point 3): each notification (sent
/// by the change-log triggers when a transaction that wrote the city commits) raises a flag the
/// node's follower reads, so it looks for changes at once instead of at its next poll. A
/// notification sent while the connection is down is not replayed: the follower's poll stays,
/// and a lost connection is opened again on the next `takeNotification`.
package final class ChangeListener: Sendable {
    private let location: PostgresLocation
    private let logger: Logger
    private let notified = Atomic<Bool>(false)
    private let state = Mutex<(session: PostgresSessionBox?, connecting: Bool, lastTry: ContinuousClock.Instant?)>((nil, false, nil))
    /// How often a lost LISTEN connection is tried again (the poll covers the time between).
    private static let retryInterval: Duration = .seconds(1)

    package init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
    }

    /// True once after each notification (and after the listener connected again, when one may
    /// have been missed).
    package func takeNotification() -> Bool {
        ensureListening()
        return notified.exchange(false, ordering: .acquiringAndReleasing)
    }

    private func ensureListening() {
        let start: Bool = state.withLock { state in
            if let session = state.session, !session.connection.isClosed { return false }
            if state.connecting { return false }
            let now = ContinuousClock.now
            if let last = state.lastTry, now - last < Self.retryInterval { return false }
            state.lastTry = now
            state.connecting = true
            return true
        }
        guard start else { return }
        DispatchQueue.global().async { [self] in
            defer { state.withLock { $0.connecting = false } }
            do {
                let session = try PostgresSession(location, logger: logger)
                _ = session.connection.addListener(channel: PostgresSchema.changeChannel) { [self] _, _ in
                    notified.store(true, ordering: .releasing)
                }
                // The listener only handles what arrives; LISTEN asks the server to send it.
                try session.execute("LISTEN \(PostgresSchema.changeChannel)", name: "listen")
                // Anything committed while no one listened is found by the follower's next look.
                notified.store(true, ordering: .releasing)
                state.withLock { $0.session = PostgresSessionBox(session) }
            } catch {
                logger.warning("cannot LISTEN for changes; polling only", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// A session held by `ChangeListener` under its lock; its connection is only used to listen.
final class PostgresSessionBox: @unchecked Sendable {
    let session: PostgresSession
    var connection: PostgresConnection { session.connection }
    init(_ session: PostgresSession) { self.session = session }
}
