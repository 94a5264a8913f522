import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Another process holding a host port: a python process listening on TCP `port` on every
/// address, as a database or a task of another `wharf dev` would.
final class PortHolder {
    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Starts the holder and waits until the port is taken.
    static func start(_ port: Int) async throws -> PortHolder {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import socket, time
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("0.0.0.0", \(port)))
            s.listen(16)
            while True:
                time.sleep(3600)
            """]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let holder = PortHolder(port: port, process: process)
        do {
            try await waitUntil("a python process holds port \(port)", timeout: .seconds(30), every: .milliseconds(20)) {
                guard process.isRunning else { throw HarnessError("the port holder exited (port \(port) already taken?)") }
                return !PortAllocator.isFree(port)
            }
        } catch {
            holder.stop()
            throw error
        }
        return holder
    }

    /// Kills the holder and waits until it is gone (the port is free again).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
