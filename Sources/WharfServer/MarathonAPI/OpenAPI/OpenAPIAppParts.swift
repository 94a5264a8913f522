import WharfModel

/// The schemas of an app definition's parts (`types/app.raml`, `appContainer.raml`,
/// `healthCheck.raml`, `readinessCheck.raml`, `network.raml`, `constraint.raml`, ...).
enum OpenAPIAppParts {
    typealias S = OpenAPISchemas

    static let port = S.integer(min: 0, max: 65535)
    static let seconds = S.integer(min: 0, max: AppDefinition.maxSeconds)
    static let protocols = ["tcp", "udp", "udp,tcp", "tcp,udp"]

    /// A Docker image reference as Docker's `distribution/reference` grammar has it:
    /// `[registry[:port]/]path[:tag][@sha256:digest]`, lowercase path components. As in Docker, a
    /// first component followed by `/` is the registry when it has a `.` or `:` (so it must be a
    /// host name then); without a registry that component has no dot.
    static let imagePattern: String = {
        let component = "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*"
        let undotted = "[a-z0-9]+((_|__|-+)[a-z0-9]+)*"
        let host = "[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?"
        let registry = host + "(\\." + host + ")*(:[0-9]{1,5})?"
        let name = "(" + registry + "/" + component + "(/" + component + ")*|" + undotted + "(/" + component + ")+|" + component + ")"
        return "^" + name + "(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$"
    }()

    static var all: [(String, OpenAPIValue)] {
        [
            ("ChildId", S.childId),
            ("EnvVars", [
                "type": "object",
                "description": "Environment variables: name to value. Secret references ({\"secret\": name}) need the secrets feature, which Wharf does not enable.",
                "additionalProperties": ["type": "string"],
            ]),
            ("Constraint", S.array(["type": "string"], [
                ("minItems", 2), ("maxItems", 3),
                ("description", .string(
                    "[field, operator, value?]: field non-empty (hostname, or an agent attribute); operator one of "
                        + Constraint.Operator.allCases.map(\.rawValue).joined(separator: ", ")
                        + " (any case). UNIQUE takes no value; CLUSTER any; GROUP_BY an optional integer; MAX_PER an "
                        + "integer; LIKE and UNLIKE a regular expression; IS a text or number ([a-zA-Z0-9_/.-]*).")),
            ])),
            ("UpgradeStrategy", [
                "type": "object",
                "properties": [
                    "minimumHealthCapacity": S.number(min: 0, max: 1, default: 1),
                    "maximumOverCapacity": S.number(min: 0, max: 1, default: 1),
                ],
                "description": "Apps with persistent volumes need maximumOverCapacity 0 (their default is {0.5, 0}); MARATHON_SINGLE_INSTANCE_APP apps need {0, 0}.",
            ]),
            ("UnreachableStrategy", [
                "description": "\"disabled\", or when to replace (inactiveAfterSeconds) and forget (expungeAfterSeconds, not below inactiveAfterSeconds) an instance on an unreachable agent. Apps with persistent volumes need \"disabled\".",
                "anyOf": [
                    S.string(enum: ["disabled"]),
                    ["type": "object", "properties": [
                        "inactiveAfterSeconds": ["type": "integer", "format": "int64", "minimum": 0, "default": 0],
                        "expungeAfterSeconds": ["type": "integer", "format": "int64", "minimum": 0, "default": 0],
                    ]],
                ],
            ]),
            ("PortDefinition", [
                "type": "object",
                "properties": [
                    "port": port.setting("description", "Service port; 0 assigns one from the service port range."),
                    "name": S.string(pattern: S.portNamePattern),
                    "protocol": S.string(enum: protocols, default: "tcp"),
                    "labels": S.labels,
                ],
            ]),
            ("Network", [
                "type": "object",
                "properties": [
                    "mode": S.string(enum: ["container", "container/bridge", "host"], default: "container"),
                    "name": S.string("The container network (mode container only).", minLength: 1, maxLength: 63,
                                     pattern: "^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$"),
                    "labels": S.labels,
                ],
            ]),
            ("PortMapping", [
                "type": "object",
                "properties": [
                    "containerPort": port,
                    "hostPort": port.setting("description", "0 assigns a free host port; absent: none (container networks)."),
                    "servicePort": port,
                    "name": S.string(pattern: S.portNamePattern),
                    "protocol": S.string(enum: protocols, default: "tcp"),
                    "labels": S.labels,
                    "networkNames": S.array(["type": "string"]),
                ],
            ]),
            ("Container", container),
            ("DockerContainer", docker(parameters: true)),
            ("Volume", volume),
            ("HealthCheck", healthCheck),
            ("ReadinessCheck", [
                "type": "object",
                "description": "portName must name one of the app's ports; timeoutSeconds must be below intervalSeconds.",
                "properties": [
                    "name": S.string(minLength: 1, default: "readinessCheck"),
                    "protocol": S.string(enum: ["HTTP", "HTTPS"], default: "HTTP"),
                    "path": S.string(minLength: 1, maxLength: 1024, default: "/"),
                    "portName": S.string(pattern: S.portNamePattern, default: "http-api"),
                    "intervalSeconds": S.integer(min: 0, max: AppDefinition.maxSeconds, default: 30),
                    "timeoutSeconds": S.integer(min: 1, max: AppDefinition.maxSeconds, default: 10),
                    "httpStatusCodesForReady": S.array(S.integer(min: 100, max: 999), [("minItems", 1), ("uniqueItems", true)]),
                    "preserveLastResponse": S.boolean,
                ],
            ]),
            ("Artifact", [
                "type": "object",
                "required": ["uri"],
                "properties": [
                    "uri": S.string(minLength: 1, maxLength: 1024),
                    "extract": S.boolean, "executable": S.boolean, "cache": S.boolean,
                    "destPath": S.string(minLength: 1, maxLength: 1024),
                ],
            ]),
        ]
    }

