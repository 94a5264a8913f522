import Foundation
import Glibc

/// COMMAND health checks: `/bin/sh -c <command>` with the task's environment, in the task's
/// sandbox, in a session of its own and in the task's cgroups. Healthy on exit code 0.
///
/// The check is bounded in time and output: on the time-out its process group and everything left
/// in its session get SIGKILL (so a check that forks forever ends with it); its output goes to a
/// pipe that is drained continuously, so the check never blocks on writing, and only the last
/// ``outputLimit`` bytes are kept, for the failure cause. Whatever a finished check left running in
/// its session is killed as well. No thread is held while the check runs: the pipe is non-blocking
/// and polled.
enum CommandProbe {
    /// Bytes of output kept (the end of it).
    static let outputLimit = 4096
    /// Pause between polls of a quiet check.
    static let pollInterval: Duration = .milliseconds(20)

    /// Runs `command` and returns its outcome. Cancelling the calling task ends the check like a
    /// time-out.
    static func run(
        _ command: String, environment: [String: String], sandbox: String, cgroups: [String], timeout: Duration
    ) async -> ProbeOutcome {
        let deadline = ContinuousClock.now + timeout
        let child: Child
        do {
            child = try await BlockingIO.run { () throws -> Child in
                try Child.spawn(command, environment: environment, sandbox: sandbox, cgroups: cgroups)
            }
        } catch {
            return .failure("\(error)")
        }
        var output = OutputTail(limit: outputLimit)
        var exited = false
        while true {
            let quiet = child.drain(into: &output)
            if child.hasExited {
                exited = true
                break
            }
            if ContinuousClock.now >= deadline || Task.isCancelled { break }
            if quiet { try? await Task.sleep(for: pollInterval) }
        }
        let status = await BlockingIO.run { child.terminate() }
        _ = child.drain(into: &output)
        close(child.output)
        guard exited else { return .failure(ProbeFailure.timedOut(after: timeout).cause) }
        return outcome(waitStatus: status, output: output)
    }

    /// Success on exit code 0; otherwise `exit code 1: <last output line>` or `killed by signal 9 (SIGKILL)`.
    static func outcome(waitStatus status: Int32, output: OutputTail) -> ProbeOutcome {
        let signal = status & 0x7f
        if signal != 0 {
            let name = TaskExit.signalName(signal).map { " (\($0))" } ?? ""
            return .failure("killed by signal \(signal)\(name)")
        }
        let code = (status >> 8) & 0xff
        if code == 0 { return .success }
        let line = output.lastLine
        return .failure("exit code \(code)" + (line.isEmpty ? "" : ": \(line)"))
    }

    /// A running check process and the read end of its output pipe.
    struct Child: Sendable {
        var pid: Int32
        var startTime: UInt64?
        /// Non-blocking read end of the pipe holding the check's stdout and stderr.
        var output: Int32

        /// Spawns the check. Blocking; runs on ``BlockingIO``.
        static func spawn(
            _ command: String, environment: [String: String], sandbox: String, cgroups: [String]
        ) throws -> Child {
            var fds: [Int32] = [-1, -1]
            guard let pipe2 = GlibcExtensions.pipe2, pipe2(&fds, O_CLOEXEC) == 0 else {
                throw ProbeFailure("cannot create a pipe: \(ErrorText.strerror(errno))")
            }
            defer { close(fds[1]) }
            _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
            let argv = ProcessRuntime.confined(
                ["/bin/sh", "-c", command], cgroup: cgroups.isEmpty ? nil : TaskCgroup(directories: cgroups),
                workingDirectory: sandbox)
            let pid: pid_t
            do {
                pid = try ProcessSpawner.spawn(ProcessSpawner.Request(
                    executable: argv[0], arguments: argv, environment: environment, workingDirectory: sandbox,
                    output: .descriptor(fds[1])))
            } catch {
                close(fds[0])
                throw ProbeFailure("\(error)")
            }
            return Child(pid: pid, startTime: ProcStat.read(pid: pid)?.startTime, output: fds[0])
        }

        /// Whether the check's main process has ended (it stays an unreaped zombie until
        /// ``terminate()``, so that its pid and session cannot be reused meanwhile).
        var hasExited: Bool {
            ProcStat.read(pid: pid).map { $0.state == "Z" } ?? true
        }

        /// Reads what the pipe holds into `tail`, at most 4 MiB per call so that a check writing
        /// without pause cannot keep the caller from its deadline. Returns whether the pipe ran
        /// dry (empty or closed), i.e. whether the caller may pause before the next call.
        func drain(into tail: inout OutputTail) -> Bool {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            for _ in 0..<64 {
                let n = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
                if n > 0 {
                    tail.append(buffer[0..<n])
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                return true
            }
            return false
        }

        /// Kills the check's process group and whatever else is left in its session, then reaps the
        /// check and returns its wait status. Blocking; runs on ``BlockingIO``.
        func terminate() -> Int32 {
            kill(-pid, SIGKILL)
            // Wait (briefly) until the leader is a zombie: its session id then stays reserved while
            // the rest of the session is swept, and processes forked meanwhile are caught by a later
            // round.
            for _ in 0..<1000 where !hasExited { usleep(5000) }
            for _ in 0..<100 {
                kill(-pid, SIGKILL)
                if SessionSweeper.killRemnants(ofSession: pid, leaderStartTime: startTime) == 0 { break }
                usleep(1000)
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return status
        }
    }

    /// The last `limit` bytes written to it; earlier bytes are discarded.
    struct OutputTail: Sendable {
        let limit: Int
        private var bytes: [UInt8] = []

        init(limit: Int) {
            self.limit = limit
        }

        mutating func append(_ chunk: ArraySlice<UInt8>) {
            bytes.append(contentsOf: chunk.suffix(limit))
            // Trim in batches, so that many small writes do not shift the buffer every time.
            if bytes.count > 2 * limit { bytes.removeFirst(bytes.count - limit) }
        }

        /// The kept output (at most `limit` bytes) as UTF-8, invalid sequences replaced.
        var text: String { String(decoding: bytes.suffix(limit), as: UTF8.self) }

        /// The last non-empty line, at most 200 characters.
        var lastLine: String {
            let line = text.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) } ?? ""
            return String(line.trimmingCharacters(in: .whitespaces).prefix(200))
        }
    }
}
