import Testing
@testable import WharfAgent
import WharfModel

@Suite("Task environment", .timeLimit(.minutes(3)))
struct TaskEnvironmentTests {
    private func environment(_ configure: (inout AppDefinition) -> Void, ports: [Int] = [31000, 31001]) -> [String: String] {
        var app = AppDefinition(id: PathId("/shop/web"))
        app.cmd = "run"
        app.cpus = 0.25
        app.mem = 256
        app.disk = 10
        app.version = Timestamp(millis: 1_443_542_391_164)
        app.portDefinitions = [PortDefinition(port: 0, name: "http"), PortDefinition(port: 8443, name: "admin-api")]
        configure(&app)
        let launch = makeLaunch(app, ports: ports)
        return TaskEnvironment.variables(
            for: launch, host: "node1.example.com", sandbox: "/data/sandboxes/shop_web/t1",
            agentEnvironment: ["PATH": "/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8", "SECRET_TOKEN": "x"])
    }

    @Test func marathonTaskContext() {
        var app = AppDefinition(id: PathId("/shop/web"))
        app.version = Timestamp(millis: 1_443_542_391_164)
        let launch = makeLaunch(app, ports: [31000])
        let env = TaskEnvironment.variables(for: launch, host: "h", sandbox: "/sb", agentEnvironment: [:])
        #expect(env["MESOS_TASK_ID"] == launch.instance.taskId)
        #expect(env["MESOS_SANDBOX"] == "/sb")
        #expect(env["MARATHON_APP_ID"] == "/shop/web")
        #expect(env["MARATHON_APP_VERSION"] == "2015-09-29T15:59:51.164Z")
        #expect(env["HOST"] == "h")
        #expect(env["MARATHON_APP_DOCKER_IMAGE"] == nil)
        #expect(env["PATH"] == TaskEnvironment.defaultPath)
    }

    @Test func resources() {
        let env = environment { _ in }
        #expect(env["MARATHON_APP_RESOURCE_CPUS"] == "0.25")
        #expect(env["MARATHON_APP_RESOURCE_MEM"] == "256.0")
        #expect(env["MARATHON_APP_RESOURCE_DISK"] == "10.0")
        #expect(env["MARATHON_APP_RESOURCE_GPUS"] == "0")
    }

    @Test func ports() {
        let env = environment { _ in }
        #expect(env["PORT0"] == "31000")
        #expect(env["PORT1"] == "31001")
        #expect(env["PORT"] == "31000")
        #expect(env["PORTS"] == "31000,31001")
        #expect(env["PORT_HTTP"] == "31000")
        #expect(env["PORT_ADMIN_API"] == "31001")
        // A fixed declared port names its variable; a dynamic one is named after the assigned port.
        #expect(env["PORT_8443"] == "31001")
        #expect(env["PORT_31000"] == "31000")
    }

    @Test func portMappingNamesWinOverPortDefinitions() {
        let env = environment { app in
            app.container = Container(type: .docker, docker: DockerSettings(image: "nginx:1.25"), portMappings: [
                PortMapping(containerPort: 80, name: "web"), PortMapping(containerPort: 9090, name: "metrics"),
            ])
        }
        #expect(env["PORT_WEB"] == "31000")
        #expect(env["PORT_METRICS"] == "31001")
        #expect(env["PORT_80"] == "31000")
        #expect(env["PORT_HTTP"] == nil)
        #expect(env["MARATHON_APP_DOCKER_IMAGE"] == "nginx:1.25")
    }

    @Test func noPortsNoPortVariables() {
        let env = environment({ _ in }, ports: [])
        #expect(env["PORT"] == nil)
        #expect(env["PORTS"] == nil)
        #expect(env["PORT0"] == nil)
    }

    @Test func labels() {
        let env = environment { app in
            app.labels = [
                "HAPROXY_GROUP": "external", "team.name": "payments", "weird--key!": "v",
                "big": String(repeating: "x", count: 512), "fits": String(repeating: "y", count: 511),
            ]
        }
        #expect(env["MARATHON_APP_LABELS"] == "FITS HAPROXY_GROUP TEAM_NAME WEIRD_KEY_")
        #expect(env["MARATHON_APP_LABEL_HAPROXY_GROUP"] == "external")
        #expect(env["MARATHON_APP_LABEL_TEAM_NAME"] == "payments")
        #expect(env["MARATHON_APP_LABEL_WEIRD_KEY_"] == "v")
        #expect(env["MARATHON_APP_LABEL_FITS"]?.count == 511)
        #expect(env["MARATHON_APP_LABEL_BIG"] == nil)
    }

    @Test func userEnvironmentOverridesAndSecretsAreSkipped() {
        let env = environment { app in
            app.env = ["PORT0": .value("9999"), "GREETING": .value("hi"), "DB_PASSWORD": .secret("db")]
        }
        #expect(env["PORT0"] == "9999")
        #expect(env["GREETING"] == "hi")
        #expect(env["DB_PASSWORD"] == nil)
    }

    @Test func inheritsOnlyBasicsFromTheAgent() {
        let env = environment { _ in }
        #expect(env["PATH"] == "/usr/bin:/bin")
        #expect(env["HOME"] == "/root")
        #expect(env["LANG"] == "C.UTF-8")
        #expect(env["SECRET_TOKEN"] == nil)
    }

    @Test func sanitizedNames() {
        #expect(TaskEnvironment.sanitizedName("my-label.x") == "MY_LABEL_X")
        #expect(TaskEnvironment.sanitizedName("a..b") == "A_B")
        #expect(TaskEnvironment.sanitizedName("ok_1") == "OK_1")
    }
}
