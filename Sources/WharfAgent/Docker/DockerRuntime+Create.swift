import Logging
import Synchronization
import WharfModel

/// The client-side steps of `docker run` around the Engine's create request: reading the files
/// the parameters name, pulling the image, creating the container, connecting further networks
/// and writing the container id file.
extension DockerRuntime {
    /// The contents of the agent files `spec`'s parameters name, by absolute path.
    static func readParameterFiles(_ spec: TaskSpec) async throws -> [String: String] {
        let paths = DockerContainerConfig.filesToRead(spec)
        guard !paths.isEmpty else { return [:] }
        return try await BlockingIO.run { () throws(RuntimeError) -> [String: String] in
            var contents: [String: String] = [:]
            for path in paths {
                do throws(FileIOError) {
                    contents[path] = try FileIO.readText(path)
                } catch {
                    throw .unsupported("cannot read a file named by docker.parameters: \(error)")
                }
            }
            return contents
        }
    }

    /// Pulls `image` as the plan says: when missing (the default), always (`forcePullImage`,
    /// `pull=always`), or never (`pull=never`: a missing image fails the task).
    func pullIfNeeded(_ image: String, plan: DockerContainerConfig.Plan, taskId: String, engine: DockerEngine) async throws {
        let present: Bool
        do throws(DockerEngineError) {
            present = plan.pull == .always ? false : try await engine.imageExists(image)
        } catch {
            throw RuntimeError.engineFailed("pulling image \(image) failed: \(error.message)")
        }
        if present { return }
        guard plan.pull != .never else {
            throw RuntimeError.engineFailed("image \(image) is not present and docker.parameters say pull=never")
        }
        logger.info("pulling image", metadata: ["task": "\(taskId)", "image": "\(image)"])
        let progress = pullContinuation
        let lastSent = Mutex<ContinuousClock.Instant?>(nil)
        progress.yield((taskId, "pulling \(image)"))
        do throws(DockerEngineError) {
            try await engine.pull(image, platform: plan.platform) { line in
                let now = ContinuousClock.now
                let due = lastSent.withLock { last in
                    guard last.map({ now - $0 >= .seconds(1) }) ?? true else { return false }
                    last = now
                    return true
                }
                if due { progress.yield((taskId, "pulling \(image): \(line)")) }
            }
        } catch {
            throw RuntimeError.engineFailed("pulling image \(image) failed: \(error.message)")
        }
    }

    /// Creates the container of `plan`, connects its further networks and writes its id file; a
    /// container that fails one of these steps is removed. A leftover container of this agent
    /// with the same name (from a launch the agent never recorded) is removed first.
    func createContainer(name: String, _ plan: DockerContainerConfig.Plan, engine: DockerEngine) async throws -> String {
        let containerId: String
        do throws(DockerEngineError) {
            do {
                containerId = try await engine.createContainer(name: name, plan.create, platform: plan.platform)
            } catch where error.status == 409 {
                let existing = try await engine.inspectContainer(name)
                guard existing.Config?.Labels?[DockerContainerConfig.Label.agent] == agentDataDir else { throw error }
                try await engine.removeContainer(existing.Id)
                containerId = try await engine.createContainer(name: name, plan.create, platform: plan.platform)
            }
        } catch {
            throw RuntimeError.engineFailed("creating container for image \(plan.create.Image) failed: \(error.message)")
        }
        do {
            for network in plan.extraNetworks {
                do throws(DockerEngineError) {
                    try await engine.connectNetwork(network.name, container: containerId, endpoint: network.endpoint)
                } catch {
                    throw RuntimeError.engineFailed("connecting container \(name) to network \(network.name) failed: \(error.message)")
                }
            }
            if let path = plan.containerIdFile {
                // An untyped closure: converting a typed-throws one returning Void crashes Swift 6.3's SIL passes.
                try await BlockingIO.run { () throws in
                    do throws(FileIOError) {
                        try FileIO.createNew(containerId, at: path)
                    } catch {
                        throw RuntimeError.unsupported("cidfile: \(error) (an existing file is refused, as by docker run)")
                    }
                }
            }
        } catch {
            do throws(DockerEngineError) {
                try await engine.removeContainer(containerId)
            } catch let removal {
                logger.warning("cannot remove a container that failed to start", metadata: ["container": "\(containerId)", "error": "\(removal)"])
            }
            throw error
        }
        return containerId
    }
}
