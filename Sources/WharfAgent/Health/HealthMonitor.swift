import Logging
import WharfModel

/// Runs the health and readiness checks of one running task until cancelled, each check in a
/// child task of its own so that a slow or hanging check never delays another.
///
/// Only changes that matter are passed on (see ``HealthCheckState/record(_:at:)``): a healthy task
/// whose checks keep passing costs no report. A health check stops once it has failed
/// `maxConsecutiveFailures` times in a row (its update carries the kill reason; the agent then
/// cancels the whole monitor), a readiness check once it is ready.
struct HealthMonitor: Sendable {
    /// A change of one check's result.
    enum Update: Sendable {
        case health(index: Int, result: HealthCheckResult, killReason: String?)
        case readiness(index: Int, result: ReadinessCheckResult)
    }

    /// What a monitor works on: the task's checks and where the task runs.
    struct Target: Sendable {
        var checks: TaskChecks
        /// The task's sandbox (working directory of COMMAND checks).
        var sandbox: String
        /// The task's cgroups (COMMAND checks join them).
        var cgroups: [String]
        /// When the task started (the grace period and `delaySeconds` count from here).
        var startedAt: Timestamp
        /// Runs COMMAND checks elsewhere than on the host (inside the task's container); nil: on
        /// the host, in the task's sandbox and cgroups.
        var runCommand: CommandRunner? = nil
    }

    /// Runs one COMMAND check attempt, bounded by the given time-out.
    typealias CommandRunner = @Sendable (_ command: String, _ timeout: Duration) async -> ProbeOutcome

    /// Bytes of a readiness check's response body kept with `preserveLastResponse`.
    static let preservedBodyLimit = 4096

    private let task: Task<Void, Never>

    /// Starts checking `target`; `onUpdate` is called with every material change, one call at a
    /// time per check.
    init(target: Target, http: HTTPProbe, logger: Logger, onUpdate: @escaping @Sendable (Update) async -> Void) {
        task = Task {
            await withDiscardingTaskGroup { group in
                for (index, check) in target.checks.healthChecks.enumerated() {
                    group.addTask {
                        await Self.runHealthCheck(
                            HealthCheckState(check: check, index: index, taskStartedAt: target.startedAt),
                            target: target, http: http, onUpdate: onUpdate)
                    }
                }
                for (index, check) in target.checks.readinessChecks.enumerated() {
                    group.addTask {
                        await Self.runReadinessCheck(
                            check, index: index, target: target, http: http, logger: logger, onUpdate: onUpdate)
                    }
                }
            }
        }
    }

    /// Stops every check; attempts in flight are abandoned (a COMMAND check's processes are killed).
    func cancel() {
        task.cancel()
    }

    // MARK: - Loops

    private static func runHealthCheck(
        _ initial: HealthCheckState, target: Target, http: HTTPProbe, onUpdate: @Sendable (Update) async -> Void
    ) async {
        var state = initial
        await pause(seconds: state.initialDelay(now: .now()))
        while !Task.isCancelled {
            let began = ContinuousClock.now
            let outcome = await probe(state.check, target: target, timeout: state.timeout, http: http)
            guard !Task.isCancelled else { return }
            if state.record(outcome, at: .now()), let result = state.result {
                await onUpdate(.health(index: state.index, result: result, killReason: state.killReason))
            }
            if state.killReason != nil { return }
            await pause(seconds: state.interval(now: .now()), since: began)
        }
    }

    private static func runReadinessCheck(
        _ check: ReadinessCheck, index: Int, target: Target, http: HTTPProbe, logger: Logger,
        onUpdate: @Sendable (Update) async -> Void
    ) async {
        guard let port = target.checks.port(of: check) else {
            logger.warning("readiness check names a port the task does not have; it never becomes ready", metadata: [
                "check": "\(check.name)", "portName": "\(check.portName)",
            ])
            return
        }
        let url = HTTPProbe.url(
            secure: check.protocol.uppercased() == "HTTPS", host: target.checks.host, port: port, path: check.path)
        let timeout = Duration.seconds(HealthCheckState.bounded(check.timeoutSeconds))
        var last = ReadinessCheckResult(name: check.name, ready: false)
        while !Task.isCancelled {
            let began = ContinuousClock.now
            var result = last
            do {
                let response = try await http.get(
                    url, timeout: timeout, bodyLimit: check.preserveLastResponse ? preservedBodyLimit : 0)
                result.ready = check.httpStatusCodesForReady.contains(response.status)
                if check.preserveLastResponse {
                    result.lastResponse = ReadinessCheckResult.Response(
                        status: response.status, contentType: response.contentType, body: response.body)
                }
            } catch {
                // No answer: not ready; the last answer (if any) stays the last response.
                result.ready = false
            }
            guard !Task.isCancelled else { return }
            if result != last {
                last = result
                await onUpdate(.readiness(index: index, result: result))
            }
            if result.ready { return }
            await pause(seconds: Double(HealthCheckState.bounded(check.intervalSeconds)), since: began)
        }
    }

    // MARK: - Probes

    /// One attempt of `check`, bounded by `timeout`.
    static func probe(_ check: HealthCheck, target: Target, timeout: Duration, http: HTTPProbe) async -> ProbeOutcome {
        do throws(ProbeFailure) {
            switch check.protocol {
            case .http, .https, .mesosHttp, .mesosHttps:
                let port = try target.checks.port(of: check)
                let secure = check.protocol == .https || check.protocol == .mesosHttps
                let url = HTTPProbe.url(secure: secure, host: target.checks.host, port: port, path: check.path ?? "/")
                let status = try await http.get(url, timeout: timeout).status
                switch status {
                case 200..<400: return .success
                case 100..<200 where check.ignoreHttp1xx: return .ignored
                default: return .failure("HTTP \(status)")
                }
            case .tcp, .mesosTcp:
                try await TCPProbe.connect(host: target.checks.host, port: try target.checks.port(of: check), timeout: timeout)
                return .success
            case .command:
                guard let command = check.command, !command.isEmpty else {
                    return .failure("COMMAND check without a command")
                }
                if let runCommand = target.runCommand { return await runCommand(command, timeout) }
                return await CommandProbe.run(
                    command, environment: target.checks.environment ?? [:], sandbox: target.sandbox,
                    cgroups: target.cgroups, timeout: timeout)
            }
        } catch {
            return .failure(error.cause)
        }
    }

    /// Sleeps until `seconds` after `start` (now when nil); returns early when cancelled.
    private static func pause(seconds: Double, since start: ContinuousClock.Instant? = nil) async {
        let until = (start ?? .now) + .milliseconds(Int64(seconds * 1000))
        guard until > .now else { return }
        try? await Task.sleep(until: until, clock: .continuous)
    }
}
