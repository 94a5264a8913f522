import Foundation

// Codable conformances of the small value types an app definition is made of. Decoding applies
// Marathon's defaults for absent fields; encoding writes Marathon's GET shape (no nulls).

extension EnvValue: Codable {
    private enum CodingKeys: String, CodingKey { case secret }

    /// A JSON string, or `{"secret": "<name>"}`.
    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self = .value(text)
            return
        }
        guard let object = try? decoder.container(keyedBy: CodingKeys.self) else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: PlayErrorCode.expectedString))
        }
        self = .secret(try object.decode(String.self, forKey: .secret))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .value(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .secret(let name):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .secret)
        }
    }
}

extension SecretDefinition: Codable {
    private enum CodingKeys: String, CodingKey { case source }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(source: try c.decode(String.self, forKey: .source))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
    }
}

extension Constraint.Operator {
    /// Parses an operator name case-insensitively, as Marathon does.
    public init?(caseInsensitive name: String) {
        self.init(rawValue: name.uppercased())
    }
}

extension Constraint: Codable {
    /// `[field, OP]` or `[field, OP, value]`; `OP` case-insensitive.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let field = try c.decode(String.self)
        let opName = try c.decode(String.self)
        let value = c.isAtEnd ? nil : try c.decodeIfPresent(String.self)
        guard let op = Operator(caseInsensitive: opName) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: Constraint.invalidOperatorMessage))
        }
        self.init(field: field, op: op, value: value)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(field)
        try c.encode(op.rawValue)
        if let value { try c.encode(value) }
    }

    /// Marathon's message for an operator it does not know.
    public static let invalidOperatorMessage =
        "operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS"
}

extension FetchUri: Codable {
    private enum CodingKeys: String, CodingKey { case uri, extract, executable, cache, destPath }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(uri: try c.decode(String.self, forKey: .uri),
                  extract: try c.value(.extract, default: true),
                  executable: try c.value(.executable, default: false),
                  cache: try c.value(.cache, default: false),
                  destPath: try c.decodeIfPresent(String.self, forKey: .destPath))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uri, forKey: .uri)
        try c.encode(extract, forKey: .extract)
        try c.encode(executable, forKey: .executable)
        try c.encode(cache, forKey: .cache)
        try c.encodeIfPresent(destPath, forKey: .destPath)
    }
}

extension PortDefinition: Codable {
    private enum CodingKeys: String, CodingKey { case port, `protocol`, name, labels }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(port: try c.value(.port, default: 0),
                  protocol: try c.value(.protocol, default: "tcp"),
                  name: try c.decodeIfPresent(String.self, forKey: .name),
                  labels: try c.decodeIfPresent([String: String].self, forKey: .labels))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(port, forKey: .port)
        try c.encode(`protocol`, forKey: .protocol)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(labels, forKey: .labels)
    }
}

extension UpgradeStrategy: Codable {
    private enum CodingKeys: String, CodingKey { case minimumHealthCapacity, maximumOverCapacity }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(minimumHealthCapacity: try c.value(.minimumHealthCapacity, default: 1),
                  maximumOverCapacity: try c.value(.maximumOverCapacity, default: 1))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(minimumHealthCapacity, forKey: .minimumHealthCapacity)
        try c.encode(maximumOverCapacity, forKey: .maximumOverCapacity)
    }
}

extension KillSelection: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let value = KillSelection(rawValue: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: PlayErrorCode.unknownEnumLiteral)
        }
        self = value
    }
}

extension UnreachableStrategy: Codable {
    private enum CodingKeys: String, CodingKey { case inactiveAfterSeconds, expungeAfterSeconds }

    /// `"disabled"` or `{"inactiveAfterSeconds": n, "expungeAfterSeconds": m}` (both default 0). As
    /// in Marathon's generated reader, any string reads as `disabled`.
    public init(from decoder: any Decoder) throws {
        if (try? decoder.singleValueContainer().decode(String.self)) != nil {
            self = .disabled
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = .enabled(inactiveAfterSeconds: try c.value(.inactiveAfterSeconds, default: 0),
                        expungeAfterSeconds: try c.value(.expungeAfterSeconds, default: 0))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .disabled:
            var c = encoder.singleValueContainer()
            try c.encode("disabled")
        case .enabled(let inactive, let expunge):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(inactive, forKey: .inactiveAfterSeconds)
            try c.encode(expunge, forKey: .expungeAfterSeconds)
        }
    }
}

extension VersionInfo: Codable {
    private enum CodingKeys: String, CodingKey { case lastScalingAt, lastConfigChangeAt }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(lastScalingAt: try c.decode(Timestamp.self, forKey: .lastScalingAt),
                  lastConfigChangeAt: try c.decode(Timestamp.self, forKey: .lastConfigChangeAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lastScalingAt, forKey: .lastScalingAt)
        try c.encode(lastConfigChangeAt, forKey: .lastConfigChangeAt)
    }
}

extension Network.Mode: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let value = Network.Mode(rawValue: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: PlayErrorCode.unknownEnumLiteral)
        }
        self = value
    }
}

extension Network: Codable {
    private enum CodingKeys: String, CodingKey { case mode, name, labels }

    /// `mode` defaults to `container`, as in Marathon's RAML.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(mode: try c.value(.mode, default: .container),
                  name: try c.decodeIfPresent(String.self, forKey: .name),
                  labels: try c.decodeIfPresent([String: String].self, forKey: .labels))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(labels, forKey: .labels)
    }
}
