import Foundation

/// One JSON object of etcd's gRPC gateway, read with the gateway's conventions: proto3 JSON omits
/// every field that has its default value (so a missing field reads as 0, false, empty), 64-bit
/// integers arrive as JSON strings, and bytes as base64.
struct GatewayJSON {
    let object: [String: Any]

    init(_ object: [String: Any]) {
        self.object = object
    }

    /// Parses one JSON object; throws `EtcdError.badResponse` for anything else.
    init(data: Data) throws {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw EtcdError.badResponse("not JSON: \(Self.excerpt(data))")
        }
        guard let object = parsed as? [String: Any] else {
            throw EtcdError.badResponse("not a JSON object: \(Self.excerpt(data))")
        }
        self.object = object
    }

    static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(200), as: UTF8.self)
        return data.count > 200 ? text + "…" : text
    }

    /// The nested object under `key`, or nil when the field is absent.
    func optionalObject(_ key: String) throws -> GatewayJSON? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let nested = value as? [String: Any] else { throw mismatch(key, "an object", value) }
        return GatewayJSON(nested)
    }

    /// The nested object under `key`; an absent field reads as an empty object.
    func object(_ key: String) throws -> GatewayJSON {
        try optionalObject(key) ?? GatewayJSON([:])
    }

    /// The array of objects under `key`; absent reads as empty.
    func objects(_ key: String) throws -> [GatewayJSON] {
        guard let value = object[key], !(value is NSNull) else { return [] }
        guard let array = value as? [Any] else { throw mismatch(key, "an array", value) }
        return try array.map { element in
            guard let nested = element as? [String: Any] else { throw mismatch(key, "an array of objects", value) }
            return GatewayJSON(nested)
        }
    }

    /// A signed 64-bit integer, sent as a string (or, leniently, a number); absent reads as 0.
    func int64(_ key: String) throws -> Int64 {
        try integer(key)
    }

    /// An unsigned 64-bit integer (ids), sent as a string; absent reads as 0.
    func uint64(_ key: String) throws -> UInt64 {
        try integer(key)
    }

    private func integer<T: FixedWidthInteger>(_ key: String) throws -> T {
        guard let value = object[key], !(value is NSNull) else { return 0 }
        if let string = value as? String, let number = T(string) { return number }
        if !(value is String), !(value is Bool), let number = value as? NSNumber, let exact = T(exactly: number.doubleValue) {
            return exact
        }
        throw mismatch(key, "a \(T.bitWidth)-bit integer", value)
    }

    /// A boolean; absent reads as false.
    func bool(_ key: String) throws -> Bool {
        guard let value = object[key], !(value is NSNull) else { return false }
        guard let flag = value as? Bool else { throw mismatch(key, "a boolean", value) }
        return flag
    }

    /// A string; absent reads as "".
    func string(_ key: String) throws -> String {
        guard let value = object[key], !(value is NSNull) else { return "" }
        guard let text = value as? String else { throw mismatch(key, "a string", value) }
        return text
    }

    /// An array of strings; absent reads as empty.
    func strings(_ key: String) throws -> [String] {
        guard let value = object[key], !(value is NSNull) else { return [] }
        guard let texts = value as? [String] else { throw mismatch(key, "an array of strings", value) }
        return texts
    }

    /// Base64-encoded bytes; absent reads as empty.
    func bytes(_ key: String) throws -> Data {
        guard let value = object[key], !(value is NSNull) else { return Data() }
        guard let text = value as? String, let data = Data(base64Encoded: text) else {
            throw mismatch(key, "base64 bytes", value)
        }
        return data
    }

    /// The error etcd reported in this object (`{"error","message","code"}`, or a stream's
    /// `{"error":{"grpc_code","message"}}`), if it is one.
    func gatewayError() throws -> (code: Int, message: String)? {
        guard let value = object["error"], !(value is NSNull) else { return nil }
        if let nested = value as? [String: Any] {
            let inner = GatewayJSON(nested)
            return (Int(try inner.int64("grpc_code")), try inner.string("message"))
        }
        let message = try string("message")
        return (Int(try int64("code")), message.isEmpty ? "\(value)" : message)
    }

    private func mismatch(_ key: String, _ expected: String, _ value: Any) -> EtcdError {
        .badResponse("field '\(key)' should be \(expected), found \(String(describing: value).prefix(100))")
    }
}

/// Builds request bodies in the gateway's conventions (int64 as strings, bytes as base64, defaults omitted).
enum GatewayEncoding {
    static func bytes(_ string: String) -> String {
        Data(string.utf8).base64EncodedString()
    }

    static func bytes(_ data: some Collection<UInt8>) -> String {
        Data(data).base64EncodedString()
    }

    static func int64(_ value: Int64) -> String {
        String(value)
    }

    /// Serialises a request body; the dictionaries built here only hold strings, numbers, bools,
    /// arrays and dictionaries, which JSONSerialization always accepts.
    static func data(_ body: [String: Any]) throws -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        } catch {
            throw EtcdError.badResponse("could not encode a request: \(error)")
        }
    }
}
