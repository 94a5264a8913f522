import Foundation

/// The machine's Docker engine as the integration tests see it, through the `docker` command line.
enum DockerEngine {
    /// The local test image (static busybox with `httpd`, `sh`, `sleep`, ...; `/www/index.html`),
    /// built by `scripts/docker-test-images`.
    static let testImage = "wharf-test/busybox:1"

    /// The `docker` command line, when installed.
    static let cli: String? = ["/usr/bin/docker", "/usr/local/bin/docker"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Whether an engine answers and has the test image built from the current recipe
    /// (`scripts/docker-test-images`, run here, rebuilds a stale one). Decided once per test process.
    static let isAvailable: Bool = {
        guard let cli, status(cli, ["version", "--format", "{{.Server.Version}}"]) == 0 else { return false }
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/docker-test-images").path
        return status(script, []) == 0
    }()

    /// Runs `executable` with output discarded; its exit status, or -1 when it cannot start.
    private static func status(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// CI sets `WHARF_REQUIRE_DOCKER=1`: Docker tests must then run (and fail without an engine)
    /// instead of being skipped.
    static var isRequired: Bool { ProcessInfo.processInfo.environment["WHARF_REQUIRE_DOCKER"] == "1" }

    /// Runs `docker <arguments>`.
    static func run(_ arguments: [String]) async throws -> CommandResult {
        guard let cli else { throw HarnessError("no docker command line installed") }
        return try await runCommand(cli, arguments, timeout: .seconds(60))
    }

    /// Ids of the containers (running or not) that the wharf on `dataDir` created.
    static func containers(of dataDir: String, all: Bool = true) async throws -> [String] {
        let result = try await run(["ps", "-q", "--no-trunc"] + (all ? ["-a"] : []) + ["--filter", "label=io.wharf.agent=\(dataDir)"])
        return result.stdout.split(whereSeparator: \.isNewline).map(String.init)
    }

    /// Removes every container the wharf on `dataDir` created (cleanup after a test).
    static func removeContainers(of dataDir: String) async {
        guard let ids = try? await containers(of: dataDir), !ids.isEmpty else { return }
        _ = try? await run(["rm", "-f"] + ids)
    }
}
