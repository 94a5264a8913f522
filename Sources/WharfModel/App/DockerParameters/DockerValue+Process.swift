import Foundation

extension DockerValue {
    // MARK: - Environment and labels

    /// `--env KEY=VALUE` or `KEY` (no `=`: the variable keeps the value the task's environment
    /// gives it, if any); the key must not be empty.
    public static func environment(_ text: String) throws(DockerValueError) -> (key: String, value: String?) {
        let (key, value) = split(text)
        guard !key.isEmpty else { throw DockerValueError("'\(text)' must be KEY=VALUE (or KEY) with a non-empty KEY") }
        return (key, value)
    }

    /// `--label key[=value]`: a non-empty key without whitespace.
    public static func label(_ text: String) throws(DockerValueError) -> (key: String, value: String) {
        let (rawKey, value) = split(text)
        let key = String(rawKey.drop { $0 == " " || $0 == "\t" })
        guard !key.isEmpty else { throw DockerValueError("'\(text)' must be key or key=value with a non-empty key") }
        guard !key.contains(where: { $0 == " " || $0 == "\t" }) else { throw DockerValueError("label key '\(key)' contains whitespace") }
        return (key, value ?? "")
    }

    /// The lines of an `--env-file` or `--label-file` (`kvfile`): `KEY=VALUE`, or `KEY` alone; blank
    /// lines and `#` comments skipped, leading whitespace dropped, a UTF-8 byte order mark ignored.
    public static func keyValueFile(_ contents: String, name: String) throws(DockerValueError) -> [(key: String, value: String?)] {
        var entries: [(key: String, value: String?)] = []
        var text = Substring(contents)
        if text.hasPrefix("\u{FEFF}") { text = text.dropFirst() }
        // "\r\n" is one Character in Swift: both end a line, as for Go's line scanner.
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let trimmedLine = String(rawLine.drop { $0.isWhitespace })
            guard !trimmedLine.isEmpty, !trimmedLine.hasPrefix("#") else { continue }
            let (key, value) = split(trimmedLine)
            guard !key.isEmpty else { throw DockerValueError("\(name) line \(number + 1): no variable name on line '\(trimmedLine)'") }
            guard !key.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw DockerValueError("\(name) line \(number + 1): variable '\(key)' contains whitespaces")
            }
            entries.append((key, value))
        }
        return entries
    }

    /// `--sysctl key=value`: only the namespaced sysctls the CLI allows (`kernel.msg*`, `kernel.sem`,
    /// `kernel.shm*`, `fs.mqueue.*`, `net.*`).
    public static func sysctl(_ text: String) throws(DockerValueError) -> (key: String, value: String) {
        let (key, value) = split(text)
        let named: Set<String> = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                                  "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]
        guard let value, !key.isEmpty, named.contains(key) || key.hasPrefix("net.") || key.hasPrefix("fs.mqueue.") else {
            throw DockerValueError("sysctl '\(text)' is not allowed: key=value with a namespaced key (net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)")
        }
        return (key, value)
    }

    // MARK: - Limits and capabilities

    /// A parsed `--ulimit` value: hard defaults to soft; `-1` means unlimited.
    public struct Ulimit: Hashable, Sendable {
        public var name: String
        public var soft: Int64
        public var hard: Int64
    }

    /// Resource names `--ulimit` knows.
    public static let ulimitNames: Set<String> = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
                                                  "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]

    /// Parses `name=soft[:hard]` (`nofile=1024:2048`).
    public static func ulimit(_ text: String) throws(DockerValueError) -> Ulimit {
        let problem = DockerValueError(
            "ulimit '\(text)' must be name=soft[:hard] with integer limits, soft <= hard, name one of \(ulimitNames.sorted().joined(separator: ", "))")
        let pair = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard pair.count == 2, ulimitNames.contains(String(pair[0])) else { throw problem }
        let limits = pair[1].split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(limits.count) else { throw problem }
        let numbers = limits.compactMap { Int64($0) }.filter { $0 >= -1 }
        guard numbers.count == limits.count else { throw problem }
        let soft = numbers[0], hard = numbers.count == 2 ? numbers[1] : numbers[0]
        if hard != -1, soft == -1 || soft > hard { throw problem }
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

    /// A Linux capability (`NET_ADMIN`, `cap_net_admin`, `ALL`), as given.
    public static func capability(_ text: String) throws(DockerValueError) -> String {
        var name = text.trimmingCharacters(in: .whitespaces).uppercased()
        if name.hasPrefix("CAP_") { name.removeFirst(4) }
        guard name == "ALL" || capabilities.contains(name) else { throw DockerValueError("unknown Linux capability '\(text)'") }
        return text
    }

    /// `--user name|uid[:group|gid]`.
    public static func user(_ text: String) throws(DockerValueError) -> String {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw DockerValueError("user '\(text)' must be user or user:group (names or numeric ids)")
        }
        return text
    }

    /// Signal names Linux knows, without `SIG`.
    static let signals: Set<String> = {
        var names: Set<String> = ["ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
                                  "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
                                  "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX"]
        for n in 1...15 { names.insert("RTMIN+\(n)") }
        for n in 1...14 { names.insert("RTMAX-\(n)") }
        return names
    }()

    /// `--stop-signal`: a signal name (`SIGTERM`, `TERM`, `sigusr1`) or number.
    public static func signal(_ text: String) throws(DockerValueError) -> String {
        if let number = Int(text) {
            guard (1...64).contains(number) else { throw DockerValueError("invalid signal number \(text)") }
            return text
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        guard signals.contains(name) else { throw DockerValueError("unknown signal '\(text)'") }
        return text
    }

    // MARK: - Modes and policies

    /// `--restart no|always|unless-stopped|on-failure[:max-retries]`.
    public static func restartPolicy(_ text: String) throws(DockerValueError) -> String {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        // An empty count (`on-failure:`) is no count, as for the CLI.
        if parts.count == 2 {
            guard !name.isEmpty else { throw DockerValueError("invalid restart policy '\(text)': no policy before the colon") }
        }
        if parts.count == 2, !parts[1].isEmpty {
            guard let count = Int(parts[1]) else { throw DockerValueError("invalid restart policy '\(text)': maximum retry count must be an integer") }
            guard name == "on-failure" else { throw DockerValueError("invalid restart policy '\(text)': a maximum retry count only goes with on-failure") }
            guard count >= 0 else { throw DockerValueError("invalid restart policy '\(text)': maximum retry count cannot be negative") }
        }
        guard ["", "no", "always", "unless-stopped", "on-failure"].contains(name) else {
            throw DockerValueError("unknown restart policy '\(name)'; use no, always, on-failure or unless-stopped")
        }
        return name
    }

    /// `--security-opt`: `label=…`, `apparmor=…`, `seccomp=…`, `no-new-privileges[=bool]`,
    /// `writable-cgroups[=bool]`, `systempaths=unconfined` (`:` is the deprecated separator).
    public static func securityOption(_ text: String) throws(DockerValueError) -> (key: String, value: String?) {
        if text == "no-new-privileges" || text == "writable-cgroups" || text == "disable" { return (text, nil) }
        let separator: Character? = text.contains("=") ? "=" : text.contains(":") ? ":" : nil
        guard let separator, let index = text.firstIndex(of: separator) else {
            throw DockerValueError("invalid security option '\(text)': key=value (label, apparmor, seccomp, no-new-privileges, systempaths)")
        }
        let key = String(text[..<index]), value = String(text[text.index(after: index)...])
        guard !value.isEmpty else { throw DockerValueError("invalid security option '\(text)': empty value") }
        switch key {
        case "label", "apparmor", "seccomp": break
        case "no-new-privileges", "writable-cgroups": _ = try bool(value)
        case "systempaths":
            guard value == "unconfined" else { throw DockerValueError("invalid security option '\(text)': systempaths takes only unconfined") }
        default:
            throw DockerValueError("unknown security option '\(key)' (label, apparmor, seccomp, no-new-privileges, writable-cgroups, systempaths)")
        }
        return (key, value)
    }

    /// `--ipc`: `none`, `private`, `host`, `shareable`, `container:<name|id>` (empty: the daemon's default).
    public static func ipcMode(_ text: String) throws(DockerValueError) -> String {
        try mode(text, allowed: ["", "none", "private", "host", "shareable"], container: true, what: "IPC")
    }

    /// `--pid`: `host` or `container:<name|id>`.
    public static func pidMode(_ text: String) throws(DockerValueError) -> String {
        try mode(text, allowed: ["", "host"], container: true, what: "PID")
    }

    /// `--uts` and `--userns`: `host` (or empty).
    public static func hostMode(_ text: String) throws(DockerValueError) -> String {
        try mode(text, allowed: ["", "host"], container: false, what: "namespace")
    }

    /// `--cgroupns`: `host` or `private`.
    public static func cgroupnsMode(_ text: String) throws(DockerValueError) -> String {
        try mode(text, allowed: ["", "host", "private"], container: false, what: "cgroup namespace")
    }

    /// `--isolation`: Linux engines take only `default`.
    public static func isolation(_ text: String) throws(DockerValueError) -> String {
        guard ["", "default"].contains(text.lowercased()) else {
            throw DockerValueError("isolation '\(text)' is Windows-only: a Linux engine supports only 'default'")
        }
        return text
    }

    private static func mode(_ text: String, allowed: Set<String>, container: Bool, what: String) throws(DockerValueError) -> String {
        if allowed.contains(text) { return text }
        if container, text.hasPrefix("container:"), text.count > "container:".count { return text }
        let choices = allowed.filter { !$0.isEmpty }.sorted() + (container ? ["container:<name|id>"] : [])
        throw DockerValueError("invalid \(what) mode '\(text)': one of \(choices.joined(separator: ", "))")
    }

    /// `--pull always|missing|never`.
    public static func pullPolicy(_ text: String) throws(DockerValueError) -> String {
        guard ["always", "missing", "never"].contains(text) else {
            throw DockerValueError("invalid pull option '\(text)': must be one of always, missing or never")
        }
        return text
    }

    /// `--platform os[/arch[/variant]]` (`linux/amd64`, `linux/arm64/v8`).
    public static func platform(_ text: String) throws(DockerValueError) -> String {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count),
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) } })
        else { throw DockerValueError("'\(text)' is not a platform such as linux/amd64 or linux/arm64/v8") }
        return text
    }

    /// `--attach stdin|stdout|stderr` (any case).
    public static func attachStream(_ text: String) throws(DockerValueError) -> String {
        guard ["stdin", "stdout", "stderr"].contains(text.lowercased()) else {
            throw DockerValueError("'\(text)': valid streams are STDIN, STDOUT and STDERR")
        }
        return text.lowercased()
    }
}
