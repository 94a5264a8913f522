import Foundation
import Testing
@testable import WharfModel

/// A Docker app on the user-defined network `appnet` with one port mapping and `parameters`:
/// every option may be used there without a network conflict.
private func userNetworkApp(_ parameters: String) -> String {
    #"""
    {"id": "/a", "mem": 128, "networks": [{"mode": "container", "name": "appnet"}],
     "container": {"type": "DOCKER", "docker": {"image": "busybox", "parameters": \#(parameters)},
                   "portMappings": [{"containerPort": 80}]}}
    """#
}

/// `docker.parameters` JSON of `pairs`.
private func parameters(_ pairs: [(String, String)]) -> String {
    let items = pairs.map { key, value in
        let encoded = String(decoding: try! JSONEncoder().encode(["key": key, "value": value]), as: UTF8.self)
        return encoded
    }
    return "[" + items.joined(separator: ", ") + "]"
}

/// A typical value of every `docker run` option, as real definitions use them.
private let typicalValues: [(String, String)] = [
    ("attach", "stdout"), ("env", "JAVA_OPTS=-Xmx512m"), ("env", "PASSED_THROUGH"), ("env-file", "/etc/myapp/env"),
    ("entrypoint", "/docker-entrypoint.sh"), ("entrypoint", ""), ("group-add", "docker"), ("hostname", "web-1.example"),
    ("domainname", "example.com"), ("interactive", "true"), ("label", "com.example.team=web"), ("label", "flag"),
    ("label-file", "labels.txt"), ("read-only", "true"), ("restart", "on-failure:3"), ("restart", "on-failure:"), ("restart", "unless-stopped"),
    ("rm", "true"), ("stop-signal", "SIGQUIT"), ("stop-signal", "15"), ("stop-timeout", "30"),
    ("sysctl", "net.core.somaxconn=1024"), ("tty", "true"), ("ulimit", "nofile=65536:65536"), ("ulimit", "core=-1"),
    ("user", "1000:1000"), ("workdir", "/srv/app"), ("cap-add", "NET_ADMIN"), ("cap-add", "cap_sys_ptrace"), ("cap-drop", "ALL"),
    ("privileged", "true"), ("security-opt", "seccomp=unconfined"), ("security-opt", "no-new-privileges"),
    ("security-opt", "label:disable"), ("security-opt", "systempaths=unconfined"), ("userns", "host"), ("cgroupns", "private"),
    ("network", "appnet"), ("network-alias", "db"), ("ip", "10.32.0.10"), ("ip6", "2001:db8::33"),
    ("link-local-ip", "169.254.1.1"), ("mac-address", "92:d0:c6:0a:29:33"), ("link", "redis:db"), ("add-host", "db:10.0.0.5"),
    ("add-host", "gw:host-gateway"), ("add-host", "v6=[::1]"), ("dns", "8.8.8.8"), ("dns", "2001:db8::53"),
    ("dns-option", "ndots:2"), ("dns-search", "service.consul"), ("expose", "8080"), ("expose", "7000-7010/udp"),
    ("publish", "127.0.0.1:8080:80/tcp"), ("publish", "9000-9002:9000-9002"), ("publish", "published=8443,target=443"),
    ("publish-all", "true"), ("log-driver", "gelf"), ("log-opt", "gelf-address=udp://127.0.0.1:12201"), ("log-opt", "tag"),
    ("storage-opt", "size=20G"), ("tmpfs", "/run:rw,noexec,nosuid,size=65536k"), ("volume", "/var/run/docker.sock:/var/run/docker.sock"),
    ("volume", "./cache:/cache:ro"), ("volume", "pgdata:/var/lib/postgresql/data"), ("volume", "/scratch"),
    ("volume-driver", "rexray"), ("volumes-from", "data-container:ro"),
    ("mount", "type=bind,source=/srv/config,target=/config,readonly"), ("mount", "type=tmpfs,target=/tmp,tmpfs-size=64m,tmpfs-mode=1777"),
    ("mount", "type=volume,src=logs,dst=/logs,volume-driver=local,volume-opt=type=nfs"),
    ("health-cmd", "curl -f http://localhost/ || exit 1"), ("health-interval", "30s"), ("health-retries", "3"),
    ("health-timeout", "5s"), ("health-start-period", "1m30s"), ("health-start-interval", "500ms"), ("no-healthcheck", "true"),
    ("memory", "512m"), ("memory-reservation", "64m"), ("memory-swap", "1g"), ("memory-swappiness", "0"),
    ("oom-kill-disable", "true"), ("oom-score-adj", "-500"), ("pids-limit", "200"), ("cpu-shares", "512"), ("cpus", "1.5"),
    ("cpu-period", "100000"), ("cpu-quota", "50000"), ("cpu-rt-period", "1000000"), ("cpu-rt-runtime", "950000"),
    ("cpuset-cpus", "0-1,3"), ("cpuset-mems", "0"), ("cpu-count", "2"), ("cpu-percent", "50"), ("blkio-weight", "300"),
    ("blkio-weight-device", "/dev/sda:200"), ("device-read-bps", "/dev/sda:1mb"), ("device-write-bps", "/dev/sda:10mb"),
    ("device-read-iops", "/dev/sda:1000"), ("device-write-iops", "/dev/sda:1000"), ("io-maxbandwidth", "0"), ("io-maxiops", "0"),
    ("device", "/dev/fuse"), ("device", "/dev/sdc:/dev/xvdc:rw"), ("device", "nvidia.com/gpu=all"),
    ("device-cgroup-rule", "c 10:229 rwm"), ("gpus", "all"), ("gpus", "\"device=0,1\""),
    ("cgroup-parent", "/mesos"), ("ipc", "host"), ("pid", "host"), ("uts", "host"), ("isolation", "default"),
    ("shm-size", "256m"), ("runtime", "nvidia"), ("init", "true"), ("annotation", "com.example.key=value"),
    ("name", "my-service"), ("pull", "always"), ("platform", "linux/amd64"), ("cidfile", "container.id"),
    ("use-api-socket", "true"), ("detach", "true"), ("detach-keys", "ctrl-p,ctrl-q"), ("sig-proxy", "false"),
    ("quiet", "true"), ("disable-content-trust", "true"),
]

@Suite("Docker parameters", .timeLimit(.minutes(1)))
struct DockerParameterTests {
    @Test(arguments: typicalValues)
    func everyOptionAcceptsATypicalValue(key: String, value: String) {
        let f = failures(userNetworkApp(parameters([(key, value)])))
        #expect(f.isEmpty, "\(key)=\(value): \(f)")
    }

    @Test func theTypicalValuesCoverEveryOption() {
        let tested = Set(typicalValues.map(\.0))
        let missing = DockerRunOption.all.map(\.name).filter { !tested.contains($0) }
        #expect(missing.isEmpty, "options without a typical value: \(missing)")
        #expect(DockerRunOption.all.count >= 100)
        let names = DockerRunOption.all.flatMap { [$0.name] + $0.aliases }
        #expect(Set(names).count == names.count, "a name or alias is listed twice")
        #expect(Set(names).isDisjoint(with: DockerRunOption.refused.keys), "a refused key is also an option")
    }

    @Test func aNamedSetOfRealParametersIsAcceptedTogether() {
        // Taken together (one definition), as marathon-lb's and Marathon's examples combine them.
        let pairs: [(String, String)] = [("net", "appnet"), ("net-alias", "web"), ("volumes-from", "data"), ("device", "/dev/fuse"),
                                         ("name", "web"), ("log-driver", "syslog"), ("log-opt", "tag=web"), ("label", "a=b"),
                                         ("env", "A=1"), ("env", "B=2"), ("volume", "/srv:/srv"), ("volume", "/etc/ssl:/etc/ssl:ro")]
        #expect(failures(userNetworkApp(parameters(pairs))).isEmpty)
    }

    @Test(arguments: [
        ("net", "network"), ("--net", "network"), ("--network", "network"), ("-e", "env"), ("e", "env"), ("--env", "env"),
        ("net-alias", "network-alias"), ("dns-opt", "dns-option"), ("h", "hostname"), ("m", "memory"), ("c", "cpu-shares"),
        ("v", "volume"), ("p", "publish"), ("P", "publish-all"), ("l", "label"), ("u", "user"), ("w", "workdir"),
        ("t", "tty"), ("i", "interactive"), ("d", "detach"), ("a", "attach"), ("q", "quiet"),
    ])
    func keysAreFoundByAliasWithOrWithoutDashes(key: String, name: String) throws {
        let option = try DockerRunOption.named(key).get()
        #expect(option.name == name)
    }

    @Test(arguments: [
        ("lxc-conf", "no longer exists in the Docker Engine: the LXC execution driver and --lxc-conf were removed in Docker 1.10"),
        ("--lxc-conf", "removed in Docker 1.10"),
        ("kernel-memory", "no longer exists in the Docker Engine: kernel memory limits were removed in Docker 23"),
        ("cpuset", "use cpuset-cpus"),
        ("networking", "use network"),
        ("help", "print its usage instead of creating a container"),
        ("foo", "'foo' is not a docker run option"),
        ("Env", "'Env' is not a docker run option (did you mean 'env'?)"),
        ("--volumes_from", "is not a docker run option"),
    ])
    func unknownAndRemovedKeysAreRefusedWithTheReason(key: String, reason: String) throws {
        let f = failures(userNetworkApp(parameters([("env", "A=1"), (key, "1")])))
        let failure = try #require(f.first { $0.path == "/container/docker/parameters(1)/key" }, "\(key) should be refused")
        #expect(failure.errors.count == 1)
        #expect(failure.errors[0].hasPrefix("'\(key)' "), "\(failure.errors)")
        #expect(failure.errors[0].contains(reason), "\(failure.errors)")
        #expect(!f.contains { $0.path.hasPrefix("/container/docker/parameters(0)") })
    }

    @Test(arguments: [
        ("env", "=v", "must be KEY=VALUE (or KEY) with a non-empty KEY"),
        ("memory", "5m", "less than the Engine's minimum of 6 MiB"),
        ("memory", "lots", "'lots' is not a size"),
        ("memory-swap", "-2", "is not a size"),
        ("shm-size", "-1", "is not a size"),
        ("ulimit", "files=1", "name one of core, cpu,"),
        ("ulimit", "nofile=2048:1024", "soft <= hard"),
        ("cap-add", "FLY", "unknown Linux capability 'FLY'"),
        ("user", "a b", "must be user or user:group"),
        ("workdir", "srv", "workdir 'srv' must be an absolute path"),
        ("init", "yes", "'yes' is not a boolean"),
        ("hostname", String(repeating: "h", count: 65), "longer than 64 bytes"),
        ("add-host", "db", "must be host:ip"),
        ("add-host", "db:300.1.1.1", "'300.1.1.1' is not an IP address"),
        ("dns", "resolver.local", "'resolver.local' is not an IP address"),
        ("dns-search", "-bad-", "is not a valid domain"),
        ("restart", "sometimes", "unknown restart policy 'sometimes'"),
        ("restart", "always:3", "only goes with on-failure"),
        ("stop-signal", "SIGFOO", "unknown signal 'SIGFOO'"),
        ("stop-timeout", "soon", "is not an integer"),
        ("sysctl", "kernel.panic=1", "sysctl 'kernel.panic=1' is not allowed"),
        ("network", "name=,alias=x", "network name/id is not specified"),
        ("network", "container:", "must be container:<name|id>"),
        ("network", "name=a,color=blue", "invalid field key 'color'"),
        ("ip", "2001:db8::1", "is not an IPv4 address"),
        ("ip6", "10.0.0.1", "is not an IPv6 address"),
        ("mac-address", "92:d0:c6", "is not a valid MAC address"),
        ("link", "a:b:c", "must be name or name:alias"),
        ("publish", "80:90-91", "ranges differ in size"),
        ("publish", "8080:0", "container port 0 is not a port"),
        ("publish", "80/sctpx", "unknown protocol 'sctpx'"),
        ("publish", "300.0.0.1:80:80", "invalid IP address"),
        ("expose", "http", "invalid port 'http'"),
        ("tmpfs", "run", "must be an absolute path"),
        ("volume", "data:rel", "the target 'rel' must be an absolute path"),
        ("volume", "~/x:/x", "'~' is not expanded"),
        ("volume", "../x:/x", "must stay inside the task's sandbox"),
        ("volume", "/a:/b:rx", "unknown option 'rx'"),
        ("volume", "/a::/b", "no empty part"),
        ("mount", "type=bind,target=/x", "needs a source"),
        ("mount", "type=tmpfs,target=/x,volume-nocopy", "cannot mix 'volume-*' options with mount type 'tmpfs'"),
        ("mount", "type=nfs,target=/x", "mount type 'nfs' is not one of"),
        ("mount", "source=/a", "target must be an absolute path"),
        ("mount", "type=bind,src=/a,dst=/b,bind-nonrecursive", "bind-nonrecursive is deprecated"),
        ("device", "/dev/sda:/dev/xvda:rwx", "bad permissions 'rwx'"),
        ("device", "sda", "device paths must be absolute"),
        ("device-cgroup-rule", "c 1:3", "invalid device cgroup format"),
        ("device-read-bps", "sda:1mb", "must start with /dev/"),
        ("device-read-iops", "/dev/sda:1mb", "non-negative integer"),
        ("blkio-weight", "5", "10 to 1000"),
        ("blkio-weight-device", "/dev/sda:5", "between 10 and 1000"),
        ("gpus", "count=two", "invalid count (two)"),
        ("gpus", "color=red", "unexpected key 'color'"),
        ("cpus", "1.0000000001", "too precise"),
        ("cpus", "-1", "cannot be negative"),
        ("cpu-period", "500", "1000 to 1000000"),
        ("cpu-quota", "500", "at least 1000"),
        ("cpu-shares", "-2", "out of range"),
        ("oom-score-adj", "2000", "out of range: expected -1000 to 1000"),
        ("memory-swappiness", "101", "0 to 100"),
        ("health-interval", "10", "is not a duration"),
        ("health-interval", "500us", "less than the Engine's minimum of 1ms"),
        ("health-timeout", "-1s", "cannot be negative"),
        ("health-retries", "-1", "out of range"),
        ("isolation", "hyperv", "Windows-only"),
        ("io-maxiops", "100", "Windows-only"),
        ("io-maxbandwidth", "10m", "Windows-only"),
        ("ipc", "bogus", "invalid IPC mode 'bogus'"),
        ("pid", "container:", "invalid PID mode"),
        ("userns", "private", "invalid namespace mode 'private'"),
        ("cgroupns", "shared", "invalid cgroup namespace mode"),
        ("pull", "sometimes", "must be one of always, missing or never"),
        ("platform", "linux//amd64", "is not a platform"),
        ("name", "-x", "is not a valid container name"),
        ("env-file", "../secrets.env", "must stay inside the task's sandbox"),
        ("cidfile", "", "must not be empty"),
        ("log-opt", "=x", "non-empty key"),
        ("storage-opt", "size", "key=value"),
        ("security-opt", "apparmor", "invalid security option 'apparmor'"),
        ("security-opt", "foo=bar", "unknown security option 'foo'"),
        ("security-opt", "no-new-privileges=maybe", "is not a boolean"),
        ("label", "bad key=1", "contains whitespace"),
        ("attach", "stdall", "valid streams are STDIN, STDOUT and STDERR"),
        ("detach", "", "'' is not a boolean"),
    ])
    func badValuesAreRefusedWithPathAndMessage(key: String, value: String, message: String) throws {
        let f = failures(userNetworkApp(parameters([(key, value)])))
        let failure = try #require(f.first { $0.path == "/container/docker/parameters(0)/value" }, "\(key)=\(value) should be refused")
        #expect(failure.errors.count == 1)
        #expect(failure.errors[0].hasPrefix("\(key): "), "\(failure.errors)")
        #expect(failure.errors[0].contains(message), "\(failure.errors)")
    }

    @Test func theDocsNameEveryOptionAndEveryRefusedKey() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("DOCKER-PARAMETERS.md"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        for option in DockerRunOption.all {
            let names = ([option.name] + option.aliases).map { "`\($0)`" }.joined(separator: ", ")
            #expect(page.contains("| \(names) |"), "DOCKER-PARAMETERS.md lacks the row of \(option.name)")
        }
        for key in DockerRunOption.refused.keys {
            #expect(page.contains("| `\(key)` |") && readme.contains("| `\(key)` |"), "\(key) is not listed as refused")
        }
    }

    @Test func keysOfMesosContainersStayRefused() {
        let f = failures(#"{"id": "/a", "cmd": "x y", "container": {"type": "MESOS", "docker": {"image": "busybox", "parameters": [{"key": "env", "value": "A=1"}]}}}"#)
        #expect(has(f, "/container/docker/parameters", "must be empty"))
    }
}
