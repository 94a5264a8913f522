import Foundation
import Testing
@testable import WharfModel

/// A Docker app with `image`, bridge networking and the given `docker.parameters`/`volumes` JSON.
func dockerApp(image: String = "busybox", parameters: String = "[]", volumes: String = "[]",
                       portMappings: String = #"[{"containerPort": 80}]"#) -> String {
    #"""
    {"id": "/a", "networks": [{"mode": "container/bridge"}],
     "container": {"type": "DOCKER", "docker": {"image": "\#(image)", "parameters": \#(parameters)},
                   "volumes": \#(volumes), "portMappings": \#(portMappings)}}
    """#
}

/// `docker.parameters` JSON with one parameter.
func parameter(_ key: String, _ value: String) -> String { #"[{"key": "\#(key)", "value": "\#(value)"}]"# }

@Suite("Container validation", .timeLimit(.minutes(3)))
struct ContainerValidationTests {
    @Test(arguments: [
        "busybox", "busybox:1.36", "library/busybox", "wharf-test/busybox:1", "127.0.0.1:5000/myapp:1",
        "localhost/fake_docker_url", "localhost:5000/a/b/c:v1.2-rc_3", "registry.example.com/team/app__x.y-z:latest",
        "ghcr.io/owner/repo@sha256:" + String(repeating: "a1", count: 32),
        "redis:7@sha256:" + String(repeating: "0", count: 64), "a--b", "MyRegistry/app",
    ])
    func validImages(image: String) {
        #expect(failures(dockerApp(image: image)).isEmpty, "\(image) should be accepted")
    }

    @Test(arguments: [
        ("Busybox", "repository name must be lowercase"),
        ("127.0.0.1:5000/MyApp:1", "repository name must be lowercase"),
        ("busybox:", "tag '' must be"),
        ("busybox:-x", "tag '-x' must be"),
        ("busybox:" + String(repeating: "t", count: 129), "must be 1-128 characters"),
        ("busybox@sha256:abc", "digest 'sha256:abc' must be sha256:"),
        ("busybox@md5:" + String(repeating: "0", count: 64), "must be sha256:"),
        ("bad_.name", "repository name component 'bad_.name'"),
        ("-busy", "repository name component '-busy'"),
        ("a//b", "repository name component ''"),
        ("my image", "must not contain whitespace"),
        ("host_name.io/app", "registry 'host_name.io'"),
        ("localhost:99999/app", "registry 'localhost:99999'"),
        (":1", "repository name is empty"),
        (String(repeating: "a", count: 256), "must not be more than 255 characters"),
    ])
    func invalidImages(image: String, reason: String) throws {
        let f = failures(dockerApp(image: image))
        let failure = try #require(f.first { $0.path == "/container/docker/image" }, "\(image) should be refused")
        let message = try #require(failure.errors.first)
        #expect(message.hasPrefix("'\(image)' is not a valid Docker image reference (invalid reference format: "))
        #expect(message.contains(reason), "\(message)")
    }

    @Test func imageReferenceParts() throws {
        let r = try DockerImageReference(parsing: "127.0.0.1:5000/team/myapp:1@sha256:" + String(repeating: "f", count: 64))
        #expect(r.registry == "127.0.0.1:5000")
        #expect(r.path == "team/myapp")
        #expect(r.repository == "127.0.0.1:5000/team/myapp")
        #expect(r.tag == "1")
        #expect(r.digest == "sha256:" + String(repeating: "f", count: 64))
        let hub = try DockerImageReference(parsing: "library/redis")
        #expect(hub.registry == nil && hub.path == "library/redis" && hub.tag == nil && hub.digest == nil)
        let port = try DockerImageReference(parsing: "localhost:5000/app")
        #expect(port.registry == "localhost:5000" && port.tag == nil)
    }

    @Test func engineMinimumsAreChecked() {
        let small = #"{"id": "/a", "mem": 4, "container": {"type": "DOCKER", "docker": {"image": "busybox"}}}"#
        #expect(has(failures(small), "/mem", "got 4.0, expected at least 6 (the Docker engine's minimum memory limit, MiB)"))
        #expect(failures(#"{"id": "/a", "cmd": "sleep 1", "mem": 4}"#).isEmpty, "process apps have no such minimum")
        let swap = failures(dockerApp(parameters: parameter("memory-swap", "64m")))
        #expect(has(swap, "/container/docker/parameters(0)/value", "memory-swap: '64m' must be at least the app's mem (128.0 MiB): it is memory plus swap"))
        #expect(failures(dockerApp(parameters: parameter("memory-swap", "128m"))).isEmpty)
    }

    @Test("a Docker app with a mem beyond every bound is refused at /mem, without trapping on the byte count")
    func hugeMemoryIsRefused() {
        for mem in ["1e13", "1e300"] {
            let body = #"{"id": "/a", "mem": \#(mem), "container": {"type": "DOCKER", "docker": {"image": "busybox"}}}"#
            #expect(failures(body).contains { $0.path == "/mem" }, "mem \(mem)")
        }
    }

    @Test func emptyImageFailsMarathonsReader() {
        let f = failures(dockerApp(image: ""))
        #expect(f.filter { $0.path == "/container/docker/image" }.flatMap(\.errors) == ["error.minLength"])
        #expect(has(failures(#"{"id": "/a", "container": {"type": "MESOS", "docker": {"image": ""}}}"#), "/container/docker/image", "error.minLength"))
    }

    @Test func mesosContainersTakeNoDockerParameters() {
        let f = failures(#"{"id": "/a", "cmd": "x y", "container": {"type": "MESOS", "docker": {"image": "busybox", "parameters": [{"key": "foo", "value": "1"}]}}}"#)
        #expect(has(f, "/container/docker/parameters", "must be empty"))
        #expect(!f.contains { $0.path.hasPrefix("/container/docker/parameters(") })
    }

    @Test func volumeShapesFailMarathonsReader() throws {
        let f = failures(dockerApp(volumes: #"""
        [{"containerPath": "/x", "hostPath": "", "mode": "RW"},
         {"containerPath": "/y", "hostPath": "/y", "mode": "XX"},
         {"containerPath": "/z", "hostPath": "/z"}]
        """#))
        // A volume is read as the last kind Marathon tries (host path) when no kind reads.
        #expect(has(f, "/container/volumes(0)/hostPath", "error.minLength"))
        #expect(has(f, "/container/volumes(1)/mode", "error.unknown.enum.literal"))
        #expect(has(f, "/container/volumes(2)/mode", #"'mode' is undefined on object: {"containerPath":"/z","hostPath":"/z"}"#))
        let lowercase = try decodeApp(dockerApp(volumes: #"[{"containerPath": "/y", "hostPath": "/y", "mode": "rw"}]"#))
        #expect(lowercase.container?.volumes.first?.mode == "RW", "enum literals are read case-insensitively")
    }

    @Test func dockerVolumePaths() {
        let f = failures(dockerApp(volumes: #"""
        [{"containerPath": "/data", "hostPath": "/var/lib/app", "mode": "RW"},
         {"containerPath": "cache", "hostPath": "cache", "mode": "RO"},
         {"containerPath": "/x", "hostPath": "/x", "mode": "RW"},
         {"containerPath": "/y", "hostPath": "/y", "mode": "rw"},
         {"containerPath": "a/../../etc", "hostPath": "../../etc", "mode": "RO"},
         {"containerPath": "/z/../z", "hostPath": "/srv/../srv", "mode": "RO"},
         {"containerPath": "/data:z", "hostPath": "/mnt/a:b", "mode": "RW"}]
        """#))
        // Relative paths are inside the sandbox (Mesos' Docker containerizer): allowed.
        #expect(!f.contains { $0.path.hasPrefix("/container/volumes(0)") || $0.path.hasPrefix("/container/volumes(1)") })
        #expect(!f.contains { $0.path.hasPrefix("/container/volumes(2)") || $0.path.hasPrefix("/container/volumes(3)") })
        #expect(has(f, "/container/volumes(4)/hostPath", "a relative path must stay inside the task's sandbox (no '..'), got '../../etc'"))
        #expect(has(f, "/container/volumes(4)/containerPath", "a relative path must stay inside the task's sandbox (no '..'), got 'a/../../etc'"))
        #expect(!f.contains { $0.path.hasPrefix("/container/volumes(5)") })
        // Docker's bind syntax is host:container:mode.
        #expect(has(f, "/container/volumes(6)/hostPath", "must not contain ':' (got '/mnt/a:b')"))
        #expect(has(f, "/container/volumes(6)/containerPath", "must not contain ':' (got '/data:z')"))
    }

    @Test func mesosVolumesKeepMarathonsRules() {
        // Mesos resolves a relative hostPath inside the sandbox: allowed there, as in Marathon.
        #expect(failures(#"{"id": "/a", "cmd": "x y", "container": {"type": "MESOS", "volumes": [{"containerPath": "cache", "hostPath": "cache", "mode": "RW"}]}}"#).isEmpty)
        let f = failures(#"{"id": "/a", "cmd": "x y", "unreachableStrategy": "disabled", "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0}, "container": {"type": "MESOS", "volumes": [{"containerPath": "a/b", "mode": "RW", "persistent": {"size": 0}}]}}"#)
        #expect(has(f, "/container/volumes(0)/containerPath", "value must not contain \"/\""))
        #expect(has(f, "/container/volumes(0)/persistent/size", "got 0, expected more than 0"))
    }

    @Test func bridgePortMappingsFollowMarathon() {
        // containerPort 0 under BRIDGE means "the same as the host port" (Marathon's ports.md), so it stays valid.
        #expect(failures(dockerApp(portMappings: #"[{"containerPort": 0, "hostPort": 0}]"#)).isEmpty)
        let f = failures(dockerApp(portMappings: #"[{"containerPort": 65536, "hostPort": -1, "servicePort": 70000, "protocol": "sctp"}]"#))
        #expect(has(f, "/container/portMappings(0)/containerPort", "error.max"))
        #expect(has(f, "/container/portMappings(0)/hostPort", "error.min"))
        #expect(has(f, "/container/portMappings(0)/servicePort", "error.max"))
        #expect(has(f, "/container/portMappings(0)/protocol", "error.unknown.enum.literal"))
    }

    @Test func allContainerProblemsAreReportedTogether() throws {
        do {
            _ = try AppDefinition.decodeValidated(json: data(dockerApp(image: "Bad", parameters: parameter("lxc-conf", "1"),
                                                                       volumes: #"[{"containerPath": "../x", "hostPath": "/h", "mode": "RO"}]"#)))
            Issue.record("expected a validation error")
        } catch {
            #expect(error.status == 422)
            #expect(Set(error.failures.map(\.path)) == ["/container/docker/image", "/container/docker/parameters(0)/key",
                                                        "/container/volumes(0)/containerPath"])
        }
    }
}
