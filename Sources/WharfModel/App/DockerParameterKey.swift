import Foundation

/// The `container.docker.parameters` keys Wharf accepts: `docker run` long options (without the
/// dashes) that the Docker runtime translates into the Engine API's container settings. Marathon
/// passes any key to `docker run`; Wharf talks to the Engine API instead, so it names the subset it
/// implements and refuses the rest at submission (422) rather than silently ignoring them.
public enum DockerParameterKey: String, CaseIterable, Hashable, Sendable {
    /// `key[=value]`: a container label.
    case label
    /// `KEY=VALUE`: an environment variable (added after the app's `env`).
    case env
    /// A size (`512m`, `1g`) or `-1` for unlimited swap.
    case memorySwap = "memory-swap"
    /// `name=soft[:hard]`, e.g. `nofile=1024:2048`.
    case ulimit
    /// A Linux capability (`NET_ADMIN`, `CAP_NET_ADMIN` or `ALL`).
    case capAdd = "cap-add"
    case capDrop = "cap-drop"
    /// `user[:group]` (names or ids) inside the container.
    case user
    /// Absolute working directory inside the container.
    case workdir
    /// `true`/`false`: run Docker's init process as PID 1.
    case initProcess = "init"
    /// The container's host name.
    case hostname
    /// `host:ip`: an `/etc/hosts` entry (`ip` may be `host-gateway`).
    case addHost = "add-host"
    /// A DNS server address.
    case dns
    /// Size of `/dev/shm` (`64m`).
    case shmSize = "shm-size"
    /// `true`/`false`: mount the root filesystem read-only.
    case readOnly = "read-only"

    /// The supported keys, comma-separated, as error messages list them.
    public static let supportedList = allCases.map(\.rawValue).joined(separator: ", ")

    /// What is wrong with `value` for this key, or `nil` when the runtime can use it.
    public func problem(with value: String) -> String? {
        switch self {
        case .label:
            return value.isEmpty || value.hasPrefix("=") ? "label must be key or key=value with a non-empty key" : nil
        case .env:
            guard let eq = value.firstIndex(of: "="), eq != value.startIndex else {
                return "env '\(value)' must be KEY=VALUE with a non-empty KEY"
            }
            return nil
        case .memorySwap:
            return value == "-1" || Self.bytes(value) != nil ? nil : "memory-swap '\(value)' must be a size such as 512m or 1g, or -1"
        case .shmSize:
            return (Self.bytes(value) ?? 0) > 0 ? nil : "shm-size '\(value)' must be a positive size such as 64m or 1g"
        case .ulimit:
            return Self.ulimit(value) == nil
                ? "ulimit '\(value)' must be name=soft[:hard] with integer limits, soft <= hard, name one of \(Self.ulimitNames.sorted().joined(separator: ", "))"
                : nil
        case .capAdd, .capDrop:
            var name = value.uppercased()
            if name.hasPrefix("CAP_") { name.removeFirst(4) }
            return name == "ALL" || Self.capabilities.contains(name) ? nil : "unknown Linux capability '\(value)'"
        case .user:
            let parts = value.split(separator: ":", omittingEmptySubsequences: false)
            let valid = (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && !$0.contains(where: \.isWhitespace) }
            return valid ? nil : "user '\(value)' must be user or user:group (names or numeric ids)"
        case .workdir:
            return value.hasPrefix("/") ? nil : "workdir '\(value)' must be an absolute path"
        case .initProcess, .readOnly:
            return value == "true" || value == "false" ? nil : "\(rawValue) must be true or false, got '\(value)'"
        case .hostname:
            return Self.isHostName(value[...]) && value.count <= 63 ? nil : "hostname '\(value)' must be a valid host name of at most 63 characters"
        case .addHost:
            guard let colon = value.firstIndex(of: ":") else { return "add-host '\(value)' must be host:ip" }
            let host = value[..<colon], ip = value[value.index(after: colon)...]
            let valid = Self.isHostName(host) && (ip == "host-gateway" || Self.isIPAddress(ip))
            return valid ? nil : "add-host '\(value)' must be host:ip with a valid host name and IP address (or host-gateway)"
        case .dns:
            return Self.isIPAddress(value[...]) ? nil : "dns '\(value)' must be an IP address"
        }
    }

