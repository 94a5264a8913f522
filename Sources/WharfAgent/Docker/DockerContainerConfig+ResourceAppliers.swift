import WharfModel

/// Appliers of the resource options (memory, CPU, block IO, devices) and of the execution options
/// (namespaces, runtime, and what `docker run` itself does around the create request).
extension DockerContainerConfig {
    static let resourceAppliers: [String: Applier] = [
        "memory": size(\.Memory),
        "memory-reservation": optionalSize(\.MemoryReservation),
        "memory-swap": { value, state throws(DockerValueError) in state.create.HostConfig.MemorySwap = Int(try DockerValue.swapBytes(value)) },
        "memory-swappiness": { value, state throws(DockerValueError) in
            let swappiness = try DockerValue.integer(value)
            state.create.HostConfig.MemorySwappiness = swappiness == -1 ? nil : Int(swappiness)
        },
        "oom-kill-disable": { value, state throws(DockerValueError) in state.create.HostConfig.OomKillDisable = try DockerValue.bool(value) },
        "oom-score-adj": integer(\.OomScoreAdj),
        "pids-limit": integer(\.PidsLimit),
        "cpu-shares": { value, state throws(DockerValueError) in state.create.HostConfig.CpuShares = Int(try DockerValue.integer(value)) },
        "cpus": { value, state throws(DockerValueError) in
            let nanos = try DockerValue.nanoCPUs(value)
            state.create.HostConfig.NanoCpus = nanos > 0 ? Int(nanos) : nil
            state.nanoCpusGiven = true
        },
        "cpu-period": { value, state throws(DockerValueError) in
            let period = try DockerValue.integer(value)
            state.create.HostConfig.CpuPeriod = Int(period)
            if period > 0 { state.cfsGiven = true }
        },
        "cpu-quota": { value, state throws(DockerValueError) in
            let quota = try DockerValue.integer(value)
            state.create.HostConfig.CpuQuota = Int(quota)
            if quota > 0 { state.cfsGiven = true }
        },
        "cpu-rt-period": integer(\.CpuRealtimePeriod),
        "cpu-rt-runtime": integer(\.CpuRealtimeRuntime),
        "cpuset-cpus": { value, state throws(DockerValueError) in state.create.HostConfig.CpusetCpus = try DockerValue.cpuList(value) },
        "cpuset-mems": { value, state throws(DockerValueError) in state.create.HostConfig.CpusetMems = try DockerValue.cpuList(value) },
        "cpu-count": integer(\.CpuCount),
        "cpu-percent": integer(\.CpuPercent),
        "blkio-weight": integer(\.BlkioWeight),
        "blkio-weight-device": { value, state throws(DockerValueError) in
            let device = try DockerValue.weightDevice(value)
            state.create.HostConfig.BlkioWeightDevice = (state.create.HostConfig.BlkioWeightDevice ?? [])
                + [DockerAPI.WeightDevice(Path: device.path, Weight: device.weight)]
        },
        "device-read-bps": throttle(\.BlkioDeviceReadBps, bytesPerSecond: true),
        "device-write-bps": throttle(\.BlkioDeviceWriteBps, bytesPerSecond: true),
        "device-read-iops": throttle(\.BlkioDeviceReadIOps, bytesPerSecond: false),
        "device-write-iops": throttle(\.BlkioDeviceWriteIOps, bytesPerSecond: false),
        "io-maxbandwidth": optionalSize(\.IOMaximumBandwidth),
        "io-maxiops": integer(\.IOMaximumIOps),
        "device": { value, state throws(DockerValueError) in
            switch try DockerValue.device(value) {
            case .cdi(let name):
                state.cdiDevices.append(name)
            case .mapping(let host, let container, let permissions):
                state.create.HostConfig.Devices = (state.create.HostConfig.Devices ?? [])
                    + [DockerAPI.DeviceMapping(PathOnHost: host, PathInContainer: container, CgroupPermissions: permissions)]
            }
        },
        "device-cgroup-rule": { value, state throws(DockerValueError) in
            state.create.HostConfig.DeviceCgroupRules = (state.create.HostConfig.DeviceCgroupRules ?? []) + [try DockerValue.deviceCgroupRule(value)]
        },
        "gpus": { value, state throws(DockerValueError) in
            let gpus = try DockerValue.gpus(value)
            state.create.HostConfig.DeviceRequests = (state.create.HostConfig.DeviceRequests ?? []) + [DockerAPI.DeviceRequest(
                Driver: gpus.driver, Count: gpus.count, DeviceIDs: gpus.deviceIDs, Capabilities: [gpus.capabilities], Options: gpus.options)]
        },
    ]

