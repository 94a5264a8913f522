// Resource, namespace and runtime options of `docker run`, the options only `docker run`/`docker
// create` themselves read (name, pull, platform, ...), and the keys refused with their reason.

extension DockerRunOption {
    private static let minimumMemory: Int64 = 6 << 20

    /// Resource limits: memory, CPU, block IO, devices.
    static let resources: [DockerRunOption] = [
        .init("memory", ["m"], .minimumSize(minimumMemory, "the Engine's minimum of 6 MiB"),
              "HostConfig.Memory, instead of the app's mem (as with Mesos, where the parameter came last); the scheduler still reserves mem"),
        .init("memory-reservation", .minimumSize(minimumMemory, "the Engine's minimum of 6 MiB"), "HostConfig.MemoryReservation"),
        .init("memory-swap", .parsed(DockerValue.swapBytes), "HostConfig.MemorySwap (memory plus swap; -1: unlimited)"),
        .init("memory-swappiness", DockerValueCheck { text throws(DockerValueError) in
            let value = try DockerValue.integer(text)
            guard value == -1 || (0...100).contains(value) else { throw DockerValueError("\(value): memory swappiness is 0 to 100 (or -1)") }
        }, "HostConfig.MemorySwappiness (-1: the system's)"),
        .init("oom-kill-disable", .bool, "HostConfig.OomKillDisable"),
        .init("oom-score-adj", .integer(-1000...1000), "HostConfig.OomScoreAdj"),
        .init("pids-limit", .integer(), "HostConfig.PidsLimit (0 or -1: unlimited)"),
        .init("cpu-shares", ["c"], .integer(0...Int64.max),
              "HostConfig.CpuShares, instead of the weight Wharf derives from cpus (as with Mesos)"),
        .init("cpus", DockerValueCheck { text throws(DockerValueError) in
            guard try DockerValue.nanoCPUs(text) >= 0 else { throw DockerValueError("'\(text)' cannot be negative") }
        }, "HostConfig.NanoCpus, instead of Wharf's hard CPU limit"),
        .init("cpu-period", DockerValueCheck { text throws(DockerValueError) in
            let value = try DockerValue.integer(text)
            guard value == 0 || (1000...1_000_000).contains(value) else {
                throw DockerValueError("\(value): the CPU CFS period is 1000 to 1000000 microseconds (or 0)")
            }
        }, "HostConfig.CpuPeriod (drops Wharf's hard CPU limit, which the Engine cannot combine with it)"),
        .init("cpu-quota", DockerValueCheck { text throws(DockerValueError) in
            let value = try DockerValue.integer(text)
            guard value <= 0 || value >= 1000 else { throw DockerValueError("\(value): the CPU CFS quota is at least 1000 microseconds") }
        }, "HostConfig.CpuQuota (drops Wharf's hard CPU limit, which the Engine cannot combine with it)"),
        .init("cpu-rt-period", .integer(0...Int64.max), "HostConfig.CpuRealtimePeriod"),
        .init("cpu-rt-runtime", .integer(-1...Int64.max), "HostConfig.CpuRealtimeRuntime"),
        .init("cpuset-cpus", .parsed(DockerValue.cpuList), "HostConfig.CpusetCpus"),
        .init("cpuset-mems", .parsed(DockerValue.cpuList), "HostConfig.CpusetMems"),
        .init("cpu-count", .integer(0...Int64.max), "HostConfig.CpuCount (Windows-only: a Linux engine ignores it)"),
        .init("cpu-percent", .integer(0...100), "HostConfig.CpuPercent (Windows-only: a Linux engine ignores it)"),
        .init("blkio-weight", DockerValueCheck { text throws(DockerValueError) in
            let value = try DockerValue.integer(text)
            guard value == 0 || (10...1000).contains(value) else { throw DockerValueError("\(value): the block IO weight is 10 to 1000 (or 0)") }
        }, "HostConfig.BlkioWeight"),
        .init("blkio-weight-device", repeatable: true, .parsed(DockerValue.weightDevice), "HostConfig.BlkioWeightDevice"),
        .init("device-read-bps", repeatable: true, .parsed { text throws(DockerValueError) in try DockerValue.throttleDevice(text, bytesPerSecond: true) }, "HostConfig.BlkioDeviceReadBps"),
        .init("device-write-bps", repeatable: true, .parsed { text throws(DockerValueError) in try DockerValue.throttleDevice(text, bytesPerSecond: true) }, "HostConfig.BlkioDeviceWriteBps"),
        .init("device-read-iops", repeatable: true, .parsed { text throws(DockerValueError) in try DockerValue.throttleDevice(text, bytesPerSecond: false) }, "HostConfig.BlkioDeviceReadIOps"),
        .init("device-write-iops", repeatable: true, .parsed { text throws(DockerValueError) in try DockerValue.throttleDevice(text, bytesPerSecond: false) }, "HostConfig.BlkioDeviceWriteIOps"),
        .init("io-maxbandwidth", DockerValueCheck { text throws(DockerValueError) in
            guard try DockerValue.bytes(text) == 0 else { throw DockerValueError("io-maxbandwidth is Windows-only: a Linux engine refuses any value but 0") }
        }, "HostConfig.IOMaximumBandwidth (Windows-only)"),
        .init("io-maxiops", DockerValueCheck { text throws(DockerValueError) in
            guard try DockerValue.integer(text, in: 0...Int64.max) == 0 else { throw DockerValueError("io-maxiops is Windows-only: a Linux engine refuses any value but 0") }
        }, "HostConfig.IOMaximumIOps (Windows-only)"),
        .init("device", repeatable: true, .parsed(DockerValue.device), "HostConfig.Devices (a CDI name: HostConfig.DeviceRequests)"),
        .init("device-cgroup-rule", repeatable: true, .parsed(DockerValue.deviceCgroupRule), "HostConfig.DeviceCgroupRules"),
        .init("gpus", repeatable: true, .parsed(DockerValue.gpus), "HostConfig.DeviceRequests"),
    ]

