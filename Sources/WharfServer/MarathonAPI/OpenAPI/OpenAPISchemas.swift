import WharfModel

/// The JSON schemas of `/openapi.json`'s `components.schemas`: what Marathon 1.10's RAML types
/// (`docs/docs/rest-api/public/api/v2/types/*.raml`) require, plus Wharf's own limits
/// (`AppDefinition+Validation.swift`: upper bounds, the Docker runtime's rules), so that generated
/// clients and schema-based fuzzers send what the API takes and reach the logic behind it.
///
/// Rules that span several fields and that JSON Schema cannot state (a health check's `portIndex`
/// must address one of the app's ports, ids must be unique, ...) are in the descriptions.
enum OpenAPISchemas {
    static func ref(_ name: String) -> OpenAPIValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func array(_ items: OpenAPIValue, _ extra: [(String, OpenAPIValue)] = []) -> OpenAPIValue {
        .object([("type", "array"), ("items", items)] + extra)
    }

    static func integer(min: Int? = nil, max: Int? = nil, default value: Int? = nil, _ description: String? = nil) -> OpenAPIValue {
        numeric("integer", "int32", min.map { .int($0) }, max.map { .int($0) }, value.map { .int($0) }, description)
    }

    static func number(min: Double? = nil, max: Double? = nil, default value: Double? = nil, _ description: String? = nil) -> OpenAPIValue {
        numeric("number", "double", min.map { .double($0) }, max.map { .double($0) }, value.map { .double($0) }, description)
    }

    private static func numeric(_ type: String, _ format: String, _ min: OpenAPIValue?, _ max: OpenAPIValue?,
                                _ value: OpenAPIValue?, _ description: String?) -> OpenAPIValue {
        var members: [(String, OpenAPIValue)] = [("type", .string(type)), ("format", .string(format))]
        for (key, member) in [("minimum", min), ("maximum", max), ("default", value)] {
            if let member { members.append((key, member)) }
        }
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }

    static func string(_ description: String? = nil, minLength: Int? = nil, maxLength: Int? = nil,
                       pattern: String? = nil, enum values: [String] = [], default value: String? = nil) -> OpenAPIValue {
        var members: [(String, OpenAPIValue)] = [("type", "string")]
        if let minLength { members.append(("minLength", .int(minLength))) }
        if let maxLength { members.append(("maxLength", .int(maxLength))) }
        if let pattern { members.append(("pattern", .string(pattern))) }
        if !values.isEmpty { members.append(("enum", .array(values.map(OpenAPIValue.string)))) }
        if let value { members.append(("default", .string(value))) }
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }

    static let boolean: OpenAPIValue = ["type": "boolean"]

    /// One id segment: lowercase letters, digits, `-` and `.`, no `-` at either end of a label.
    static let segment = "([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])(\\.([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))*"
    /// An absolute or relative id (`/shop/web`, `web`).
    static let pathIdPattern = "^/?(" + segment + "/)*" + segment + "$"
    /// An id of one segment: relative to the enclosing group.
    static let childIdPattern = "^" + segment + "$"
    /// A port name (`types/stringTypes.raml` LegacyName).
    static let portNamePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    /// A Go duration, as Consul's `wait` takes it.
    static let goDurationPattern = "^[-+]?(0|([0-9]{1,5}(\\.[0-9]{1,9})?(ns|us|µs|μs|ms|s|m|h)){1,2})$"
    /// A label selector term: a key alone, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`
    /// (`\` escapes a special character).
    static let labelSelectorPattern: String = {
        let label = "([^\\s!=,()\\\\]|\\\\.)+"
        let term = label + "(\\s*(==|!=)\\s*" + label + "|\\s+(in|notin)\\s*\\(\\s*(" + label + "(\\s*,\\s*" + label + ")*)?\\s*\\))?"
        return "^\\s*(" + term + "\\s*(,\\s*" + term + "\\s*)*)?$"
    }()
    /// A task id (`<app>.instance-<uuid>._app.<n>`), an instance id, or a legacy task id
    /// (`<app>.marathon-<uuid>`), `<app>` being the app id with `_` for `/`.
    static let taskIdPattern = "^[a-z0-9][a-z0-9_.-]*\\.(instance-[0-9a-f-]{36}(\\._app\\.[0-9]+)?|marathon-[0-9a-f-]{36})$"

    /// Ids as app and group bodies take them.
    static let pathId = string(
        "App or group id: segments of lowercase letters, digits, '-' and '.', separated by '/'; relative ids are "
            + "resolved against the enclosing group. The last segment may not be restart, tasks or versions.",
        minLength: 1, pattern: pathIdPattern)

    static let childId = string(
        "Id relative to the enclosing group: one segment (an absolute id must name a direct child).",
        minLength: 1, pattern: childIdPattern)

    static let labels: OpenAPIValue = ["type": "object", "additionalProperties": ["type": "string"]]

