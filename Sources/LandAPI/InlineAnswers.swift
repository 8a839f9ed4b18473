import Foundation
import Hummingbird
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Answers the citizen GETs (`/lookup`, `/nearest`, `/zoning-check`, `/search`) in the channel
/// pipeline, on the event loop that decoded the request, instead of handing them to Hummingbird's
/// request loop. These answers need nothing but the in-memory snapshot, so they are synchronous;
/// the way through Hummingbird (an async iterator over the connection's parts, a task switch per
/// `await`, a request logger, the router and its middleware, an async writer) cost more server CPU
/// than the answer itself: /health, which does nothing, took 47–97 µs per request, /lookup's own
/// work 25–40 µs. The answer is the controller's (`CitizenController.inlineRoutes`, the functions
/// the router's routes call) and the header fields are the router's (`JSONAnswer.headerFields`,
/// then Content-Length, Date and Server as Hummingbird appends them), so both ways give the same
/// bytes (`InlineAnswerTests` compares them).
///
/// Anything else goes on to Hummingbird unchanged: another method or path, a `Connection` field
/// other than `keep-alive` (`close` ends the connection after the answer, which the router's loop
/// does), a body (`Content-Length` or `Transfer-Encoding`), an answer that throws (the router writes the
/// error, in the same words), a `/lookup` with `datetime`. Order on a connection: once a request
/// has gone on, every later one goes on too until the router has written the end of each answer,
/// so pipelined answers leave in the order they were asked (RFC 9112 §9.3.2). When the channel
/// is not writable (a client not reading its answers), requests go on to the router, whose
/// writer waits for the channel instead of buffering without limit.
final class InlineAnswerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let routes: InlineRoutes
    /// nil in production: a count every request adds to is a cache line both event loops write.
    private let answered: InlineAnswerCount?
    /// Request id, metrics and access log of the answers written here (Observability.swift).
    private let observer: InlineObserver?
    /// Requests handed to the router whose answer has not ended yet.
    private var routerAnswersPending = 0
    /// The body and end of a request answered here are dropped, not handed on.
    private var droppingAnsweredRequest = false

    init(routes: InlineRoutes, answered: InlineAnswerCount?, observer: InlineObserver? = nil) {
        self.routes = routes
        self.answered = answered
        self.observer = observer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let started = NIODeadline.now()
            if routerAnswersPending == 0, context.channel.isWritable, let (answer, route) = routes.answer(to: head) {
                droppingAnsweredRequest = true
                write(answer, route: route, to: head, since: started, context: context)
            } else {
                droppingAnsweredRequest = false
                routerAnswersPending += 1
                context.fireChannelRead(data)
            }
        case .body:
            if !droppingAnsweredRequest { context.fireChannelRead(data) }
        case .end:
            if droppingAnsweredRequest {
                droppingAnsweredRequest = false
            } else {
                context.fireChannelRead(data)
            }
        }
    }

    /// The router's answers pass here on their way out; the end of one lets the next request be
    /// answered here again.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), routerAnswersPending > 0 { routerAnswersPending -= 1 }
        context.write(data, promise: promise)
    }

    private func write(_ answer: JSONAnswer, route: Int, to head: HTTPRequest, since started: NIODeadline, context: ChannelHandlerContext) {
        answered?.increment()  // before the answer can reach the client, who may then read the count
        var fields = answer.headerFields
        // As Response's init appends it; Date and Server follow in `ResponseHeaderStamp`, for both ways.
        fields[.contentLength] = String(answer.bytes.count)
        observer?.answered(head, route: route, path: routes.path(of: route), status: answer.status, fields: &fields, since: started)
        var body = context.channel.allocator.buffer(capacity: answer.bytes.count)
        body.writeBytes(answer.bytes)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// The routes `InlineAnswerHandler` may answer, by exact path. A route returns nil, or throws,
/// to hand the request to the router instead.
struct InlineRoutes: Sendable {
    typealias Answer = @Sendable (Request) throws(APIError) -> JSONAnswer?
    private let routes: [(path: String, answer: Answer)]

    init(_ routes: [(path: String, answer: Answer)]) {
        self.routes = routes
    }

    /// The path of route `index` (what the metrics and the access log call the route).
    func path(of index: Int) -> String { routes[index].path }

    /// The answer and the index of the route that made it; nil for the router to answer.
    func answer(to head: HTTPRequest) -> (JSONAnswer, route: Int)? {
        guard head.method == .get, let target = head.path,
            head.headerFields[.contentLength] == nil, head.headerFields[.transferEncoding] == nil
        else { return nil }
        // Browsers and most libraries send `Connection: keep-alive`; anything else (close,
        // upgrade) is for the router's loop to act on.
        if let connection = head.headerFields[.connection], connection.lowercased() != "keep-alive" { return nil }
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
        guard let index = routes.firstIndex(where: { $0.path == path }),
            let answer = try? routes[index].answer(Request(head: head, body: RequestBody(buffer: ByteBuffer())))
        else { return nil }
        return (answer, index)
    }
}

/// How many requests a server built with it answered inline since it started (tests tell by it
/// which way a request went).
package final class InlineAnswerCount: Sendable {
    private let count = Atomic<Int>(0)
    package init() {}
    func increment() { count.add(1, ordering: .relaxed) }
    package var value: Int { count.load(ordering: .relaxed) }
}

/// The Date field (RFC 9110 §6.6.1) as IMF-fixdate (§5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT",
/// formatted again only when the second changes.
package struct HTTPDateField {
    private var second = Int.min
    private var text = ""

    package init() {}

    mutating func current() -> String {
        let now = Int(Date().timeIntervalSince1970.rounded(.down))
        if now != second {
            second = now
            text = Self.format(secondsSince1970: now)
        }
        return text
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Proleptic Gregorian calendar in UTC; days to year, month and day by Howard Hinnant's
    /// `civil_from_days` (chrono-Compatible Low-Level Date Algorithms).
    package static func format(secondsSince1970 seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153  // March = 0
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 7) % 7  // 1970-01-01 was a Thursday

        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[weekday]), \(twoDigits(day)) \(months[month - 1]) \(year) "
            + "\(twoDigits(secondOfDay / 3600)):\(twoDigits(secondOfDay / 60 % 60)):\(twoDigits(secondOfDay % 60)) GMT"
    }
}
