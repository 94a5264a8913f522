import Foundation
import Synchronization

/// Collects normalisation conflicts found while decoding Marathon input (`ports` together with
/// `portDefinitions`, an unknown constraint operator, ...). Decoding continues so that they can be
/// reported together with the semantic validation errors, as one 422.
///
/// Passed to `init(from:)` through `JSONDecoder.userInfo`; when absent (decoding stored state)
/// conflicts are dropped silently.
final class DecodeNotes: Sendable {
    private let failures = Mutex<[ValidationFailure]>([])

    init() {}

    func record(_ failure: ValidationFailure) {
        failures.withLock { $0.append(failure) }
    }

    var recorded: [ValidationFailure] { failures.withLock { $0 } }
}

/// The stack of groups being decoded (`GroupUpdate` pushes its id while its apps and subgroups
/// are decoded) so that nested relative ids resolve against the enclosing group.
final class GroupScope: Sendable {
    private let stack = Mutex<[PathId]>([])

    init() {}

    func push(_ id: PathId) { stack.withLock { $0.append(id) } }

    func pop() { stack.withLock { _ = $0.popLast() } }

    var top: PathId? { stack.withLock { $0.last } }
}

extension CodingUserInfoKey {
    /// A `GroupScope` for nested group bodies.
    static let wharfGroupScope = CodingUserInfoKey(rawValue: "wharf.groupScope")!
    /// A `PathId`: the group relative app ids in the input are resolved against.
    static let wharfBaseGroup = CodingUserInfoKey(rawValue: "wharf.baseGroup")!
    /// A `DecodeNotes` collecting normalisation conflicts.
    static let wharfDecodeNotes = CodingUserInfoKey(rawValue: "wharf.decodeNotes")!
}

extension Decoder {
    /// The group relative ids are resolved against (root unless the caller set one).
    var baseGroup: PathId { groupScope?.top ?? userInfo[.wharfBaseGroup] as? PathId ?? .root }

    /// The scope of nested groups, when decoding a request body.
    var groupScope: GroupScope? { userInfo[.wharfGroupScope] as? GroupScope }

    /// Records a normalisation conflict at `codingPath` + `key` (no-op outside request decoding).
    func note(_ message: String, at path: [any CodingKey]) {
        (userInfo[.wharfDecodeNotes] as? DecodeNotes)?.record(ValidationFailure(path: MarathonPath.render(path), message))
    }
}

/// Renders coding paths the way Marathon (Play JSON / wix-accord) writes them.
enum MarathonPath {
    /// `[healthChecks, 0, portIndex]` → `/healthChecks(0)/portIndex`; empty → `/`.
    static func render(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                if out.isEmpty || out.hasSuffix(")") { out += "/" }
                out += "(\(index))"
            } else {
                out += "/" + key.stringValue
            }
        }
        return out.isEmpty ? "/" : out
    }
}

/// A coding key built at run time (array indexes, map keys, nested paths in notes).
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) {
        self.stringValue = string
        self.intValue = nil
    }

    init(index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }

    init?(stringValue: String) { self.init(stringValue) }

    init?(intValue: Int) { self.init(index: intValue) }
}

/// Play JSON's error codes, thrown inside `DecodingError` contexts so that they survive up to the
/// request handler (see `MarathonInputError.init(decodingError:)`).
enum PlayErrorCode {
    static let unknownEnumLiteral = "error.unknown.enum.literal"
    static let expectedString = "error.expected.jsstring"
    static let expectedNumber = "error.expected.jsnumber"
    static let expectedBoolean = "error.expected.jsboolean"
    static let expectedArray = "error.expected.jsarray"
    static let expectedObject = "error.expected.jsobject"
    static let pathMissing = "error.path.missing"
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent or null.
    func value<T: Decodable>(_ key: Key, default fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }

    /// A string enum at `key`; unknown literals fail with Play's `error.unknown.enum.literal`.
    func literal<T: RawRepresentable>(_ type: T.Type, _ key: Key, default fallback: T) throws -> T where T.RawValue == String {
        guard let raw = try decodeIfPresent(String.self, forKey: key) else { return fallback }
        guard let value = T(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: PlayErrorCode.unknownEnumLiteral)
        }
        return value
    }
}
