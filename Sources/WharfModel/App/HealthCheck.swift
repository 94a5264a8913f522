/// A Marathon health check (`healthChecks[]`), run by the agent.
public struct HealthCheck: Hashable, Sendable {
    public enum CheckProtocol: String, Hashable, Sendable, CaseIterable {
        case http = "HTTP", https = "HTTPS", tcp = "TCP", command = "COMMAND"
        case mesosHttp = "MESOS_HTTP", mesosHttps = "MESOS_HTTPS", mesosTcp = "MESOS_TCP"
    }

    public var `protocol`: CheckProtocol
    public var path: String?
    public var portIndex: Int?
    public var port: Int?
    /// `command.value` for COMMAND checks.
    public var command: String?
    public var gracePeriodSeconds: Int
    public var intervalSeconds: Int
    public var timeoutSeconds: Int
    public var maxConsecutiveFailures: Int
    public var delaySeconds: Int
    public var ignoreHttp1xx: Bool
    /// `IPv6` for Mesos checks of Docker containers; nil is IPv4 (GET writes `"IPv4"`).
    public var ipProtocol: String?

    public init(protocol: CheckProtocol = .http, path: String? = nil, portIndex: Int? = nil, port: Int? = nil,
                command: String? = nil, gracePeriodSeconds: Int = 300, intervalSeconds: Int = 60,
                timeoutSeconds: Int = 20, maxConsecutiveFailures: Int = 3, delaySeconds: Int = 15,
                ignoreHttp1xx: Bool = false, ipProtocol: String? = nil) {
        self.protocol = `protocol`
        self.path = path
        self.portIndex = portIndex
        self.port = port
        self.command = command
        self.gracePeriodSeconds = gracePeriodSeconds
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.delaySeconds = delaySeconds
        self.ignoreHttp1xx = ignoreHttp1xx
        self.ipProtocol = ipProtocol
    }
}

/// A readiness check (`readinessChecks[]`): gates deployments until the new instance answers.
public struct ReadinessCheck: Hashable, Sendable {
    public var name: String
    public var `protocol`: String
    public var path: String
    public var portName: String
    public var intervalSeconds: Int
    public var timeoutSeconds: Int
    public var httpStatusCodesForReady: [Int]
    public var preserveLastResponse: Bool

    public init(name: String = "readinessCheck", protocol: String = "HTTP", path: String = "/",
                portName: String = "http-api", intervalSeconds: Int = 30, timeoutSeconds: Int = 10,
                httpStatusCodesForReady: [Int] = [200], preserveLastResponse: Bool = false) {
        self.name = name
        self.protocol = `protocol`
        self.path = path
        self.portName = portName
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.httpStatusCodesForReady = httpStatusCodesForReady
        self.preserveLastResponse = preserveLastResponse
    }
}
