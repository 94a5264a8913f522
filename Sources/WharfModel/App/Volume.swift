/// `container.volumes[]`: a host path, a persistent (local) volume, an external volume or a secret.
///
/// Host-path volumes are what Wharf mounts. Persistent, external and secret volumes are validated as
/// Marathon does and kept whole so that definitions round-trip, but no runtime provides them.
public struct Volume: Hashable, Sendable {
    public var containerPath: String
    /// The host directory of a host-path volume.
    public var hostPath: String?
    /// `RW` or `RO` (secret volumes are read-only and have none in JSON).
    public var mode: String
    /// `persistent`: a local volume reserved on the agent (Marathon's "resident" apps).
    public var persistent: PersistentVolumeInfo?
    /// `external`: a volume of a storage provider.
    public var external: ExternalVolumeInfo?
    /// `secret`: the name of a secret of the app, mounted as a file.
    public var secret: String?

    public init(containerPath: String, hostPath: String? = nil, mode: String = "RW", persistentSize: Int? = nil,
                persistent: PersistentVolumeInfo? = nil, external: ExternalVolumeInfo? = nil, secret: String? = nil) {
        self.containerPath = containerPath
        self.hostPath = hostPath
        self.mode = mode
        self.persistent = persistent ?? persistentSize.map { PersistentVolumeInfo(size: $0) }
        self.external = external
        self.secret = secret
    }

    /// `persistent.size` in MiB, when this is a persistent volume.
    public var persistentSize: Int? { persistent?.size }
}

/// `persistent`: how a local persistent volume is reserved.
public struct PersistentVolumeInfo: Hashable, Sendable {
    /// Mesos disk type: `root` (the default), `path` or `mount` (the default with a `profileName`).
    public var type: String
    /// MiB.
    public var size: Int
    /// MiB; mount volumes only.
    public var maxSize: Int?
    public var profileName: String?
    /// `[["path", "LIKE", regex]]`: which disk to choose.
    public var constraints: [[String]]

    public init(type: String? = nil, size: Int, maxSize: Int? = nil, profileName: String? = nil, constraints: [[String]] = []) {
        self.type = type ?? (profileName == nil ? "root" : "mount")
        self.size = size
        self.maxSize = maxSize
        self.profileName = profileName
        self.constraints = constraints
    }
}

/// `external`: a volume managed by a storage provider (Marathon's `dvdi`).
public struct ExternalVolumeInfo: Hashable, Sendable {
    /// GiB.
    public var size: Int?
    public var name: String?
    public var provider: String?
    public var options: [String: String]
    public var shared: Bool

    public init(size: Int? = nil, name: String? = nil, provider: String? = nil, options: [String: String] = [:], shared: Bool = false) {
        self.size = size
        self.name = name
        self.provider = provider
        self.options = options
        self.shared = shared
    }
}

/// `container.linuxInfo`: Linux isolation settings of a MESOS container.
public struct LinuxInfo: Hashable, Sendable {
    /// `seccomp`: `profileName`, or `unconfined: true`.
    public var seccompProfileName: String?
    public var seccompUnconfined: Bool?
    /// `ipcInfo.mode`: `PRIVATE` or `SHARE_PARENT`; nil without `ipcInfo`.
    public var ipcMode: String?
    /// `ipcInfo.shmSize`, MiB.
    public var shmSize: Int?

    public init(seccompProfileName: String? = nil, seccompUnconfined: Bool? = nil, ipcMode: String? = nil, shmSize: Int? = nil) {
        self.seccompProfileName = seccompProfileName
        self.seccompUnconfined = seccompUnconfined
        self.ipcMode = ipcMode
        self.shmSize = shmSize
    }

    /// Whether `seccomp` was given (it then has `unconfined`, default false).
    public var hasSeccomp: Bool { seccompUnconfined != nil }
}
