import Foundation
import Glibc
import Testing
@testable import WharfAgent
import WharfModel

/// A TCP socket listening on a port of the test process, standing for "another process holds it".
final class HeldPort {
    let port: Int
    private var fd: Int32

    private init?(port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            return nil
        }
        self.port = port
        self.fd = fd
    }

    /// Listens on the first free port of `range`, from a random start so that parallel tests differ.
    static func any(in range: ClosedRange<Int>) -> HeldPort? {
        let start = Int.random(in: range)
        for offset in 0..<range.count {
            let port = range.lowerBound + (start - range.lowerBound + offset) % range.count
            if let held = HeldPort(port: port) { return held }
        }
        return nil
    }

    func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}

@Suite("Host ports the agent does not own", .serialized, .timeLimit(.minutes(2)))
struct HostPortTests {
    /// Below Linux' ephemeral range (32768+), so that no outgoing connection of a test running in
    /// parallel takes one of these ports between a probe and the task's bind; apart from the
    /// integration tests' 20000-32000 and the benchmarks' 12000-20000.
    static let range = 6100...6999

    /// An agent whose task ports are `range`, checking the host every `every` seconds.
    static func agent(dataDir: String, every seconds: Double = 5) async -> (Agent, ReportLog) {
        var configuration = AgentConfiguration(
            agentId: "agent-1", host: "127.0.0.1", dataDir: dataDir, capacity: Resources(cpus: 2, mem: 1024, disk: 1024),
            portRanges: [PortRange(begin: range.lowerBound, end: range.upperBound)], useCgroups: false)
        configuration.portCheckSeconds = seconds
        let agent = Agent(configuration: configuration, logger: quietLogger)
        let log = ReportLog.following(agent.reports)
        await agent.start()
        return (agent, log)
    }

    /// A port of `range` that is free now. (The suite runs serialized: a test running beside this
    /// one could otherwise take the port between this probe and the task's bind.)
    static func freePort() async throws -> Int {
        let probe = try #require(HeldPort.any(in: range))
        probe.release()
        // A task forked meanwhile by another suite holds a copy of the socket until its exec. (Waited
        // for without blocking a thread: the cooperative pool has as many threads as cores.)
        #expect(await eventually(timeout: .seconds(10)) { !PortProbe.isInUse(port: probe.port, transport: .tcp) },
                "port \(probe.port) still held after its socket was closed")
        return probe.port
    }

    @Test func parsesTheKernelsSocketTables() {
        let text = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
               1: 0100007F:A028 0100007F:1F90 06 00000000:00000000 03:00000DD1 00000000     0        0 0 3 0000000000000000
               2: garbage
            """
        let sockets = HostSocket.parse(text, transport: .tcp)
        #expect(sockets == [
            HostSocket(transport: .tcp, port: 8080, state: 0x0A, inode: 4242),
            HostSocket(transport: .tcp, port: 41000, state: 0x06, inode: 0),
        ])
        #expect(sockets.map(\.isHeld) == [true, false], "a TIME_WAIT socket holds no port")
    }

    @Test func findsPortsHeldOnThisHost() async throws {
        let held = try #require(HeldPort.any(in: Self.range))
        let range = PortRange(begin: Self.range.lowerBound, end: Self.range.upperBound)
        #expect(HostPortCheck.held(in: [range], suspects: []).contains(held.port))
        #expect(PortProbe.isInUse(port: held.port, transport: .tcp))
        #expect(!PortProbe.isInUse(port: held.port, transport: .udp))
        held.release()
        // Another suite of this process may fork a task right now; the child holds a copy of the
        // listening socket until its exec closes it (CLOEXEC), so the port is free shortly, not at once.
        #expect(await eventually(timeout: .seconds(5)) {
            !HostPortCheck.held(in: [range], suspects: [held.port]).contains(held.port)
                && !PortProbe.isInUse(port: held.port, transport: .tcp)
        })
    }

    @Test func aTaskWhosePortIsTakenIsDroppedAsAPortConflictAfterTheAgentReportedThePort() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await Self.agent(dataDir: dir.path)
        let held = try #require(HeldPort.any(in: Self.range))
        let launch = makeLaunch(makeApp(cmd: "sleep 100"), ports: [held.port])
        await agent.handle(.launch(launch))

        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(status.state == .dropped)
        #expect(status.reason == .portConflict)
        #expect(status.message?.contains("host port \(held.port) is already in use") == true, "\(status.message ?? "")")
        #expect(await log.states(launch.instance.id) == [.dropped], "nothing was started")
        // The port is announced as taken before the status that it explains.
        let reports = await log.reports
        let announced = reports.firstIndex { if case .portsInUse(_, let ports) = $0 { ports.contains(held.port) } else { false } }
        let dropped = reports.firstIndex { if case .status(_, let s) = $0 { s.instanceId == launch.instance.id } else { false } }
        #expect(announced != nil && dropped != nil && announced! < dropped!, "\(reports)")
    }

    @Test func anEarlyExitWhileAnotherProcessHoldsThePortIsAPortConflict() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await Self.agent(dataDir: dir.path)
        // Free now, so the task starts; the test takes the port before the task "binds" and fails.
        let port = try await Self.freePort()
        let gate = dir.path + "/go"
        let launch = makeLaunch(makeApp(cmd: "while [ ! -e \(gate) ]; do sleep 0.05; done; exit 4"), ports: [port])
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.states(launch.instance.id) == [.running] })
        let held = try #require(HeldPort.any(in: port...port), "port \(port) was taken by someone else meanwhile")
        FileManager.default.createFile(atPath: gate, contents: nil)

        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(status.state == .failed)
        #expect(status.exitCode == 4)
        #expect(status.reason == .portConflict)
        #expect(status.message?.contains("exited with code 4; host port \(port) is already in use by another process") == true,
                "\(status.message ?? "")")
        held.release()
    }

    @Test func anEarlyExitWithItsPortsFreeIsTheAppsFailure() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await Self.agent(dataDir: dir.path)
        let port = try await Self.freePort()
        // The task itself listens on its port and then fails: its own socket is no conflict.
        let launch = makeLaunch(makeApp(cmd: "python3 -c 'import socket,os,sys; s=socket.socket(); s.bind((\"\", int(os.environ[\"PORT0\"]))); s.listen(); sys.exit(5)'"),
                                ports: [port])
        await agent.handle(.launch(launch))
        #expect(await eventually { await log.terminal(launch.instance.id) != nil })
        let status = try #require(await log.terminal(launch.instance.id))
        #expect(status.state == .failed)
        #expect(status.exitCode == 5)
        #expect(status.reason == nil)
    }

    @Test func portsTakenAndReleasedLaterAreReported() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let (agent, log) = await Self.agent(dataDir: dir.path, every: 0.1)
        let held = try #require(HeldPort.any(in: Self.range))
        func lastReport() async -> [Int]? {
            await log.reports.last { if case .portsInUse = $0 { true } else { false } }.flatMap {
                if case .portsInUse(_, let ports) = $0 { ports } else { nil }
            }
        }
        #expect(await eventually { await lastReport()?.contains(held.port) == true })
        held.release()
        #expect(await eventually { await lastReport().map { !$0.contains(held.port) } == true })
        #expect(await agent.info.portsInUse.contains(held.port) == false)
    }
}
