import AsyncHTTPClient
import Foundation
import NIOCore
import WharfModel

/// The engine operations the docker runtime needs, one method per API call.
extension DockerEngine {
    // MARK: - Images

    /// Whether `image` is present in the engine's image store.
    func imageExists(_ image: String) async throws(DockerEngineError) -> Bool {
        do {
            try await perform(.get, "/images/\(Self.imagePath(image))/json")
            return true
        } catch where error.isNotFound {
            return false
        }
    }

    /// Pulls `image` (`name[:tag]` or `name@digest`; no tag means `latest`) for `platform` (the
    /// engine's own when nil), calling `progress`
    /// with each status line of the engine's progress stream. Throws with the registry's message
    /// when the pull fails, whether the engine says so at once or in the stream.
    func pull(_ image: String, platform: String? = nil, progress: @Sendable (String) -> Void = { _ in }) async throws(DockerEngineError) {
        let reference = Self.splitReference(image)
        var query = [("fromImage", reference.name)]
        if let tag = reference.tag { query.append(("tag", tag)) }
        if let platform { query.append(("platform", platform)) }
        // Pulls of big images take long; bounded all the same, so that a stalled registry fails the task.
        let response = try await send(.post, "/images/create", query: query, deadline: .now() + .hours(1))
        var pending = ByteBuffer()
        do {
            for try await chunk in response.body {
                var chunk = chunk
                pending.writeBuffer(&chunk)
                while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                    let length = newline - pending.readerIndex
                    let line = pending.readSlice(length: length + 1).map { Data($0.readableBytesView) } ?? Data()
                    try Self.handlePullLine(line, progress: progress)
                }
                pending.discardReadBytes()
                // A line that never ends is not progress JSON: drop it rather than grow without bound.
                if pending.readableBytes > 1 << 20 { pending.clear() }
            }
            if pending.readableBytes > 0 { try Self.handlePullLine(Data(pending.readableBytesView), progress: progress) }
        } catch let error as DockerEngineError {
            throw error
        } catch {
            throw DockerEngineError(status: nil, message: "pulling \(image): progress stream broke: \(error)")
        }
    }

    private static func handlePullLine(_ line: Data, progress: (String) -> Void) throws(DockerEngineError) {
        guard let event = try? JSONDecoder().decode(DockerAPI.PullProgress.self, from: line) else { return }
        if let message = event.errorDetail?.message ?? event.error {
            throw DockerEngineError(status: 500, message: message)
        }
        if let status = event.status {
            progress([event.id, status, event.progress].compactMap { $0 }.joined(separator: " "))
        }
    }

    /// `name` and `tag` of an image reference for `POST /images/create`: `redis` → (`redis`,
    /// `latest`), `host:5000/app:1` → (`host:5000/app`, `1`), `app@sha256:…` → (the whole, nil).
    static func splitReference(_ image: String) -> (name: String, tag: String?) {
        // Validation parsed the reference already (`DockerImageReference`); a stored definition that
        // predates it is passed through whole.
        guard let reference = try? DockerImageReference(parsing: image), reference.digest == nil else {
            return (image, image.contains("@") ? nil : "latest")
        }
        return (reference.repository, reference.tag ?? "latest")
    }

    /// An image reference as it may appear in a URL path (`/` and `:` kept).
    static func imagePath(_ image: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/:@")
        return image.addingPercentEncoding(withAllowedCharacters: allowed) ?? image
    }

    // MARK: - Containers

    /// Creates a container named `name` (for `platform`, when given); returns its id.
    func createContainer(name: String, _ config: DockerAPI.ContainerCreate, platform: String? = nil) async throws(DockerEngineError) -> String {
        var query = [("name", name)]
        if let platform { query.append(("platform", platform)) }
        let created: DockerAPI.Created = try await call(.post, "/containers/create", query: query, body: config)
        return created.Id
    }

    /// Connects a created container to one more network (`docker run --network a --network b`
    /// against an engine that takes one network at create).
    func connectNetwork(_ network: String, container: String, endpoint: DockerAPI.EndpointSettings?) async throws(DockerEngineError) {
        try await perform(.post, "/networks/\(Self.pathComponent(network))/connect",
                          body: DockerAPI.NetworkConnect(Container: container, EndpointConfig: endpoint))
    }

    func startContainer(_ id: String) async throws(DockerEngineError) {
        do {
            try await perform(.post, "/containers/\(Self.pathComponent(id))/start")
        } catch where error.status == 304 {
            // Already started.
        }
    }

    func inspectContainer(_ id: String) async throws(DockerEngineError) -> DockerAPI.ContainerInspect {
        try await call(.get, "/containers/\(Self.pathComponent(id))/json")
    }

    /// Waits, without deadline, until the container is not running; returns its exit code.
    func waitContainer(_ id: String) async throws(DockerEngineError) -> DockerAPI.WaitResult {
        try await call(.post, "/containers/\(Self.pathComponent(id))/wait", deadline: .distantFuture)
    }

    /// The container's output, followed until it ends (no deadline). `since`: seconds since the epoch.
    func followLogs(_ id: String, since: Double?) async throws(DockerEngineError) -> HTTPClientResponse {
        var query = [("follow", "1"), ("stdout", "1"), ("stderr", "1")]
        if let since { query.append(("since", String(format: "%.6f", since))) }
        return try await send(.get, "/containers/\(Self.pathComponent(id))/logs", query: query, deadline: .distantFuture)
    }

    /// `docker stop -t seconds`: SIGTERM (or the image's stop signal), SIGKILL after `seconds`.
    /// Returns once the container stopped; nothing happens when it already had.
    func stopContainer(_ id: String, seconds: Int) async throws(DockerEngineError) {
        do {
            try await perform(.post, "/containers/\(Self.pathComponent(id))/stop", query: [("t", String(seconds))],
                              deadline: .now() + Self.requestTimeout + .seconds(Int64(seconds)))
        } catch where error.status == 304 {
            // Already stopped.
        }
    }

    /// Sends SIGKILL to the container.
    func killContainer(_ id: String) async throws(DockerEngineError) {
        do {
            try await perform(.post, "/containers/\(Self.pathComponent(id))/kill", query: [("signal", "KILL")])
        } catch where error.status == 409 {
            // Not running.
        }
    }

    /// Removes the container (stopping it first) and its anonymous volumes; nothing when it is gone.
    func removeContainer(_ id: String) async throws(DockerEngineError) {
        do {
            try await perform(.delete, "/containers/\(Self.pathComponent(id))", query: [("force", "1"), ("v", "1")])
        } catch where error.isNotFound {
            // Already gone.
        } catch where error.status == 409 && error.message.contains("already in progress") {
            // Another removal is under way.
        }
    }

    /// Every container (running or not) carrying all of `labels` (`key=value`).
    func listContainers(labels: [String]) async throws(DockerEngineError) -> [DockerAPI.ContainerSummary] {
        let filters = (try? JSONEncoder().encode(["label": labels])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return try await call(.get, "/containers/json", query: [("all", "1"), ("filters", filters)])
    }

    // MARK: - Exec

    /// Creates an exec instance running `command` in the container; returns its id.
    func createExec(_ containerId: String, command: [String], environment: [String]?) async throws(DockerEngineError) -> String {
        let created: DockerAPI.IdResponse = try await call(
            .post, "/containers/\(Self.pathComponent(containerId))/exec",
            body: DockerAPI.ExecCreate(Cmd: command, Env: environment))
        return created.Id
    }

    /// Starts an exec instance attached; its multiplexed output streams until it ends.
    func startExec(_ execId: String, deadline: NIODeadline) async throws(DockerEngineError) -> HTTPClientResponse {
        try await send(.post, "/exec/\(Self.pathComponent(execId))/start", body: DockerAPI.ExecStart(), deadline: deadline)
    }

    func inspectExec(_ execId: String) async throws(DockerEngineError) -> DockerAPI.ExecInspect {
        try await call(.get, "/exec/\(Self.pathComponent(execId))/json")
    }
}