    /// Namespaces, runtime and the options only `docker run`/`docker create` read.
    static let execution: [DockerRunOption] = [
        .init("cgroup-parent", .any, "HostConfig.CgroupParent"),
        .init("ipc", .parsed(DockerValue.ipcMode), "HostConfig.IpcMode"),
        .init("pid", .parsed(DockerValue.pidMode), "HostConfig.PidMode"),
        .init("uts", .parsed(DockerValue.hostMode), "HostConfig.UTSMode"),
        .init("isolation", .parsed(DockerValue.isolation), "HostConfig.Isolation"),
        .init("shm-size", .size, "HostConfig.ShmSize"),
        .init("runtime", .any, "HostConfig.Runtime"),
        .init("init", .bool, "HostConfig.Init"),
        .init("annotation", repeatable: true, .parsed(DockerValue.option), "HostConfig.Annotations (Engine API 1.43)"),
        .init("name", .parsed(DockerValue.containerName),
              "the container keeps Wharf's name wharf-<taskId> (adoption and sweeps rely on it, and every instance needs its own); the name becomes an alias on a user-defined network, where Docker would resolve it"),
        .init("pull", .parsed(DockerValue.pullPolicy), "the pull before create: always (as forcePullImage), missing, never (fail when the image is not present)"),
        .init("platform", .parsed(DockerValue.platform), "the platform of the pull and of the create request (Engine API 1.41)"),
        .init("cidfile", .agentFile, "the container's id is written to this file on the agent after create (relative: inside the task's sandbox); an existing file fails the task, as with the CLI"),
        .init("use-api-socket", .bool, "bind-mounts the agent's engine socket at /var/run/docker.sock (no registry credentials: the agent has none)"),
        .init("detach", ["d"], .bool, "nothing", .wharfDecides("Wharf always runs containers detached")),
        .init("detach-keys", .any, "nothing", .wharfDecides("nothing attaches to Wharf's containers")),
        .init("sig-proxy", .bool, "nothing", .wharfDecides("signals reach containers from Wharf's kill, through the engine")),
        .init("quiet", ["q"], .bool, "nothing", .wharfDecides("pull progress always goes to /v2/events")),
        .init("disable-content-trust", .bool, "nothing",
              .wharfDecides("Docker removed content trust (CLI 28 accepts the flag and ignores it); Wharf does not verify image signatures")),
    ]

    /// Keys `docker run` had and the Engine no longer has, or that do not create a container.
    public static let refused: [String: String] = [
        "lxc-conf": "it no longer exists in the Docker Engine: the LXC execution driver and --lxc-conf were removed in Docker 1.10 (2016) and the Engine API has no field for them",
        "kernel-memory": "it no longer exists in the Docker Engine: kernel memory limits were removed in Docker 23 (the Engine ignores KernelMemory since API 1.42, runc and Linux 5.4+ dropped them) and docker CLI 29 removed the flag",
        "cpuset": "it no longer exists in Docker: --cpuset was removed in Docker 1.10; use cpuset-cpus",
        "networking": "it no longer exists in Docker: --networking was removed in Docker 1.10; use network (network=none disables networking)",
        "help": "it makes docker run print its usage instead of creating a container",
    ]
}
