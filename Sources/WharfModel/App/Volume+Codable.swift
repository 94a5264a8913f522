import Foundation

extension Volume: Codable {
    private enum CodingKeys: String, CodingKey { case containerPath, hostPath, mode, persistent, external, secret }

    /// Reads the first kind Marathon's reader accepts, in its order (persistent, external, secret,
    /// host path); members of the other kinds are dropped as Marathon drops them.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let containerPath = try c.decode(String.self, forKey: .containerPath)
        let mode = try c.value(.mode, default: "RW")
        if let persistent = try c.decodeIfPresent(PersistentVolumeInfo.self, forKey: .persistent) {
            self.init(containerPath: containerPath, mode: mode, persistent: persistent)
        } else if let external = try c.decodeIfPresent(ExternalVolumeInfo.self, forKey: .external) {
            self.init(containerPath: containerPath, mode: mode, external: external)
        } else if let secret = try c.decodeIfPresent(String.self, forKey: .secret) {
            self.init(containerPath: containerPath, mode: "RO", secret: secret)
        } else {
            self.init(containerPath: containerPath, hostPath: try c.decodeIfPresent(String.self, forKey: .hostPath), mode: mode)
        }
    }

    /// Marathon's GET shape of each kind; byte-identical (with sorted keys) to `write(to:)`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(containerPath, forKey: .containerPath)
        if let secret {
            try c.encode(secret, forKey: .secret)
            return
        }
        try c.encode(mode, forKey: .mode)
        try c.encodeIfPresent(persistent, forKey: .persistent)
        try c.encodeIfPresent(external, forKey: .external)
        if persistent == nil, external == nil { try c.encodeIfPresent(hostPath, forKey: .hostPath) }
    }
}

extension PersistentVolumeInfo: Codable {
    private enum CodingKeys: String, CodingKey { case type, size, maxSize, profileName, constraints }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(type: try c.decodeIfPresent(String.self, forKey: .type),
                  size: try c.decode(Int.self, forKey: .size),
                  maxSize: try c.decodeIfPresent(Int.self, forKey: .maxSize),
                  profileName: try c.decodeIfPresent(String.self, forKey: .profileName),
                  constraints: try c.value(.constraints, default: []))
    }

    /// `constraints` only when there are some.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(size, forKey: .size)
        try c.encodeIfPresent(maxSize, forKey: .maxSize)
        try c.encodeIfPresent(profileName, forKey: .profileName)
        if !constraints.isEmpty { try c.encode(constraints, forKey: .constraints) }
    }
}

extension ExternalVolumeInfo: Codable {
    private enum CodingKeys: String, CodingKey { case size, name, provider, options, shared }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(size: try c.decodeIfPresent(Int.self, forKey: .size),
                  name: try c.decodeIfPresent(String.self, forKey: .name),
                  provider: try c.decodeIfPresent(String.self, forKey: .provider),
                  options: try c.value(.options, default: [:]),
                  shared: try c.value(.shared, default: false))
    }

    /// `options` only when there are some; `shared` always.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(size, forKey: .size)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(provider, forKey: .provider)
        if !options.isEmpty { try c.encode(options, forKey: .options) }
        try c.encode(shared, forKey: .shared)
    }
}

extension LinuxInfo: Codable {
    private enum CodingKeys: String, CodingKey { case seccomp, ipcInfo }
    private enum SeccompKeys: String, CodingKey { case profileName, unconfined }
    private enum IPCKeys: String, CodingKey { case mode, shmSize }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        if c.contains(.seccomp), (try? c.decodeNil(forKey: .seccomp)) == false {
            let seccomp = try c.nestedContainer(keyedBy: SeccompKeys.self, forKey: .seccomp)
            seccompProfileName = try seccomp.decodeIfPresent(String.self, forKey: .profileName)
            seccompUnconfined = try seccomp.value(.unconfined, default: false)
        }
        if c.contains(.ipcInfo), (try? c.decodeNil(forKey: .ipcInfo)) == false {
            let ipc = try c.nestedContainer(keyedBy: IPCKeys.self, forKey: .ipcInfo)
            ipcMode = try ipc.decode(String.self, forKey: .mode)
            shmSize = try ipc.decodeIfPresent(Int.self, forKey: .shmSize)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if let seccompUnconfined {
            var seccomp = c.nestedContainer(keyedBy: SeccompKeys.self, forKey: .seccomp)
            try seccomp.encodeIfPresent(seccompProfileName, forKey: .profileName)
            try seccomp.encode(seccompUnconfined, forKey: .unconfined)
        }
        if let ipcMode {
            var ipc = c.nestedContainer(keyedBy: IPCKeys.self, forKey: .ipcInfo)
            try ipc.encode(ipcMode, forKey: .mode)
            try ipc.encodeIfPresent(shmSize, forKey: .shmSize)
        }
    }
}
