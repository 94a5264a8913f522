import Glibc

/// Starts a process with `posix_spawn` in its own session (so that its whole process group can be
/// signalled), in a working directory, with stdin from `/dev/null` and stdout/stderr written to
/// FIFOs or sent to a descriptor, default signal dispositions and an empty signal mask, and no
/// other inherited descriptors.
enum ProcessSpawner {
    /// One process to start. `executable` must be a path (the caller resolves `PATH`); `arguments`
    /// is the complete argv, `argv[0]` included.
    struct Request: Sendable {
        /// Where the process's stdout and stderr go.
        enum Output: Sendable {
            /// Written to these FIFOs, opened read-write (see ``OutputFifo``): a task's output.
            case fifos(stdout: String, stderr: String)
            /// Both written to this open descriptor of the caller (a pipe a health check is read from).
            case descriptor(Int32)
        }

        var executable: String
        var arguments: [String]
        var environment: [String: String]
        var workingDirectory: String
        var output: Output
    }

    /// glibc's `POSIX_SPAWN_SETSID` (not exported to Swift without `_GNU_SOURCE`).
    static let setsidFlag: Int32 = 0x80

    /// Whether the working directory can be set by the spawn itself (glibc ≥ 2.29); when not, the
    /// caller must wrap the command in a `cd`.
    static var canChangeDirectory: Bool { GlibcExtensions.addChdir != nil }

    /// Spawns the process and returns its pid (which is also its process group and session id).
    /// Throws the `errno` of the failed step.
    static func spawn(_ request: Request) throws(RuntimeError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        switch request.output {
        case .fifos(let stdout, let stderr):
            posix_spawn_file_actions_addopen(&actions, 1, stdout, O_RDWR, 0)
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_RDWR, 0)
        case .descriptor(let fd):
            posix_spawn_file_actions_adddup2(&actions, fd, 1)
            posix_spawn_file_actions_adddup2(&actions, fd, 2)
        }
        if let closeFrom = GlibcExtensions.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let addChdir = GlibcExtensions.addChdir {
            let rc = addChdir(&actions, request.workingDirectory)
            if rc != 0 { throw .spawnFailed(errno: rc, detail: "chdir \(request.workingDirectory)") }
        }

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // Handlers cannot survive exec, but ignored signals (SIGPIPE under SwiftNIO) would: reset all.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in 1..<32 where signal != SIGKILL && signal != SIGSTOP { sigaddset(&defaults, Int32(signal)) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let flags = setsidFlag | Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = CStringArray(request.arguments)
        let envp = CStringArray(request.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        defer {
            argv.free()
            envp.free()
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, request.executable, &actions, &attributes, argv.pointers, envp.pointers)
        guard rc == 0 else { throw .spawnFailed(errno: rc, detail: request.executable) }
        return pid
    }

    /// Finds `name` the way `execvp` would, but in the task's `PATH` (posix_spawnp would use the
    /// agent's): names with a `/` are taken relative to `workingDirectory`.
    static func resolveExecutable(_ name: String, path: String?, workingDirectory: String) throws(RuntimeError) -> String {
        guard !name.isEmpty else { throw .spawnFailed(errno: ENOENT, detail: "empty args[0]") }
        var candidates: [String]
        if name.contains("/") {
            candidates = [name.hasPrefix("/") ? name : workingDirectory + "/" + name]
        } else {
            let directories = (path ?? TaskEnvironment.defaultPath).split(separator: ":", omittingEmptySubsequences: false)
            candidates = directories.map { ($0.isEmpty ? workingDirectory : String($0)) + "/" + name }
        }
        var firstError = ENOENT
        for candidate in candidates {
            var info = stat()
            guard stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if access(candidate, X_OK) == 0 { return candidate }
            firstError = EACCES
        }
        throw .spawnFailed(errno: firstError, detail: name)
    }
}

/// A NULL-terminated array of C strings for `argv`/`envp`; call `free()` once done.
struct CStringArray {
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    func free() {
        for pointer in pointers { Glibc.free(pointer) }
    }
}

/// glibc functions that exist at run time but are hidden from Swift's Glibc module (they need
/// `_GNU_SOURCE`), looked up once with `dlsym`.
enum GlibcExtensions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29).
    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34).
    static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)
    /// `pipe2` (glibc 2.9): a pipe whose ends are close-on-exec from the start, so that no process
    /// spawned concurrently by another thread inherits them.
    static let pipe2: Pipe2? = symbol("pipe2", as: Pipe2.self)

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }
}
