/// Valid, stable HAProxy identifiers (proxy, server and ACL names) derived from Wharf's names.
/// HAProxy accepts letters, digits, `-`, `_`, `.` and `:` in names.
public enum HAProxyNames {
    /// Longest server name produced (instance ids are UUID-based and long; stats pages stay readable).
    public static let maxServerNameLength = 48

    /// `text` with every character HAProxy rejects in a name replaced by `_` (empty becomes `_`).
    public static func sanitize(_ text: String) -> String {
        let mapped = text.unicodeScalars.map { scalar -> Character in
            let allowed = scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.:".unicodeScalars.contains(scalar))
            return allowed ? Character(scalar) : "_"
        }
        return mapped.isEmpty ? "_" : String(mapped)
    }

    /// The server name of an instance: its sanitized id; ids longer than `maxServerNameLength` keep their
    /// tail (the unique part of `app.instance-<uuid>`) behind a hash of the whole id.
    public static func server(instanceId: String) -> String {
        let clean = sanitize(instanceId)
        guard clean.count > maxServerNameLength else { return clean }
        let hash = shortHash(instanceId)
        return hash + "_" + String(clean.suffix(maxServerNameLength - hash.count - 1))
    }

    /// 8 hex digits of the 32-bit FNV-1a hash of `text`: stable across runs and machines, unlike `Hasher`.
    public static func shortHash(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Makes `names` unique: entries sharing a name get `_<hash of their key>` appended, so a name only
    /// depends on which keys collide, never on input order.
    static func disambiguate(_ names: [(key: String, name: String)]) -> [String: String] {
        var byName: [String: Set<String>] = [:]
        for entry in names { byName[entry.name, default: []].insert(entry.key) }
        var result: [String: String] = [:]
        for entry in names {
            let clashes = (byName[entry.name]?.count ?? 0) > 1
            result[entry.key] = clashes ? entry.name + "_" + shortHash(entry.key) : entry.name
        }
        return result
    }
}
