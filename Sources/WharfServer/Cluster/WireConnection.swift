import Foundation
import NIOCore
import NIOPosix

/// The pieces both ends of the agent link share: the channel pipeline, reading one message, and the
/// writer that drains an outbox into the socket.
enum WireConnection {
    /// A TCP connection carrying frames: bodies in, encoded frames out.
    typealias Channel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Installs the frame decoder and wraps `channel` for async use. Call on the channel's event loop
    /// (from a bootstrap's initializer).
    static func wrap(_ channel: any NIOCore.Channel, maxFrameBytes: Int, firstFrameMaxBytes: Int? = nil) throws -> Channel {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(
            WireFrameDecoder(maxBytes: maxFrameBytes, firstFrameMaxBytes: firstFrameMaxBytes)))
        return try Channel(wrappingChannelSynchronously: channel)
    }

    /// The next message, or nil when the peer closed the connection. Throws on a bad frame
    /// (oversized, empty) or a body that is not a message of the schema.
    static func read(_ iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, agentId: String) async throws -> WireMessage? {
        guard let frame = try await iterator.next() else { return nil }
        return try WireMessage.decode(Data(frame.readableBytesView), agentId: agentId)
    }

    /// Writes each message of `outbox` as a frame, in order. A write returns once the channel takes
    /// it (NIO's backpressure: a slow reader holds up this connection's writer, nothing else).
    /// Returns when `outbox` finishes or the task is cancelled; throws when writing fails.
    /// `written` hears of every message once the channel has taken it.
    static func drain(_ outbox: AsyncStream<WireMessage>, into outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
                      mayWrite: @Sendable (WireMessage) -> Bool = { _ in true },
                      written: @Sendable (WireMessage) -> Void = { _ in }) async throws {
        for await message in outbox {
            guard mayWrite(message) else { throw WireWriteRefused(type: message.typeName) }
            try await outbound.write(try WireFrame.encode(message))
            written(message)
        }
    }

    /// Writes one message now (handshake frames, before the writer runs).
    static func write(_ message: WireMessage, to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        try await outbound.write(try WireFrame.encode(message))
    }

    /// `host:port` of a channel's peer, for logs.
    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown address" }
        if let ip = address.ipAddress, let port = address.port { return "\(ip):\(port)" }
        return "\(address)"
    }
}

/// A writer was told not to write a message (a leader whose lease ran out sends no command): the
/// connection ends instead.
struct WireWriteRefused: Error, CustomStringConvertible {
    var type: String
    var description: String { "not sending '\(type)': this server may no longer lead (its etcd lease could not be renewed in time)" }
}