    static let timestamp: OpenAPIValue = ["type": "string", "format": "date-time"]

    /// Every schema, by name.
    static var all: [(String, OpenAPIValue)] {
        [
            ("PathId", pathId),
            ("AppDefinition", app(idRequired: true, childId: false)),
            ("AppCreate", app(idRequired: false, childId: false)),
            ("GroupApp", app(idRequired: true, childId: true)),
            ("AppPatch", appPatch(idRequired: false)),
            ("AppPatchWithId", appPatch(idRequired: true)),
            ("AppRollback", appRollback),
            ("AppUpdate", ["anyOf": [ref("AppRollback"), ref("AppCreate")],
                           "description": "A definition (merged onto the existing app unless partialUpdate=false; a new app needs cmd, args or container), or {\"version\": ts} to roll back to a stored version."]),
            ("GroupUpdate", groupUpdate(structureOnly: false, idRequired: false)),
            ("GroupCreate", groupUpdate(structureOnly: true, idRequired: true)),
            ("GroupStructure", groupUpdate(structureOnly: true, idRequired: false)),
            ("ChildGroup", childGroup),
            ("GroupPartialUpdate", ["type": "object", "properties": ["enforceRole": boolean], "additionalProperties": false]),
            ("TaskKillRequest", ["type": "object", "required": ["ids"],
                                 "properties": ["ids": array(string("Task or instance id (<app>.instance-<uuid>._app.<n>, legacy <app>.marathon-<uuid>); unknown ids are skipped.", pattern: taskIdPattern))]]),
        ] + OpenAPIAppParts.all
    }

    /// The fields every app body may carry; `id` as `childId` inside groups.
    static func appProperties(childId: Bool) -> [(String, OpenAPIValue)] {
        let parts = OpenAPIAppParts.self
        return [
            ("id", childId ? ref("ChildId") : ref("PathId")),
            ("cmd", string("Shell command (sh -c). Either cmd or args, not both, unless a container runs the image's own command.", minLength: 2)),
            ("args", array(["type": "string"], [("minItems", 1), ("description", "Command and arguments, run without a shell.")])),
            ("user", string("User to run the tasks as.")),
            ("instances", integer(min: 0, max: AppDefinition.maxInstances, default: 1)),
            ("cpus", number(min: 0.001, max: AppDefinition.maxCpus, default: 1, "CPU shares per instance.")),
            ("mem", number(min: 0, max: AppDefinition.maxMebibytes, default: 128,
                           "MiB per instance; Docker apps need 0 (no limit) or at least 6.")),
            ("disk", number(min: 0, max: AppDefinition.maxMebibytes, default: 0, "MiB of disk per instance.")),
            ("gpus", integer(min: 0, max: 0, default: 0, "GPUs need the gpu_resources feature, which Wharf does not enable.")),
            ("env", ref("EnvVars")),
            ("secrets", ["type": "object", "maxProperties": 0,
                         "description": "Secrets need the secrets feature, which Wharf does not enable."]),
            ("labels", labels),
            ("constraints", array(ref("Constraint"))),
            ("acceptedResourceRoles", array(["type": "string", "minLength": 1], [("minItems", 1), ("uniqueItems", true)])),
            ("role", string("Role of the app's tasks (default: the default role *).", minLength: 1, default: "*")),
            ("dependencies", array(ref("PathId"), [("uniqueItems", true)])),
            ("executor", string("//cmd, a path, or empty.", pattern: "^(//cmd|/?[^/]+(/[^/]+)*)?$", default: "")),
            ("backoffSeconds", integer(min: 0, max: AppDefinition.maxSeconds, default: 1)),
            ("backoffFactor", number(min: 1, max: 1000, default: 1.15)),
            ("maxLaunchDelaySeconds", integer(min: 0, max: AppDefinition.maxSeconds, default: 300)),
            ("taskKillGracePeriodSeconds", integer(min: 0, max: AppDefinition.maxSeconds)),
            ("killSelection", string(enum: ["YOUNGEST_FIRST", "OLDEST_FIRST"], default: "YOUNGEST_FIRST")),
            ("upgradeStrategy", ref("UpgradeStrategy")),
            ("unreachableStrategy", ref("UnreachableStrategy")),
            ("requirePorts", boolean),
            ("portDefinitions", array(ref("PortDefinition"), [("description", "Host networking only; names and non-zero ports unique.")])),
            ("networks", array(ref("Network"), [("maxItems", 1)])),
            ("container", ref("Container")),
            ("healthChecks", array(ref("HealthCheck"))),
            ("readinessChecks", array(ref("ReadinessCheck"), [("maxItems", 1)])),
            ("fetch", array(ref("Artifact"))),
            ("uris", array(string(minLength: 1, maxLength: 1024))),
            ("storeUrls", array(["type": "string"])),
            ("version", timestamp.setting("readOnly", true)),
            ("versionInfo", ["type": "object", "readOnly": true,
                             "properties": ["lastScalingAt": timestamp, "lastConfigChangeAt": timestamp]]),
        ] + parts.wharfExtensions
    }

