import Foundation

extension AppUpdate {
    /// The message Marathon answers a rollback body mixed with other fields with.
    public static let versionOnlyWithIdMessage = "The 'version' field may only be combined with the 'id' field."

    /// Decodes a partial update body. Types of the present fields are checked (422 "Invalid JSON"
    /// with paths); `{"version": ts}` is recognised as a rollback; `version` with any field but
    /// `id` is refused with 422.
    public static func decode(json: Data, relativeTo base: PathId = .root) throws(MarathonInputError) -> AppUpdate {
        let (value, _) = try MarathonJSON.decode(JSONValue.self, from: json, relativeTo: base, schema: RAMLSchema.appUpdate)
        return try from(value, path: [], relativeTo: base)
    }

    /// Decodes a JSON array of partial updates (`PUT|PATCH /v2/apps`); every element needs an `id`.
    public static func decodeList(json: Data) throws(MarathonInputError) -> [AppUpdate] {
        let (value, _) = try MarathonJSON.decode(JSONValue.self, from: json, relativeTo: .root, schema: .array(RAMLSchema.appUpdate))
        guard case .array(let elements) = value else {
            throw .invalidJSON([ValidationFailure(path: "/", PlayErrorCode.expectedArray)])
        }
        var updates: [AppUpdate] = []
        for (index, element) in elements.enumerated() {
            let update = try from(element, path: [AnyKey(index: index)], relativeTo: .root)
            if update.id == nil {
                throw .invalidJSON([ValidationFailure(path: MarathonPath.render([AnyKey(index: index), AnyKey("id")]), PlayErrorCode.pathMissing)])
            }
            updates.append(update)
        }
        return updates
    }

    private static func from(_ value: JSONValue, path: [any CodingKey], relativeTo base: PathId) throws(MarathonInputError) -> AppUpdate {
        guard case .object(var members) = value else {
            throw .invalidJSON([ValidationFailure(path: MarathonPath.render(path), PlayErrorCode.expectedObject)])
        }
        members = members.filter { $0.value != .null }
        var id: PathId?
        if let raw = members["id"] {
            guard let text = raw.stringValue else {
                throw .invalidJSON([ValidationFailure(path: MarathonPath.render(path + [AnyKey("id")]), PlayErrorCode.expectedString)])
            }
            id = PathId(text, relativeTo: base)
        }
        var rollback: Timestamp?
        if let raw = members["version"] {
            guard let text = raw.stringValue, let ts = Timestamp(iso8601: text) else {
                throw .invalidJSON([ValidationFailure(path: MarathonPath.render(path + [AnyKey("version")]), "error.expected.date.isoformat")])
            }
            if members.keys.contains(where: { $0 != "id" && $0 != "version" }) {
                throw .invalidObject([ValidationFailure(path: MarathonPath.render(path), versionOnlyWithIdMessage)])
            }
            rollback = ts
        }
        // Type-check the present fields by decoding them as a full app (absent fields get defaults).
        var probe = members
        probe["id"] = .string("/probe")
        probe["version"] = nil
        probe["versionInfo"] = nil
        if let data = try? JSONEncoder().encode(JSONValue.object(probe)) {
            do {
                _ = try MarathonJSON.decodeCanonical(AppDefinition.self, from: data, relativeTo: .root)
            } catch {
                if case .invalidJSON(let failures) = error {
                    let prefix = MarathonPath.render(path)
                    throw .invalidJSON(failures.map { $0.prefixed(with: prefix) })
                }
                throw error
            }
        }
        return AppUpdate(id: id, rollbackVersion: rollback, fields: members.filter { !ignoredKeys.contains($0.key) })
    }
}
