import Foundation
import Testing
@testable import WharfAgent
import WharfModel

/// The plan of a `cmd` Docker app with `parameters`, sandbox `/sb`, one port mapping (80 → 31000)
/// on `networks` (bridge by default), the task environment `APP=a` and the app label `app=l`.
private func plan(
    _ parameters: [(String, String)], networks: [Network]? = nil, files: [String: String] = [:],
    hardCpuLimit: Bool = true, forcePull: Bool = false
) throws(RuntimeError) -> DockerContainerConfig.Plan {
    var app = makeDockerApp("p", cmd: "run", mem: 128, bridgePorts: [80], parameters: parameters.map { .init(key: $0.0, value: $0.1) })
    if let networks { app.networks = networks }
    app.container?.docker?.forcePullImage = forcePull
    let spec = TaskSpec(
        taskId: "t.1", instanceId: "i", incarnation: 1, appId: app.id, command: .shell("run"), environment: ["APP": "a"],
        sandbox: "/sb", resources: app.resources, image: "img", container: app.container, networks: app.networks,
        ports: [31000], labels: ["app": "l"])
    return try DockerContainerConfig.make(spec, image: "img", agentDataDir: "/d", hardCpuLimit: hardCpuLimit,
                                          files: files, engineSocket: "/run/docker.sock")
}

/// The create request as the Engine receives it.
private func json(_ plan: DockerContainerConfig.Plan) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(plan.create)) as? [String: Any])
}

private let userNetwork = [Network(mode: .container, name: "appnet")]

@Suite("Docker parameters in the create request", .timeLimit(.minutes(1)))
struct DockerParameterApplyTests {
    @Test func everyAppliedOptionHasAnApplierAndNoOtherDoes() {
        let applied = Set(DockerRunOption.all.filter { $0.handling == .applied }.map(\.name))
        #expect(applied.subtracting(DockerContainerConfig.appliers.keys).isEmpty)
        #expect(Set(DockerContainerConfig.appliers.keys).subtracting(applied).isEmpty)
    }

    @Test func generalOptions() throws {
        let create = try plan([
            ("entrypoint", "/entry.sh"), ("group-add", "audio"), ("-h", "web-1"), ("domainname", "example.com"), ("i", "true"),
            ("read-only", "1"), ("stop-signal", "SIGUSR1"), ("stop-timeout", "20"), ("sysctl", "net.core.somaxconn=1024"),
            ("sysctl", "net.ipv4.tcp_syncookies=0"), ("t", "true"), ("ulimit", "nproc=10"), ("ulimit", "nofile=10:20"),
            ("ulimit", "nproc=30"), ("u", "1000:1000"), ("w", "/srv"), ("cap-add", "NET_ADMIN"), ("cap-add", "SYS_TIME"),
            ("cap-drop", "MKNOD"), ("privileged", "true"), ("userns", "host"), ("cgroupns", "private"),
        ]).create
        #expect(create.Entrypoint == ["/entry.sh"])
        #expect(create.Cmd == ["-c", "run"], "as with Mesos, the cmd stays the command of the new entrypoint")
        #expect(create.HostConfig.GroupAdd == ["audio"])
        #expect(create.Hostname == "web-1" && create.Domainname == "example.com")
        #expect(create.OpenStdin && create.Tty)
        #expect(create.HostConfig.ReadonlyRootfs == true)
        #expect(create.StopSignal == "SIGUSR1" && create.StopTimeout == 20)
        #expect(create.HostConfig.Sysctls == ["net.core.somaxconn": "1024", "net.ipv4.tcp_syncookies": "0"])
        #expect(create.HostConfig.Ulimits == [.init(Name: "nofile", Soft: 10, Hard: 20), .init(Name: "nproc", Soft: 30, Hard: 30)])
        #expect(create.User == "1000:1000" && create.WorkingDir == "/srv")
        #expect(create.HostConfig.CapAdd == ["NET_ADMIN", "SYS_TIME"] && create.HostConfig.CapDrop == ["MKNOD"])
        #expect(create.HostConfig.Privileged)
        #expect(create.HostConfig.UsernsMode == "host" && create.HostConfig.CgroupnsMode == "private")
        #expect(try plan([("entrypoint", "")]).create.Entrypoint == [""], "an empty entrypoint clears the image's, as with the CLI")
    }

