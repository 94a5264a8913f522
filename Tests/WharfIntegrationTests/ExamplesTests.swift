import Foundation
import Testing

/// The definitions in `examples/` deploy unchanged and do what the README says.
@Suite("Examples", .timeLimit(.minutes(15)))
struct ExamplesTests {
    @Test("examples/hello.json: 2 instances answering HTTP")
    func hello() async throws {
        try await withWharf { wharf in
            let definition = try Fixtures.example("hello.json")
            let created = try await wharf.api.post("/v2/apps", definition)
            #expect(created.status == 201, "\(created)")
            let tasks = try await wharf.api.waitForRunning("/hello", count: 2)
            for task in tasks {
                let port = try #require(task["ports"]?[0]?.int)
                try await waitUntil("hello answers on \(port)", timeout: .seconds(30)) { try await httpStatus(port: port) == 200 }
            }
            // The README's router examples: by service name, and by the Host its label names.
            for host in ["hello.localhost", "hello.example.com"] {
                try await waitUntil("the router answers for \(host)", timeout: .seconds(30)) {
                    let result = try await runCommand("/usr/bin/env", [
                        "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: \(host)",
                        "http://127.0.0.1:\(wharf.routerPort)/",
                    ], timeout: .seconds(10))
                    return result.stdout == "200"
                }
            }
        }
    }

    @Test("examples/sleep.json (Marathon's app-simple) runs 2 instances")
    func sleep() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", try Fixtures.example("sleep.json"))
            #expect(created.status == 201, "\(created)")
            try await wharf.api.waitForRunning("/simple", count: 2)
        }
    }

    @Test("examples/myapp.json serves a page naming its task")
    func myapp() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/apps", try Fixtures.example("myapp.json"))
            #expect(created.status == 201, "\(created)")
            let task = try #require(try await wharf.api.waitForRunning("/myapp", count: 1).first)
            let port = try #require(task["ports"]?[0]?.int)
            let taskId = try #require(task["id"]?.string)
            let page = try await poll("myapp answers on \(port)", timeout: .seconds(30)) { () -> String? in
                let result = try await MarathonClient(baseURL: "http://127.0.0.1:\(port)").request("GET", "/", accept: "*/*")
                return result.status == 200 ? result.text : nil
            }
            #expect(page.contains(taskId), "page: \(page)")
        }
    }

    @Test("examples/group.json is accepted by POST /v2/groups")
    func group() async throws {
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/groups", try Fixtures.example("group.json"))
            #expect(created.status == 201, "\(created)")
            try await wharf.api.waitForRunning("/shop/web", count: 2)
        }
    }

    @Test("Marathon's nested sleep-group example deploys unchanged")
    func marathonSleepGroup() async throws {
        // tests/system/groups/sleep-group.json from Marathon's repository.
        let group: JSON = [
            "id": "/sleep-group", "apps": [], "dependencies": [],
            "groups": [[
                "id": "/sleep-group/sleep", "dependencies": [], "groups": [],
                "apps": [
                    ["id": "/sleep-group/sleep/goodnight-1", "cmd": "sleep 1000", "cpus": 0.01, "disk": 0,
                     "instances": 1, "mem": 32, "dependencies": []],
                    ["id": "/sleep-group/sleep/goodnight-2", "cmd": "sleep 1000", "cpus": 0.01, "disk": 0,
                     "instances": 1, "mem": 32, "dependencies": []],
                ],
            ]],
        ]
        try await withWharf { wharf in
            let created = try await wharf.api.post("/v2/groups", group)
            #expect(created.status == 201, "\(created)")
            try await wharf.api.waitForRunning("/sleep-group/sleep/goodnight-1", count: 1)
            try await wharf.api.waitForRunning("/sleep-group/sleep/goodnight-2", count: 1)
            let list = try await wharf.api.get("/v2/apps")
            #expect(list.json["apps"]?.array?.count == 2)
        }
    }
}
