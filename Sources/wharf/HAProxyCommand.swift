import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import WharfRouter

/// `wharf haproxy`: keeps an external HAProxy in step with Wharf's routes. Instance changes go
/// through HAProxy's runtime API (no reload); new or removed routes, hosts or paths rewrite
/// haproxy.cfg (validated, atomically) and reload HAProxy hitlessly.
struct HAProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haproxy",
        abstract: "Keep an HAProxy in step with Wharf's routes (runtime API for instances, reloads for new routes).",
        discussion: """
            Follows GET /v1/wharf/routes (blocking queries) and renders haproxy.cfg: one HTTP frontend routing \
            by Host and path prefix, one TCP frontend per service port — except, when Wharf runs on this machine, \
            the service ports its own router already listens on (wharf dev --tcp-routes false hands them to \
            HAProxy). Instances are added and removed with \
            the runtime API (HAProxy 2.6 or later: add server / del server); the config file is kept current \
            so any reload restores them. Structural changes are validated with `haproxy -c` and reloaded by \
            --reload-command, SIGUSR2 to the master in --pid-file, or, with --start, the HAProxy this command \
            runs in master-worker mode. While Wharf is unreachable HAProxy keeps its configuration.

            Examples:
              wharf haproxy --config /etc/haproxy/haproxy.cfg --socket /run/haproxy/admin.sock --pid-file /run/haproxy.pid
              wharf haproxy --config /tmp/haproxy.cfg --socket /tmp/haproxy.sock --start --http-port 8000
              wharf haproxy --once --print
            """
    )

    @Option(help: ArgumentHelp("Base URL of Wharf's API [WHARF_API] (default http://127.0.0.1:8080).", valueName: "url"))
    var wharf: String?

    @Option(help: ArgumentHelp("The haproxy.cfg to write (owned by this command).", valueName: "path"))
    var config: String?

    @Option(help: ArgumentHelp("HAProxy's admin runtime socket: a unix path, or host:port.", valueName: "path"))
    var socket = "/run/haproxy/admin.sock"

    @Option(help: ArgumentHelp("Port of the HTTP frontend; 0 for none.", valueName: "port"))
    var httpPort = 80

    @Option(help: ArgumentHelp("Address the frontends bind to (default: all IPv4 addresses).", valueName: "address"))
    var bind = ""

    @Option(help: "Global maxconn.")
    var maxconn = 4096

    @Option(help: ArgumentHelp("Health-check interval of each server, in milliseconds.", valueName: "ms"))
    var checkInterval = 2000

    @Option(help: ArgumentHelp("Global hard-stop-after: how long workers of an old config may live (e.g. 30m).", valueName: "time"))
    var hardStopAfter: String?

    @Option(help: ArgumentHelp("The haproxy executable (for -c validation and --start).", valueName: "path"))
    var haproxy = "haproxy"

    @Option(help: ArgumentHelp("HAProxy's pid file: reload by SIGUSR2 to the master pid in it; with --start, passed as -p.", valueName: "path"))
    var pidFile: String?

    @Option(help: ArgumentHelp("Shell command that reloads HAProxy (e.g. 'systemctl reload haproxy').", valueName: "command"))
    var reloadCommand: String?

    @Flag(help: "Start HAProxy (haproxy -W -f <config>) and manage it: reload by SIGUSR2, stop it on exit.")
    var start = false

    @Flag(help: "Fetch the routes once, write --config (validated when haproxy is installed) and exit.")
    var once = false

    @Flag(name: .customLong("print"), help: "Print each generated config to standard output.")
    var printConfig = false

    @Option(help: ArgumentHelp("Least seconds between two reloads; faster structural changes are batched.", valueName: "seconds"))
    var minReloadInterval: Double = 2

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        if !once || !printConfig, config == nil { throw ValidationError("--config is required (except with --once --print)") }
        guard HAProxySocketAddress(socket) != nil else { throw ValidationError("--socket '\(socket)' is neither a unix path nor host:port") }
        guard (0...65535).contains(httpPort) else { throw ValidationError("--http-port \(httpPort) is not a port (0 for none)") }
        guard maxconn > 0, checkInterval > 0, minReloadInterval >= 0 else {
            throw ValidationError("--maxconn, --check-interval and --min-reload-interval must be positive")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level '\(logLevel)' is not a log level") }
        if start, reloadCommand != nil { throw ValidationError("--start and --reload-command exclude each other") }
        if !once, !start, reloadCommand == nil, pidFile == nil {
            throw ValidationError("say how to reload HAProxy: --pid-file, --reload-command or --start")
        }
        _ = try clientOptions()
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "wharf.haproxy")
        logger.logLevel = level
        try await runReportingErrors {
            try await APIClient.with(try clientOptions()) { api in
                let fetch = Self.routeFetcher(api)
                if once {
                    try await renderOnce(fetch, logger: logger)
                } else {
                    try await follow(fetch, logger: logger)
                }
            }
        }
    }

    func settings() -> HAProxySettings {
        HAProxySettings(
            socket: HAProxySocketAddress(socket) ?? .unix(path: socket), httpPort: httpPort == 0 ? nil : httpPort,
            bindAddress: bind, maxConnections: maxconn, checkIntervalMilliseconds: checkInterval, hardStopAfter: hardStopAfter,
            sharesHostWithWharf: sharesHostWithWharf
        )
    }

    /// Whether `--wharf` names this machine: then the service ports `wharf dev`'s own router
    /// listens on are left out of haproxy.cfg (HAProxy could not bind them).
    private var sharesHostWithWharf: Bool {
        guard let options = try? clientOptions(), let host = URL(string: options.baseURL)?.host else { return false }
        return LocalHost.isLocal(host)
    }

    private func clientOptions() throws -> ClientOptions {
        try ClientOptions.parse(wharf.map { ["--api", $0] } ?? [])
    }
}
