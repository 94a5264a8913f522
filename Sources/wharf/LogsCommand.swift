import ArgumentParser
import AsyncHTTPClient
import Foundation
import WharfModel

/// `wharf logs APP|TASK`: a task's stdout or stderr (GET /v2/tasks/{taskId}/logs), followed with
/// `-f` across the rotation of its files, across reconnects, and — for an app — across the restarts
/// of its task.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a task's output; -f keeps following it.",
        discussion: """
            For an app: its newest task (when none runs, the one that failed last), or with --all-instances \
            every running task, each line prefixed with its task id. Following an app goes on with its \
            next task when the followed one ends, until the app is destroyed.
            """
    )

    @OptionGroup var client: ClientOptions
    @Argument(help: "An app id or a task id.")
    var target: String
    @Flag(name: [.customShort("f"), .long], help: "Keep printing output as it is written (Ctrl-C to stop).")
    var follow = false
    @Flag(help: "Print stderr instead of stdout.")
    var stderr = false
    @Option(help: "Start at the last N lines.")
    var tail: Int?
    @Option(help: "Start at output written in the last DURATION (90s, 10m, 2h, 1d) or since an RFC 3339 time.")
    var since: String?
    @Flag(name: .customLong("all-instances"), help: "Every running task of the app (and, with -f, those started later).")
    var allInstances = false
    @Flag(name: .customLong("no-color"), help: "No colours on a terminal (NO_COLOR also turns them off).")
    var noColor = false

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be a number of lines, 0 or more") }
        if tail != nil && since != nil { throw ValidationError("give --tail or --since, not both") }
        if allInstances && Self.isTaskId(target) { throw ValidationError("--all-instances needs an app id, not a task id") }
    }

    /// Whether `text` names a task rather than an app.
    static func isTaskId(_ text: String) -> Bool {
        !text.contains("/") && Instance.appId(fromInstanceOrTaskId: text) != nil && text.contains("._app")
    }

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                let colour = !noColor && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
                let session = LogSession(
                    api: api, stream: stderr ? "stderr" : "stdout", follow: follow,
                    start: tail.map { [("tail", String($0))] } ?? since.map { [("since", $0)] } ?? [],
                    output: LogOutput(prefixed: allInstances, colour: colour))
                if Self.isTaskId(target) {
                    _ = try await session.printTask(target, start: session.start)
                } else if allInstances {
                    try await session.printAllInstances(of: target)
                } else {
                    try await session.printApp(target)
                }
            }
        }
    }
}

/// One `wharf logs` run: how to read, and where it goes.
struct LogSession: Sendable {
    let api: APIClient
    let stream: String
    let follow: Bool
    /// The first request's position (`tail` or `since`; none: from the oldest byte kept).
    let start: [(String, String)]
    let output: LogOutput
    /// How long a follow keeps trying while the server or the task's agent cannot be reached.
    static let retryLimit: Duration = .seconds(30)

    /// Prints task `taskId` from `start`; with `follow`, until it ended and all its output is
    /// printed. False when the task's output is gone (404 after something was printed).
    func printTask(_ taskId: String, start: [(String, String)]) async throws -> Bool {
        do {
            let found = try await copyTask(taskId, start: start)
            await output.finish(taskId)
            return found
        } catch {
            await output.finish(taskId)
            throw error
        }
    }

    private func copyTask(_ taskId: String, start: [(String, String)]) async throws -> Bool {
        var position = start
        var printedAny = false
        var following = follow
        var troubleSince: ContinuousClock.Instant?
        while true {
            let query = [("stream", stream)] + position + (following ? [("follow", "true")] : [])
            let response: HTTPClientResponse
            do {
                response = try await api.open("/v2/tasks/\(taskId)/logs", query: query)
            } catch let error as CLIError {
                guard follow else { throw error }
                try await pause(&troubleSince, because: error.report)
                continue
            }
            let status = Int(response.status.code)
            if status == 404, printedAny { return false }
            if status == 503, follow {
                let error = await APIClient.serverError(response)
                try await pause(&troubleSince, because: error.report)
                continue
            }
            guard status == 200 else { throw await APIClient.serverError(response) }
            troubleSince = nil
            var offset = Int64(response.headers.first(name: "X-Wharf-Log-Start") ?? "") ?? 0
            let size = Int64(response.headers.first(name: "X-Wharf-Log-Size") ?? "") ?? 0
            let ended = response.headers.first(name: "X-Wharf-Task-Ended") == "true"
            do {
                for try await chunk in response.body {
                    let bytes = Array(chunk.readableBytesView)
                    await output.write(taskId, bytes)
                    offset += Int64(bytes.count)
                    printedAny = true
                }
            } catch {
                // The connection broke: looked at again below.
                guard follow else { throw CLIError.cannotConnect(url: api.baseURL, reason: APIClient.describe(error)) }
            }
            guard follow else { return true }
            if !following && ended && offset >= size { return true }
            // A follow ended (the task ended, or the server lost its agent or went away): one read
            // without following tells which, and prints what was left; then following goes on.
            following.toggle()
            position = [("offset", String(offset))]
        }
    }

