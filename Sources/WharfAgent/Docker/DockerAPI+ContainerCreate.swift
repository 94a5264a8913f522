// The body of `POST /containers/create` (and of `POST /networks/{id}/connect`), with the fields
// `docker run` fills. Names are the API's own; nil fields are left out of the JSON, so that the
// Engine applies its defaults exactly as for a `docker run` without the option.

extension DockerAPI {
    /// `POST /containers/create`: the container's `Config` with `HostConfig` and `NetworkingConfig`.
    struct ContainerCreate: Encodable, Sendable {
        var Image: String
        var Entrypoint: [String]?
        var Cmd: [String]?
        var Env: [String]
        var Labels: [String: String]
        var Tty: Bool
        var HostConfig: HostConfig
        var OpenStdin = false
        var WorkingDir: String?
        var User: String?
        var Hostname: String?
        var Domainname: String?
        var ExposedPorts: [String: Empty]?
        var Volumes: [String: Empty]?
        var StopSignal: String?
        var StopTimeout: Int?
        var Healthcheck: HealthConfig?
        /// The first network's MAC address (API < 1.44 keeps it here).
        var MacAddress: String?
        var NetworkingConfig: NetworkingConfig?
    }

    /// `HostConfig` of a container.
    struct HostConfig: Encodable, Sendable {
        var NetworkMode: String
        var Binds: [String]
        var Privileged: Bool
        var CpuShares: Int
        var NanoCpus: Int?
        var Memory: Int
        var PortBindings: [String: [PortBinding]]?
        var PublishAllPorts: Bool?
        var Links: [String]?
        var ExtraHosts: [String]?
        var Dns: [String]?
        var DnsOptions: [String]?
        var DnsSearch: [String]?
        var MemorySwap: Int?
        var MemoryReservation: Int?
        var MemorySwappiness: Int?
        var OomKillDisable: Bool?
        var OomScoreAdj: Int?
        var PidsLimit: Int?
        var CpuPeriod: Int?
        var CpuQuota: Int?
        var CpuRealtimePeriod: Int?
        var CpuRealtimeRuntime: Int?
        var CpusetCpus: String?
        var CpusetMems: String?
        var CpuCount: Int?
        var CpuPercent: Int?
        var BlkioWeight: Int?
        var BlkioWeightDevice: [WeightDevice]?
        var BlkioDeviceReadBps: [ThrottleDevice]?
        var BlkioDeviceWriteBps: [ThrottleDevice]?
        var BlkioDeviceReadIOps: [ThrottleDevice]?
        var BlkioDeviceWriteIOps: [ThrottleDevice]?
        var IOMaximumBandwidth: Int?
        var IOMaximumIOps: Int?
        var Ulimits: [Ulimit]?
        var Devices: [DeviceMapping]?
        var DeviceCgroupRules: [String]?
        var DeviceRequests: [DeviceRequest]?
        var CapAdd: [String]?
        var CapDrop: [String]?
        var SecurityOpt: [String]?
        /// `[]` with `security-opt systempaths=unconfined`; nil: the Engine's defaults.
        var MaskedPaths: [String]?
        var ReadonlyPaths: [String]?
        var GroupAdd: [String]?
        var Init: Bool?
        var ShmSize: Int?
        var ReadonlyRootfs: Bool?
        var Sysctls: [String: String]?
        var Tmpfs: [String: String]?
        var Mounts: [Mount]?
        var VolumesFrom: [String]?
        var VolumeDriver: String?
        var StorageOpt: [String: String]?
        var LogConfig: LogConfig?
        var IpcMode: String?
        var PidMode: String?
        var UTSMode: String?
        var UsernsMode: String?
        var CgroupnsMode: String?
        var CgroupParent: String?
        var Isolation: String?
        var Runtime: String?
        var Annotations: [String: String]?
    }

    /// One host port a container port is published on.
    struct PortBinding: Encodable, Hashable, Sendable {
        /// Empty: every host address, as `docker run -p` does by default.
        var HostIp: String
        var HostPort: String
    }

    /// `--ulimit name=soft:hard`.
    struct Ulimit: Encodable, Hashable, Sendable {
        var Name: String
        var Soft: Int
        var Hard: Int
    }

    /// `--blkio-weight-device`.
    struct WeightDevice: Encodable, Hashable, Sendable {
        var Path: String
        var Weight: Int
    }

    /// `--device-read-bps` and its siblings.
    struct ThrottleDevice: Encodable, Hashable, Sendable {
        var Path: String
        var Rate: Int
    }

    /// `--device host:container:permissions`.
    struct DeviceMapping: Encodable, Hashable, Sendable {
        var PathOnHost: String
        var PathInContainer: String
        var CgroupPermissions: String
    }

    /// `--gpus` and CDI `--device` names.
    struct DeviceRequest: Encodable, Hashable, Sendable {
        var Driver: String
        var Count: Int
        var DeviceIDs: [String]?
        var Capabilities: [[String]]?
        var Options: [String: String]?
    }

    /// `--log-driver` and `--log-opt`.
    struct LogConfig: Encodable, Hashable, Sendable {
        var `Type`: String
        var Config: [String: String]
    }

    /// `--mount` (and `use-api-socket`'s socket bind).
    struct Mount: Encodable, Hashable, Sendable {
        struct BindOptions: Encodable, Hashable, Sendable {
            var Propagation: String?
            var NonRecursive: Bool?
            var CreateMountpoint: Bool?
            var ReadOnlyNonRecursive: Bool?
            var ReadOnlyForceRecursive: Bool?
        }
        struct Driver: Encodable, Hashable, Sendable {
            var Name: String
            var Options: [String: String]?
        }
        struct VolumeOptions: Encodable, Hashable, Sendable {
            var NoCopy: Bool?
            var Labels: [String: String]?
            var DriverConfig: Driver?
            var Subpath: String?
        }
        struct TmpfsOptions: Encodable, Hashable, Sendable {
            var SizeBytes: Int?
            var Mode: Int?
        }
        struct ImageOptions: Encodable, Hashable, Sendable {
            var Subpath: String?
        }
        var `Type`: String
        var Source: String?
        var Target: String
        var ReadOnly: Bool?
        var Consistency: String?
        var BindOptions: BindOptions?
        var VolumeOptions: VolumeOptions?
        var TmpfsOptions: TmpfsOptions?
        var ImageOptions: ImageOptions?
    }

    /// Docker's own health check (`--health-*`); durations in nanoseconds.
    struct HealthConfig: Encodable, Hashable, Sendable {
        var Test: [String]?
        var Interval: Int?
        var Timeout: Int?
        var StartPeriod: Int?
        var StartInterval: Int?
        var Retries: Int?
    }

    /// `NetworkingConfig` of the create request.
    struct NetworkingConfig: Encodable, Sendable {
        var EndpointsConfig: [String: EndpointSettings]
    }

    /// The container's settings on one network (`--network-alias`, `--ip`, `--link`, long `--network` syntax).
    struct EndpointSettings: Encodable, Hashable, Sendable {
        struct IPAMConfig: Encodable, Hashable, Sendable {
            var IPv4Address: String?
            var IPv6Address: String?
            var LinkLocalIPs: [String]?
        }
        var IPAMConfig: IPAMConfig?
        var Links: [String]?
        var Aliases: [String]?
        var MacAddress: String?
        var DriverOpts: [String: String]?
        var GwPriority: Int?
    }

    /// `POST /networks/{id}/connect`.
    struct NetworkConnect: Encodable, Sendable {
        var Container: String
        var EndpointConfig: EndpointSettings?
    }
}
