import ArgumentParser

/// The `wharf` command line: `wharf dev` runs the whole system in one process; the other commands
/// talk to a running server over its Marathon-compatible REST API.
@main
struct Wharf: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wharf",
        abstract: "Run Marathon app definitions as supervised processes, with Marathon's REST API.",
        discussion: """
            Start everything on this machine with `wharf dev`, then deploy with
            `wharf app deploy -f examples/hello.json` (or curl the Marathon API on port 8080).

            Exit codes: 0 success, 1 the server rejected the request, 2 the server cannot be reached, \
            3 --wait timed out, 64 usage error (bad flag, unreadable or invalid JSON file).
            """,
        version: "0.1.0",
        subcommands: [DevCommand.self, ServerCommand.self, AgentNodeCommand.self, AppCommand.self, NodeCommand.self, DeploymentsCommand.self, EventsCommand.self, LogsCommand.self, HAProxyCommand.self, BenchCommand.self]
    )
}
