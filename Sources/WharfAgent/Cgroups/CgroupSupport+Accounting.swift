import Glibc

extension CgroupSupport {
    /// The mount point of a cgroup v1 `cpuacct` hierarchy mounted apart from the `cpu` controller
    /// (where they share one, `cpuacct.usage` is in the task's cpu directory already), found once.
    /// Process tasks also get a directory there, only to read their CPU time (`cpuacct.usage`).
    static let separateCPUAccountingMount: String? = {
        guard let mountinfo = FileIO.read("/proc/self/mountinfo") else { return nil }
        let mounts = parseMounts(mountinfo)
        return mounts.first { $0.type == "cgroup" && $0.options.contains("cpuacct") && !$0.options.contains("cpu") }?.point
    }()

    /// The task's `cpuacct` directory below `parent`, created; nil when there is no separate
    /// hierarchy or it is not writable (CPU time is then not reported, nothing else changes).
    static func makeCPUAccountingDirectory(parent: String, taskId: String) -> String? {
        guard let mount = separateCPUAccountingMount, FileIO.makeDirectories(mount + "/" + parent) == 0 else { return nil }
        let directory = "\(mount)/\(parent)/\(taskId)"
        return mkdir(directory, 0o755) == 0 || errno == EEXIST ? directory : nil
    }
}