    static let executionAppliers: [String: Applier] = [
        "cgroup-parent": { value, state in state.create.HostConfig.CgroupParent = value },
        "ipc": { value, state throws(DockerValueError) in state.create.HostConfig.IpcMode = try DockerValue.ipcMode(value) },
        "pid": { value, state throws(DockerValueError) in state.create.HostConfig.PidMode = try DockerValue.pidMode(value) },
        "uts": { value, state throws(DockerValueError) in state.create.HostConfig.UTSMode = try DockerValue.hostMode(value) },
        "isolation": { value, state throws(DockerValueError) in state.create.HostConfig.Isolation = try DockerValue.isolation(value) },
        "shm-size": optionalSize(\.ShmSize),
        "runtime": { value, state in state.create.HostConfig.Runtime = value.isEmpty ? nil : value },
        "init": { value, state throws(DockerValueError) in state.create.HostConfig.Init = try DockerValue.bool(value) },
        "annotation": { value, state throws(DockerValueError) in
            let annotation = try DockerValue.option(value)
            state.create.HostConfig.Annotations = (state.create.HostConfig.Annotations ?? [:]).merging([annotation.key: annotation.value]) { $1 }
        },
        "name": { value, state throws(DockerValueError) in state.name = try DockerValue.containerName(value) },
        "pull": { value, state throws(DockerValueError) in
            state.pull = PullPolicy(rawValue: try DockerValue.pullPolicy(value)) ?? .missing
        },
        "platform": { value, state throws(DockerValueError) in state.platform = try DockerValue.platform(value) },
        "cidfile": { value, state in state.containerIdFile = state.agentPath(value) },
        "use-api-socket": { value, state throws(DockerValueError) in state.useAPISocket = try DockerValue.bool(value) },
    ]

    private typealias HostField<Value> = WritableKeyPath<DockerAPI.HostConfig, Value> & Sendable

    /// An integer option setting `field`.
    private static func integer(_ field: HostField<Int?>) -> Applier {
        { value, state throws(DockerValueError) in state.create.HostConfig[keyPath: field] = Int(try DockerValue.integer(value)) }
    }

    /// A size option setting `field` (0: unset).
    private static func optionalSize(_ field: HostField<Int?>) -> Applier {
        { value, state throws(DockerValueError) in
            let bytes = try DockerValue.bytes(value)
            state.create.HostConfig[keyPath: field] = bytes == 0 ? nil : Int(bytes)
        }
    }

    /// A size option setting a field the request always carries (0: unlimited).
    private static func size(_ field: HostField<Int>) -> Applier {
        { value, state throws(DockerValueError) in state.create.HostConfig[keyPath: field] = Int(try DockerValue.bytes(value)) }
    }

    /// A `--device-*-bps`/`-iops` option appending to `field`.
    private static func throttle(_ field: HostField<[DockerAPI.ThrottleDevice]?>, bytesPerSecond: Bool) -> Applier {
        { value, state throws(DockerValueError) in
            let device = try DockerValue.throttleDevice(value, bytesPerSecond: bytesPerSecond)
            state.create.HostConfig[keyPath: field] = (state.create.HostConfig[keyPath: field] ?? [])
                + [DockerAPI.ThrottleDevice(Path: device.path, Rate: Int(device.rate))]
        }
    }
}
