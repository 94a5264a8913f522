import Foundation

/// One `docker run` option as `container.docker.parameters` may name it. Marathon hands every
/// parameter to `docker run` as `--key=value`; Wharf speaks the Engine API instead, so it keeps a
/// table of every option the CLI has (``all``), how its value is checked (as the CLI or the Engine
/// would check it) and how the Docker runtime applies it to the container-create request. Keys the
/// CLI does not have, or that the Engine removed, are refused with the reason (``refused``).
public struct DockerRunOption: Sendable {
    /// What Wharf does with an accepted value.
    public enum Handling: Sendable, Equatable {
        /// Applied as `docker run` would apply it (see ``effect``).
        case applied
        /// Checked, then not applied: Wharf keeps its own behaviour, for the reason given.
        case wharfDecides(String)
    }

    /// The long name, without dashes (`network`).
    public let name: String
    /// Other spellings: the CLI's older or hidden long names (`net`) and its one-letter flags (`e`).
    public let aliases: [String]
    /// Whether the option may be given several times, each value adding to the others (`env`,
    /// `volume`); otherwise the last value wins, as on the command line.
    public let repeatable: Bool
    /// Where the value ends up: the Engine API field or what Wharf does with it (for the docs).
    public let effect: String
    public let handling: Handling
    private let check: DockerValueCheck

    init(_ name: String, repeatable: Bool = false, _ check: DockerValueCheck, _ effect: String, _ handling: Handling = .applied) {
        self.init(name, [], repeatable: repeatable, check, effect, handling)
    }

    init(_ name: String, _ aliases: [String], repeatable: Bool = false, _ check: DockerValueCheck,
         _ effect: String, _ handling: Handling = .applied) {
        self.name = name
        self.aliases = aliases
        self.repeatable = repeatable
        self.check = check
        self.effect = effect
        self.handling = handling
    }

    /// What is wrong with `value` for this option, or nil when `docker run` would take it.
    public func problem(with value: String) -> String? {
        do throws(DockerValueError) {
            try check.run(value)
            return nil
        } catch {
            return error.message
        }
    }

    // MARK: - Lookup

    /// The option a parameter key names, or why the key is refused. Keys are accepted with or
    /// without leading dashes (`--env`, `-e`, `env`, `e`), and are case-sensitive, as for the CLI.
    public static func named(_ key: String) -> Result<DockerRunOption, DockerValueError> {
        let bare = String(key.drop { $0 == "-" })
        if let option = byName[bare] { return .success(option) }
        if let reason = refused[bare] { return .failure(DockerValueError("'\(key)' is refused: \(reason)")) }
        let hint = byName[bare.lowercased()].map { " (did you mean '\($0.name)'?)" } ?? ""
        return .failure(DockerValueError("'\(key)' is not a docker run option\(hint)"))
    }

    /// Every option, by name and by alias (a test checks that no name is listed twice).
    static let byName: [String: DockerRunOption] = {
        var names: [String: DockerRunOption] = [:]
        for option in all {
            for name in [option.name] + option.aliases where names[name] == nil { names[name] = option }
        }
        return names
    }()

    /// Every `docker run`/`docker create` option, in the CLI's order of topics.
    public static let all: [DockerRunOption] = general + network + storage + health + resources + execution
}

/// A value check of a ``DockerRunOption``.
struct DockerValueCheck: Sendable {
    let run: @Sendable (String) throws(DockerValueError) -> Void

    init(_ run: @escaping @Sendable (String) throws(DockerValueError) -> Void) { self.run = run }

    /// Any text (the CLI takes the string as it is).
    static let any = DockerValueCheck { _ in }
    static let bool = DockerValueCheck { text throws(DockerValueError) in _ = try DockerValue.bool(text) }
    static let size = DockerValueCheck { text throws(DockerValueError) in _ = try DockerValue.bytes(text) }
    static let duration = DockerValueCheck { text throws(DockerValueError) in
        let nanoseconds = try DockerValue.duration(text)
        guard nanoseconds >= 0 else { throw DockerValueError("'\(text)' cannot be negative") }
        // The Engine refuses health check durations under 1 ms (0 means the default).
        guard nanoseconds == 0 || nanoseconds >= 1_000_000 else { throw DockerValueError("'\(text)' is less than the Engine's minimum of 1ms") }
    }
    static let notEmpty = DockerValueCheck { text throws(DockerValueError) in
        guard !text.isEmpty else { throw DockerValueError("must not be empty") }
    }
    /// A file on the agent: absolute, or relative to the task's sandbox without climbing out of it.
    static let agentFile = DockerValueCheck { text throws(DockerValueError) in
        guard !text.isEmpty else { throw DockerValueError("must not be empty") }
        try DockerValue.checkRelative(text, in: text)
    }

    static func integer(_ range: ClosedRange<Int64> = Int64.min...Int64.max) -> DockerValueCheck {
        DockerValueCheck { text throws(DockerValueError) in _ = try DockerValue.integer(text, in: range) }
    }

    /// A size of 0 (unset) or at least `minimum` bytes.
    static func minimumSize(_ minimum: Int64, _ what: String) -> DockerValueCheck {
        DockerValueCheck { text throws(DockerValueError) in
            let bytes = try DockerValue.bytes(text)
            guard bytes == 0 || bytes >= minimum else { throw DockerValueError("'\(text)' is less than \(what)") }
        }
    }

    /// Whatever `parse` accepts.
    static func parsed<T>(_ parse: @escaping @Sendable (String) throws(DockerValueError) -> T) -> DockerValueCheck {
        DockerValueCheck { text throws(DockerValueError) in _ = try parse(text) }
    }
}
