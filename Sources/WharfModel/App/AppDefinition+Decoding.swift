import Foundation

extension AppDefinition {
    /// Decodes a request body (`POST /v2/apps`, `PUT /v2/apps/{id}?partialUpdate=false`) into a
    /// normalised app: Marathon defaults, deprecated fields converted, relative ids resolved
    /// against `base`. Does not run semantic validation except for conflicts between deprecated
    /// and canonical fields; use `decodeValidated` to get both at once.
    public static func decode(json: Data, relativeTo base: PathId = .root) throws(MarathonInputError) -> AppDefinition {
        let (app, notes) = try MarathonJSON.decode(AppDefinition.self, from: json, relativeTo: base, schema: RAMLSchema.app)
        if !notes.isEmpty { throw .invalidObject(ValidationFailure.merged(notes)) }
        return app
    }

    /// Decodes and validates a request body; every rule violation (including normalisation
    /// conflicts) is reported together in one `.invalidObject`.
    public static func decodeValidated(json: Data, relativeTo base: PathId = .root,
                                       enabledFeatures: Set<String> = []) throws(MarathonInputError) -> AppDefinition {
        let (app, notes) = try MarathonJSON.decode(AppDefinition.self, from: json, relativeTo: base, schema: RAMLSchema.app)
        let failures = ValidationFailure.merged(notes + app.validate(enabledFeatures: enabledFeatures))
        if !failures.isEmpty { throw .invalidObject(failures) }
        return app
    }

    /// Decodes a JSON array of apps (`PUT /v2/apps` with `partialUpdate=false`), validating each;
    /// failure paths are prefixed with the element index (`/(1)/id`, as Marathon's `every`).
    public static func decodeValidatedList(json: Data, enabledFeatures: Set<String> = []) throws(MarathonInputError) -> [AppDefinition] {
        let (apps, notes) = try MarathonJSON.decode([AppDefinition].self, from: json, relativeTo: .root,
                                                    schema: .array(RAMLSchema.app))
        var failures = notes
        for (index, app) in apps.enumerated() {
            failures += app.validate(enabledFeatures: enabledFeatures).map { $0.prefixed(with: "/(\(index))") }
        }
        failures = ValidationFailure.merged(failures)
        if !failures.isEmpty { throw .invalidObject(failures) }
        return apps
    }
}
