import Foundation
import Testing

/// The walkthrough's CLI findings: negative instance counts and the deployment-lock hint.
@Suite("Command line: arguments and hints", .timeLimit(.minutes(15)))
struct CommandLineArgumentTests {
    @Test("wharf app scale refuses what is not a count of 0 or more, naming the problem", arguments: [
        (["app", "scale", "/web", "-1"], "instances must be 0 or more, got -1"),
        (["app", "scale", "/web", "-12", "--force"], "instances must be 0 or more, got -12"),
        (["app", "scale", "/web", "two"], "instances must be a whole number, got 'two'"),
        (["app", "scale", "/web"], "Missing expected argument '<instances>'"),
        (["app", "scale", "/web", "1", "2"], "Unexpected argument '2'"),
    ])
    func scaleArguments(arguments: [String], message: String) async throws {
        // Nothing listens there: the arguments must be refused before any request is made.
        let url = "http://127.0.0.1:\(PortAllocator.ephemeralUnusedPort())"
        let result = try await runWharfCLI(arguments + ["--api", url])
        #expect(result.exitCode == 64, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
        #expect(!result.stderr.contains("Unknown option"), "\(result)")
    }

    @Test("a deployment lock tells CLI users to pass --force, not ?force=true, and --force overrides it")
    func lockHintNamesTheFlag() async throws {
        try await withWharf { wharf in
            let api = ["--api", wharf.api.baseURL]
            // Never placed: its deployment stays in progress and locks the app.
            let created = try await wharf.api.post("/v2/apps", Fixtures.unplaceable("/locked"))
            #expect(created.status == 201, "\(created)")

            let scale = try await runWharfCLI(["app", "scale", "/locked", "0"] + api)
            #expect(scale.exitCode == 1, "\(scale)")
            #expect(scale.stderr.contains("HTTP 409"), "\(scale)")
            #expect(scale.stderr.contains("Override with --force"), "\(scale)")
            #expect(!scale.stderr.contains("?force=true"), "\(scale)")

            let restart = try await runWharfCLI(["app", "restart", "/locked"] + api)
            #expect(restart.exitCode == 1 && restart.stderr.contains("--force"), "\(restart)")

            let forced = try await runWharfCLI(["app", "scale", "/locked", "0", "--force"] + api)
            #expect(forced.exitCode == 0, "\(forced)")
            #expect(try await wharf.api.app("/locked")?["instances"]?.int == 0)
        }
    }
}
