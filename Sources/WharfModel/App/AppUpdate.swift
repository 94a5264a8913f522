import Foundation

/// A partial app definition (`PUT /v2/apps/{id}` with the default `partialUpdate=true`, `PATCH`):
/// only the fields present in the JSON change the app, each replacing the old value as a whole
/// (`raml/AppConversion.scala#appUpdateRamlReader`). `null` counts as absent, as in Marathon.
public struct AppUpdate: Hashable, Sendable {
    /// The id given in the body, resolved; the URL's id wins for single-app requests.
    public var id: PathId?
    /// Set for a rollback body `{"version": "<ts>"}` (optionally with `id`).
    public var rollbackVersion: Timestamp?
    /// The top-level members present in the body (non-null), as sent.
    public var fields: [String: JSONValue]

    public init(id: PathId? = nil, rollbackVersion: Timestamp? = nil, fields: [String: JSONValue] = [:]) {
        self.id = id
        self.rollbackVersion = rollbackVersion
        self.fields = fields
    }

    /// Fields that never change through an update: identity and server-managed version data.
    static let ignoredKeys: Set<String> = ["id", "version", "versionInfo"]

    /// Whether the body is a rollback request to a stored version.
    public var isRollback: Bool { rollbackVersion != nil }

    /// Whether `name` (a top-level Marathon field) is set by this update.
    public func contains(_ name: String) -> Bool { fields[name] != nil }

    /// The merged app; `app`'s `id`, `version` and `versionInfo` are kept. The update was
    /// type-checked when decoded, so merging cannot fail on types; normalisation conflicts and
    /// rule violations are reported by `applyValidated(to:enabledFeatures:)`.
    public func apply(to app: AppDefinition) -> AppDefinition {
        (try? merge(into: app).app) ?? app
    }

    /// Merges onto `app` and validates the result, throwing all violations together.
    public func applyValidated(to app: AppDefinition, enabledFeatures: Set<String> = []) throws(MarathonInputError) -> AppDefinition {
        let (merged, notes) = try merge(into: app)
        let failures = ValidationFailure.merged(notes + merged.validate(enabledFeatures: enabledFeatures))
        if !failures.isEmpty { throw .invalidObject(failures) }
        return merged
    }

    private func merge(into app: AppDefinition) throws(MarathonInputError) -> (app: AppDefinition, notes: [ValidationFailure]) {
        guard case .object(var base) = (try? JSONDecoder().decode(JSONValue.self, from: app.marathonJSON())) ?? .null else {
            throw .message(status: 500, "cannot re-read app \(app.id)")
        }
        let changesNetworking = contains("networks") || contains("ipAddress") || dockerNetworkGiven
        for (key, value) in fields where !Self.ignoredKeys.contains(key) {
            base[key] = value
        }
        // Deprecated fields replace their canonical counterparts of the stored app.
        if contains("ports"), !contains("portDefinitions") { base["portDefinitions"] = nil }
        if contains("uris"), !contains("fetch") { base["fetch"] = nil }
        if contains("ipAddress") || dockerNetworkGiven, !contains("networks") { base["networks"] = nil }
        if changesNetworking {
            // Ports of the old networking mode do not carry over to the new one.
            if !contains("portDefinitions"), !contains("ports") { base["portDefinitions"] = nil }
            if !contains("container"), case .object(var container)? = base["container"] {
                container["portMappings"] = nil
                base["container"] = .object(container)
            }
        }
        base["id"] = .string(app.id.description)
        base["version"] = nil
        base["versionInfo"] = nil
        let data: Data
        do { data = try JSONEncoder().encode(JSONValue.object(base)) } catch {
            throw .message(status: 500, "cannot merge update into \(app.id)")
        }
        var (merged, notes) = try MarathonJSON.decodeCanonical(AppDefinition.self, from: data, relativeTo: .root)
        merged.version = app.version
        merged.versionInfo = app.versionInfo
        return (merged, notes)
    }

    private var dockerNetworkGiven: Bool {
        guard case .object(let container)? = fields["container"], case .object(let docker)? = container["docker"] else { return false }
        if let network = docker["network"], network != .null { return true }
        return false
    }
}
