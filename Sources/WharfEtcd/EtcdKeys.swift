import Foundation

/// Helpers for etcd's byte-string keys.
public enum EtcdKeys {
    /// etcd's `range_end` for `prefix`: the smallest key greater than every key starting with it
    /// (the prefix with its last byte below 0xFF incremented, trailing 0xFF bytes dropped), or `[0]`,
    /// which etcd reads as "to the end of the keyspace", when there is none (empty or all-0xFF prefix).
    public static func prefixEnd(_ prefix: String) -> [UInt8] {
        prefixEnd(bytes: Array(prefix.utf8))
    }

    /// `prefixEnd(_:)` for a prefix given as bytes.
    public static func prefixEnd(bytes prefix: [UInt8]) -> [UInt8] {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return [0]
    }

    /// The smallest key greater than `key`: `key` followed by a NUL byte (how a range continues after it).
    public static func successor(of key: String) -> String {
        key + "\u{0}"
    }
}
