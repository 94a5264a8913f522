extension RAMLSchema {
    /// `appContainer.Container` with its Docker settings, volumes and port mappings.
    static let container = RAMLType.object(RAMLObject(fields: [
        RAMLField("type", .enumeration(["MESOS", "DOCKER"])),
        RAMLField("docker", .object(RAMLObject(fields: [
            RAMLField("credential", .object(RAMLObject(fields: [
                RAMLField("principal", .string(), required: true),
                RAMLField("secret", .string()),
            ], reader: .format))),
            RAMLField("pullConfig", .object(RAMLObject(fields: [RAMLField("secret", .string(minLength: 1), required: true)]))),
            RAMLField("forcePullImage", .boolean),
            RAMLField("image", .string(minLength: 1), required: true),
            RAMLField("network", .enumeration(["BRIDGE", "HOST", "NONE", "USER"])),
            RAMLField("parameters", .array(.object(RAMLObject(fields: [
                RAMLField("key", .string(minLength: 1), required: true),
                RAMLField("value", .string(), required: true),
            ])))),
            RAMLField("portMappings", .array(portMapping)),
            RAMLField("privileged", .boolean),
        ]))),
        RAMLField("linuxInfo", .object(RAMLObject(fields: [
            RAMLField("seccomp", .object(RAMLObject(fields: [
                RAMLField("profileName", .string()),
                RAMLField("unconfined", .boolean),
            ], reader: .withDefaults))),
            RAMLField("ipcInfo", .object(RAMLObject(fields: [
                RAMLField("mode", .enumeration(["PRIVATE", "SHARE_PARENT"]), required: true),
                RAMLField("shmSize", .integer()),
            ], reader: .format))),
        ], reader: .format))),
        RAMLField("volumes", .array(.union([persistentVolume, externalVolume, secretVolume, hostVolume]))),
        RAMLField("portMappings", .array(portMapping)),
    ]))

    private static let portMapping = RAMLType.object(RAMLObject(fields: [
        RAMLField("containerPort", .anyPort),
        RAMLField("hostPort", .anyPort),
        RAMLField("labels", .labels),
        RAMLField("name", .legacyName),
        RAMLField("protocol", .networkProtocol),
        RAMLField("servicePort", .anyPort),
        RAMLField("networkNames", .array(.string())),
    ]))

    private static let containerPath = RAMLField("containerPath", .string(minLength: 1), required: true)

    private static let persistentVolume = RAMLType.object(RAMLObject(fields: [
        containerPath,
        RAMLField("persistent", .object(RAMLObject(fields: [
            RAMLField("type", .enumeration(["root", "path", "mount"])),
            RAMLField("size", .integer(minimum: 0, long: true), required: true),
            RAMLField("maxSize", .integer(minimum: 0, long: true)),
            RAMLField("profileName", .string()),
            RAMLField("constraints", .array(.array(.string()), unique: true)),
        ])), required: true),
        RAMLField("mode", .readMode, required: true),
    ]))

    private static let externalVolume = RAMLType.object(RAMLObject(fields: [
        containerPath,
        RAMLField("external", .object(RAMLObject(fields: [
            RAMLField("size", .integer(minimum: 0, long: true)),
            RAMLField("name", .string()),
            RAMLField("provider", .string()),
            RAMLField("options", .labels),
            RAMLField("shared", .boolean),
        ])), required: true),
        RAMLField("mode", .readMode, required: true),
    ]))

    private static let secretVolume = RAMLType.object(RAMLObject(fields: [
        containerPath,
        RAMLField("secret", .string(minLength: 1), required: true),
    ]))

    private static let hostVolume = RAMLType.object(RAMLObject(fields: [
        containerPath,
        RAMLField("hostPath", .string(minLength: 1), required: true),
        RAMLField("mode", .readMode, required: true),
    ]))

    /// `health.AppHealthCheck` (`timeoutSeconds` has no minimum).
    static let healthCheck = RAMLType.object(RAMLObject(fields: [
        RAMLField("command", .object(RAMLObject(fields: [RAMLField("value", .string(), required: true)], reader: .format))),
        RAMLField("gracePeriodSeconds", .nonNegative),
        RAMLField("ignoreHttp1xx", .boolean),
        RAMLField("intervalSeconds", .nonNegative),
        RAMLField("maxConsecutiveFailures", .nonNegative),
        RAMLField("path", .string()),
        RAMLField("port", .anyPort),
        RAMLField("portIndex", .anyPort),
        RAMLField("protocol", .enumeration(["HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_TCP", "MESOS_HTTP", "MESOS_HTTPS"])),
        RAMLField("ipProtocol", .enumeration(["IPv4", "IPv6"])),
        RAMLField("timeoutSeconds", .integer()),
        RAMLField("delaySeconds", .nonNegative),
    ]))

    /// `check.AppCheck`: the app-level Mesos check.
    static let check = RAMLType.object(RAMLObject(fields: [
        RAMLField("http", .object(RAMLObject(fields: [
            RAMLField("portIndex", .anyPort),
            RAMLField("port", .anyPort),
            RAMLField("path", .path),
            RAMLField("scheme", .httpScheme),
        ]))),
        RAMLField("tcp", .object(RAMLObject(fields: [
            RAMLField("portIndex", .anyPort),
            RAMLField("port", .anyPort),
        ]))),
        RAMLField("exec", .object(RAMLObject(fields: [
            RAMLField("command", .union([
                .object(RAMLObject(fields: [RAMLField("shell", .string(minLength: 1), required: true)])),
                .object(RAMLObject(fields: [RAMLField("argv", .array(.string(), minItems: 1), required: true)])),
            ]), required: true),
        ], reader: .format))),
        RAMLField("intervalSeconds", .nonNegative),
        RAMLField("timeoutSeconds", .nonNegative),
        RAMLField("delaySeconds", .nonNegative),
    ]))
}