    @Test func environmentFromFilesTheTaskAndParameters() throws {
        let files = ["/sb/app.env": "A=file\nB=file\nAPP=file\nONLY_IN_FILE\n", "/etc/shared.env": "C=shared"]
        let create = try plan([("env", "B=param"), ("env-file", "app.env"), ("e", "APP"), ("--env-file", "/etc/shared.env"), ("env", "D=1=2")],
                              files: files).create
        let env = Dictionary(uniqueKeysWithValues: create.Env.map { line in
            let parts = line.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        })
        #expect(env["A"] == "file" && env["C"] == "shared")
        #expect(env["B"] == "param", "env parameters win over env files, wherever they are")
        #expect(env["APP"] == "a", "the task's variables win over env files; KEY alone keeps the task's value")
        #expect(env["D"] == "1=2")
        #expect(env["ONLY_IN_FILE"] == nil, "the agent's own environment is never passed")
        #expect(env["MESOS_SANDBOX"] == "/mnt/mesos/sandbox")
        #expect(throws: RuntimeError.unsupported("docker parameter env-file: cannot read /sb/missing.env")) {
            try plan([("env-file", "missing.env")])
        }
    }

    @Test func labelsFromFilesTheAppAndParameters() throws {
        let create = try plan([("label", "team=web"), ("label-file", "/etc/labels"), ("l", "io.wharf.managed=false"), ("label", "flag")],
                              files: ["/etc/labels": "team=file\napp=file\nfrom-file=1"]).create
        #expect(create.Labels["team"] == "web" && create.Labels["from-file"] == "1" && create.Labels["flag"] == "")
        #expect(create.Labels["app"] == "l", "the app's labels win over label files")
        #expect(create.Labels["io.wharf.managed"] == "true", "Wharf's own labels win")
        #expect(create.Labels["io.wharf.task-id"] == "t.1")
    }

    @Test func aNetworkParameterReplacesTheAppsNetwork() throws {
        let p = try plan([("net", "weave"), ("net-alias", "db"), ("name", "my-service"), ("ip", "10.32.0.9"), ("link", "cache:c"),
                          ("link-local-ip", "169.254.0.9"), ("mac-address", "92:d0:c6:0a:29:33"), ("network", "name=back,alias=b")])
        let create = p.create
        #expect(create.HostConfig.NetworkMode == "weave")
        #expect(create.HostConfig.PortBindings?["80/tcp"] == [.init(HostIp: "", HostPort: "31000")], "portMappings are published on it")
        let endpoint = try #require(create.NetworkingConfig?.EndpointsConfig["weave"])
        #expect(endpoint.Aliases == ["db", "my-service"], "the name parameter becomes an alias, the container keeps Wharf's name")
        #expect(endpoint.IPAMConfig == .init(IPv4Address: "10.32.0.9", LinkLocalIPs: ["169.254.0.9"]))
        #expect(endpoint.Links == ["cache:c"] && create.HostConfig.Links == nil, "on a user-defined network a link is an endpoint setting")
        #expect(create.MacAddress == "92:d0:c6:0a:29:33")
        #expect(p.extraNetworks.map(\.name) == ["back"])
        #expect(p.extraNetworks.first?.endpoint?.Aliases == ["b"])
    }

    @Test func networksWithoutPortsOfTheirOwn() throws {
        let host = try plan([("net", "host"), ("publish", "8080:80")]).create
        #expect(host.HostConfig.NetworkMode == "host")
        #expect(host.HostConfig.PortBindings == ["80/tcp": [.init(HostIp: "", HostPort: "8080")]], "only the parameter's, which the Engine discards")
        let none = try plan([("network", "none")]).create
        #expect(none.HostConfig.PortBindings == nil && none.ExposedPorts == nil)
        let bridge = try plan([("link", "db:database"), ("name", "web")]).create
        #expect(bridge.HostConfig.NetworkMode == "bridge")
        #expect(bridge.HostConfig.Links == ["db:database"], "a legacy link on the default bridge")
        #expect(bridge.NetworkingConfig == nil, "no alias on the default bridge")
        let named = try plan([("network-alias", "x")], networks: userNetwork).create
        #expect(named.HostConfig.NetworkMode == "appnet")
        #expect(named.NetworkingConfig?.EndpointsConfig["appnet"]?.Aliases == ["x"])
    }

    @Test func portsDNSAndHosts() throws {
        let create = try plan([("p", "127.0.0.1:8080:80"), ("publish", "53/udp"), ("expose", "7000-7001"), ("P", "true"),
                               ("add-host", "db=10.0.0.5"), ("dns", " 1.1.1.1 "), ("dns-opt", "ndots:2"), ("dns-search", "svc.local.")]).create
        #expect(create.HostConfig.PortBindings?["80/tcp"] == [.init(HostIp: "", HostPort: "31000"), .init(HostIp: "127.0.0.1", HostPort: "8080")])
        #expect(create.HostConfig.PortBindings?["53/udp"] == [.init(HostIp: "", HostPort: "")])
        #expect(Set(create.ExposedPorts?.keys.map { $0 } ?? []) == ["80/tcp", "53/udp", "7000/tcp", "7001/tcp"])
        #expect(create.HostConfig.PublishAllPorts == true)
        #expect(create.HostConfig.ExtraHosts == ["db:10.0.0.5"])
        #expect(create.HostConfig.Dns == ["1.1.1.1"] && create.HostConfig.DnsOptions == ["ndots:2"] && create.HostConfig.DnsSearch == ["svc.local"])
    }

    @Test func storageAndLogging() throws {
        let create = try plan([
            ("v", "./data:/data"), ("volume", "/etc/ssl:/etc/ssl:ro"), ("volume", "cache:/cache"), ("volume", "/anon"),
            ("volumes-from", "other:ro"), ("volume-driver", "local"), ("tmpfs", "/run:size=1m"), ("storage-opt", "size=1G"),
            ("mount", "type=bind,source=./conf,target=/conf,readonly"), ("mount", "type=tmpfs,target=/t,tmpfs-size=1m"),
            ("log-driver", "json-file"), ("log-opt", "max-size=10m"), ("log-opt", "max-file=3"), ("log-opt", "labels"),
        ]).create
        #expect(create.HostConfig.Binds == ["/sb:/mnt/mesos/sandbox:rw", "/sb/data:/data", "/etc/ssl:/etc/ssl:ro", "cache:/cache"])
        #expect(create.Volumes.map { Array($0.keys) } == ["/anon"])
        #expect(create.HostConfig.VolumesFrom == ["other:ro"] && create.HostConfig.VolumeDriver == "local")
        #expect(create.HostConfig.Tmpfs == ["/run": "size=1m"] && create.HostConfig.StorageOpt == ["size": "1G"])
        #expect(create.HostConfig.Mounts == [
            .init(Type: "bind", Source: "/sb/conf", Target: "/conf", ReadOnly: true),
            .init(Type: "tmpfs", Target: "/t", TmpfsOptions: .init(SizeBytes: 1 << 20)),
        ])
        #expect(create.HostConfig.LogConfig == .init(Type: "json-file", Config: ["max-size": "10m", "max-file": "3", "labels": ""]))
    }

    @Test func dockersOwnHealthCheck() throws {
        let health = try plan([("health-cmd", "curl -f localhost"), ("health-interval", "30s"), ("health-timeout", "5s"),
                               ("health-retries", "3"), ("health-start-period", "1m"), ("health-start-interval", "2s")]).create.Healthcheck
        #expect(health == .init(Test: ["CMD-SHELL", "curl -f localhost"], Interval: 30_000_000_000, Timeout: 5_000_000_000,
                                StartPeriod: 60_000_000_000, StartInterval: 2_000_000_000, Retries: 3))
        #expect(try plan([("no-healthcheck", "true")]).create.Healthcheck == .init(Test: ["NONE"]))
        #expect(try plan([("health-retries", "2")]).create.Healthcheck == .init(Retries: 2), "the image's test is kept")
        #expect(try plan([]).create.Healthcheck == nil)
    }

    @Test func resourceParametersReplaceWharfsLimits() throws {
        let base = try plan([]).create.HostConfig
        #expect(base.Memory == 128 << 20 && base.CpuShares == 512 && base.NanoCpus == 500_000_000)
        let limits = try plan([("m", "256m"), ("memory-reservation", "64m"), ("memory-swap", "-1"), ("memory-swappiness", "10"),
                               ("oom-kill-disable", "true"), ("oom-score-adj", "-500"), ("pids-limit", "100"), ("c", "256"),
                               ("cpu-period", "100000"), ("cpu-quota", "50000"), ("cpu-rt-period", "1000000"), ("cpu-rt-runtime", "950000"),
                               ("cpuset-cpus", "0"), ("cpuset-mems", "0"), ("blkio-weight", "300")]).create.HostConfig
        #expect(limits.Memory == 256 << 20 && limits.MemoryReservation == 64 << 20 && limits.MemorySwap == -1)
        #expect(limits.MemorySwappiness == 10 && limits.OomKillDisable == true && limits.OomScoreAdj == -500 && limits.PidsLimit == 100)
        #expect(limits.CpuShares == 256)
        #expect(limits.NanoCpus == nil, "the user's CFS settings replace Wharf's hard limit")
        #expect(limits.CpuPeriod == 100_000 && limits.CpuQuota == 50000 && limits.CpuRealtimePeriod == 1_000_000 && limits.CpuRealtimeRuntime == 950_000)
        #expect(limits.CpusetCpus == "0" && limits.CpusetMems == "0" && limits.BlkioWeight == 300)
        #expect(try plan([("cpus", "0.25")]).create.HostConfig.NanoCpus == 250_000_000)
        #expect(try plan([("cpus", "2")], hardCpuLimit: false).create.HostConfig.NanoCpus == 2_000_000_000)
        #expect(try plan([("memory-swappiness", "-1"), ("memory-swap", "1g")]).create.HostConfig.MemorySwappiness == nil)
    }

    @Test func devicesAndBlockIO() throws {
        let host = try plan([("device", "/dev/fuse"), ("device", "/dev/sdb:/dev/xvdb:r"), ("device", "nvidia.com/gpu=0"),
                             ("device-cgroup-rule", "c 10:229 rwm"), ("gpus", "2"), ("blkio-weight-device", "/dev/sda:200"),
                             ("device-read-bps", "/dev/sda:1mb"), ("device-write-bps", "/dev/sda:2mb"), ("device-read-iops", "/dev/sda:100"),
                             ("device-write-iops", "/dev/sda:200"), ("cpu-count", "2"), ("cpu-percent", "50"), ("io-maxiops", "0")]).create.HostConfig
        #expect(host.Devices == [.init(PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm"),
                                 .init(PathOnHost: "/dev/sdb", PathInContainer: "/dev/xvdb", CgroupPermissions: "r")])
        #expect(host.DeviceRequests == [.init(Driver: "", Count: 2, Capabilities: [["gpu"]], Options: [:]),
                                        .init(Driver: "cdi", Count: 0, DeviceIDs: ["nvidia.com/gpu=0"])])
        #expect(host.DeviceCgroupRules == ["c 10:229 rwm"] && host.BlkioWeightDevice == [.init(Path: "/dev/sda", Weight: 200)])
        #expect(host.BlkioDeviceReadBps == [.init(Path: "/dev/sda", Rate: 1 << 20)] && host.BlkioDeviceWriteBps == [.init(Path: "/dev/sda", Rate: 2 << 20)])
        #expect(host.BlkioDeviceReadIOps == [.init(Path: "/dev/sda", Rate: 100)] && host.BlkioDeviceWriteIOps == [.init(Path: "/dev/sda", Rate: 200)])
        #expect(host.CpuCount == 2 && host.CpuPercent == 50 && host.IOMaximumIOps == 0)
    }

    @Test func securityOptionsSendSeccompProfilesAsJSON() throws {
        let profile = "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n}\n"
        let host = try plan([("security-opt", "seccomp=/etc/profile.json"), ("security-opt", "no-new-privileges"),
                             ("security-opt", "systempaths=unconfined"), ("security-opt", "apparmor:unconfined")],
                            files: ["/etc/profile.json": profile]).create.HostConfig
        #expect(host.SecurityOpt == [#"seccomp={"defaultAction":"SCMP_ACT_ALLOW"}"#, "no-new-privileges", "apparmor:unconfined"])
        #expect(host.MaskedPaths == [] && host.ReadonlyPaths == [])
        #expect(throws: RuntimeError.unsupported("docker parameter security-opt: the seccomp profile /etc/bad.json is not valid JSON")) {
            try plan([("security-opt", "seccomp=/etc/bad.json")], files: ["/etc/bad.json": "{"])
        }
        #expect(try plan([("security-opt", "seccomp=unconfined")]).create.HostConfig.SecurityOpt == ["seccomp=unconfined"])
    }

    @Test func executionOptionsAndTheStepsAroundCreate() throws {
        let p = try plan([("cgroup-parent", "/wharf"), ("ipc", "shareable"), ("pid", "host"), ("uts", "host"), ("isolation", "default"),
                          ("shm-size", "128m"), ("runtime", "runc"), ("init", "true"), ("annotation", "a=b"), ("pull", "never"),
                          ("platform", "linux/arm64"), ("cidfile", "run/cid"), ("use-api-socket", "true")])
        let host = p.create.HostConfig
        #expect(host.CgroupParent == "/wharf" && host.IpcMode == "shareable" && host.PidMode == "host" && host.UTSMode == "host")
        #expect(host.Isolation == "default" && host.ShmSize == 128 << 20 && host.Runtime == "runc" && host.Init == true)
        #expect(host.Annotations == ["a": "b"])
        #expect(p.pull == .never && p.platform == "linux/arm64" && p.containerIdFile == "/sb/run/cid")
        #expect(host.Mounts == [.init(Type: "bind", Source: "/run/docker.sock", Target: "/var/run/docker.sock", BindOptions: .init())])
        #expect(try plan([], forcePull: true).pull == .always)
        #expect(try plan([("pull", "missing")], forcePull: true).pull == .missing, "the parameter comes after forcePullImage, as on Mesos' command line")
    }

    @Test func optionsWharfDecidesLeaveTheRequestAsItIs() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let plain = try encoder.encode(plan([]).create)
        let decided = try encoder.encode(plan([("restart", "always"), ("rm", "false"), ("detach", "true"), ("attach", "stdin"),
                                                     ("sig-proxy", "false"), ("detach-keys", "ctrl-x"), ("quiet", "true"),
                                                     ("disable-content-trust", "false")]).create)
        #expect(plain == decided)
    }

    @Test func theBodyUsesTheEnginesFieldNamesAndLeavesUnsetFieldsOut() throws {
        let body = try json(plan([("tmpfs", "/run"), ("net", "weave"), ("net-alias", "a"), ("health-interval", "1s"), ("mount", "type=volume,target=/v")]))
        let host = try #require(body["HostConfig"] as? [String: Any])
        #expect((host["Tmpfs"] as? [String: String]) == ["/run": ""])
        #expect(host["CpuPeriod"] == nil && host["Mounts"] != nil && host["LogConfig"] == nil)
        let endpoints = try #require((body["NetworkingConfig"] as? [String: Any])?["EndpointsConfig"] as? [String: Any])
        #expect(((endpoints["weave"] as? [String: Any])?["Aliases"] as? [String]) == ["a"])
        #expect(((body["Healthcheck"] as? [String: Any])?["Interval"] as? Int) == 1_000_000_000)
        #expect((((host["Mounts"] as? [[String: Any]])?.first)?["Type"] as? String) == "volume")
    }

    @Test func filesToReadAreOnTheAgentRelativeToTheSandbox() throws {
        let app = makeDockerApp("f", cmd: "x", parameters: [.init(key: "env-file", value: "./a.env"), .init(key: "label-file", value: "/etc/l"),
                                                            .init(key: "security-opt", value: "seccomp=p.json"),
                                                            .init(key: "security-opt", value: "seccomp=unconfined")])
        let spec = TaskSpec(taskId: "t", instanceId: "i", incarnation: 1, appId: app.id, command: .shell("x"), environment: [:],
                            sandbox: "/sb", resources: app.resources, container: app.container)
        #expect(DockerContainerConfig.filesToRead(spec) == ["/sb/a.env", "/etc/l", "/sb/p.json"])
    }
}