    /// An app body: `idRequired` for POST and list bodies; inside groups the id is one segment.
    static func app(idRequired: Bool, childId: Bool) -> OpenAPIValue {
        var members: [(String, OpenAPIValue)] = [
            ("type", "object"),
            ("description", .string(
                "Marathon's App (types/app.raml) with Marathon 1.10's defaults; unknown fields are ignored. Needs cmd "
                    + "or args (not both), or a container whose image brings the command.")),
        ]
        if idRequired { members.append(("required", ["id"])) }
        members.append(("properties", .object(appProperties(childId: childId))))
        // Not both cmd and args; not both networks and the legacy docker.network.
        members.append(("not", ["anyOf": [
            ["required": ["cmd", "args"]],
            ["required": ["networks", "container"],
             "properties": ["container": ["required": ["docker"], "properties": ["docker": ["required": ["network"]]]]]],
        ]]))
        members.append(("allOf", [
            ["anyOf": [["required": ["cmd"]], ["required": ["args"]], ["required": ["container"]]]],
            ["anyOf": portMappingsNeedNetworks],
        ]))
        return .object(members)
    }

    /// `container.portMappings` only with container or bridge networking: `networks` of those
    /// modes, or the legacy `docker.network` BRIDGE or USER.
    static let portMappingsNeedNetworks: OpenAPIValue = [
        ["not": ["required": ["container"],
                 "properties": ["container": ["required": ["portMappings"], "properties": ["portMappings": ["minItems": 1]]]]]],
        ["required": ["networks"],
         "properties": ["networks": ["minItems": 1, "items": ["properties": ["mode": string(enum: ["container", "container/bridge"])]]]]],
        ["required": ["container"],
         "properties": ["container": ["required": ["docker"], "properties": ["docker": [
             "required": ["network"], "properties": ["network": string(enum: ["BRIDGE", "USER"])]]]]]],
    ]

    /// A partial app (`PATCH`, `PUT` of existing apps): any subset of the fields, never `version`.
    static func appPatch(idRequired: Bool) -> OpenAPIValue {
        var members: [(String, OpenAPIValue)] = [
            ("type", "object"),
            ("description", "Fields to change; the others keep their values. Must not carry version."),
        ]
        if idRequired { members.append(("required", ["id"])) }
        members.append(("properties", .object(appProperties(childId: false).filter { $0.0 != "version" && $0.0 != "versionInfo" })))
        members.append(("not", ["anyOf": [["required": ["cmd", "args"]], ["required": ["version"]]]]))
        return .object(members)
    }

    static let appRollback: OpenAPIValue = [
        "type": "object",
        "description": "Roll the app back to one of its stored versions (GET /v2/apps/{id}/versions).",
        "required": ["version"],
        "properties": ["id": ref("PathId"), "version": timestamp],
        "additionalProperties": false,
    ]

    /// `GroupUpdate` (`types/group.raml`): a structure change, a rollback (`version` alone) or a
    /// `scaleBy`; with `structureOnly` (creation) only a structure, with the id the new group gets
    /// (`idRequired` at the root, which exists already).
    static func groupUpdate(structureOnly: Bool, idRequired: Bool) -> OpenAPIValue {
        var properties: [(String, OpenAPIValue)] = [
            ("id", ref("PathId")),
            ("apps", array(ref("GroupApp"), [("description", "The group's apps; ids unique among apps and groups.")])),
            ("groups", array(ref("ChildGroup"))),
            ("dependencies", array(ref("PathId"), [("uniqueItems", true)])),
            ("enforceRole", boolean),
        ]
        if !structureOnly {
            properties += [
                ("scaleBy", ["type": "number", "format": "double", "exclusiveMinimum": true, "minimum": 0, "maximum": 1000,
                             "description": "Multiply the instances of every app below the group (rounded up)."]),
                ("version", timestamp.setting("description", "Roll the group back to this stored version (alone)")),
            ]
        }
        var members: [(String, OpenAPIValue)] = [("type", "object")]
        if idRequired { members.append(("required", ["id"])) }
        members.append(("properties", .object(properties)))
        if !structureOnly {
            members.append(("not", ["required": ["version"],
                                    "anyOf": [["required": ["apps"]], ["required": ["groups"]],
                                              ["required": ["scaleBy"]], ["required": ["dependencies"]]]]))
        }
        return .object(members)
    }

    static let childGroup: OpenAPIValue = [
        "type": "object",
        "required": ["id"],
        "properties": [
            "id": ref("ChildId"),
            "apps": array(ref("GroupApp")),
            "groups": array(ref("ChildGroup"), [("maxItems", 2)]),
            "dependencies": array(ref("PathId"), [("uniqueItems", true)]),
            "enforceRole": boolean,
        ],
    ]
}
