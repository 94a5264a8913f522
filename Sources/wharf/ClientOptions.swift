import ArgumentParser
import Foundation

/// Options of every command that talks to a running server.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("api"), help: "Base URL of the Wharf (Marathon) API [WHARF_API] (default http://127.0.0.1:8080).")
    var api: String?

    @Flag(help: "Print the server's JSON instead of a table.")
    var json = false

    /// The API's base URL without a trailing slash.
    var baseURL: String {
        let raw = api ?? ProcessInfo.processInfo.environment["WHARF_API"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "http://127.0.0.1:8080"
        var url = raw.contains("://") ? raw : "http://" + raw
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    func validate() throws {
        guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme),
              url.host != nil
        else {
            throw ValidationError("'\(baseURL)' is not an http(s) URL for --api / WHARF_API")
        }
    }
}

/// `--wait` and `--timeout` for commands that start a deployment.
struct WaitOptions: ParsableArguments {
    @Flag(help: "Wait until the deployment has finished (it no longer appears in /v2/deployments).")
    var wait = false

    @Option(help: "Seconds to wait with --wait before giving up (exit code 3).")
    var timeout: Double = 300

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
    }
}
