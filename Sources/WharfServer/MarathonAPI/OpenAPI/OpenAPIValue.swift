import WharfModel

/// A JSON value that keeps the order of object members, written with literals, so that the
/// OpenAPI schemas read like the JSON they produce:
///
///     let port: OpenAPIValue = ["type": "integer", "minimum": 0, "maximum": 65535]
indirect enum OpenAPIValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([OpenAPIValue])
    case object([(String, OpenAPIValue)])

    static func == (a: OpenAPIValue, b: OpenAPIValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case let .bool(b): hasher.combine(b)
        case let .int(i): hasher.combine(i)
        case let .double(d): hasher.combine(d)
        case let .string(s): hasher.combine(s)
        case let .array(a): hasher.combine(a)
        case let .object(members):
            for (key, value) in members {
                hasher.combine(key)
                hasher.combine(value)
            }
        }
    }

    /// The member `key` of an object, nil otherwise.
    subscript(key: String) -> OpenAPIValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// This object with `key` set to `value` (replaced in place, or appended).
    func setting(_ key: String, _ value: OpenAPIValue) -> OpenAPIValue {
        guard case var .object(members) = self else { return self }
        if let index = members.firstIndex(where: { $0.0 == key }) {
            members[index].1 = value
        } else {
            members.append((key, value))
        }
        return .object(members)
    }

    /// This object without `key`.
    func removing(_ key: String) -> OpenAPIValue {
        guard case let .object(members) = self else { return self }
        return .object(members.filter { $0.0 != key })
    }

    func write(into w: inout JSONWriter) {
        switch self {
        case .null: w.null()
        case let .bool(b): w.bool(b)
        case let .int(i): w.int(i)
        case let .double(d): w.double(d)
        case let .string(s): w.string(s)
        case let .array(items):
            w.beginArray()
            for item in items { item.write(into: &w) }
            w.endArray()
        case let .object(members):
            w.beginObject()
            for (key, value) in members {
                w.key(key)
                value.write(into: &w)
            }
            w.endObject()
        }
    }
}

extension OpenAPIValue: ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    init(dictionaryLiteral elements: (String, OpenAPIValue)...) { self = .object(elements) }
    init(arrayLiteral elements: OpenAPIValue...) { self = .array(elements) }
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(floatLiteral value: Double) { self = .double(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
}
