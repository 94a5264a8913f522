import Foundation

/// The outcome of one run of the `wharf` command line.
struct CommandResult: Sendable, CustomStringConvertible {
    var exitCode: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(exitCode)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// Runs the built `wharf` binary with `arguments` (and extra environment) to completion.
func runWharfCLI(
    _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)
) async throws -> CommandResult {
    try await runCommand(WharfProcess.binaryPath, arguments, environment: environment, timeout: timeout)
}

/// Runs `executable` (an absolute path) with `arguments` to completion, in the package root.
func runCommand(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)
) async throws -> CommandResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outPath = directory.appendingPathComponent("out").path
    let errPath = directory.appendingPathComponent("err").path
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = WharfProcess.packageRoot
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    process.standardOutput = FileHandle(forWritingAtPath: outPath)
    process.standardError = FileHandle(forWritingAtPath: errPath)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    do {
        try await waitUntil("\(executable) \(arguments.joined(separator: " ")) exits", timeout: timeout, every: .milliseconds(20)) {
            !process.isRunning
        }
    } catch {
        process.terminate()
        throw error
    }
    return CommandResult(
        exitCode: process.terminationStatus,
        stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    )
}
