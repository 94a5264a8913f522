import Foundation

/// `check`: Marathon's app-level Mesos check (`check.AppCheck`), whose result Mesos only reports in
/// the task status and which never kills a task. Wharf validates and keeps it; it does not run it.
public struct AppCheck: Hashable, Sendable {
    /// What the check probes: exactly one of `http`, `tcp` or `exec`.
    public enum Probe: Hashable, Sendable {
        case http(portIndex: Int?, port: Int?, path: String?, scheme: String)
        case tcp(portIndex: Int?, port: Int?)
        /// `exec.command`: `{"shell": "..."}` or `{"argv": [...]}`.
        case shell(String)
        case argv([String])
    }

    public var probe: Probe
    public var intervalSeconds: Int
    public var timeoutSeconds: Int
    public var delaySeconds: Int

    public init(probe: Probe, intervalSeconds: Int = 60, timeoutSeconds: Int = 20, delaySeconds: Int = 15) {
        self.probe = probe
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.delaySeconds = delaySeconds
    }

    /// The port reference of an HTTP or TCP check.
    public var portIndex: Int? {
        switch probe {
        case .http(let index, _, _, _), .tcp(let index, _): index
        case .shell, .argv: nil
        }
    }

    /// The literal port of an HTTP or TCP check.
    public var port: Int? {
        switch probe {
        case .http(_, let port, _, _), .tcp(_, let port): port
        case .shell, .argv: nil
        }
    }
}

extension AppCheck: Codable {
    private enum CodingKeys: String, CodingKey { case http, tcp, exec, intervalSeconds, timeoutSeconds, delaySeconds }
    private enum PortKeys: String, CodingKey { case portIndex, port, path, scheme }
    private enum ExecKeys: String, CodingKey { case command }
    private enum CommandKeys: String, CodingKey { case shell, argv }

    /// Exactly one of `http`, `tcp` and `exec` must be given, and `http` only with `scheme: HTTP`
    /// (Marathon fails other bodies with 500; Wharf reports them with the validation errors).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var probes: [Probe] = []
        if let http = try Self.nested(c, .http, PortKeys.self) {
            let scheme = try http.value(.scheme, default: "HTTP")
            if scheme != "HTTP" {
                decoder.note("scheme \(scheme) is not supported for app checks: use HTTP", at: c.codingPath + [CodingKeys.http, PortKeys.scheme])
            }
            probes.append(.http(portIndex: try http.decodeIfPresent(Int.self, forKey: .portIndex),
                                port: try http.decodeIfPresent(Int.self, forKey: .port),
                                path: try http.decodeIfPresent(String.self, forKey: .path), scheme: scheme))
        }
        if let tcp = try Self.nested(c, .tcp, PortKeys.self) {
            probes.append(.tcp(portIndex: try tcp.decodeIfPresent(Int.self, forKey: .portIndex),
                               port: try tcp.decodeIfPresent(Int.self, forKey: .port)))
        }
        if let exec = try Self.nested(c, .exec, ExecKeys.self) {
            let command = try exec.nestedContainer(keyedBy: CommandKeys.self, forKey: .command)
            if let shell = try command.decodeIfPresent(String.self, forKey: .shell) {
                probes.append(.shell(shell))
            } else {
                probes.append(.argv(try command.decode([String].self, forKey: .argv)))
            }
        }
        if probes.count != 1 { decoder.note("a check needs exactly one of http, tcp or exec", at: c.codingPath) }
        self.init(probe: probes.first ?? .tcp(portIndex: nil, port: nil),
                  intervalSeconds: try c.value(.intervalSeconds, default: 60),
                  timeoutSeconds: try c.value(.timeoutSeconds, default: 20),
                  delaySeconds: try c.value(.delaySeconds, default: 15))
    }

    private static func nested<K: CodingKey>(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, _ keys: K.Type) throws
        -> KeyedDecodingContainer<K>?
    {
        guard c.contains(key), (try? c.decodeNil(forKey: key)) == false else { return nil }
        return try c.nestedContainer(keyedBy: K.self, forKey: key)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch probe {
        case .http(let portIndex, let port, let path, let scheme):
            var http = c.nestedContainer(keyedBy: PortKeys.self, forKey: .http)
            try http.encodeIfPresent(portIndex, forKey: .portIndex)
            try http.encodeIfPresent(port, forKey: .port)
            try http.encodeIfPresent(path, forKey: .path)
            try http.encode(scheme, forKey: .scheme)
        case .tcp(let portIndex, let port):
            var tcp = c.nestedContainer(keyedBy: PortKeys.self, forKey: .tcp)
            try tcp.encodeIfPresent(portIndex, forKey: .portIndex)
            try tcp.encodeIfPresent(port, forKey: .port)
        case .shell(let shell):
            var exec = c.nestedContainer(keyedBy: ExecKeys.self, forKey: .exec)
            var command = exec.nestedContainer(keyedBy: CommandKeys.self, forKey: .command)
            try command.encode(shell, forKey: .shell)
        case .argv(let argv):
            var exec = c.nestedContainer(keyedBy: ExecKeys.self, forKey: .exec)
            var command = exec.nestedContainer(keyedBy: CommandKeys.self, forKey: .command)
            try command.encode(argv, forKey: .argv)
        }
        try c.encode(intervalSeconds, forKey: .intervalSeconds)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(delaySeconds, forKey: .delaySeconds)
    }
}
