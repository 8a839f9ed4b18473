package import Hummingbird
package import NIOCore

/// The router's request context: Hummingbird's basic one plus the client's address, which the
/// rate limit of public POSTs keys on (Hummingbird's `RemoteAddressRequestContext`).
package struct ZaminRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
