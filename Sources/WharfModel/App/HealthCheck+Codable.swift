import Foundation

extension HealthCheck.CheckProtocol {
    /// Whether the check talks HTTP(S) and therefore has a `path`.
    public var isHTTP: Bool { self == .http || self == .https || self == .mesosHttp || self == .mesosHttps }

    /// Whether Mesos (here: the agent, Mesos-style) runs the check rather than Marathon.
    public var isMesosCheck: Bool { self == .mesosHttp || self == .mesosHttps || self == .mesosTcp || self == .command }

    /// Whether GET shows `ignoreHttp1xx` (Marathon's own HTTP checks only).
    var writesIgnoreHttp1xx: Bool { self == .http || self == .https }
}

extension HealthCheck: Codable {
    private enum CodingKeys: String, CodingKey {
        case `protocol`, path, portIndex, port, command, gracePeriodSeconds, intervalSeconds, timeoutSeconds,
             maxConsecutiveFailures, delaySeconds, ignoreHttp1xx, ipProtocol
    }
    private enum CommandKeys: String, CodingKey { case value }

    /// Marathon's defaults: HTTP, grace 300 s, interval 60 s, timeout 20 s, 3 failures, delay 15 s,
    /// `ipProtocol` IPv4 (nil here). `command` is `{"value": "..."}`. Lossless for what `encode(to:)`
    /// writes; what Marathon's conversion drops per protocol is dropped by `normalizedAsMarathon`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let proto = try c.literal(CheckProtocol.self, .protocol, default: .http)
        var command: String?
        if c.contains(.command), (try? c.decodeNil(forKey: .command)) == false {
            command = try c.nestedContainer(keyedBy: CommandKeys.self, forKey: .command).decode(String.self, forKey: .value)
        }
        let ipProtocol = try c.decodeIfPresent(String.self, forKey: .ipProtocol)
        self.init(protocol: proto,
                  path: try c.decodeIfPresent(String.self, forKey: .path),
                  portIndex: try c.decodeIfPresent(Int.self, forKey: .portIndex),
                  port: try c.decodeIfPresent(Int.self, forKey: .port),
                  command: command,
                  gracePeriodSeconds: try c.value(.gracePeriodSeconds, default: 300),
                  intervalSeconds: try c.value(.intervalSeconds, default: 60),
                  timeoutSeconds: try c.value(.timeoutSeconds, default: 20),
                  maxConsecutiveFailures: try c.value(.maxConsecutiveFailures, default: 3),
                  delaySeconds: try c.value(.delaySeconds, default: 15),
                  ignoreHttp1xx: try c.value(.ignoreHttp1xx, default: false),
                  ipProtocol: ipProtocol == "IPv4" ? nil : ipProtocol)
    }

    /// The check as Marathon's conversion (`HealthCheckConversion.scala`) keeps it: the delay of the
    /// checks Marathon runs itself (HTTP, HTTPS, TCP) is always 15 s, `path` only for HTTP-based
    /// checks, no ports for COMMAND checks, `ignoreHttp1xx` only for HTTP/HTTPS.
    var normalizedAsMarathon: HealthCheck {
        var check = self
        if !`protocol`.isHTTP { check.path = nil }
        if `protocol` == .command {
            check.port = nil
            check.portIndex = nil
        }
        if !`protocol`.isMesosCheck { check.delaySeconds = 15 }
        if !`protocol`.writesIgnoreHttp1xx { check.ignoreHttp1xx = false }
        return check
    }

    /// Marathon's GET shape; byte-identical (with sorted keys) to `write(to:)`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(`protocol`.rawValue, forKey: .protocol)
        try c.encodeIfPresent(path, forKey: .path)
        try c.encodeIfPresent(portIndex, forKey: .portIndex)
        try c.encodeIfPresent(port, forKey: .port)
        if let command {
            var nested = c.nestedContainer(keyedBy: CommandKeys.self, forKey: .command)
            try nested.encode(command, forKey: .value)
        }
        try c.encode(gracePeriodSeconds, forKey: .gracePeriodSeconds)
        try c.encode(intervalSeconds, forKey: .intervalSeconds)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(maxConsecutiveFailures, forKey: .maxConsecutiveFailures)
        try c.encode(delaySeconds, forKey: .delaySeconds)
        if `protocol`.writesIgnoreHttp1xx { try c.encode(ignoreHttp1xx, forKey: .ignoreHttp1xx) }
        try c.encode(ipProtocol ?? "IPv4", forKey: .ipProtocol)
    }
}

extension ReadinessCheck: Codable {
    private enum CodingKeys: String, CodingKey {
        case name, `protocol`, path, portName, intervalSeconds, timeoutSeconds, httpStatusCodesForReady, preserveLastResponse
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.value(.name, default: "readinessCheck"),
                  protocol: try c.value(.protocol, default: "HTTP"),
                  path: try c.value(.path, default: "/"),
                  portName: try c.value(.portName, default: "http-api"),
                  intervalSeconds: try c.value(.intervalSeconds, default: 30),
                  timeoutSeconds: try c.value(.timeoutSeconds, default: 10),
                  httpStatusCodesForReady: try c.value(.httpStatusCodesForReady, default: [200]),
                  preserveLastResponse: try c.value(.preserveLastResponse, default: false))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(`protocol`, forKey: .protocol)
        try c.encode(path, forKey: .path)
        try c.encode(portName, forKey: .portName)
        try c.encode(intervalSeconds, forKey: .intervalSeconds)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(httpStatusCodesForReady, forKey: .httpStatusCodesForReady)
        try c.encode(preserveLastResponse, forKey: .preserveLastResponse)
    }
}
