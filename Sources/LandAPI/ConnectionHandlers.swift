import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Writes `Date` (RFC 9110 §6.6.1) and `Server` on every answer head that leaves a connection,
/// whether the router wrote it or `InlineAnswerHandler` did: it sits nearer the socket than both,
/// so the two ways out share one place for these fields. (Hummingbird's own Date is replaced in
/// place with the same value; its Server field is off: `serverName: nil`.)
final class ResponseHeaderStamp: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let serverName: String?
    private var date = HTTPDateField()

    init(serverName: String?) { self.serverName = serverName }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        head.headerFields[.date] = date.current()
        if let serverName { head.headerFields[.server] = serverName }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}

/// Closes a connection that has neither read nor written anything for `timeout` while no request
/// is being answered on it. It sits in front of the inline answers, so a connection busy with
/// requests answered there is seen as busy (Hummingbird's own idle timeout sits behind them and
/// would see such a connection as idle). A request whose answer takes longer than `timeout` is
/// not cut: the connection is only closed between requests (RFC 9112 §9.6 lets a server close
/// an idle persistent connection at any time).
final class IdleConnectionCloser: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var requestsInProgress = 0
    private var lastActivity = NIODeadline.now()
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(context: context, after: timeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        schedule(context: context, after: timeout)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        if case .head = unwrapInboundIn(data) { requestsInProgress += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        lastActivity = .now()
        if case .end = unwrapOutboundIn(data), requestsInProgress > 0 { requestsInProgress -= 1 }
        context.write(data, promise: promise)
    }

    private func schedule(context: ChannelHandlerContext, after delay: TimeAmount) {
        check?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            handler.checkIdle(context: context)
        }
    }

    private func checkIdle(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let idleFor = NIODeadline.now() - lastActivity
        if requestsInProgress == 0, idleFor >= timeout {
            context.close(promise: nil)
        } else {
            schedule(context: context, after: requestsInProgress == 0 ? timeout - idleFor : timeout)
        }
    }
}
