import Glibc

/// Finds and kills what is left of a task's session after its main process is gone: background
/// children, and grandchildren that moved to other process groups of the session.
///
/// Safe against pid reuse: a session id stays reserved by the kernel while any member of the session
/// lives, so when no process with the leader's pid exists (or only the leader's own zombie does),
/// every process still in that session belongs to the task.
enum SessionSweeper {
    /// Sends SIGKILL to every process in session `leader` if the leader is gone; returns how many.
    @discardableResult
    static func killRemnants(ofSession leader: Int32, leaderStartTime: UInt64?) -> Int {
        if let stat = ProcStat.read(pid: leader) {
            let isOwnZombie = stat.state == "Z" && (leaderStartTime == nil || stat.startTime == leaderStartTime)
            guard isOwnZombie else { return 0 }
        }
        var killed = 0
        for name in FileIO.listDirectory("/proc") {
            guard let pid = Int32(name), pid != leader, let stat = ProcStat.read(pid: pid),
                  stat.session == leader, stat.state != "Z"
            else { continue }
            if kill(pid, SIGKILL) == 0 { killed += 1 }
        }
        return killed
    }
}
