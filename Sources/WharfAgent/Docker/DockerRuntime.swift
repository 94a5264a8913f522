import Foundation
import Logging
import NIOCore
import WharfModel

/// Runs Marathon `container.type: DOCKER` apps as containers of a local Docker Engine, as Mesos'
/// Docker containerizer does: the image is pulled when missing (always with `forcePullImage` or the
/// `pull=always` parameter, never with `pull=never`), the container is created with the
/// `docker.parameters` applied (see ``DockerContainerConfig``) and started, its output is copied into
/// the task's sandbox (`stdout`, `stderr`), and when it ends its exit code (or the OOM killer) is
/// reported and the container removed.
///
/// Every container is labelled with the agent's data directory, so that the start-up sweep
/// (``removeUnknownContainers(keeping:tasks:instances:)``) only ever removes containers of this agent. An engine
/// that goes away is waited for: no exit is reported until the engine says how the container
/// ended. ``detach()`` leaves containers running for the next agent to ``adopt(_:)``.
public actor DockerRuntime: Runtime {
    /// Always `docker`.
    public nonisolated let name = "docker"
    /// The engine enforces the limits (cgroups of its own).
    public nonisolated let isolation = "docker"
    /// Exits of supervised containers.
    public nonisolated let exits: AsyncStream<TaskExit>
    /// Progress of image pulls: `(taskId, message)`, at most one per second per task, e.g.
    /// `pulling 127.0.0.1:5000/myapp:1: 3f4e… Downloading [=====>   ] 12.1MB/40MB`.
    public nonisolated let pullProgress: AsyncStream<(taskId: String, message: String)>
    let pullContinuation: AsyncStream<(taskId: String, message: String)>.Continuation

    /// The engine's unix socket.
    public nonisolated let socketPath: String
    let agentDataDir: String
    private let hardCpuLimit: Bool
    let logger: Logger
    /// Where tasks' output goes.
    let logs: TaskLogs
    private let continuation: AsyncStream<TaskExit>.Continuation
    /// The connected engine; nil until ``connect()`` succeeded and after ``detach()``.
    var engine: DockerEngine?
    private var supervised: [String: Supervised] = [:]
    private var detached = false

    private struct Supervised {
        var handle: TaskHandle
        var containerId: String
        var stopRequested = false
        var supervisor: Task<Void, Never>?
        var stopper: Task<Void, Never>?
    }

    /// - Parameters:
    ///   - socketPath: the engine's unix socket (`/var/run/docker.sock`).
    ///   - agentDataDir: the agent's data directory; labels the containers this agent owns.
    ///   - hardCpuLimit: whether `cpus` is also a hard limit (`NanoCpus`), not only a weight.
    ///   - logger: receives pull, start, stop and exit events with `task` metadata.
    public init(socketPath: String, agentDataDir: String, hardCpuLimit: Bool = false, logs: TaskLogs, logger: Logger) {
        self.logs = logs
        self.socketPath = socketPath
        self.agentDataDir = agentDataDir
        self.hardCpuLimit = hardCpuLimit
        self.logger = logger
        (exits, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        (pullProgress, pullContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(256))
    }

    /// Connects to the engine and negotiates the API version. Returns nil when the runtime is
    /// ready, otherwise why it is not (nothing answers at the socket, engine too old).
    public func connect() async -> String? {
        if engine != nil { return nil }
        do {
            let engine = try await DockerEngine.connect(socketPath: socketPath)
            self.engine = engine
            logger.info("Docker engine found", metadata: [
                "socket": "\(socketPath)", "engine": "\(engine.engineVersion)", "api": "\(engine.version)",
            ])
            return nil
        } catch {
            return error.message
        }
    }

    /// Whether the engine answers now: nil when it does (connecting first when the runtime never
    /// has), otherwise why not. Cheap (`/_ping`); the agent polls it to offer or withdraw the runtime.
    public func availability() async -> String? {
        guard let engine else { return await connect() }
        do throws(DockerEngineError) {
            try await engine.perform(.get, "/_ping", deadline: NIODeadline.now() + TimeAmount.seconds(3))
            return nil
        } catch {
            return error.message
        }
    }

    // MARK: - Runtime

    public func start(_ spec: TaskSpec) async throws -> TaskHandle {
        guard let engine else { throw RuntimeError.unsupported("no Docker engine at \(socketPath)") }
        guard let image = spec.image ?? spec.container?.docker?.image, !image.isEmpty else {
            throw RuntimeError.unsupported("the docker runtime needs container.docker.image")
        }
        let sandbox = spec.sandbox
        let logs = self.logs
        let files = try await BlockingIO.run { () throws(RuntimeError) -> ContainerOutput in
            let code = FileIO.makeDirectories(sandbox)
            guard code == 0 else { throw .sandboxFailed(path: sandbox, errno: code) }
            return ContainerOutput(logs: logs, taskId: spec.taskId, sandbox: sandbox)
        }
        let contents = try await Self.readParameterFiles(spec)
        let plan = try DockerContainerConfig.make(
            spec, image: image, agentDataDir: agentDataDir, hardCpuLimit: hardCpuLimit, files: contents, engineSocket: socketPath)
        try await pullIfNeeded(image, plan: plan, taskId: spec.taskId, engine: engine)
        // Killed while pulling: nothing was created.
        try Task.checkCancellation()
        // From here on the start is not cancelled: a request cancelled half-way could leave a
        // container running that nothing records. A kill that came meanwhile stops the task once
        // it runs.
        return try await Task {
            try await self.createAndStart(spec, image: image, plan: plan, files: files, engine: engine)
        }.value
    }

    /// Creates and starts the task's container (removing it again when it does not start), and
    /// supervises it.
    private func createAndStart(_ spec: TaskSpec, image: String, plan: DockerContainerConfig.Plan, files: ContainerOutput,
                                engine: DockerEngine) async throws -> TaskHandle {
        var metadata: Logger.Metadata = ["task": "\(spec.taskId)", "image": "\(image)"]
        let name = DockerContainerConfig.containerName(taskId: spec.taskId)
        let containerId = try await createContainer(name: name, plan, engine: engine)
        do throws(DockerEngineError) {
            try await engine.startContainer(containerId)
        } catch {
            do throws(DockerEngineError) {
                try await engine.removeContainer(containerId)
            } catch let removal {
                // Not started, so not running: the next sweep removes it.
                logger.warning("cannot remove a container that failed to start", metadata: [
                    "container": "\(containerId)", "error": "\(removal.message)",
                ])
            }
            throw RuntimeError.engineFailed("starting container \(name) failed: \(error.message)")
        }
        metadata["container"] = "\(containerId.prefix(12))"
        logger.info("task container started", metadata: metadata)
        let handle = TaskHandle(runtime: self.name, taskId: spec.taskId, sandbox: spec.sandbox,
                                containerId: containerId)
        supervise(handle, containerId: containerId, files: files, logsSince: nil, tty: plan.create.Tty, engine: engine)
        return handle
    }

    public func stop(_ handle: TaskHandle, gracePeriod: Duration) async {
        guard var task = supervised[handle.taskId], !task.stopRequested, let engine else { return }
        task.stopRequested = true
        let seconds = Self.seconds(gracePeriod)
        let id = task.containerId
        let taskId = handle.taskId
        logger.info("stopping task container", metadata: ["task": "\(taskId)", "gracePeriod": "\(seconds)"])
        task.stopper = Task { [logger] in
            var delay = Duration.milliseconds(250)
            while !Task.isCancelled {
                do throws(DockerEngineError) {
                    if seconds == 0 {
                        try await engine.killContainer(id)
                    } else {
                        try await engine.stopContainer(id, seconds: seconds)
                    }
                    return
                } catch where error.isNotFound {
                    return
                } catch {
                    logger.warning("cannot stop task container, retrying", metadata: [
                        "task": "\(taskId)", "error": "\(error)",
                    ])
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(5))
                }
            }
        }
        supervised[handle.taskId] = task
    }

    public func adopt(_ handle: TaskHandle) async -> Bool {
        guard let engine, let id = handle.containerId else { return false }
        var delay = Duration.milliseconds(250)
        var inspected: DockerAPI.ContainerInspect?
        for attempt in 0..<6 {
            do throws(DockerEngineError) {
                inspected = try await engine.inspectContainer(id)
                break
            } catch where error.isNotFound {
                return false
            } catch {
                if attempt == 5 {
                    logger.warning("cannot inspect container to adopt", metadata: [
                        "task": "\(handle.taskId)", "error": "\(error)",
                    ])
                    return false
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
        guard let inspected, inspected.State.Running else {
            do throws(DockerEngineError) {
                try await engine.removeContainer(id)
            } catch {
                logger.warning("cannot remove an ended container", metadata: ["container": "\(id)", "error": "\(error.message)"])
            }
            return false
        }
        let files: ContainerOutput
        let logs = self.logs
        do {
            files = try await BlockingIO.run { () throws(RuntimeError) -> ContainerOutput in
                let code = FileIO.makeDirectories(handle.sandbox)
                guard code == 0 else { throw .sandboxFailed(path: handle.sandbox, errno: code) }
                return ContainerOutput(logs: logs, taskId: handle.taskId, sandbox: handle.sandbox)
            }
        } catch {
            logger.warning("cannot open the sandbox of a container to adopt", metadata: [
                "task": "\(handle.taskId)", "error": "\(error)",
            ])
            return false
        }
        logger.info("task container adopted", metadata: ["task": "\(handle.taskId)", "container": "\(id.prefix(12))"])
        let lastWritten = await BlockingIO.run { ContainerOutput.lastWritten(sandbox: handle.sandbox) }
        // Output from the last write on (not from now: what the container printed while no agent
        // copied it is kept; a line the engine logged in the same instant may come twice).
        supervise(handle, containerId: id, files: files, logsSince: lastWritten ?? 0,
                  tty: inspected.Config?.Tty ?? false, engine: engine)
        return true
    }

    public func detach() async {
        detached = true
        for task in supervised.values {
            task.supervisor?.cancel()
            task.stopper?.cancel()
        }
        supervised = [:]
        continuation.finish()
        pullContinuation.finish()
        await engine?.shutdown()
        engine = nil
    }

    // MARK: - Sweeping

    /// Removes every container labelled as this agent's (managed, same data directory) whose id is
    /// not in `keep`, whose task is not in `keepTasks` and whose instance is not in `keepInstances`:
    /// containers of tasks the agent never recorded or no longer knows. Containers of other agents
    /// and containers Wharf did not create are never touched. Returns the names removed.
    public func removeUnknownContainers(keeping keep: Set<String>, tasks keepTasks: Set<String> = [],
                                        instances keepInstances: Set<String> = []) async -> [String] {
        guard let engine else { return [] }
        let labels = ["\(DockerContainerConfig.Label.managed)=true", "\(DockerContainerConfig.Label.agent)=\(agentDataDir)"]
        let found: [DockerAPI.ContainerSummary]
        do {
            found = try await engine.listContainers(labels: labels)
        } catch {
            logger.warning("cannot list containers to sweep", metadata: ["error": "\(error)"])
            return []
        }
        var removed: [String] = []
        for container in found where !keep.contains(container.Id) {
            // The engine filtered by label already; checked again so that a filter it ignored
            // could never widen the sweep.
            guard container.Labels?[DockerContainerConfig.Label.agent] == agentDataDir,
                  container.Labels?[DockerContainerConfig.Label.managed] == "true"
            else { continue }
            // A task being started has its container before the agent knows the container's id.
            if let taskId = container.Labels?[DockerContainerConfig.Label.taskId],
               keepTasks.contains(taskId) || keepInstances.contains(Instance.instanceId(fromTaskId: taskId)) { continue }
            do {
                try await engine.removeContainer(container.Id)
                removed.append(container.Names?.first.map { String($0.drop { $0 == "/" }) } ?? container.Id)
            } catch {
                logger.warning("cannot remove unknown container", metadata: ["container": "\(container.Id)", "error": "\(error)"])
            }
        }
        return removed
    }

    // MARK: - Supervision

    private func supervise(
        _ handle: TaskHandle, containerId: String, files: ContainerOutput, logsSince: Double?, tty: Bool,
        engine: DockerEngine
    ) {
        let taskId = handle.taskId
        var task = Supervised(handle: handle, containerId: containerId)
        logs.begin(taskId: taskId)
        task.supervisor = Task { [weak self, logger, logs] in
            let monitor = DockerContainerMonitor(
                engine: engine, containerId: containerId, taskId: taskId, logger: logger)
            let output = Task { await monitor.copyOutput(to: files, since: logsSince, tty: tty) }
            let ended = await monitor.waitForEnd()
            guard let ended else {
                output.cancel()
                return
            }
            // The output stream ends with the container; a little time for the rest to arrive.
            let flushed = Task {
                try? await Task.sleep(for: .seconds(2))
                output.cancel()
            }
            await output.value
            flushed.cancel()
            files.close()
            logs.finish(taskId: taskId)
            await self?.ended(taskId: taskId, containerId: containerId, ended)
        }
        supervised[taskId] = task
    }

    /// Reports the end of a supervised container, then removes it.
    private func ended(taskId: String, containerId: String, _ end: DockerContainerMonitor.End) async {
        guard !detached, let task = supervised.removeValue(forKey: taskId) else { return }
        task.stopper?.cancel()
        let exit: TaskExit
        switch end {
        case .exited(let code, let outOfMemory):
            exit = TaskExit(
                handle: task.handle,
                termination: outOfMemory ? .signaled(signal: 9, outOfMemory: true) : .exited(code: Int32(truncatingIfNeeded: code)),
                stopRequested: task.stopRequested)
        case .vanished(let detail):
            exit = TaskExit(handle: task.handle, termination: .unknown, stopRequested: task.stopRequested, detail: detail)
        }
        logger.info("task container ended", metadata: [
            "task": "\(taskId)", "container": "\(containerId.prefix(12))", "exit": "\(exit.description)",
        ])
        continuation.yield(exit)
        if let engine {
            do {
                try await engine.removeContainer(containerId)
            } catch {
                logger.warning("cannot remove ended container", metadata: ["container": "\(containerId)", "error": "\(error)"])
            }
        }
    }

    /// Whole seconds of `duration`, rounded up (`docker stop -t` takes seconds).
    static func seconds(_ duration: Duration) -> Int {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        return Int(clamping: seconds) + (attoseconds > 0 ? 1 : 0)
    }
}
