import Hummingbird
import NIOCore

/// The request context of the API listener: Hummingbird's basics plus the client's connection,
/// so that handlers know the client's address (`X-Forwarded-For`, events' `remoteAddress`) and the
/// leader proxy can notice a client that leaves (`ClientConnectionWatch`).
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The client's connection.
    public let channel: any Channel

    /// A context for a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The client's address, or nil when the connection has none (a closed socket).
    public var remoteAddress: SocketAddress? { channel.remoteAddress }
}
