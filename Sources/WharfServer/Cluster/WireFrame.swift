import Foundation
import NIOCore

/// Framing of the agent link: each message is a 4-byte big-endian length followed by that many
/// bytes of JSON (a ``WireMessage``). A length of 0 or above the limit is a protocol error that
/// closes the connection: nothing larger than the limit is ever buffered.
enum WireFrame {
    /// Largest frame body accepted by default: 16 MiB (a full state of thousands of tasks, or a launch
    /// with a large app definition, stays far below it).
    static let defaultMaxBytes = 16 << 20

    /// The frame (length prefix and body) of `message`.
    static func encode(_ message: WireMessage, maxBytes: Int = defaultMaxBytes,
                       allocator: ByteBufferAllocator = ByteBufferAllocator()) throws -> ByteBuffer {
        if case let .encoded(_, frame) = message { return frame }
        let body = try message.encoded()
        // The peer would refuse it (and a bigger limit on one side only helps nobody): fail here,
        // where the log can say which message it was.
        guard body.count <= maxBytes else {
            throw EncodingError.invalidValue(message.typeName, .init(
                codingPath: [], debugDescription: "a '\(message.typeName)' message of \(body.count) bytes exceeds the frame limit of \(maxBytes) bytes"))
        }
        var buffer = allocator.buffer(capacity: 4 + body.count)
        buffer.writeInteger(UInt32(body.count), endianness: .big)
        buffer.writeBytes(body)
        return buffer
    }

    /// Why the byte stream is not a sequence of frames.
    enum Failure: Error, CustomStringConvertible, Equatable {
        /// The length prefix announces more than the limit.
        case oversized(length: Int, limit: Int)
        /// A frame of length 0.
        case empty

        var description: String {
            switch self {
            case let .oversized(length, limit): "frame of \(length) bytes exceeds the limit of \(limit) bytes"
            case .empty: "empty frame (length 0)"
            }
        }
    }
}

/// Splits the agent link's byte stream into frame bodies (see ``WireFrame``). Throws
/// ``WireFrame/Failure`` as soon as a length prefix is out of bounds, before reading the body.
struct WireFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maxBytes: Int
    /// The limit of the first frame (a server reading an agent's hello accepts little before it
    /// knows the peer holds the token); `maxBytes` after it.
    private var firstFrameMaxBytes: Int?

    init(maxBytes: Int = WireFrame.defaultMaxBytes, firstFrameMaxBytes: Int? = nil) {
        self.maxBytes = maxBytes
        self.firstFrameMaxBytes = firstFrameMaxBytes.map { min($0, maxBytes) }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let body = try Self.next(from: &buffer, maxBytes: firstFrameMaxBytes ?? maxBytes) else { return .needMoreData }
        firstFrameMaxBytes = nil
        context.fireChannelRead(wrapInboundOut(body))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// The next complete frame body in `buffer` (consumed), or nil when more bytes are needed.
    static func next(from buffer: inout ByteBuffer, maxBytes: Int) throws -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else { return nil }
        guard length > 0 else { throw WireFrame.Failure.empty }
        guard Int(length) <= maxBytes else { throw WireFrame.Failure.oversized(length: Int(length), limit: maxBytes) }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }
}
