import Foundation
import NIOCore
import Testing
import WharfDiscovery
import WharfModel
@testable import WharfServer

@Suite("Agent link: frames and wire schema", .timeLimit(.minutes(2)))
struct WireFormatTests {
    static let info = AgentInfo(id: "agent-1", host: "127.0.0.2", capacity: Resources(cpus: 2, mem: 1024, disk: 100),
                                portRanges: [PortRange(begin: 10000, end: 10100)], attributes: ["rack": "r1"], hostname: "node1")

    static func launch() -> LaunchTask {
        var app = AppDefinition(id: PathId("/shop/web"))
        app.cmd = "python3 -m http.server $PORT0"
        app.instances = 2
        app.version = Timestamp(millis: 1_700_000_000_000)
        app.versionInfo = VersionInfo(lastScalingAt: Timestamp(millis: 1_700_000_000_000), lastConfigChangeAt: Timestamp(millis: 1_600_000_000_000))
        let instance = Instance(id: "shop_web.instance-1", appId: app.id, appVersion: app.version!, configVersion: Timestamp(millis: 1_600_000_000_000),
                                agentId: "agent-1", host: "127.0.0.2", ports: [10001], resources: app.resources,
                                stagedAt: Timestamp(millis: 1_700_000_000_500))
        return LaunchTask(instance: instance, app: app, killGracePeriodSeconds: 5)
    }

    static func roundTrip(_ message: WireMessage, agentId: String = "agent-1") throws -> WireMessage {
        var frame = try WireFrame.encode(message)
        let body = try #require(try WireFrameDecoder.next(from: &frame, maxBytes: WireFrame.defaultMaxBytes))
        #expect(frame.readableBytes == 0)
        return try WireMessage.decode(Data(body.readableBytesView), agentId: agentId)
    }

    @Test("every message type survives encoding and decoding")
    func roundTrips() throws {
        let status = TaskStatus(instanceId: "shop_web.instance-1", incarnation: 1, state: .running, message: "up",
                                timestamp: Timestamp(millis: 1_700_000_001_000))
        let messages: [WireMessage] = [
            .hello(WireHello(protocol: WireProtocol.name, versions: [1], agentId: "agent-1", processId: "p1", token: "t",
                             agent: Self.info, software: "wharf test")),
            .welcome(WireWelcome(version: 1, heartbeatSeconds: 2, timeoutSeconds: 10, serverId: "s1")),
            .refused(WireRefusal(code: .badToken, reason: "no")),
            .heartbeat(intervalSeconds: 2.5),
            .heartbeat(intervalSeconds: nil),
            .command(.launch(Self.launch()), epoch: 7),
            .command(.kill(KillTask(instanceId: "x.instance-1", gracePeriodSeconds: 3, drainSeconds: 0.5, reason: "scaling down")), epoch: 0),
            .command(.reconcile, epoch: 12),
            .report(.registered(Self.info)),
            .report(.status(agentId: "agent-1", status)),
            .report(.fullState(agentId: "agent-1", [status])),
            .report(.portsInUse(agentId: "agent-1", [10005, 10007])),
            .hello(WireHello(protocol: WireProtocol.name, versions: [1], agentId: "agent-1", processId: "p1", token: "t",
                             agent: Self.info, software: "wharf test", followsCatalog: true, servesRoutes: true)),
            .welcome(WireWelcome(version: 1, heartbeatSeconds: 2, timeoutSeconds: 10, serverId: "s1", apiAddress: "10.0.0.1:8080", epoch: 41, clusterId: "c-1")),
            .refused(WireRefusal(code: .notLeader, reason: "follower", leader: "127.0.0.2:8090")),
            .refused(WireRefusal(code: .notLeader, reason: "no leader yet")),
            .catalog(Self.catalogDelta()),
            .routesApplied(index: 1_700_000_000_123),
            .logRead(requestId: 7, TaskLogRequest(taskId: "web.instance-1._app.1", stream: .stderr, position: .offset(1 << 40),
                                                  limit: 4096, waitSeconds: 15)),
            .logRead(requestId: 8, TaskLogRequest(taskId: "web.instance-1._app.1", stream: .stdout, position: .tailLines(10))),
            .logRead(requestId: 9, TaskLogRequest(taskId: "web.instance-1._app.1", stream: .stdout, position: .end, limit: 0)),
            .logRead(requestId: 10, TaskLogRequest(taskId: "web.instance-1._app.1", stream: .stdout, position: .since(millis: 1_700_000_000_000))),
            .logData(requestId: 7, .chunk(TaskLogChunk(start: 5, data: Data([0, 0xFF, 0x0A, 0x22]), oldest: 2, size: 9, ended: true))),
            .logData(requestId: 8, .notFound("no such task")),
            .logData(requestId: 9, .failed("cannot read")),
        ]
        for message in messages {
            #expect(try Self.roundTrip(message) == message, "\(message.typeName)")
        }
    }

