import Foundation
import WharfModel

extension Agent {
    /// A launch the agent has taken on: its task is held (`.starting`), so that a kill arriving while
    /// it starts is recorded against it; what remains is to spawn it.
    struct AcceptedLaunch: Sendable {
        let instanceId: String
        let taskId: String
        let spec: TaskSpec
        let runtimeName: String
    }

    /// Takes `launch` on without suspending: checks it against what the agent holds, records the task
    /// as starting and builds its spec. Nil when nothing is to be started (a known incarnation, an
    /// active earlier one, an unreadable record, no runtime, no command), which is reported.
    func accept(_ launch: LaunchTask) -> AcceptedLaunch? {
        let instance = launch.instance
        if tasks[instance.id] == nil, let unreadable = unreadableTasks[instance.id] {
            // An earlier task of this instance may still run, described by a record that cannot be read.
            logger.warning("not launching an instance whose earlier task has an unreadable record", metadata: [
                "instance": "\(instance.id)", "path": "\(unreadable.path)",
            ])
            report(unreadable.status)
            return nil
        }
        if let existing = tasks[instance.id] {
            if instance.incarnation <= existing.incarnation {
                logger.debug("launch of a known incarnation ignored", metadata: [
                    "instance": "\(instance.id)", "incarnation": "\(instance.incarnation)",
                ])
                return nil
            }
            if existing.phase != .ended {
                report(TaskStatus(
                    instanceId: instance.id, incarnation: instance.incarnation, state: .failed,
                    message: "incarnation \(existing.incarnation) of this instance is still active on agent \(id)",
                    timestamp: .now()))
                return nil
            }
        }
        let app = launch.app
        let grace = launch.killGracePeriodSeconds > 0
            ? launch.killGracePeriodSeconds : configuration.defaultKillGracePeriodSeconds
        let image = app.container?.type == .docker ? app.container?.docker?.image : nil
        let runtimeName = image == nil ? "process" : "docker"
        tasks[instance.id] = ManagedTask(
            instanceId: instance.id, incarnation: instance.incarnation, taskId: instance.taskId, appId: app.id,
            appVersion: instance.appVersion, runtimeName: runtimeName, phase: .starting,
            status: TaskStatus(instanceId: instance.id, incarnation: instance.incarnation, state: .starting,
                               timestamp: .now()),
            killGracePeriodSeconds: grace)
        tasks[instance.id]?.ports = TaskPort.of(launch)
        tasks[instance.id]?.bindsOwnPorts = image == nil || app.usesHostNetwork

        guard let runtime = runtimes[runtimeName] else {
            setStatus(instance.id, .failed, message: "spawn failed: agent \(id) has no \(runtimeName) runtime (image \(image ?? ""))")
            return nil
        }
        let command: TaskSpec.Command
        if let cmd = app.cmd, !cmd.isEmpty {
            command = .shell(cmd)
        } else if let args = app.args, !args.isEmpty {
            command = .exec(args)
        } else if image != nil {
            // A container without cmd or args runs its image's own command.
            command = .exec([])
        } else {
            setStatus(instance.id, .failed, message: RuntimeError.noCommand.description)
            return nil
        }
        let sandbox = configuration.sandbox(appId: app.id, taskId: instance.taskId)
        let environment = image == nil
            ? TaskEnvironment.variables(
                for: launch, host: configuration.host, sandbox: sandbox, agentEnvironment: ProcessInfo.processInfo.environment)
            : Self.containerEnvironment(for: launch, host: configuration.host, sandbox: DockerContainerConfig.sandboxMountPoint)
        let spec = TaskSpec(
            taskId: instance.taskId, instanceId: instance.id, incarnation: instance.incarnation, appId: app.id,
            command: command, environment: environment,
            sandbox: sandbox, resources: instance.resources == .zero ? app.resources : instance.resources,
            image: image, container: app.container, networks: app.networks, ports: instance.ports,
            labels: app.labels, tty: app.tty ?? false)
        let checks = TaskChecks(launch: launch, host: configuration.host, environment: environment)
        tasks[instance.id]?.checks = checks
        tasks[instance.id]?.health = checks?.initialHealth
        return AcceptedLaunch(instanceId: instance.id, taskId: instance.taskId, spec: spec, runtimeName: runtimeName)
    }

    /// Spawns an accepted launch's task (a Docker image may be pulled first, which can take long;
    /// other commands proceed meanwhile) and reports it RUNNING once its record is persisted.
    func spawn(_ accepted: AcceptedLaunch) async {
        let instanceId = accepted.instanceId
        guard let runtime = runtimes[accepted.runtimeName] else { return }
        if endKilledBeforeStart(instanceId) { return }
        // Another process may have taken a port since the scheduler chose it.
        if await dropOnPortConflict(instanceId) { return }
        let handle: TaskHandle
        do {
            handle = try await runtime.start(accepted.spec)
        } catch {
            if endKilledBeforeStart(instanceId) { return }
            let taken = await portsTakenAfterFailure(instanceId, exit: nil)
            if taken.isEmpty {
                setStatus(instanceId, .failed, message: "\(error)")
            } else {
                await reportPortConflict(instanceId, ports: taken, state: .dropped,
                                         message: "not started: \(error); \(Self.inUse(taken))")
            }
            return
        }
        guard var task = tasks[instanceId], task.taskId == accepted.taskId else {
            // Replaced while starting (cannot happen while launches of an active instance are refused).
            await runtime.stop(handle, gracePeriod: .zero)
            return
        }
        task.handle = handle
        task.startedAt = .now()
        tasks[instanceId] = task
        await persistStartedTask(instanceId, runtime: runtime)
    }

    /// A task killed while it was starting, before the runtime started it, ends TASK_KILLED here.
    private func endKilledBeforeStart(_ instanceId: String) -> Bool {
        guard let task = tasks[instanceId], task.phase == .starting, task.handle == nil, let kill = task.kill else {
            return false
        }
        setStatus(instanceId, .killed, message: kill.reason)
        return true
    }

    /// Persists the record of a started task, then reports it RUNNING, or continues with an exit or
    /// kill that arrived while it was starting. The task stays `.starting` until its record is
    /// written, so that no exit can be reported before RUNNING.
    private func persistStartedTask(_ instanceId: String, runtime: any Runtime) async {
        guard let record = tasks[instanceId]?.record else { return }
        do {
            try await store.save(record)
        } catch {
            // Unrecorded tasks could not be recovered after a restart: do not let one run.
            logger.error("cannot persist task record, stopping the task", metadata: [
                "instance": "\(instanceId)", "error": "\(error)",
            ])
            tasks[instanceId]?.forcedOutcome = (.failed, "cannot persist the task record: \(error)")
            tasks[instanceId]?.kill = TaskRecord.Kill(reason: "task record not persisted", gracePeriodSeconds: 0)
            tasks[instanceId]?.phase = .running
            await runtime.stop(record.handle, gracePeriod: .zero)
            if let exit = tasks[instanceId]?.pendingExit { await taskEnded(exit) }
            return
        }
        guard let task = tasks[instanceId] else { return }
        tasks[instanceId]?.phase = .running
        if let exit = task.pendingExit {
            if task.kill == nil {
                setStatus(instanceId, .running, message: "started (\(Self.startedDetail(record.handle)))")
            }
            await taskEnded(exit)
        } else if let kill = task.kill {
            await stopRunningTask(instanceId, kill: kill, runtime: runtime)
        } else {
            setStatus(instanceId, .running, message: "started (\(Self.startedDetail(record.handle)))")
            startChecks(instanceId)
        }
    }
}
