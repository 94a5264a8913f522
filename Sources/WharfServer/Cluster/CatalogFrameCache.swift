import NIOCore
import WharfDiscovery

/// Encoded `catalog` frames shared by every agent connection: agents that are up to date all need
/// the same delta (from the previous index to the new one), so each is computed and encoded once
/// per catalog change rather than once per agent. Only frames that lead to the newest index seen
/// are kept.
final class CatalogFrameCache: Sendable {
    private struct Key: Hashable {
        let base: UInt64
        let index: UInt64
    }

    private struct State {
        var newest: UInt64 = 0
        var frames: [Key: ByteBuffer] = [:]
    }

    private let state = LockedValue(State())
    private let maxFrameBytes: Int

    init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// The frame that takes a copy at `base` (0: none) to `snapshot`. Throws when it exceeds the
    /// frame limit.
    func frame(for snapshot: CatalogSnapshot, since base: UInt64) throws -> ByteBuffer {
        let key = Key(base: base == 0 || base >= snapshot.index ? 0 : base, index: snapshot.index)
        if let cached = state.withLock({ $0.frames[key] }) { return cached }
        let frame = try WireFrame.encode(.catalog(snapshot.delta(since: key.base)), maxBytes: maxFrameBytes)
        state.withLock { state in
            if key.index > state.newest {
                state.newest = key.index
                state.frames = [:]
            }
            if key.index == state.newest { state.frames[key] = frame }
        }
        return frame
    }
}
