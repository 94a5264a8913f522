import Foundation

/// One condition of a transaction (etcd's `Compare`).
public struct EtcdCompare: Sendable, Hashable {
    /// What a compare compares, with the value to compare against.
    public enum Target: Sendable, Hashable {
        /// The key's create revision (0 when it does not exist).
        case create(Int64)
        /// The key's last modification revision (0 when it does not exist).
        case mod(Int64)
        /// The key's version (0 when it does not exist).
        case version(Int64)
        /// The key's value (a compare on a missing key's value fails).
        case value(Data)
        /// The key's lease id (0 when none).
        case lease(Int64)
    }

    /// How the key's field must relate to the target value.
    public enum Result: String, Sendable, Hashable {
        case equal = "EQUAL", notEqual = "NOT_EQUAL", greater = "GREATER", less = "LESS"
    }

    /// The key compared.
    public var key: String
    /// The field and the value it is compared with.
    public var target: Target
    /// The relation that must hold.
    public var result: Result

    /// A condition `field(key) <result> value`.
    public init(key: String, target: Target, result: Result = .equal) {
        self.key = key
        self.target = target
        self.result = result
    }
}

/// One operation of a transaction branch (etcd's `RequestOp`).
public enum EtcdRequestOp: Sendable, Hashable {
    /// A read.
    case range(EtcdRangeRequest)
    /// A write of `value` under `key`, attached to `lease` (0 for none).
    case put(key: String, value: Data, lease: Int64 = 0)
    /// A delete of `key`, or of `[key, rangeEnd)`.
    case deleteRange(key: String, rangeEnd: [UInt8]? = nil)
}

/// The answer to a put.
public struct EtcdPutResult: Sendable, Hashable {
    /// The header; `header.revision` is the put's revision.
    public var header: EtcdResponseHeader

    /// Creates a result.
    public init(header: EtcdResponseHeader) {
        self.header = header
    }
}

/// The answer to a delete.
public struct EtcdDeleteResult: Sendable, Hashable {
    /// The header.
    public var header: EtcdResponseHeader
    /// How many keys were deleted.
    public var deleted: Int64

    /// Creates a result.
    public init(header: EtcdResponseHeader, deleted: Int64) {
        self.header = header
        self.deleted = deleted
    }
}

/// The answer to one operation of a transaction, in the order of the branch that ran.
public enum EtcdResponseOp: Sendable, Hashable {
    case range(EtcdRangeResult)
    case put(EtcdPutResult)
    case deleteRange(EtcdDeleteResult)
}

/// The answer to a transaction.
public struct EtcdTxnResult: Sendable, Hashable {
    /// The header; `header.revision` is the transaction's revision if it wrote something.
    public var header: EtcdResponseHeader
    /// Whether every compare held (the success branch ran) or not (the failure branch ran).
    public var succeeded: Bool
    /// The answers of the branch that ran.
    public var responses: [EtcdResponseOp]

    /// Creates a result.
    public init(header: EtcdResponseHeader, succeeded: Bool, responses: [EtcdResponseOp]) {
        self.header = header
        self.succeeded = succeeded
        self.responses = responses
    }
}
