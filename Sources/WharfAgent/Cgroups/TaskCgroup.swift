import Glibc
import WharfModel

/// The cgroup directories of one task: created with the task's limits before it starts, joined by
/// the task's own first shell command, inspected for OOM kills and removed after the task ended.
struct TaskCgroup: Hashable, Sendable {
    /// Absolute cgroup directories, one per hierarchy the task is in.
    var directories: [String]

    /// CFS period used for CPU quotas, in microseconds.
    static let cpuPeriodMicroseconds = 100_000

    /// Creates the task's cgroups under `parent` and writes memory and CPU limits for `resources`.
    /// CPU is a relative weight (`cpu.shares`/`cpu.weight`), as Mesos does by default; with
    /// `hardCpuLimit` it is also a CFS quota (Mesos' `--cgroups_enable_cfs`), which caps the task at
    /// `cpus` cores even on an idle machine. Returns nil when cgroups are unavailable.
    static func create(
        support: CgroupSupport, parent: String, taskId: String, resources: Resources, hardCpuLimit: Bool = false
    ) throws(RuntimeError) -> TaskCgroup? {
        let memoryBytes = resources.mem > 0 ? Int64(resources.mem * 1_048_576) : nil
        let quota = resources.cpus > 0 && hardCpuLimit
            ? max(1000, Int(resources.cpus * Double(cpuPeriodMicroseconds))) : nil
        switch support {
        case .unavailable:
            return nil
        case .v1(let memoryMount, let cpuMount):
            let memory = "\(memoryMount)/\(parent)/\(taskId)"
            try make(memory)
            if let memoryBytes {
                try set("memory.limit_in_bytes", "\(memoryBytes)", in: memory)
                // Also cap swap where swap accounting is on, so the limit cannot be dodged by swapping.
                FileIO.write("\(memoryBytes)", to: memory + "/memory.memsw.limit_in_bytes")
            }
            var directories = [memory]
            // Between memory and cpu: the first directory is the memory one, the last the cpu one.
            if let accounting = CgroupSupport.makeCPUAccountingDirectory(parent: parent, taskId: taskId) {
                directories.append(accounting)
            }
            if let cpuMount {
                let cpu = "\(cpuMount)/\(parent)/\(taskId)"
                try make(cpu)
                if resources.cpus > 0 {
                    try set("cpu.shares", "\(max(2, Int(resources.cpus * 1024)))", in: cpu)
                    try set("cpu.cfs_period_us", "\(cpuPeriodMicroseconds)", in: cpu)
                }
                if let quota { try set("cpu.cfs_quota_us", "\(quota)", in: cpu) }
                directories.append(cpu)
            }
            return TaskCgroup(directories: directories)
        case .v2(let root):
            let directory = "\(root)/\(parent)/\(taskId)"
            try make(directory)
            if let memoryBytes {
                try set("memory.max", "\(memoryBytes)", in: directory)
                FileIO.write("0", to: directory + "/memory.swap.max")
            }
            if let quota { try set("cpu.max", "\(quota) \(cpuPeriodMicroseconds)", in: directory) }
            if resources.cpus > 0 {
                // runc's conversion of v1 shares (2...262144) to v2 weight (1...10000).
                let shares = max(2, min(262_144, Int(resources.cpus * 1024)))
                try set("cpu.weight", "\(1 + ((shares - 2) * 9999) / 262_142)", in: directory)
            }
            return TaskCgroup(directories: [directory])
        }
    }

    /// Shell commands that move the shell itself into every directory of the cgroup, so that the
    /// task is confined before it `exec`s its command. A failure exits with 125.
    var joinScript: String {
        let joins = directories.map { "echo $$ > '\($0)/cgroup.procs'" }.joined(separator: " && ")
        return "{ \(joins); } || { echo 'wharf: cannot join the task cgroup' >&2; exit 125; }"
    }

    /// Whether the kernel's OOM killer killed a process in one of `directories` (v1
    /// `memory.oom_control`, v2 `memory.events`, both count `oom_kill`).
    static func sawOutOfMemory(_ directories: [String]) -> Bool {
        for directory in directories {
            for file in ["memory.oom_control", "memory.events"] {
                guard let text = FileIO.read(directory + "/" + file) else { continue }
                for line in text.split(separator: "\n") {
                    let parts = line.split(separator: " ")
                    if parts.count == 2, parts[0] == "oom_kill", let count = Int(parts[1]), count > 0 { return true }
                }
            }
        }
        return false
    }

    /// Kills whatever is left in `directories` and removes them, retrying briefly while the kernel
    /// finishes tearing the killed processes down. Returns directories that could not be removed.
    @discardableResult
    static func destroy(_ directories: [String]) -> [String] {
        var remaining = directories
        for _ in 0..<40 where !remaining.isEmpty {
            remaining = remaining.filter { directory in
                if access(directory, F_OK) != 0 { return false }
                for line in (FileIO.read(directory + "/cgroup.procs") ?? "").split(separator: "\n") {
                    if let pid = Int32(line), pid > 0 { kill(pid, SIGKILL) }
                }
                return rmdir(directory) != 0 && errno != ENOENT
            }
            if !remaining.isEmpty { usleep(25_000) }
        }
        return remaining
    }

    private static func make(_ directory: String) throws(RuntimeError) {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw .isolationFailed(detail: "mkdir \(directory): \(ErrorText.strerror(errno))")
        }
    }

    private static func set(_ file: String, _ value: String, in directory: String) throws(RuntimeError) {
        let code = FileIO.write(value, to: directory + "/" + file)
        if code != 0 { throw .isolationFailed(detail: "write \(value) to \(directory)/\(file): \(ErrorText.strerror(code))") }
    }
}
