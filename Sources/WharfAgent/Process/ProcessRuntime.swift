import Foundation
import Glibc
import Logging
import WharfModel

/// Runs tasks as plain processes: `posix_spawn` into a new session in the task's sandbox, confined
/// by cgroups when the machine allows it, supervised by a ``ProcessMonitor``.
///
/// Every task's process group is signalled as a whole, and when the main process ends whatever is
/// left of its group and cgroup is killed, so no grandchild outlives its task.
///
/// A task's stdout and stderr are FIFOs in its sandbox (``OutputFifo``) that the runtime pumps into
/// ``TaskLogs``; a task's exit is reported once its output is written (or after
/// ``outputDrainLimit``), so that its files are complete when anyone hears of the exit.
public actor ProcessRuntime: Runtime {
    /// Always `process`.
    public nonisolated let name = "process"
    /// From the cgroup detection (`cgroup-v1`, `cgroup-v2`, `none: <reason>`).
    public nonisolated let isolation: String
    /// Exits of supervised tasks.
    public nonisolated let exits: AsyncStream<TaskExit>

    private struct Supervised {
        var handle: TaskHandle
        var stopRequested = false
        var escalation: Task<Void, Never>?
        /// The pumps of its output pipes (none for a task of an older agent writing its files directly).
        var pumps: [OutputPump] = []
    }

    /// Longest wait, after a task's processes are all gone, for its output to be written before its
    /// exit is reported anyway (a process that escaped its session and cgroup may hold a pipe).
    static let outputDrainLimit: Duration = .seconds(2)

    private let continuation: AsyncStream<TaskExit>.Continuation
    private let cgroups: CgroupSupport
    private let cgroupParent: String
    private let hardCpuLimit: Bool
    private let monitor: ProcessMonitor
    private let logs: TaskLogs
    private let logger: Logger
    private var supervised: [Int32: Supervised] = [:]
    private var pidsByTaskId: [String: Int32] = [:]

    /// - Parameters:
    ///   - cgroups: how to confine tasks (see ``CgroupSupport/detect(parent:)``).
    ///   - cgroupParent: name of the directory below each hierarchy's root holding task cgroups.
    ///   - pollInterval: period of the liveness sweep that complements `SIGCHLD`.
    ///   - logs: where tasks' output goes.
    ///   - logger: receives spawn, stop and exit events with `task` metadata.
    public init(
        cgroups: CgroupSupport, cgroupParent: String = "wharf", hardCpuLimit: Bool = false,
        pollInterval: Duration = .milliseconds(500), logs: TaskLogs, logger: Logger
    ) {
        self.logs = logs
        self.cgroups = cgroups
        self.cgroupParent = cgroupParent
        self.hardCpuLimit = hardCpuLimit
        self.isolation = cgroups.isolation
        self.monitor = ProcessMonitor(pollInterval: pollInterval)
        self.logger = logger
        (exits, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        let processExits = monitor.exits
        Task { [weak self] in
            for await exit in processExits {
                guard let self else { return }
                await self.processExited(exit)
            }
        }
    }

    public func start(_ spec: TaskSpec) async throws -> TaskHandle {
        if let image = spec.image {
            throw RuntimeError.unsupported("the process runtime cannot run container image \(image)")
        }
        let cgroups = self.cgroups
        let parent = self.cgroupParent
        let hardCpuLimit = self.hardCpuLimit
        let launched = try await BlockingIO.run { () throws(RuntimeError) -> Launched in
            try Self.launch(spec, cgroups: cgroups, cgroupParent: parent, hardCpuLimit: hardCpuLimit)
        }
        let started = launched.handle
        logs.begin(taskId: spec.taskId)
        let pumps = await startPumps(launched.pipes, taskId: spec.taskId, sandbox: spec.sandbox)
        guard let pid = started.pid else { return started }
        supervised[pid] = Supervised(handle: started, pumps: pumps)
        pidsByTaskId[spec.taskId] = pid
        logger.info("task process started", metadata: [
            "task": "\(spec.taskId)", "pid": "\(pid)", "cgroups": "\(started.cgroups)",
        ])
        await monitor.watch(pid: pid, startTime: started.processStartTime)
        return started
    }

    public func stop(_ handle: TaskHandle, gracePeriod: Duration) async {
        guard let pid = pidsByTaskId[handle.taskId], var task = supervised[pid], !task.stopRequested else { return }
        task.stopRequested = true
        let group = task.handle.processGroup ?? pid
        let immediate = gracePeriod <= .zero
        signalGroup(group, immediate ? SIGKILL : SIGTERM, taskId: handle.taskId)
        if !immediate {
            let taskId = handle.taskId
            task.escalation = Task { [weak self] in
                try? await Task.sleep(for: gracePeriod)
                guard !Task.isCancelled else { return }
                await self?.escalate(taskId: taskId)
            }
        }
        supervised[pid] = task
    }

    public func adopt(_ handle: TaskHandle) async -> Bool {
        guard let pid = handle.pid, ProcStat.isAlive(pid: pid, startTime: handle.processStartTime) else {
            let leftovers = handle.cgroups
            let remaining = await BlockingIO.run {
                if let session = handle.processGroup {
                    SessionSweeper.killRemnants(ofSession: session, leaderStartTime: handle.processStartTime)
                }
                return TaskCgroup.destroy(leftovers)
            }
            if !remaining.isEmpty {
                logger.warning("cannot remove cgroups of a vanished task", metadata: [
                    "task": "\(handle.taskId)", "cgroups": "\(remaining)",
                ])
            }
            return false
        }
        let pipes = await BlockingIO.run {
            var pipes: [TaskLogStream: Int32] = [:]
            for stream in TaskLogStream.allCases {
                pipes[stream] = OutputFifo.reopen(sandbox: handle.sandbox, stream: stream)
            }
            return pipes
        }
        if !pipes.isEmpty { logs.begin(taskId: handle.taskId) }
        let pumps = await startPumps(pipes, taskId: handle.taskId, sandbox: handle.sandbox)
        supervised[pid] = Supervised(handle: handle, pumps: pumps)
        pidsByTaskId[handle.taskId] = pid
        logger.info("task process adopted", metadata: ["task": "\(handle.taskId)", "pid": "\(pid)"])
        await monitor.watch(pid: pid, startTime: handle.processStartTime)
        return true
    }

    public func detach() async {
        for task in supervised.values {
            task.escalation?.cancel()
            for pump in task.pumps { pump.close() }
        }
        supervised.removeAll()
        pidsByTaskId.removeAll()
        await monitor.stop()
        continuation.finish()
    }

    private func escalate(taskId: String) {
        guard let pid = pidsByTaskId[taskId], let task = supervised[pid] else { return }
        logger.info("task still alive after its grace period, sending SIGKILL", metadata: ["task": "\(taskId)"])
        signalGroup(task.handle.processGroup ?? pid, SIGKILL, taskId: taskId)
    }

    /// Starts a pump per pipe into the task's log files.
    private func startPumps(_ pipes: [TaskLogStream: Int32], taskId: String, sandbox: String) async -> [OutputPump] {
        var pumps: [OutputPump] = []
        for (stream, fd) in pipes.sorted(by: { $0.key.rawValue > $1.key.rawValue }) {
            let sink = await BlockingIO.run { self.logs.sink(taskId: taskId, sandbox: sandbox, stream: stream) }
            do {
                pumps.append(try await OutputPump.start(fd: fd, into: sink, group: logs.pumpGroup))
            } catch {
                logger.error("cannot read a task's output pipe", metadata: [
                    "task": "\(taskId)", "stream": "\(stream.rawValue)", "error": "\(error)",
                ])
            }
        }
        return pumps
    }

    /// Waits (at most ``outputDrainLimit``) until the pumps of an ended task wrote all its output,
    /// then marks its output complete.
    private func drainOutput(of task: Supervised) async {
        let taskId = task.handle.taskId
        if !task.pumps.isEmpty {
            let drained = Task {
                for pump in task.pumps { try? await pump.done.get() }
            }
            let limit = Task {
                try? await Task.sleep(for: Self.outputDrainLimit)
                drained.cancel()
            }
            await drained.value
            limit.cancel()
            if drained.isCancelled {
                logger.warning("a task's output pipe is still open after all its processes ended; its exit is reported without waiting", metadata: [
                    "task": "\(taskId)",
                ])
            }
        }
        logs.finish(taskId: taskId)
    }

    private func signalGroup(_ group: Int32, _ signal: Int32, taskId: String) {
        if kill(-group, signal) != 0 && errno != ESRCH {
            logger.warning("cannot signal task process group", metadata: [
                "task": "\(taskId)", "pgid": "\(group)", "signal": "\(signal)", "error": "\(ErrorText.strerror(errno))",
            ])
        }
    }

    private func processExited(_ exit: ProcessMonitor.Exit) async {
        guard let task = supervised.removeValue(forKey: exit.pid) else { return }
        pidsByTaskId[task.handle.taskId] = nil
        task.escalation?.cancel()
        // The main process is gone (and reaped); nothing else of its session may outlive it.
        let session = task.handle.processGroup ?? exit.pid
        kill(-session, SIGKILL)
        let directories = task.handle.cgroups
        let (outOfMemory, remaining) = await BlockingIO.run {
            SessionSweeper.killRemnants(ofSession: session, leaderStartTime: nil)
            return (TaskCgroup.sawOutOfMemory(directories), TaskCgroup.destroy(directories))
        }
        if !remaining.isEmpty {
            logger.warning("cannot remove task cgroups", metadata: ["task": "\(task.handle.taskId)", "cgroups": "\(remaining)"])
        }
        await drainOutput(of: task)
        let termination: TaskExit.Termination
        if let status = exit.waitStatus {
            let signal = status & 0x7f
            termination = signal == 0
                ? .exited(code: (status >> 8) & 0xff)
                : .signaled(signal: signal, outOfMemory: signal == SIGKILL && outOfMemory)
        } else {
            termination = .unknown
        }
        let ended = TaskExit(handle: task.handle, termination: termination, stopRequested: task.stopRequested)
        logger.info("task process ended", metadata: [
            "task": "\(task.handle.taskId)", "pid": "\(exit.pid)", "exit": "\(ended.description)",
        ])
        continuation.yield(ended)
    }
}

extension ProcessRuntime {
    /// A spawned task and the read ends of its output FIFOs.
    struct Launched: Sendable {
        var handle: TaskHandle
        var pipes: [TaskLogStream: Int32]
    }

    /// Prepares the sandbox and cgroups and spawns the task. Blocking; runs on ``BlockingIO``.
    static func launch(
        _ spec: TaskSpec, cgroups: CgroupSupport, cgroupParent: String, hardCpuLimit: Bool = false
    ) throws(RuntimeError) -> Launched {
        let sandbox = spec.sandbox
        let code = FileIO.makeDirectories(sandbox)
        guard code == 0 else { throw .sandboxFailed(path: sandbox, errno: code) }
        var pipes: [TaskLogStream: Int32] = [:]
        var spawned = false
        defer { if !spawned { for fd in pipes.values { close(fd) } } }
        for stream in TaskLogStream.allCases {
            pipes[stream] = try OutputFifo.create(sandbox: sandbox, stream: stream)
        }
        let argv: [String]
        switch spec.command {
        case .shell(let command):
            argv = ["/bin/sh", "-c", command]
        case .exec(let arguments):
            guard let first = arguments.first else { throw .noCommand }
            let path = try ProcessSpawner.resolveExecutable(
                first, path: spec.environment["PATH"], workingDirectory: sandbox)
            argv = [path] + arguments.dropFirst()
        }
        let cgroup = try TaskCgroup.create(
            support: cgroups, parent: cgroupParent, taskId: spec.taskId, resources: spec.resources,
            hardCpuLimit: hardCpuLimit)
        let wrapped = confined(argv, cgroup: cgroup, workingDirectory: sandbox)
        let request = ProcessSpawner.Request(
            executable: wrapped[0], arguments: wrapped, environment: spec.environment,
            workingDirectory: sandbox, output: .fifos(stdout: OutputFifo.path(sandbox: sandbox, stream: .stdout),
                                                      stderr: OutputFifo.path(sandbox: sandbox, stream: .stderr)))
        let pid: pid_t
        do {
            pid = try ProcessSpawner.spawn(request)
        } catch {
            TaskCgroup.destroy(cgroup?.directories ?? [])
            throw error
        }
        spawned = true
        // The child is ours and unreaped, so its /proc entry exists even if it already exited.
        let stat = ProcStat.read(pid: pid)
        let handle = TaskHandle(
            runtime: "process", taskId: spec.taskId, pid: pid, processStartTime: stat?.startTime,
            processGroup: pid, sandbox: sandbox, cgroups: cgroup?.directories ?? [])
        return Launched(handle: handle, pipes: pipes)
    }

    /// `argv` behind a `/bin/sh` prelude that first moves the process into `cgroup` and, where the
    /// spawn itself cannot set the working directory, changes to `workingDirectory`; `argv`
    /// unchanged when neither is needed. A failed prelude exits with 125. Used for tasks and for
    /// their COMMAND health checks, which run confined with the task.
    static func confined(_ argv: [String], cgroup: TaskCgroup?, workingDirectory: String) -> [String] {
        var prelude: [String] = []
        if let cgroup { prelude.append(cgroup.joinScript) }
        if !ProcessSpawner.canChangeDirectory { prelude.append("cd \(shellQuoted(workingDirectory)) || exit 125") }
        guard !prelude.isEmpty else { return argv }
        return ["/bin/sh", "-c", (prelude + ["exec \"$@\""]).joined(separator: "; "), "wharf-task"] + argv
    }

    /// `text` in single quotes for `/bin/sh`.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
