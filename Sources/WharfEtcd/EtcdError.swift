import Foundation

/// Errors the etcd client reports. Every description says what failed and, where it helps, what to do.
public enum EtcdError: Error, Equatable, CustomStringConvertible {
    /// No endpoint could be reached, or a write's outcome is unknown because its connection failed
    /// after the request was sent (it may or may not have been applied).
    case unavailable(String)
    /// etcd answered with an error: `code` is the gRPC status code, `message` etcd's text.
    case server(code: Int, message: String)
    /// The requested revision is older than etcd's compaction point; re-read from the current state.
    case compacted(Int64)
    /// A transaction has more compares or operations than etcd's `--max-txn-ops` (128 by default).
    case tooManyOperations
    /// A request is larger than etcd's `--max-request-bytes` (1.5 MiB by default).
    case requestTooLarge
    /// etcd's answer could not be understood (not the JSON gateway, or an incompatible version).
    case badResponse(String)

    /// A message an operator can act on.
    public var description: String {
        switch self {
        case let .unavailable(message):
            return "etcd unavailable: \(message)"
        case let .server(code, message):
            return "etcd error (gRPC code \(code)): \(message)"
        case let .compacted(revision):
            return "etcd revision \(revision) has been compacted; re-read the current state and continue from there"
        case .tooManyOperations:
            return "etcd refused a transaction with too many operations (--max-txn-ops, 128 by default); split it into smaller transactions"
        case .requestTooLarge:
            return "etcd refused a request larger than its limit (--max-request-bytes, 1.5 MiB by default); store smaller values"
        case let .badResponse(message):
            return "unexpected answer from etcd's JSON gateway: \(message)"
        }
    }
}
