/// The agent's abstraction over how a task is executed: as a supervised process, or (later) as a
/// Docker container.
///
/// A runtime starts tasks from a ``TaskSpec``, stops them with a grace period, reports every exit on
/// ``exits`` and, after an agent restart, re-adopts tasks that kept running from their recorded
/// ``TaskHandle``. It never decides task states; the agent maps a ``TaskExit`` to a Marathon state.
public protocol Runtime: Sendable {
    /// The runtime's name as advertised in `AgentInfo.runtimes` and stored in handles (`process`).
    var name: String { get }

    /// How the runtime enforces resource limits (`cgroup-v1`, `cgroup-v2`, `none: <reason>`).
    var isolation: String { get }

    /// One element per task that ended, whether started or adopted by this runtime. The stream ends
    /// after ``detach()``.
    var exits: AsyncStream<TaskExit> { get }

    /// Prepares the sandbox, applies resource limits and starts the task. Returns once the task runs
    /// (its exit may already be on its way on ``exits``). Throws ``RuntimeError`` when it cannot start.
    func start(_ spec: TaskSpec) async throws -> TaskHandle

    /// Asks the task to stop (SIGTERM or the runtime's equivalent) and forces it (SIGKILL) when it is
    /// still alive after `gracePeriod`. Returns once the first signal is sent; the exit follows on
    /// ``exits``. Stopping a task that already ended does nothing.
    func stop(_ handle: TaskHandle, gracePeriod: Duration) async

    /// Takes over supervision of a task started by an earlier agent process. Returns whether it is
    /// still the same live task; when it is not, its leftovers (process group, cgroup) are cleaned up
    /// and no exit is reported for it.
    func adopt(_ handle: TaskHandle) async -> Bool

    /// Stops supervising without stopping any task, so that they survive an agent restart and can be
    /// adopted again. Ends ``exits``.
    func detach() async
}