    /// Sleeps a second before another attempt, saying why once; throws once that lasted too long.
    private func pause(_ since: inout ContinuousClock.Instant?, because reason: String) async throws {
        let now = ContinuousClock.now
        if since == nil {
            since = now
            printToStandardError("wharf logs: \(reason.trimmingCharacters(in: .whitespacesAndNewlines)); trying again")
        } else if let since, now - since > Self.retryLimit {
            throw CLIError.timedOut("gave up after \(Self.retryLimit) of: \(reason)")
        }
        try await Task.sleep(for: .seconds(1))
    }

    /// The app's active tasks, oldest first; nil when the app does not exist (404).
    func tasks(of appId: String) async throws -> [String]? {
        let response = try await api.send("GET", APIClient.path("/v2/apps", id: appId, "/tasks"))
        if response.status == 404 { return nil }
        guard (200..<300).contains(response.status) else { throw APIClient.serverError(response) }
        let tasks = response.json?["tasks"]?.array ?? []
        return tasks.sorted { ($0["stagedAt"]?.string ?? "", $0["id"]?.string ?? "") < ($1["stagedAt"]?.string ?? "", $1["id"]?.string ?? "") }
            .compactMap { $0["id"]?.string }
    }

    /// Prints the app's newest task (or the one that failed last); with `follow`, then each task
    /// that replaces it.
    func printApp(_ appId: String) async throws {
        guard let active = try await tasks(of: appId) else {
            throw CLIError.server(status: 404, message: "App '\(appId)' does not exist", details: nil)
        }
        var current: String
        if let newest = active.last {
            current = newest
        } else if let failed = try await lastFailedTask(of: appId) {
            current = failed
        } else {
            guard follow else { throw CLIError.usage("app '\(appId)' has no tasks") }
            guard let first = try await nextTask(of: appId, after: []) else { return }
            current = first
        }
        var seen: Set<String> = [current]
        var position = start
        while true {
            _ = try await printTask(current, start: position)
            guard follow, let next = try await nextTask(of: appId, after: seen) else { return }
            printToStandardError("wharf logs: task \(current) ended; following \(next)")
            seen.insert(next)
            current = next
            position = []
        }
    }

    /// The newest active task of the app not in `seen`, waiting for one; nil once the app is gone.
    func nextTask(of appId: String, after seen: Set<String>) async throws -> String? {
        while true {
            guard let tasks = try await tasks(of: appId) else { return nil }
            if let next = tasks.last(where: { !seen.contains($0) }) { return next }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// The task of the app's `lastTaskFailure`, for an app with no task now.
    func lastFailedTask(of appId: String) async throws -> String? {
        let response = try await api.send("GET", APIClient.path("/v2/apps", id: appId), query: [("embed", "app.lastTaskFailure")])
        guard (200..<300).contains(response.status) else { return nil }
        return response.json?["app"]?["lastTaskFailure"]?["taskId"]?.string
    }

    /// Every active task of the app, side by side; with `follow`, also those started later, until
    /// the app is destroyed and its followed tasks have ended.
    func printAllInstances(of appId: String) async throws {
        guard let initial = try await tasks(of: appId) else {
            throw CLIError.server(status: 404, message: "App '\(appId)' does not exist", details: nil)
        }
        guard follow else {
            for task in initial { _ = try await printTask(task, start: start) }
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var seen = Set(initial)
            for task in initial { group.addTask { _ = try await printTask(task, start: start) } }
            while let tasks = try await tasks(of: appId) {
                for task in tasks where !seen.contains(task) {
                    seen.insert(task)
                    group.addTask { _ = try await printTask(task, start: []) }
                }
                try await Task.sleep(for: .seconds(1))
            }
            try await group.waitForAll()
        }
    }
}

/// Writes task output to stdout: as it comes for one task; for several, whole lines, each prefixed
/// with its task id (coloured on a terminal).
actor LogOutput {
    let prefixed: Bool
    let colour: Bool
    private var partial: [String: [UInt8]] = [:]
    private var colours: [String: Int] = [:]

    init(prefixed: Bool, colour: Bool) {
        self.prefixed = prefixed
        self.colour = colour
    }

    func write(_ taskId: String, _ bytes: [UInt8]) {
        guard prefixed else {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        var pending = partial[taskId, default: []]
        var out: [UInt8] = []
        var lineStart = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            out += prefix(taskId) + pending + bytes[lineStart...index]
            pending = []
            lineStart = index + 1
        }
        pending += bytes[lineStart...]
        partial[taskId] = pending
        if !out.isEmpty { FileHandle.standardOutput.write(Data(out)) }
    }

    /// The task's output ended: a last line without a newline is printed with one.
    func finish(_ taskId: String) {
        guard let pending = partial.removeValue(forKey: taskId), !pending.isEmpty else { return }
        FileHandle.standardOutput.write(Data(prefix(taskId) + pending + [UInt8(ascii: "\n")]))
    }

    private func prefix(_ taskId: String) -> [UInt8] {
        guard colour else { return Array("\(taskId) | ".utf8) }
        let index = colours[taskId] ?? {
            let next = colours.count
            colours[taskId] = next
            return next
        }()
        // Cyan, yellow, green, magenta, blue, red, then again.
        let codes = [36, 33, 32, 35, 34, 31]
        return Array("\u{1B}[\(codes[index % codes.count])m\(taskId)\u{1B}[0m | ".utf8)
    }
}
