import Foundation
import Testing

/// Task output in a cluster: the server reads it from the task's agent over the agent link (protocol
/// version 2), follows it, and ends a follow with a message when the agent goes away.
@Suite("Cluster: task logs through the agent link", .timeLimit(.minutes(10)))
struct ClusterLogTests {
    @Test("read, tail and follow through the server; a follow ends with a message when the agent is killed; the restarted agent serves the rest")
    func logsThroughTheLink() async throws {
        try await withCluster(agents: 1, agentArguments: { _ in ["--log-max-size", "2k", "--log-max-files", "2"] }) { cluster in
            let app: JSON = ["id": "/remote", "instances": 1, "cpus": 0.1, "mem": 32,
                             "cmd": "i=0; while true; do i=$((i+1)); echo remote $i; echo warn $i >&2; sleep 0.02; done"]
            #expect(try await cluster.api.post("/v2/apps", app).status == 201)
            let task = try #require(try await cluster.api.waitForRunning("/remote", count: 1).first?["id"]?.string)
            let path = "/v2/tasks/\(task)/logs"

            let stderr = try await poll("stderr past 10 lines") { () -> String? in
                let text = try await cluster.api.request("GET", path + "?stream=stderr&tail=10", accept: "*/*").text
                return text.split(separator: "\n").count == 10 ? text : nil
            }
            #expect(stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("warn ") }, "\(stderr)")
            // Rotated on the agent (2 KiB × 2): a read from 0 starts later, with continuous numbers.
            try await waitUntil("rotated at least once") {
                let read = try await cluster.api.request("GET", path + "?offset=0", accept: "*/*")
                return Int(read.header("X-Wharf-Log-Start") ?? "0") ?? 0 > 0
            }
            let numbers = try await cluster.api.request("GET", path, accept: "*/*").text
                .split(separator: "\n").compactMap { Int($0.split(separator: " ").last ?? "") }
            #expect(numbers.count > 5 && numbers == Array(numbers[0]...(numbers[0] + numbers.count - 1)), "\(numbers)")

            let follow = StreamingRead(cluster.api.baseURL + path + "?tail=1&follow=true", headers: [("Accept", "text/event-stream")])
            defer { follow.close() }
            try await follow.waitFor("data: remote")
            let node = cluster.nodes[0]
            try await node.process.kill9()
            try await follow.waitForEnd()
            #expect(follow.text.contains("event: end\n"), "\(follow.text.suffix(300))")
            #expect(follow.text.contains("disconnected") || follow.text.contains("not connected"), "\(follow.text.suffix(300))")

            let away = try await cluster.api.get(path)
            #expect(away.status == 503, "\(away)")
            #expect(away.json["message"]?.string?.contains("not connected") == true, "\(away)")

            // The task ran on while its agent was away; the restarted agent re-adopts it and serves
            // its output, nothing lost in between (the pipe held it).
            try await cluster.startAgent(node)
            let after = try await poll("output readable again") { () -> [Int]? in
                let read = try await cluster.api.request("GET", path + "?tail=400", accept: "*/*")
                guard read.status == 200 else { return nil }
                return read.text.split(separator: "\n").compactMap { Int($0.split(separator: " ").last ?? "") }
            }
            #expect(after.count > 1 && after == Array(after[0]...(after[0] + after.count - 1)), "a gap after the agent restart: \(after)")
            #expect(cluster.liveTaskIds(app: "/remote") == [task])
        }
    }
}
