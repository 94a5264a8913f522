import Foundation
import NIOCore
import Testing
import WharfDiscovery
import WharfModel
@testable import WharfServer

@Suite("Agent link: shared catalog frames", .timeLimit(.minutes(1)))
struct CatalogFrameCacheTests {
    static func decode(_ frame: ByteBuffer) throws -> CatalogDelta {
        var frame = frame
        let body = try #require(try WireFrameDecoder.next(from: &frame, maxBytes: WireFrame.defaultMaxBytes))
        guard case let .catalog(delta) = try WireMessage.decode(Data(body.readableBytesView), agentId: "a") else {
            throw CocoaError(.coderInvalidValue)
        }
        return delta
    }

    @Test("a frame is what the delta encodes to, shared for the same base and index; a newer index starts afresh")
    func sharedFrames() throws {
        let catalog = Catalog(startIndex: 100)
        catalog.replace([PathId("/web"): CatalogMirrorFixtures.services("/web", instances: 2)])
        let cache = CatalogFrameCache(maxFrameBytes: WireFrame.defaultMaxBytes)
        let full = try cache.frame(for: catalog.snapshot, since: 0)
        #expect(try Self.decode(full) == catalog.snapshot.delta(since: 0))
        #expect(try cache.frame(for: catalog.snapshot, since: 0) == full)

        let held = catalog.snapshot.index
        catalog.replace([PathId("/web"): CatalogMirrorFixtures.services("/web", instances: 3)])
        let delta = try cache.frame(for: catalog.snapshot, since: held)
        #expect(try Self.decode(delta) == catalog.snapshot.delta(since: held))
        #expect(try Self.decode(delta).services.first?.endpoints.count == 3)
        // A base at or above the index is a full copy.
        #expect(try Self.decode(try cache.frame(for: catalog.snapshot, since: catalog.snapshot.index + 5)).isFull)
    }

    @Test("a copy beyond the frame limit is refused where it is made")
    func oversized() {
        let catalog = Catalog(startIndex: 100)
        catalog.replace([PathId("/web"): CatalogMirrorFixtures.services("/web", instances: 50)])
        let cache = CatalogFrameCache(maxFrameBytes: 512)
        #expect(throws: EncodingError.self) { try cache.frame(for: catalog.snapshot, since: 0) }
    }
}