    /// A catalog with one service of two instances, as a full copy.
    static func catalogDelta() -> CatalogDelta {
        let catalog = Catalog(datacenter: "east", startIndex: 1_700_000_000_000)
        var app = AppDefinition(id: PathId("/shop/web"))
        app.portDefinitions = [PortDefinition(port: 10001, name: "http")]
        let members = (1...2).map { n in
            CatalogMember(instance: Instance(
                id: "shop_web.instance-\(n)", appId: app.id, appVersion: Timestamp(millis: 1), configVersion: Timestamp(millis: 1),
                agentId: "agent-\(n)", host: "127.0.0.\(n + 1)", ports: [31000 + n], resources: app.resources, state: .running,
                stagedAt: Timestamp(millis: 1)), health: .passing, output: "ok")
        }
        catalog.replace([app.id: CatalogService.services(of: app, members: members)])
        catalog.setNodes([CatalogNode(name: "agent-1", address: "127.0.0.2"), CatalogNode(name: "agent-2", address: "127.0.0.3")])
        return catalog.snapshot.delta(since: 0)
    }

    @Test("a launch keeps the app's version fields, which Marathon's JSON treats as output only")
    func launchKeepsVersions() throws {
        guard case let .command(.launch(decoded), _) = try Self.roundTrip(.command(.launch(Self.launch()), epoch: 3)) else {
            Issue.record("not a launch")
            return
        }
        #expect(decoded.app.version == Timestamp(millis: 1_700_000_000_000))
        #expect(decoded.app.versionInfo?.lastConfigChangeAt == Timestamp(millis: 1_600_000_000_000))
    }

    @Test("reports are attributed to the session's agent, whatever the body claims")
    func reportsTakeTheSessionsAgentId() throws {
        let decoded = try Self.roundTrip(.report(.registered(Self.info)), agentId: "agent-from-session")
        guard case let .report(.registered(info)) = decoded else {
            Issue.record("not registered: \(decoded)")
            return
        }
        #expect(info.id == "agent-from-session")
        #expect(info.hostname == "node1")
    }

    @Test("a body that is not a message of the schema is refused with what is wrong")
    func malformedBodies() {
        let cases: [(String, String)] = [
            ("not json", "not JSON"),
            (#"{"type":"catalogSnapshot"}"#, "unknown message type 'catalogSnapshot'"),
            (#"{"type":"kill","instanceId":"x"}"#, "gracePeriodSeconds"),
            (#"{"nope":1}"#, "type"),
        ]
        for (body, expected) in cases {
            #expect {
                _ = try WireMessage.decode(Data(body.utf8), agentId: "a")
            } throws: { error in
                (error as? WireDecodingError)?.description.contains(expected) == true
            }
        }
    }

    @Test("an unreachable report is the server's own and is never encoded")
    func unreachableIsNotSent() {
        #expect(throws: (any Error).self) {
            _ = try WireFrame.encode(.report(.unreachable(agentId: "a", reason: "silent")))
        }
    }

    @Test("frames: partial input waits, an oversized length fails before its body arrives, an empty frame fails")
    func frames() throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(5), endianness: .big)
        buffer.writeString("ab")
        #expect(try WireFrameDecoder.next(from: &buffer, maxBytes: 100) == nil)
        buffer.writeString("cde")
        buffer.writeInteger(UInt32(3), endianness: .big)
        let first = try #require(try WireFrameDecoder.next(from: &buffer, maxBytes: 100))
        #expect(String(buffer: first) == "abcde")
        #expect(try WireFrameDecoder.next(from: &buffer, maxBytes: 100) == nil)

        var oversized = ByteBuffer()
        oversized.writeInteger(UInt32(101), endianness: .big)
        #expect(throws: WireFrame.Failure.oversized(length: 101, limit: 100)) {
            _ = try WireFrameDecoder.next(from: &oversized, maxBytes: 100)
        }
        var empty = ByteBuffer()
        empty.writeInteger(UInt32(0), endianness: .big)
        #expect(throws: WireFrame.Failure.empty) {
            _ = try WireFrameDecoder.next(from: &empty, maxBytes: 100)
        }
    }
}

