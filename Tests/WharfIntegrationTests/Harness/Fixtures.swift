import Foundation

/// App definitions used by the tests, in Marathon's JSON.
enum Fixtures {
    /// `python3 -m http.server $PORT0`: a process that answers HTTP on its assigned port. cpus are a
    /// hard CFS quota where cgroups exist, so python gets enough to start within seconds.
    static func httpServer(_ id: String, instances: Int = 1) -> JSON {
        ["id": .string(id), "cmd": "python3 -m http.server $PORT0", "instances": .number(Double(instances)),
         "cpus": 0.2, "mem": 64]
    }

    /// `sleep`: the cheapest long-running process.
    static func sleeper(_ id: String, instances: Int = 1) -> JSON {
        ["id": .string(id), "cmd": "sleep 100000", "instances": .number(Double(instances)), "cpus": 0.01, "mem": 16]
    }

    /// An app asking for more cpus than any test node offers: never launched, so its deployment
    /// stays in progress for as long as a test needs.
    static func unplaceable(_ id: String) -> JSON {
        ["id": .string(id), "cmd": "sleep 100000", "instances": 1, "cpus": 1000, "mem": 16]
    }

    /// A command that exits at once with status 1, with a launch backoff that is easy to observe.
    static func crashing(_ id: String, backoffSeconds: Int = 5) -> JSON {
        ["id": .string(id), "cmd": "exit 1", "instances": 1, "cpus": 0.01, "mem": 16,
         "backoffSeconds": .number(Double(backoffSeconds)), "backoffFactor": 2, "maxLaunchDelaySeconds": 300]
    }

    /// The contents of `examples/<name>`.
    static func example(_ name: String) throws -> JSON {
        let url = WharfProcess.packageRoot.appendingPathComponent("examples").appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path), let json = JSON(data: data) else {
            throw HarnessError("cannot read \(url.path) as JSON")
        }
        return json
    }

    /// Path of `examples/<name>`.
    static func examplePath(_ name: String) -> String {
        WharfProcess.packageRoot.appendingPathComponent("examples").appendingPathComponent(name).path
    }
}

/// GETs `http://127.0.0.1:port/` and returns the status (the check that a task really serves HTTP).
func httpStatus(port: Int) async throws -> Int {
    try await MarathonClient(baseURL: "http://127.0.0.1:\(port)").request("GET", "/", accept: "*/*", timeout: .seconds(10)).status
}

/// Parses Marathon's ISO-8601 timestamps (`2015-09-29T15:59:51.164Z`).
func parseTimestamp(_ text: String?) -> Date? {
    guard let text else { return nil }
    let withFraction = ISO8601DateFormatter()
    withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = withFraction.date(from: text) { return date }
    return ISO8601DateFormatter().date(from: text)
}