    /// `Container`: a Docker container (`docker` with an image), or the Mesos containerizer
    /// (`type: MESOS`, optionally with a Docker image and no `parameters`).
    static let container: OpenAPIValue = [
        "type": "object",
        "properties": [
            "type": S.string(enum: ["DOCKER", "MESOS"], default: "DOCKER"),
            "docker": S.ref("DockerContainer"),
            "volumes": S.array(S.ref("Volume")),
            "portMappings": S.array(S.ref("PortMapping"), [("description", "Container networks only; names unique.")]),
        ],
        "anyOf": [
            ["required": ["docker"], "properties": ["type": S.string(enum: ["DOCKER"])]],
            ["required": ["type"], "properties": ["type": S.string(enum: ["MESOS"]), "docker": docker(parameters: false)]],
        ],
        // Port mappings go in one place: the container's, or the legacy docker.portMappings.
        "not": ["required": ["portMappings", "docker"], "properties": ["docker": ["required": ["portMappings"]]]],
    ]

    /// `DockerContainer`; the Mesos containerizer takes no `parameters`.
    static func docker(parameters: Bool) -> OpenAPIValue {
        var properties: [(String, OpenAPIValue)] = [
            ("image", S.string("A Docker image reference ([registry/]path[:tag][@sha256:digest]), the name (registry and path) "
                               + "at most 255 characters; checked at submission.", minLength: 1, maxLength: 255, pattern: imagePattern)),
            ("forcePullImage", S.boolean),
            ("privileged", S.boolean),
            ("network", S.string("Legacy; use the app's networks.", enum: ["BRIDGE", "HOST", "USER"])),
            ("portMappings", S.array(S.ref("PortMapping"))),
        ]
        if parameters {
            properties.append(("parameters", S.array([
                "type": "object",
                "required": ["key", "value"],
                "properties": [
                    "key": S.string("A docker run option by its long name (also its older names and one-letter flags), "
                                    + "with or without the leading dashes; see DOCKER-PARAMETERS.md.",
                                    enum: DockerRunOption.all.flatMap { option in
                                        ([option.name] + option.aliases).flatMap { [$0, ($0.count == 1 ? "-" : "--") + $0] }
                                    }),
                    "value": S.string("A value docker run takes for the option (a size for memory-swap and shm-size, "
                                      + "KEY=VALUE for env, name=soft[:hard] for ulimit, ...)."),
                ],
            ])))
        } else {
            properties.append(("parameters", S.array(["type": "object"], [("maxItems", 0)])))
        }
        return [
            "type": "object",
            "required": ["image"],
            "properties": .object(properties),
        ]
    }

