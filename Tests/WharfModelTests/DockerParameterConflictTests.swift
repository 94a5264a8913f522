import Foundation
import Testing
@testable import WharfModel

/// A Docker app with `networks` JSON, `portMappings` when `ports`, and `parameters` (key, value).
private func app(networks: String = #"[{"mode": "container/bridge"}]"#, ports: Bool = true, mem: Int = 128,
                 _ pairs: [(String, String)]) -> [ValidationFailure] {
    let parameters = pairs.map { #"{"key": "\#($0.0)", "value": "\#($0.1)"}"# }.joined(separator: ", ")
    return failures(#"""
    {"id": "/a", "mem": \#(mem), "networks": \#(networks),
     "container": {"type": "DOCKER", "docker": {"image": "busybox", "parameters": [\#(parameters)]},
                   "portMappings": \#(ports ? #"[{"containerPort": 80}]"# : "[]")}}
    """#)
}

private let userNetwork = #"[{"mode": "container", "name": "appnet"}]"#
private let hostNetwork = #"[{"mode": "host"}]"#

@Suite("Docker parameter conflicts", .timeLimit(.minutes(1)))
struct DockerParameterConflictTests {
    @Test func memoryLimitsFollowTheEnginesRules() {
        // A memory parameter replaces mem as the limit: swap is checked against it.
        #expect(has(app([("memory", "256m"), ("memory-swap", "200m")]), "/container/docker/parameters(1)/value",
                    "memory-swap: '200m' must be at least memory (256m): it is memory plus swap"))
        #expect(app([("memory", "64m"), ("memory-swap", "100m")]).isEmpty)
        #expect(has(app(mem: 0, [("memory-swap", "1g")]), "/container/docker/parameters(0)/value",
                    "memory-swap: '1g' needs a memory limit (mem or memory)"))
        #expect(has(app([("memory-reservation", "200m")]), "/container/docker/parameters(0)/value",
                    "memory-reservation: '200m' is more than the app's mem (128.0 MiB): the reservation is a soft limit below it"))
        #expect(app([("memory-swap", "-1"), ("memory-reservation", "100m")]).isEmpty)
    }

    @Test func cpuSettingsThatExcludeEachOther() {
        #expect(has(app([("cpus", "1"), ("cpu-quota", "50000")]), "/container/docker/parameters(0)/value",
                    "cpus: cannot be combined with cpu-period or cpu-quota (the Engine refuses Nano CPUs with CFS settings)"))
        #expect(app([("cpu-period", "100000"), ("cpu-quota", "50000")]).isEmpty, "Wharf's own hard limit gives way")
        #expect(has(app([("cpu-rt-period", "1000"), ("cpu-rt-runtime", "2000")]), "/container/docker/parameters(1)/value",
                    "cpu-rt-runtime: cannot be more than cpu-rt-period"))
    }

    @Test func theCLIsOwnConflicts() {
        #expect(has(app([("restart", "always"), ("rm", "true")]), "/container/docker/parameters(1)/value",
                    "rm: cannot be combined with restart 'always' (docker run refuses both)"))
        #expect(app([("restart", "no"), ("rm", "true")]).isEmpty)
        #expect(has(app([("no-healthcheck", "true"), ("health-cmd", "true")]), "/container/docker/parameters(1)/value",
                    "health-cmd: conflicts with no-healthcheck"))
        #expect(has(app([("log-driver", "none"), ("log-opt", "max-size=1m")]), "/container/docker/parameters(1)/value",
                    "log-opt: the none log driver takes no options"))
    }

    @Test func aliasesAndAddressesNeedAUserDefinedNetwork() {
        #expect(has(app([("network-alias", "db")]), "/container/docker/parameters(0)/value",
                    "network-alias: network-scoped aliases are only supported for user-defined networks (the network is 'bridge')"))
        #expect(has(app([("ip", "10.0.0.9")]), "/container/docker/parameters(0)/value",
                    "ip: a static address needs a user-defined network (the network is 'bridge')"))
        #expect(app([("net", "weave"), ("net-alias", "db"), ("ip", "10.32.0.9")]).isEmpty, "the network parameter is user-defined")
        #expect(app(networks: userNetwork, [("network-alias", "db")]).isEmpty)
        #expect(has(app([("network", "name=bridge,alias=x")]), "/container/docker/parameters(0)/value",
                    "network: network-scoped aliases are only supported for user-defined networks"))
        #expect(has(app(networks: userNetwork, [("network", "name=n1,alias=a"), ("network-alias", "b")]), "/container/docker/parameters(1)/value",
                    "network-alias: conflicts with the same setting in the first network's long syntax"))
    }

    @Test func networksMustBeOneKindAndGivenOnce() {
        #expect(has(app([("network", "n1"), ("network", "bridge")]), "/container/docker/parameters(1)/value",
                    "network: cannot attach both user-defined and non-user-defined networks ('bridge')"))
        #expect(has(app([("network", "n1"), ("net", "n1")]), "/container/docker/parameters(1)/value",
                    "network: network 'n1' is given more than once"))
        #expect(app([("network", "n1"), ("network", "n2")]).isEmpty)
    }

    @Test func aContainerNetworkSharesAnothersNetwork() {
        let mode = "network: the app's portMappings cannot be published on 'container:other' (the container shares another's network)"
        #expect(has(app([("net", "container:other")]), "/container/docker/parameters(0)/value", mode))
        #expect(app(ports: false, [("net", "container:other")]).isEmpty)
        for name in ["hostname", "dns", "add-host", "publish", "expose", "mac-address", "link"] {
            let value = ["hostname": "h", "dns": "1.1.1.1", "add-host": "a:1.1.1.1", "publish": "80", "expose": "80",
                         "mac-address": "92:d0:c6:0a:29:33", "link": "db"][name]!
            #expect(has(app(ports: false, [("net", "container:other"), (name, value)]), "/container/docker/parameters(1)/value",
                        "\(name): cannot be used with the network mode 'container:other' (the container shares another's network)"))
        }
    }

    @Test func hostAndUTSModes() {
        #expect(has(app(networks: hostNetwork, ports: false, [("link", "db")]), "/container/docker/parameters(0)/value",
                    "link: links cannot be used with the host network"))
        #expect(has(app([("uts", "host"), ("hostname", "web")]), "/container/docker/parameters(1)/value",
                    "hostname: cannot be combined with uts=host"))
        // Published ports on the host network are discarded by the Engine, not refused.
        #expect(app(networks: hostNetwork, ports: false, [("publish", "8080:80")]).isEmpty)
    }

    @Test func conflictsAndValueProblemsAreReportedTogether() {
        let f = app([("memory", "1m"), ("lxc-conf", "x"), ("network-alias", "db")])
        #expect(Set(f.map(\.path)) == ["/container/docker/parameters(0)/value", "/container/docker/parameters(1)/key",
                                       "/container/docker/parameters(2)/value"])
    }
}
