/// A JSON value as Marathon's parser (Jackson, through Play JSON) hands it on: objects keep their
/// members in document order, a repeated key keeps its first position and takes the last value, and
/// numbers keep their text (so that `1.0` and `1e3` are written back as they came).
///
/// Request bodies are parsed into this form (`StrictJSONParser`), checked against Marathon's RAML
/// types (`RAMLChecker`) and written back as canonical JSON for the `Codable` decoders.
indirect enum OrderedJSON: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number's text as written in the document.
    case number(String)
    case string(String)
    case array([OrderedJSON])
    case object(OrderedMembers)

    /// The members when this is an object.
    var members: OrderedMembers? {
        if case .object(let m) = self { return m }
        return nil
    }

    /// The text when this is a string.
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number's value, when this is a number.
    var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    /// Compact JSON, members in order, as Play JSON's `Json.stringify` writes it.
    var compactText: String {
        var w = JSONWriter(capacity: 256)
        write(to: &w)
        return String(decoding: w.data, as: UTF8.self)
    }

    /// Writes the value; numbers are copied verbatim.
    func write(to w: inout JSONWriter) {
        switch self {
        case .null: w.null()
        case .bool(let b): w.bool(b)
        case .number(let text): w.raw(text.utf8)
        case .string(let s): w.string(s)
        case .array(let elements):
            w.beginArray()
            for element in elements { element.write(to: &w) }
            w.endArray()
        case .object(let members):
            w.beginObject()
            for (key, value) in members {
                w.key(key)
                value.write(to: &w)
            }
            w.endObject()
        }
    }
}

/// The members of a JSON object in document order.
struct OrderedMembers: Hashable, Sendable, Sequence {
    private(set) var keys: [String] = []
    private var values: [String: OrderedJSON] = [:]

    init() {}

    /// The member `key`, or nil. Setting nil removes it; setting a new key appends it.
    subscript(key: String) -> OrderedJSON? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    var isEmpty: Bool { keys.isEmpty }

    func makeIterator() -> some IteratorProtocol<(String, OrderedJSON)> {
        keys.lazy.map { ($0, values[$0]!) }.makeIterator()
    }
}
