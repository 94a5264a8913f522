import Foundation

extension DockerValue {
    // MARK: - Volumes and mounts

    /// One `--volume` value: `[source:]target[:options]`. A source that is a path (starts with `/`
    /// or `.`) is a bind mount; another source names a volume; none is an anonymous volume.
    public struct VolumeSpec: Hashable, Sendable {
        public var source: String?
        public var target: String
        public var options: String?
        /// Whether `source` is a host path (a bind) rather than a volume name.
        public var isBind: Bool { source.map { $0.hasPrefix("/") || $0.hasPrefix(".") } ?? false }
    }

    /// Parses a `--volume` value (Linux form of the CLI's `volumespec`).
    public static func volume(_ text: String) throws(DockerValueError) -> VolumeSpec {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, parts.count <= 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw DockerValueError("'\(text)' must be [source:]target[:options] with no empty part")
        }
        var spec = VolumeSpec(source: parts.count >= 2 ? parts[0] : nil, target: parts.count >= 2 ? parts[1] : parts[0],
                              options: parts.count == 3 ? parts[2] : nil)
        guard spec.target.hasPrefix("/") else { throw DockerValueError("'\(text)': the target '\(spec.target)' must be an absolute path") }
        if let options = spec.options {
            let known: Set<String> = ["ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated",
                                      "shared", "rshared", "slave", "rslave", "private", "rprivate"]
            if let unknown = options.split(separator: ",").first(where: { !known.contains(String($0)) }) {
                throw DockerValueError("'\(text)': unknown option '\(unknown)' (ro, rw, z, Z, nocopy or a propagation mode)")
            }
        }
        if let source = spec.source {
            if spec.isBind {
                try checkRelative(source, in: text)
            } else if source.hasPrefix("~") {
                throw DockerValueError("'\(text)': '~' is not expanded; give an absolute path or ./path (inside the task's sandbox)")
            } else {
                try volumeName(source, in: text)
            }
        }
        spec.target = spec.target.count > 1 && spec.target.hasSuffix("/") ? String(spec.target.dropLast()) : spec.target
        return spec
    }

    /// A relative path must stay inside the task's sandbox.
    static func checkRelative(_ path: String, in whole: String) throws(DockerValueError) {
        if !path.hasPrefix("/") && path.split(separator: "/").contains("..") {
            throw DockerValueError("'\(whole)': a relative path must stay inside the task's sandbox (no '..'), got '\(path)'")
        }
    }

    private static func volumeName(_ name: String, in whole: String) throws(DockerValueError) {
        guard name.count >= 2, let first = name.first, first.isASCII, first.isLetter || first.isNumber,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
        else { throw DockerValueError("'\(whole)': '\(name)' is neither a path (/… or ./…) nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)") }
    }

    /// One `--mount` value, as the Engine's `Mount`.
    public struct MountSpec: Hashable, Sendable {
        public var type = "volume"
        public var source: String?
        public var target = ""
        public var readOnly = false
        public var consistency: String?
        public var propagation: String?
        public var nonRecursive: Bool?
        public var readOnlyNonRecursive: Bool?
        public var readOnlyForceRecursive: Bool?
        public var createMountpoint: Bool?
        public var volumeNoCopy: Bool?
        public var volumeLabels: [String: String] = [:]
        public var volumeDriver: String?
        public var volumeDriverOptions: [String: String] = [:]
        public var volumeSubpath: String?
        public var imageSubpath: String?
        public var tmpfsSize: Int64?
        public var tmpfsMode: Int?
    }

    /// Parses a `--mount` value: `type=bind|volume|tmpfs|image,source=…,target=…,readonly,…`.
    public static func mount(_ text: String) throws(DockerValueError) -> MountSpec {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw DockerValueError("value is empty") }
        var m = MountSpec()
        var families: Set<String> = []
        for field in try csvFields(trimmed) {
            let (rawKey, value) = split(field)
            guard rawKey.trimmingCharacters(in: .whitespaces) == rawKey else {
                throw DockerValueError("invalid option '\(rawKey)' in '\(field)': option should not have whitespace")
            }
            if let value {
                guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw DockerValueError("invalid value for '\(rawKey)': value is empty") }
                guard value.trimmingCharacters(in: .whitespaces) == value else {
                    throw DockerValueError("invalid value for '\(rawKey)' in '\(field)': value should not have whitespace")
                }
            }
            let key = rawKey.lowercased()
            func flag() throws(DockerValueError) -> Bool {
                guard let value else { return true }
                switch value {
                case "1", "true": return true
                case "0", "false": return false
                default: throw DockerValueError("invalid value for '\(key)': '\(value)' is not true, 1, false or 0")
                }
            }
            guard value != nil || ["readonly", "ro", "volume-nocopy", "bind-nonrecursive", "bind-create-src"].contains(key) else {
                throw DockerValueError("invalid field '\(field)' must be a key=value pair")
            }
            let text = value ?? ""
            switch key {
            case "type": m.type = text.lowercased()
            case "source", "src": m.source = text
            case "target", "dst", "destination": m.target = text
            case "readonly", "ro": m.readOnly = try flag()
            case "consistency": m.consistency = text.lowercased()
            case "bind-propagation":
                families.insert("bind")
                m.propagation = text.lowercased()
            case "bind-nonrecursive": throw DockerValueError("bind-nonrecursive is deprecated, use bind-recursive=disabled instead")
            case "bind-recursive":
                families.insert("bind")
                switch text {
                case "enabled": break
                case "disabled": m.nonRecursive = true
                case "writable": m.readOnlyNonRecursive = true
                case "readonly": m.readOnlyForceRecursive = true
                default: throw DockerValueError("invalid value for bind-recursive: \(text) (must be enabled, disabled, writable or readonly)")
                }
            case "bind-create-src":
                families.insert("bind")
                m.createMountpoint = try flag()
            case "volume-subpath": families.insert("volume"); m.volumeSubpath = text
            case "volume-nocopy": families.insert("volume"); m.volumeNoCopy = try flag()
            case "volume-label": families.insert("volume"); m.volumeLabels[split(text).key] = split(text).value ?? ""
            case "volume-driver": families.insert("volume"); m.volumeDriver = text
            case "volume-opt": families.insert("volume"); m.volumeDriverOptions[split(text).key] = split(text).value ?? ""
            case "image-subpath": families.insert("image"); m.imageSubpath = text
            case "tmpfs-size":
                families.insert("tmpfs")
                m.tmpfsSize = try bytes(text)
            case "tmpfs-mode":
                families.insert("tmpfs")
                guard let mode = Int(text, radix: 8), mode >= 0 else { throw DockerValueError("invalid value for tmpfs-mode: \(text) (octal, e.g. 1777)") }
                m.tmpfsMode = mode
            default:
                throw DockerValueError("unknown option '\(key)' in '\(field)'")
            }
        }
        guard ["bind", "volume", "tmpfs", "image"].contains(m.type) else {
            throw DockerValueError("mount type '\(m.type)' is not one of bind, volume, tmpfs, image")
        }
        if let other = families.first(where: { $0 != m.type }) {
            throw DockerValueError("cannot mix '\(other)-*' options with mount type '\(m.type)'")
        }
        if m.readOnlyNonRecursive == true, !m.readOnly {
            throw DockerValueError("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")
        }
        if m.readOnlyForceRecursive == true, !m.readOnly || m.propagation != "rprivate" {
            throw DockerValueError("option 'bind-recursive=readonly' requires 'readonly' and 'bind-propagation=rprivate'")
        }
        guard m.target.hasPrefix("/") else { throw DockerValueError("'\(text)': target must be an absolute path") }
        switch m.type {
        case "bind":
            guard let source = m.source, source.hasPrefix("/") || source.hasPrefix(".") else {
                throw DockerValueError("'\(text)': a bind mount needs a source that is an absolute path or ./path (inside the task's sandbox)")
            }
            try checkRelative(source, in: text)
        case "tmpfs":
            guard m.source == nil else { throw DockerValueError("'\(text)': a tmpfs mount takes no source") }
        case "image":
            guard m.source != nil else { throw DockerValueError("'\(text)': an image mount needs a source (the image)") }
        default: break
        }
        return m
    }

    /// `--tmpfs /path[:options]`: the mount point and its options.
    public static func tmpfs(_ text: String) throws(DockerValueError) -> (path: String, options: String) {
        let (path, options) = text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) } ?? (text, "")
        guard path.hasPrefix("/"), path != "/" else { throw DockerValueError("'\(text)': the mount point must be an absolute path other than /") }
        return (path, options)
    }

    /// `--volumes-from container[:ro|rw]`.
    public static func volumesFrom(_ text: String) throws(DockerValueError) -> String {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard !text.isEmpty, parts.count <= 2, !parts[0].isEmpty, parts.count == 1 || ["ro", "rw"].contains(parts[1]) else {
            throw DockerValueError("'\(text)' must be a container name or id, optionally followed by :ro or :rw")
        }
        return text
    }

    // MARK: - Devices

    /// One `--device`: a host device mapped into the container, or a CDI device name.
    public enum Device: Hashable, Sendable {
        /// `host[:container][:permissions]`, permissions of `r`, `w`, `m` (default `rwm`).
        case mapping(host: String, container: String, permissions: String)
        /// A fully qualified CDI name (`vendor.com/class=name`).
        case cdi(String)
    }

    /// Parses a `--device` value.
    public static func device(_ text: String) throws(DockerValueError) -> Device {
        if !text.hasPrefix("/"), let slash = text.firstIndex(of: "/"), let equals = text.lastIndex(of: "="), slash < equals,
           text[..<slash].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) {
            return .cdi(text)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func isMode(_ s: String) -> Bool { !s.isEmpty && Set(s).count == s.count && s.allSatisfy { "rwm".contains($0) } }
        guard parts.count <= 3, !parts[0].isEmpty else { throw DockerValueError("'\(text)' must be host-path[:container-path][:permissions]") }
        var container = parts[0], permissions = "rwm"
        if parts.count == 2 {
            if isMode(parts[1]) { permissions = parts[1] } else { container = parts[1] }
        } else if parts.count == 3 {
            container = parts[1]
            guard isMode(parts[2]) else { throw DockerValueError("'\(text)': bad permissions '\(parts[2])' (letters r, w, m)") }
            permissions = parts[2]
        }
        guard container.hasPrefix("/"), parts[0].hasPrefix("/") else { throw DockerValueError("'\(text)': device paths must be absolute") }
        return .mapping(host: parts[0], container: container, permissions: permissions)
    }

    /// `--device-cgroup-rule`: `type major:minor mode`, e.g. `c 1:3 mr` or `a *:* rwm`.
    public static func deviceCgroupRule(_ text: String) throws(DockerValueError) -> String {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        func number(_ s: Substring) -> Bool { s == "*" || (!s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber }) }
        let numbers = parts.count == 3 ? parts[1].split(separator: ":", omittingEmptySubsequences: false) : []
        guard parts.count == 3, ["a", "b", "c"].contains(parts[0]), numbers.count == 2, numbers.allSatisfy(number),
              (1...3).contains(parts[2].count), parts[2].allSatisfy({ "rwm".contains($0) })
        else { throw DockerValueError("invalid device cgroup format '\(text)' (e.g. 'c 1:3 mr')") }
        return text
    }

    /// `--device-read-bps /dev/sda:1mb` (`bytesPerSecond` true) or `--device-read-iops /dev/sda:1000`.
    public static func throttleDevice(_ text: String, bytesPerSecond: Bool) throws(DockerValueError) -> (path: String, rate: Int64) {
        let (path, rate) = try devicePair(text, example: bytesPerSecond ? "/dev/sda:1mb" : "/dev/sda:1000")
        if bytesPerSecond { return (path, try bytes(rate)) }
        guard let number = Int64(rate), number >= 0 else {
            throw DockerValueError("'\(text)': the rate must be a non-negative integer (e.g. /dev/sda:1000)")
        }
        return (path, number)
    }

    /// `--blkio-weight-device /dev/sda:200`: 10 to 1000, or 0.
    public static func weightDevice(_ text: String) throws(DockerValueError) -> (path: String, weight: Int) {
        let (path, weight) = try devicePair(text, example: "/dev/sda:200")
        guard let number = UInt16(weight), number == 0 || (10...1000).contains(number) else {
            throw DockerValueError("'\(text)': the weight must be between 10 and 1000 (or 0)")
        }
        return (path, Int(number))
    }

    private static func devicePair(_ text: String, example: String) throws(DockerValueError) -> (String, String) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
            throw DockerValueError("'\(text)' must be <device-path>:<value> (e.g. \(example))")
        }
        let path = String(text[..<colon])
        guard path.hasPrefix("/dev/") else { throw DockerValueError("'\(text)': the device path must start with /dev/") }
        return (path, String(text[text.index(after: colon)...]))
    }

    /// One `--gpus` request, as the Engine's `DeviceRequest`.
    public struct GPURequest: Hashable, Sendable {
        public var driver = ""
        /// -1: all.
        public var count = 0
        public var deviceIDs: [String]?
        public var capabilities: [String] = ["gpu"]
        public var options: [String: String] = [:]
    }

    /// Parses `--gpus all`, `--gpus 2`, `--gpus device=0,1`, `--gpus count=1,driver=nvidia,capabilities=compute`.
    public static func gpus(_ text: String) throws(DockerValueError) -> GPURequest {
        var request = GPURequest()
        var seen: Set<String> = []
        func count(_ s: String) throws(DockerValueError) -> Int {
            if s == "all" { return -1 }
            guard let n = Int(s) else { throw DockerValueError("invalid count (\(s)): value must be either \"all\" or an integer") }
            return n
        }
        for field in try csvFields(text) {
            let (key, value) = split(field)
            guard seen.insert(key).inserted else { throw DockerValueError("gpu request key '\(key)' can be specified only once") }
            guard let value else {
                seen.insert("count")
                request.count = try count(key)
                continue
            }
            switch key {
            case "driver": request.driver = value
            case "count": request.count = try count(value)
            case "device": request.deviceIDs = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            case "capabilities": request.capabilities = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init) + ["gpu"]
            case "options":
                for option in try csvFields(value) { request.options[split(option).key] = split(option).value ?? "" }
            default: throw DockerValueError("unexpected key '\(key)' in '\(field)' (count, driver, device, capabilities, options)")
            }
        }
        if !seen.contains("count") && request.deviceIDs == nil { request.count = 1 }
        return request
    }
}
