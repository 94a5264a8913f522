import Foundation
import Glibc
@testable import WharfAgent
import WharfModel

/// Whether a Docker Engine answers at `/var/run/docker.sock` (`GET /_ping` → `OK`), checked once.
enum DockerAvailability {
    static let socketPath = "/var/run/docker.sock"
    /// The local image the tests run (static busybox with `sh`, `httpd`, `sleep`, ... and /www/index.html).
    static let testImage = "wharf-test/busybox:1"

    static let isAvailable: Bool = ping(socketPath)

    /// Whether CI demands an engine (`WHARF_REQUIRE_DOCKER=1`): then missing one fails a test
    /// instead of skipping the suite.
    static var isRequired: Bool { ProcessInfo.processInfo.environment["WHARF_REQUIRE_DOCKER"] == "1" }

    private static func ping(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { return false }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        let text = String(decoding: answer, as: UTF8.self)
        return text.hasPrefix("HTTP/1.") && text.contains(" 200 ") && text.hasSuffix("OK")
    }
}

/// Runs the `docker` CLI; returns its exit status and standard output (trimmed).
@discardableResult
func dockerCLI(_ arguments: [String], input: Data? = nil) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "exec docker \"$@\"", "docker"] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return (-1, "")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}

/// Makes sure the test image exists and was built from the current recipe: runs
/// `scripts/docker-test-images`, the one recipe for it, which rebuilds an image whose recipe hash
/// (label `io.wharf.recipe`) differs and otherwise returns at once. Never pulls: no registry is
/// reachable from tests.
func ensureTestImage() throws {
    struct ImageBuildFailed: Error, CustomStringConvertible {
        var description: String { "scripts/docker-test-images failed" }
    }
    guard runScript("scripts/docker-test-images", []) != nil else { throw ImageBuildFailed() }
}

/// Runs a script of this repository (path relative to its root); its trimmed standard output, or nil
/// when it could not start or exited non-zero.
func runScript(_ relativePath: String, _ arguments: [String]) -> String? {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let process = Process()
    process.executableURL = root.appendingPathComponent(relativePath)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The `PATH` the test image sets (its `Config.Env`), or nil when it sets none.
func testImagePath() -> String? {
    let env = dockerCLI(["image", "inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", DockerAvailability.testImage])
    return env.output.split(separator: "\n").first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
}

/// Removes every container labelled `io.wharf.agent=<dataDir>` or `wharf-test.owner=<dataDir>`.
func removeTestContainers(dataDir: String) {
    for label in ["io.wharf.agent=\(dataDir)", "wharf-test.owner=\(dataDir)"] {
        let ids = dockerCLI(["ps", "-aq", "--filter", "label=\(label)"]).output.split(separator: "\n").map(String.init)
        if !ids.isEmpty { dockerCLI(["rm", "-f"] + ids) }
    }
}

/// Ids of the containers labelled `io.wharf.agent=<dataDir>` (running or not).
func agentContainers(dataDir: String) -> [String] {
    dockerCLI(["ps", "-aq", "--no-trunc", "--filter", "label=io.wharf.agent=\(dataDir)"]).output
        .split(separator: "\n").map(String.init)
}

/// An agent on `dataDir` with the Docker runtime, started, and its report log.
func startDockerAgent(dataDir: String) async -> (Agent, ReportLog) {
    let configuration = AgentConfiguration(
        agentId: "agent-1", host: "127.0.0.1", dataDir: dataDir,
        capacity: Resources(cpus: 2, mem: 1024, disk: 1024), useCgroups: false,
        dockerSocket: DockerAvailability.socketPath)
    let agent = Agent(configuration: configuration, logger: quietLogger)
    let log = ReportLog.following(agent.reports)
    await agent.start()
    return (agent, log)
}

/// A Docker app `/test/<name>` on the test image.
func makeDockerApp(
    _ name: String = "app", cmd: String? = nil, args: [String]? = nil, mem: Double = 64,
    bridgePorts: [Int] = [], parameters: [DockerSettings.Parameter] = [], volumes: [Volume] = []
) -> AppDefinition {
    var app = makeApp(name, cmd: cmd, args: args)
    app.mem = mem
    app.container = Container(
        type: .docker, docker: DockerSettings(image: DockerAvailability.testImage, parameters: parameters),
        volumes: volumes,
        portMappings: bridgePorts.isEmpty ? nil : bridgePorts.map { PortMapping(containerPort: $0, hostPort: 0, name: "p\($0)") })
    if !bridgePorts.isEmpty {
        app.networks = [Network(mode: .containerBridge)]
        app.portDefinitions = []
    }
    return app
}