    // MARK: - Value parsers shared with the runtime

    /// Bytes of a Docker size (`512m`, `1.5g`, `64 MiB`, `1024`): binary multiples, as `docker run`.
    public static func bytes(_ text: String) -> Int64? {
        var s = Substring(text.lowercased())
        if s.hasSuffix("b") { s = s.dropLast() }
        if s.hasSuffix("i") { s = s.dropLast() }
        var multiplier: Int64 = 1
        let units: [Character] = ["k", "m", "g", "t", "p"]
        if let unit = s.last, let power = units.firstIndex(of: unit) {
            multiplier = 1 << (10 * (power + 1))
            s = s.dropLast()
        }
        if s.hasSuffix(" ") { s = s.dropLast() }
        let digits = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(digits.count), digits.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let number = Double(s) else { return nil }
        let value = number * Double(multiplier)
        return value < 9.0e18 ? Int64(value) : nil
    }

    /// A parsed `ulimit` value: hard defaults to soft; `-1` means unlimited.
    public struct Ulimit: Hashable, Sendable {
        public var name: String
        public var soft: Int64
        public var hard: Int64
    }

    /// Resource names `docker run --ulimit` knows.
    public static let ulimitNames: Set<String> = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
                                                  "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]

    /// Parses `name=soft[:hard]`; `nil` when malformed, unknown or soft > hard.
    public static func ulimit(_ text: String) -> Ulimit? {
        let pair = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard pair.count == 2, ulimitNames.contains(String(pair[0])) else { return nil }
        let limits = pair[1].split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(limits.count) else { return nil }
        let numbers = limits.compactMap { Int64($0) }.filter { $0 >= -1 }
        guard numbers.count == limits.count else { return nil }
        let soft = numbers[0], hard = numbers.count == 2 ? numbers[1] : numbers[0]
        if soft != -1, hard != -1, soft > hard { return nil }
        if soft == -1, hard != -1 { return nil }
        return Ulimit(name: String(pair[0]), soft: soft, hard: hard)
    }

    /// Linux capabilities (without `CAP_`) that `--cap-add`/`--cap-drop` accept.
    static let capabilities: Set<String> = [
        "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN",
        "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE",
        "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST",
        "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT",
        "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME",
        "SYS_TTY_CONFIG", "SYSLOG", "WAKE_ALARM",
    ]

    /// RFC 1123 host name: labels of letters, digits and inner dashes, joined by dots.
    static func isHostName(_ s: Substring) -> Bool {
        guard !s.isEmpty, s.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, let last = label.last, label.count <= 63,
                  first.isASCII, first.isLetter || first.isNumber, last.isASCII, last.isLetter || last.isNumber else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// Dotted-quad IPv4, or an IPv6 address (hex groups and colons, at most one `::`, optional IPv4 tail).
    static func isIPAddress(_ s: Substring) -> Bool {
        func isIPv4(_ s: Substring) -> Bool {
            let parts = s.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 4 && parts.allSatisfy { p in
                !p.isEmpty && p.count <= 3 && p.allSatisfy { $0.isASCII && $0.isNumber } && Int(p)! <= 255
            }
        }
        if isIPv4(s) { return true }
        guard s.contains(":") else { return false }
        var groups = s.components(separatedBy: ":")[...]
        var budget = 8
        if let last = groups.last, last.contains(".") {
            guard isIPv4(Substring(last)) else { return false }
            groups = groups.dropLast()
            budget = 6
        }
        let compressed = s.components(separatedBy: "::").count - 1
        guard compressed <= 1 else { return false }
        let filled = groups.filter { !$0.isEmpty }
        guard filled.allSatisfy({ $0.count <= 4 && $0.allSatisfy { $0.isASCII && $0.isHexDigit } }) else { return false }
        return compressed == 1 ? filled.count < budget : filled.count == budget && groups.count == budget
    }
}
