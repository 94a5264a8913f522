import Foundation
import Logging
import ServiceLifecycle
import WharfRouter

extension HAProxyCommand {
    /// `--once`: one fetch, one render; the file is validated when haproxy is installed.
    func renderOnce(_ fetch: HAProxyRouteFetcher, logger: Logger) async throws {
        let routes: HAProxyRoutes
        do {
            routes = try await fetch(nil, .zero)
        } catch let error as RouteFetchError {
            throw error.error
        }
        let layout = HAProxyLayout(routes: routes, settings: settings())
        for warning in layout.warnings { logger.warning("\(warning)") }
        let text = HAProxyConfigRenderer.render(layout, settings: settings())
        if printConfig { FileHandle.standardOutput.write(Data(text.utf8)) }
        guard let config else { return }
        if let executable = HAProxyControl.findExecutable(haproxy) {
            let control = HAProxyControl(executable: executable, configPath: config, pidFile: nil, reloadMethod: .managed)
            do {
                try await HAProxyConfigFile.replace(config, with: text) { try await control.validate($0) }
            } catch let error as HAProxyControlError {
                throw CLIError.usage("\(error)")
            }
        } else {
            logger.warning("\(haproxy) not found: \(config) written without validation")
            try await HAProxyConfigFile.replace(config, with: text)
        }
        logger.info("wrote \(config) for routes at index \(routes.index)")
    }

    /// The sync loop as a service; SIGTERM and SIGINT end it (and the HAProxy it started, with --start).
    func follow(_ fetch: @escaping HAProxyRouteFetcher, logger: Logger) async throws {
        guard let config else { return }
        guard let executable = HAProxyControl.findExecutable(haproxy) else {
            throw CLIError.usage("\(haproxy) not found (install HAProxy 2.6 or later, or point --haproxy at it)")
        }
        let method: HAProxyReloadMethod
        if start {
            method = .managed
        } else if let reloadCommand {
            method = .command(reloadCommand)
        } else {
            method = .signalPidFile(pidFile ?? "")
        }
        let configuration = HAProxySyncConfiguration(
            configPath: config, settings: settings(), managesProcess: start,
            minReloadInterval: .milliseconds(Int64(minReloadInterval * 1000))
        )
        var printer: (@Sendable (String) -> Void)?
        if printConfig {
            printer = { text in FileHandle.standardOutput.write(Data(text.utf8)) }
        }
        let synchronizer = HAProxySynchronizer(
            configuration: configuration, runtime: HAProxyRuntimeClient(socket: configuration.settings.socket),
            control: HAProxyControl(executable: executable, configPath: config, pidFile: pidFile, reloadMethod: method),
            logger: logger, onNewConfig: printer
        )
        logger.info("following Wharf's routes", metadata: ["config": "\(config)", "socket": "\(socket)", "reload": "\(method)"])
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: HAProxySyncService(synchronizer: synchronizer, fetch: fetch))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await group.run()
    }

    /// GET /v1/wharf/routes, as a blocking query when an index is known.
    static func routeFetcher(_ api: APIClient) -> HAProxyRouteFetcher {
        { after, wait in
            var query: [(String, String)] = []
            let seconds = max(1, wait.components.seconds)
            if let after { query = [("index", "\(after)"), ("wait", "\(seconds)s")] }
            let response: APIResponse
            do {
                response = try await api.send("GET", "/v1/wharf/routes", query: query, timeoutSeconds: seconds + 15)
            } catch let error as CLIError {
                throw RouteFetchError(error)
            }
            guard (200..<300).contains(response.status) else { throw RouteFetchError(APIClient.serverError(response)) }
            do {
                var routes = try JSONDecoder().decode(HAProxyRoutes.self, from: response.body)
                if routes.index == 0, let index = response.header("X-Consul-Index").flatMap(UInt64.init) { routes.index = index }
                return routes
            } catch {
                throw RouteFetchError(.server(
                    status: response.status, message: "GET /v1/wharf/routes answered JSON this version cannot read: \(error)",
                    details: nil
                ))
            }
        }
    }
}

/// Wharf's routes could not be fetched or read: the CLI error, described on one line for the log.
struct RouteFetchError: Error, CustomStringConvertible {
    var error: CLIError

    init(_ error: CLIError) {
        self.error = error
    }

    var description: String { error.report.replacingOccurrences(of: "\n", with: " ") }
}
