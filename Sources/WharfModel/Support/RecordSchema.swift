import Foundation

/// The schema version of Wharf's own records — the control plane's store values and the agent's task
/// records — kept apart from the Marathon JSON some of them embed (a stored app keeps its definition
/// in Marathon's shape, but the version that says how to read the record is the record's own).
///
/// A record is a JSON object with a top-level `schemaVersion` field beside its own fields. Records
/// written before versions existed have none and are version ``unversioned``. The field sits beside
/// the record's fields rather than wrapping them, so that a Wharf without record versions still
/// reads a record of the same shape. A record with a version above ``current`` was written by a
/// newer Wharf and is never guessed at: reading it fails with
/// ``RecordReadError/newerSchema(found:supported:)``, and the caller leaves what it describes alone.
///
/// When a record's shape changes, ``current`` goes up and the type's `init(from:)` reads the older
/// shapes too, choosing by ``Swift/Decoder/recordSchemaVersion``.
public enum RecordSchema {
    /// The version this build writes, and the newest it reads.
    public static let current = 2
    /// The version of a record without a `schemaVersion` field: written by Wharf before record versions.
    public static let unversioned = 1

    /// `record`'s JSON object with `schemaVersion: current` added.
    public static func encode<Record: VersionedRecord>(_ record: Record) throws -> Data {
        try JSONEncoder().encode(VersionedEncoding(record: record))
    }

    /// Reads a record written by this or an earlier Wharf.
    ///
    /// Decoding is exact: app ids resolve against the root, and a normalisation conflict — something
    /// request decoding would refuse with a 422 and stored decoding would otherwise drop — makes the
    /// record unreadable rather than silently changed. Validation rules are not applied: a definition
    /// was valid when it was stored, and a stricter rule of a later Wharf must not make it unreadable.
    public static func decode<Record: VersionedRecord>(_ type: Record.Type, from data: Data) throws(RecordReadError) -> Record {
        let notes = DecodeNotes()
        let decoder = JSONDecoder()
        decoder.userInfo[.wharfBaseGroup] = PathId.root
        decoder.userInfo[.wharfDecodeNotes] = notes
        let record: Record
        do {
            record = try decoder.decode(VersionedDecoding<Record>.self, from: data).record
        } catch let error as RecordReadError {
            throw error
        } catch let error as DecodingError {
            throw .unreadable(RecordReadError.describe(error))
        } catch {
            throw .unreadable("\(error)")
        }
        if let note = notes.recorded.first {
            throw .unreadable("its definition no longer decodes unchanged: \(note.path): \(note.errors.joined(separator: "; "))")
        }
        return record
    }
}

/// A record of Wharf's own, stored as a JSON object with a schema version (see ``RecordSchema``).
/// Conform only types that encode as a keyed container (an object).
public protocol VersionedRecord: Codable {}

extension Instance: VersionedRecord {}

/// Why a stored record cannot be read.
public enum RecordReadError: Error, Equatable, CustomStringConvertible {
    /// Written by a newer Wharf: its schema version is above ``RecordSchema/current``.
    case newerSchema(found: Int, supported: Int)
    /// Damaged, or not in any shape this Wharf ever wrote (invalid JSON, a missing or mistyped
    /// field, a version number Wharf never used); the text says what is wrong.
    case unreadable(String)

    public var description: String {
        switch self {
        case let .newerSchema(found, supported):
            return "it has schema version \(found); this wharf reads up to \(supported)"
        case let .unreadable(reason): return reason
        }
    }

    /// A one-line account of a decoding failure, with the JSON path it happened at.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue { out += "[\(index)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out.isEmpty ? "the top level" : out
        }
        switch error {
        case let .typeMismatch(type, context):
            return "expected \(type) at \(path(context.codingPath))"
        case let .valueNotFound(type, context):
            return "missing \(type) value at \(path(context.codingPath))"
        case let .keyNotFound(key, context):
            return "missing field \(path(context.codingPath + [key]))"
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "invalid value at \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension Decoder {
    /// The schema version of the record being decoded (see ``RecordSchema``): its `schemaVersion`
    /// field, or ``RecordSchema/unversioned`` when it has none or is not an object.
    public var recordSchemaVersion: Int {
        guard let container = try? container(keyedBy: SchemaKey.self),
              let version = try? container.decodeIfPresent(Int.self, forKey: .schemaVersion)
        else { return RecordSchema.unversioned }
        return version
    }
}

enum SchemaKey: String, CodingKey {
    case schemaVersion
}

/// Writes a record's own fields and `schemaVersion` into one JSON object.
private struct VersionedEncoding<Record: Encodable>: Encodable {
    var record: Record

    func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        // JSONEncoder hands back the object the record just wrote to.
        var container = encoder.container(keyedBy: SchemaKey.self)
        try container.encode(RecordSchema.current, forKey: .schemaVersion)
    }
}

/// Checks a record's `schemaVersion` before its fields are read.
private struct VersionedDecoding<Record: Decodable>: Decodable {
    var record: Record

    init(from decoder: any Decoder) throws {
        var version = RecordSchema.unversioned
        if let container = try? decoder.container(keyedBy: SchemaKey.self), container.contains(.schemaVersion) {
            guard let found = try? container.decode(Int.self, forKey: .schemaVersion) else {
                throw RecordReadError.unreadable("its schemaVersion is not an integer")
            }
            version = found
        }
        guard version <= RecordSchema.current else {
            throw RecordReadError.newerSchema(found: version, supported: RecordSchema.current)
        }
        guard version >= RecordSchema.unversioned else {
            throw RecordReadError.unreadable("schema version \(version) was never written by wharf")
        }
        record = try Record(from: decoder)
    }
}