@Suite("Agent link: handshake rules", .timeLimit(.minutes(2)))
struct HandshakeRuleTests {
    static func hello(token: String = "s3cret-token", versions: [Int] = [1], agentId: String = "agent-1") -> WireHello {
        var info = WireFormatTests.info
        info.id = agentId
        return WireHello(protocol: WireProtocol.name, versions: versions, agentId: agentId, processId: "p1", token: token,
                         agent: info, software: "test")
    }

    @Test("a matching token and a common version are accepted; the highest common version is chosen")
    func accepted() {
        #expect(WireProtocol.evaluate(Self.hello(), token: "s3cret-token") == .success(1))
        #expect(WireProtocol.evaluate(Self.hello(versions: [1, 2, 3]), token: "s3cret-token", supported: 1...2) == .success(2))
    }

    @Test("a wrong token is refused as such, before anything else is looked at")
    func wrongToken() {
        guard case let .failure(refusal) = WireProtocol.evaluate(Self.hello(token: "guess", versions: [9]), token: "s3cret-token") else {
            Issue.record("accepted")
            return
        }
        #expect(refusal.code == .badToken)
        #expect(refusal.isFatal)
        #expect(refusal.reason.contains("--token"))
    }

    @Test("no common version is refused, naming both sides' versions")
    func versionMismatch() {
        guard case let .failure(refusal) = WireProtocol.evaluate(Self.hello(versions: [3, 4]), token: "s3cret-token") else {
            Issue.record("accepted")
            return
        }
        #expect(refusal.code == .versionMismatch)
        #expect(refusal.reason.contains("agent speaks 3, 4") && refusal.reason.contains("server speaks 1-2"))
    }

    @Test("another protocol or an invalid agent id is refused")
    func badHellos() {
        var other = Self.hello()
        other.protocol = "http"
        #expect((try? WireProtocol.evaluate(other, token: "s3cret-token").get()) == nil)
        #expect((try? WireProtocol.evaluate(Self.hello(agentId: "../etc"), token: "s3cret-token").get()) == nil)
        var mismatched = Self.hello()
        mismatched.agent.id = "someone-else"
        #expect((try? WireProtocol.evaluate(mismatched, token: "s3cret-token").get()) == nil)
    }

    @Test("tokens compare equal only when identical")
    func tokenComparison() {
        #expect(WireProtocol.tokensMatch("abc", "abc"))
        #expect(!WireProtocol.tokensMatch("abc", "abd"))
        #expect(!WireProtocol.tokensMatch("abc", "abcd"))
        #expect(!WireProtocol.tokensMatch("", "a"))
        #expect(WireProtocol.tokensMatch("", ""))
    }

    @Test("the heartbeat interval is 2 s, grows with the cluster, and stays within a third of the timeout")
    func heartbeatInterval() {
        #expect(WireProtocol.heartbeatInterval(agents: 3, timeout: 10) == 2)
        #expect(WireProtocol.heartbeatInterval(agents: 150, timeout: 10) == 3)
        #expect(WireProtocol.heartbeatInterval(agents: 1000, timeout: 60) == 20)
        #expect(WireProtocol.heartbeatInterval(agents: 1000, timeout: 10) == 10.0 / 3)
        #expect(WireProtocol.heartbeatInterval(agents: 1, timeout: 2) == 2.0 / 3)
    }

    @Test("reconnect delays double up to the cap, with jitter in the upper half of each step")
    func backoff() {
        var backoff = ReconnectBackoff(initial: 0.5, maximum: 4)
        var random = SystemRandomNumberGenerator()
        let delays = (0..<6).map { _ in backoff.next(using: &random) }
        for (delay, step) in zip(delays, [0.5, 1, 2, 4, 4, 4]) {
            #expect(delay >= step / 2 && delay <= step)
        }
        backoff.reset()
        #expect(backoff.next(using: &random) <= 0.5)
    }

    @Test("join addresses: host:port, default port, IPv6, lists; bad ones are refused")
    func joinAddresses() {
        #expect(JoinAddress("10.0.0.1:9000") == JoinAddress(host: "10.0.0.1", port: 9000))
        #expect(JoinAddress("server") == JoinAddress(host: "server", port: 8090))
        #expect(JoinAddress("tcp://server:1") == JoinAddress(host: "server", port: 1))
        #expect(JoinAddress("[::1]:9000") == JoinAddress(host: "::1", port: 9000))
        #expect(JoinAddress("a:0") == nil)
        #expect(JoinAddress("a:b") == nil)
        #expect(JoinAddress("") == nil)
        #expect(JoinAddress.list("a:1,b:2")?.count == 2)
        #expect(JoinAddress.list("a:1,b:x") == nil)
    }
}
