import Foundation
import WharfModel

extension Agent {
    /// Starts `launch`'s task unless this instance (same incarnation) is already held.
    func launch(_ launch: LaunchTask) async {
        let instance = launch.instance
        if tasks[instance.id] == nil, let unreadable = unreadableTasks[instance.id] {
            // An earlier task of this instance may still run, described by a record that cannot be read.
            logger.warning("not launching an instance whose earlier task has an unreadable record", metadata: [
                "instance": "\(instance.id)", "path": "\(unreadable.path)",
            ])
            report(unreadable.status)
            return
        }
        if let existing = tasks[instance.id] {
            if instance.incarnation <= existing.incarnation {
                logger.debug("launch of a known incarnation ignored", metadata: [
                    "instance": "\(instance.id)", "incarnation": "\(instance.incarnation)",
                ])
                return
            }
            if existing.phase != .ended {
                report(TaskStatus(
                    instanceId: instance.id, incarnation: instance.incarnation, state: .failed,
                    message: "incarnation \(existing.incarnation) of this instance is still active on agent \(id)",
                    timestamp: .now()))
                return
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
            return
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
            return
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

        // Another process may have taken a port since the scheduler chose it.
        if await dropOnPortConflict(instance.id) { return }
        let handle: TaskHandle
        do {
            handle = try await runtime.start(spec)
        } catch {
            let taken = await portsTakenAfterFailure(instance.id, exit: nil)
            if taken.isEmpty {
                setStatus(instance.id, .failed, message: "\(error)")
            } else {
                await reportPortConflict(instance.id, ports: taken, state: .dropped,
                                         message: "not started: \(error); \(Self.inUse(taken))")
            }
            return
        }
        guard var task = tasks[instance.id], task.taskId == instance.taskId else {
            // Replaced while starting (cannot happen while launches of an active instance are refused).
            await runtime.stop(handle, gracePeriod: .zero)
            return
        }
        task.handle = handle
        task.startedAt = .now()
        tasks[instance.id] = task
        await persistStartedTask(instance.id, runtime: runtime)
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
