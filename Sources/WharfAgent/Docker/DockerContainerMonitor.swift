import Foundation
import Logging
import NIOCore

/// Follows one running container until it ends: waits for it, copies its output into the task's
/// sandbox, and rides out engine restarts.
///
/// When the wait or the output stream breaks without the container having ended (the engine went
/// away), nothing is concluded: the container is inspected again, with growing pauses (up to
/// ``maximumRetryDelay``), until the engine answers, and supervision resumes. Only the engine's
/// word ends it: the container's exit code (and whether the OOM killer struck), or that it is gone.
struct DockerContainerMonitor: Sendable {
    /// How the container ended.
    enum End: Sendable, Equatable {
        /// It stopped with this exit code; `outOfMemory` when the kernel's OOM killer struck.
        case exited(code: Int, outOfMemory: Bool)
        /// The engine no longer knows it (removed by someone else, or lost in an engine restart).
        case vanished(String)
    }

    /// Longest pause between attempts to reach an engine that is away.
    static let maximumRetryDelay: Duration = .seconds(5)

    let engine: DockerEngine
    let containerId: String
    let taskId: String
    let logger: Logger

    /// Waits until the container ended and says how; nil when cancelled (the runtime detached).
    func waitForEnd() async -> End? {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            var waitFailed = false
            do throws(DockerEngineError) {
                _ = try await engine.waitContainer(containerId)
            } catch where error.isNotFound {
                return .vanished(vanishedMessage)
            } catch {
                guard !Task.isCancelled else { return nil }
                waitFailed = true
                logger.warning("lost the wait on a task container; checking it again", metadata: [
                    "task": "\(taskId)", "error": "\(error)",
                ])
            }
            // The wait returned or broke: the engine's inspection decides.
            while !Task.isCancelled {
                do throws(DockerEngineError) {
                    var state = try await engine.inspectContainer(containerId).State
                    if state.Running { break }
                    // The engine can record the OOM kill a moment after the exit (containerd
                    // reports the two separately): a SIGKILL exit is looked at again briefly.
                    var recheck = 0
                    while state.ExitCode == 137, !state.OOMKilled, recheck < 5, !Task.isCancelled {
                        recheck += 1
                        try? await Task.sleep(for: .milliseconds(100))
                        state = try await engine.inspectContainer(containerId).State
                    }
                    return .exited(code: state.ExitCode, outOfMemory: state.OOMKilled)
                } catch where error.isNotFound {
                    return .vanished(vanishedMessage)
                } catch {
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, Self.maximumRetryDelay)
                }
            }
            if waitFailed {
                // A wait that fails at once on a running container must not become a busy loop.
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.maximumRetryDelay)
            } else {
                delay = .milliseconds(100)
            }
        }
        return nil
    }

    private var vanishedMessage: String {
        "container \(containerId.prefix(12)) is gone: the Docker engine no longer knows it (removed outside Wharf or lost in an engine restart)"
    }

    /// Appends the container's output to the sandbox's `stdout`/`stderr` until the output ends
    /// (the container stopped) or the calling task is cancelled. A broken stream is resumed, from
    /// the moment it broke, once the engine answers again.
    ///
    /// - Parameters:
    ///   - since: seconds since the epoch of the first output wanted; nil for all of it.
    ///   - tty: whether the container has a TTY (its output is then a raw stream, not frames).
    func copyOutput(to files: ContainerOutput, since: Double?, tty: Bool) async {
        var since = since
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            var demultiplexer = DockerStreamDemultiplexer(raw: tty)
            do {
                let response = try await engine.followLogs(containerId, since: since)
                for try await chunk in response.body {
                    let frames = demultiplexer.feed(chunk)
                    if !frames.isEmpty { await BlockingIO.run { files.write(frames) } }
                    delay = .milliseconds(100)
                }
                return
            } catch let error as DockerEngineError where error.isNotFound {
                return
            } catch {
                guard !Task.isCancelled else { return }
                since = Date().timeIntervalSince1970
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.maximumRetryDelay)
            }
        }
    }
}