    static let volume: OpenAPIValue = [
        "type": "object",
        "required": ["containerPath"],
        "description": "A host path bound into the container, or a persistent volume (persistent.size in MiB, containerPath without '/'). Relative paths stay inside the task's sandbox (no '..'); Docker volumes take no ':' in paths.",
        "properties": [
            "containerPath": S.string(minLength: 1),
            "hostPath": S.string(minLength: 1),
            "mode": S.string(enum: ["RO", "RW"], default: "RW"),
            "persistent": ["type": "object", "required": ["size"], "properties": ["size": S.integer(min: 1)]],
        ],
    ]

    /// `AppHealthCheck`: a command check, a Mesos check, or an HTTP/HTTPS/TCP check on a port
    /// (`port`, or `portIndex` into the app's ports; without either the app must have exactly one).
    static let healthCheck: OpenAPIValue = [
        "type": "object",
        "description": "HTTP, HTTPS and TCP checks need port, or portIndex addressing one of the app's ports (or an app with exactly one port). At most one MESOS_* check per app. ipProtocol IPv6 only for MESOS_* checks of Docker apps.",
        "properties": [
            "protocol": S.string(enum: ["HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP"], default: "HTTP"),
            "command": ["type": "object", "required": ["value"], "properties": ["value": S.string(minLength: 1)]],
            "path": S.string(),
            "port": port,
            "portIndex": S.integer(min: 0, max: 65535),
            "gracePeriodSeconds": S.integer(min: 0, max: AppDefinition.maxSeconds, default: 300),
            "intervalSeconds": S.integer(min: 0, max: AppDefinition.maxSeconds, default: 60),
            "timeoutSeconds": S.integer(min: 0, max: AppDefinition.maxSeconds, default: 20),
            "maxConsecutiveFailures": S.integer(min: 0, max: AppDefinition.maxInstances, default: 3),
            "delaySeconds": S.integer(min: 0, max: AppDefinition.maxSeconds, default: 15),
            "ignoreHttp1xx": S.boolean,
            "ipProtocol": S.string(enum: ["IPv4", "IPv6"], default: "IPv4"),
        ],
        "anyOf": [
            ["required": ["protocol", "command"], "properties": ["protocol": S.string(enum: ["COMMAND"])]],
            ["required": ["protocol"], "properties": ["protocol": S.string(enum: ["MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP"])]],
            ["required": ["port"], "properties": ["protocol": S.string(enum: ["HTTP", "HTTPS", "TCP"])]],
            ["required": ["portIndex"], "properties": ["protocol": S.string(enum: ["HTTP", "HTTPS", "TCP"])]],
        ],
    ]

    /// Wharf's own app fields and the ones whose behaviour Wharf defines, from
    /// `OpenAPIDocument.appFields` (their descriptions are merged into the properties above).
    static var wharfExtensions: [(String, OpenAPIValue)] {
        [
            ("progressDeadlineSeconds", S.integer(min: 1, max: AppDefinition.maxSeconds)),
            ("autoRollback", S.boolean.setting("default", true)),
        ]
    }
}
