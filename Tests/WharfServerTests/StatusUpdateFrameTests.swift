import Foundation
import Testing
@testable import WharfServer
import WharfModel

/// `status_update_event` frames are written directly (the busiest event); they must hold exactly
/// what the generic `JSONEncoder` path writes for every other event.
@Suite("status_update_event frames")
struct StatusUpdateFrameTests {
    @Test(arguments: ["", "launched on 10.0.0.1", "exit \"1\"\n\ttab \\ back/slash ünïcode 🚀 \u{01}\u{1f}"])
    func sameAsEncoder(message: String) throws {
        let app = MarathonAPIFixtures.app("/group/web")
        var instance = MarathonAPIFixtures.instance(of: app, 3)
        instance.ports = [31_003, 0, 65_535]
        let event = StatusUpdateEvent(instance: instance, message: message,
                                      timestamp: MarathonAPIFixtures.t0.adding(seconds: 1.234))
        let direct = try JSONSerialization.jsonObject(with: event.frame().json) as? NSDictionary
        let encoded = try JSONSerialization.jsonObject(with: EventJSON.encoder.encode(event)) as? NSDictionary
        #expect(direct != nil)
        #expect(direct == encoded)
        #expect(event.frame().eventType == "status_update_event")
        #expect(direct?["message"] as? String == message)
    }
}
