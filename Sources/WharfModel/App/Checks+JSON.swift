// Fast writers of an app's checks and resource settings in GET shape; each matches the type's
// `Codable` encoding with sorted keys.

extension HealthCheck {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        if let command { w.key(literal: "command"); w.beginObject(); w.key(literal: "value"); w.string(command); w.endObject() }
        w.key(literal: "delaySeconds"); w.int(delaySeconds)
        w.key(literal: "gracePeriodSeconds"); w.int(gracePeriodSeconds)
        if `protocol`.writesIgnoreHttp1xx { w.key(literal: "ignoreHttp1xx"); w.bool(ignoreHttp1xx) }
        w.key(literal: "intervalSeconds"); w.int(intervalSeconds)
        w.key(literal: "ipProtocol"); w.string(ipProtocol ?? "IPv4")
        w.key(literal: "maxConsecutiveFailures"); w.int(maxConsecutiveFailures)
        if let path { w.key(literal: "path"); w.string(path) }
        if let port { w.key(literal: "port"); w.int(port) }
        if let portIndex { w.key(literal: "portIndex"); w.int(portIndex) }
        w.key(literal: "protocol"); w.string(`protocol`.rawValue)
        w.key(literal: "timeoutSeconds"); w.int(timeoutSeconds)
        w.endObject()
    }
}

extension ReadinessCheck {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key(literal: "httpStatusCodesForReady"); w.intArray(httpStatusCodesForReady)
        w.key(literal: "intervalSeconds"); w.int(intervalSeconds)
        w.key(literal: "name"); w.string(name)
        w.key(literal: "path"); w.string(path)
        w.key(literal: "portName"); w.string(portName)
        w.key(literal: "preserveLastResponse"); w.bool(preserveLastResponse)
        w.key(literal: "protocol"); w.string(`protocol`)
        w.key(literal: "timeoutSeconds"); w.int(timeoutSeconds)
        w.endObject()
    }
}

extension AppCheck {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key(literal: "delaySeconds"); w.int(delaySeconds)
        switch probe {
        case .shell(let shell):
            w.key(literal: "exec")
            w.beginObject(); w.key(literal: "command")
            w.beginObject(); w.key(literal: "shell"); w.string(shell); w.endObject()
            w.endObject()
        case .argv(let argv):
            w.key(literal: "exec")
            w.beginObject(); w.key(literal: "command")
            w.beginObject(); w.key(literal: "argv"); w.stringArray(argv); w.endObject()
            w.endObject()
        case .http(let portIndex, let port, let path, let scheme):
            w.key(literal: "http")
            w.beginObject()
            if let path { w.key(literal: "path"); w.string(path) }
            if let port { w.key(literal: "port"); w.int(port) }
            if let portIndex { w.key(literal: "portIndex"); w.int(portIndex) }
            w.key(literal: "scheme"); w.string(scheme)
            w.endObject()
        case .tcp:
            break
        }
        w.key(literal: "intervalSeconds"); w.int(intervalSeconds)
        if case .tcp(let portIndex, let port) = probe {
            w.key(literal: "tcp")
            w.beginObject()
            if let port { w.key(literal: "port"); w.int(port) }
            if let portIndex { w.key(literal: "portIndex"); w.int(portIndex) }
            w.endObject()
        }
        w.key(literal: "timeoutSeconds"); w.int(timeoutSeconds)
        w.endObject()
    }
}

extension ResourceLimits {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        if let cpus { w.key(literal: "cpus"); cpus.write(to: &w) }
        if let mem { w.key(literal: "mem"); mem.write(to: &w) }
        w.endObject()
    }
}

extension ResourceLimit {
    func write(to w: inout JSONWriter) {
        switch self {
        case .number(let value): w.double(value)
        case .unlimited: w.string("unlimited")
        case .invalid(let text): w.string(text)
        }
    }
}

extension ExecutorResources {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key(literal: "cpus"); w.double(cpus)
        w.key(literal: "disk"); w.double(disk)
        w.key(literal: "mem"); w.double(mem)
        w.endObject()
    }
}
