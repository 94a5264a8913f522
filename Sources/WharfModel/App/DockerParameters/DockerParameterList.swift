/// `container.docker.parameters` resolved against the table of `docker run` options
/// (``DockerRunOption``): each parameter's option and value in the order given, plus what is wrong
/// with the parameters that could not be resolved or whose value `docker run` would refuse.
public struct DockerParameterList: Sendable {
    /// One accepted parameter.
    public struct Entry: Sendable {
        /// Its index in `container.docker.parameters`.
        public let index: Int
        public let option: DockerRunOption
        public let value: String
    }

    /// A parameter that cannot be used, with the path below `/container/docker/parameters`
    /// (`(3)/key`, `(3)/value`) and what is wrong.
    public struct Problem: Hashable, Sendable {
        public let path: String
        public let message: String
    }

    /// The accepted parameters, in order.
    public let entries: [Entry]
    /// The refused ones (unknown or removed keys, values `docker run` would not take).
    public let problems: [Problem]

    /// Resolves `parameters`.
    public init(_ parameters: [DockerSettings.Parameter]) {
        var entries: [Entry] = []
        var problems: [Problem] = []
        for (index, parameter) in parameters.enumerated() {
            switch DockerRunOption.named(parameter.key) {
            case .failure(let error):
                problems.append(Problem(path: "(\(index))/key", message: error.message))
            case .success(let option):
                if let problem = option.problem(with: parameter.value) {
                    problems.append(Problem(path: "(\(index))/value", message: "\(option.name): \(problem)"))
                } else {
                    entries.append(Entry(index: index, option: option, value: parameter.value))
                }
            }
        }
        self.entries = entries
        self.problems = problems
    }

    /// The entries of the option named `name` (its long name), in order.
    public func entries(_ name: String) -> [Entry] { entries.filter { $0.option.name == name } }

    /// The values given to `name`, in order.
    public func values(_ name: String) -> [String] { entries(name).map(\.value) }

    /// The last value given to `name`: the one `docker run` uses for an option that does not repeat.
    public func last(_ name: String) -> String? { entries(name).last?.value }

    /// Whether the boolean option `name` was given as true (its last value).
    public func isSet(_ name: String) -> Bool {
        guard let value = last(name) else { return false }
        return (try? DockerValue.bool(value)) ?? false
    }

    /// The networks of the `network` parameters, in order (all parsed at resolution).
    public var networks: [DockerValue.NetworkAttachment] {
        values("network").compactMap { try? DockerValue.network($0) }
    }

    /// The container's network mode: the first `network` parameter's network (as Mesos, which took
    /// the first `net`/`network` parameter over the app's network), else the app's (``Network/dockerMode(of:)``).
    public func networkMode(appNetworks: [Network]) -> String {
        networks.first?.target ?? Network.dockerMode(of: appNetworks)
    }
}

extension Network {
    /// The Docker network mode of a Docker app's `networks`: `host` when every network is host,
    /// else the name of its container network, else `bridge`.
    public static func dockerMode(of networks: [Network]) -> String {
        if networks.allSatisfy({ $0.mode == .host }) { return "host" }
        return networks.first { $0.mode == .container }?.name ?? "bridge"
    }
}
