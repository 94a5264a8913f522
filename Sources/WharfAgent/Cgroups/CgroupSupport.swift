import Glibc

/// Whether and how this machine lets the agent confine tasks in cgroups, found once at start-up.
///
/// Task cgroups live in a parent directory directly below each hierarchy's mount point
/// (`/sys/fs/cgroup/memory/wharf/<taskId>` on v1, `/sys/fs/cgroup/wharf/<taskId>` on v2), not below
/// the agent's own cgroup: a service manager that stops the agent's cgroup would otherwise kill the
/// tasks, which must survive an agent restart.
public enum CgroupSupport: Hashable, Sendable {
    /// cgroup v1: the memory hierarchy's mount point and, when writable too, the cpu hierarchy's.
    case v1(memory: String, cpu: String?)
    /// cgroup v2 (unified) mounted at `root`, with the memory and cpu controllers delegated.
    case v2(root: String)
    /// No usable cgroups; the reason says why (`cgroup v1 memory controller not writable`).
    case unavailable(reason: String)

    /// The value of `AgentInfo.isolation`: `cgroup-v1`, `cgroup-v2` or `none: <reason>`.
    public var isolation: String {
        switch self {
        case .v1(_, let cpu): return cpu == nil ? "cgroup-v1 (memory only: cpu controller not writable)" : "cgroup-v1"
        case .v2: return "cgroup-v2"
        case .unavailable(let reason): return "none: \(reason)"
        }
    }

    /// Finds the mounted hierarchies in `/proc/self/mountinfo` and checks that the parent directory
    /// `parent` can be created in them (which needs root or a delegated hierarchy).
    public static func detect(parent: String) -> CgroupSupport {
        guard let mountinfo = FileIO.read("/proc/self/mountinfo") else {
            return .unavailable(reason: "cannot read /proc/self/mountinfo")
        }
        let mounts = parseMounts(mountinfo)
        if let unified = mounts.first(where: { $0.type == "cgroup2" && hasV2Controllers($0.point) }) {
            return detectV2(root: unified.point, parent: parent)
        }
        guard let memory = mounts.first(where: { $0.type == "cgroup" && $0.options.contains("memory") }) else {
            return .unavailable(reason: "no cgroup memory controller mounted")
        }
        guard FileIO.makeDirectories(memory.point + "/" + parent) == 0,
              access(memory.point + "/" + parent, W_OK) == 0
        else { return .unavailable(reason: "cgroup v1 memory controller not writable") }
        let cpu = mounts.first { $0.type == "cgroup" && $0.options.contains("cpu") }
        let cpuUsable = cpu.map { FileIO.makeDirectories($0.point + "/" + parent) == 0 } ?? false
        return .v1(memory: memory.point, cpu: cpuUsable ? cpu?.point : nil)
    }

    private static func detectV2(root: String, parent: String) -> CgroupSupport {
        let enabled = (FileIO.read(root + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace)
        if !(enabled.contains("memory") && enabled.contains("cpu")),
           FileIO.write("+memory +cpu", to: root + "/cgroup.subtree_control") != 0 {
            return .unavailable(reason: "cgroup v2 memory and cpu controllers not enabled in \(root)/cgroup.subtree_control")
        }
        let directory = root + "/" + parent
        guard FileIO.makeDirectories(directory) == 0 else {
            return .unavailable(reason: "cgroup v2 hierarchy \(root) not writable")
        }
        let code = FileIO.write("+memory +cpu", to: directory + "/cgroup.subtree_control")
        guard code == 0 else {
            return .unavailable(reason: "cannot delegate memory and cpu controllers to \(directory): \(ErrorText.strerror(code))")
        }
        return .v2(root: root)
    }

    private static func hasV2Controllers(_ point: String) -> Bool {
        let controllers = (FileIO.read(point + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace)
        return controllers.contains("memory") && controllers.contains("cpu")
    }

    /// One line of `/proc/self/mountinfo`, reduced to what detection needs.
    struct Mount: Hashable {
        var point: String
        var type: String
        /// Super options (`rw,memory`), split at commas.
        var options: [String]
    }

    /// Parses mountinfo lines: `id parent major:minor root point options [optional...] - type source superoptions`.
    static func parseMounts(_ text: String) -> [Mount] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), fields.count > dash + 3, fields.count > 4 else { return nil }
            return Mount(
                point: String(fields[4]), type: String(fields[dash + 1]),
                options: fields[dash + 3].split(separator: ",").map(String.init))
        }
    }
}
