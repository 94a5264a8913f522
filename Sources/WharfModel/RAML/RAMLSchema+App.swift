/// Marathon 1.10's RAML types of app and group bodies (`types/app.raml`, `appContainer.raml`,
/// `volumes.raml`, `network.raml`, `healthCheck.raml`, `check.raml`, `readinessCheck.raml`,
/// `resources.raml`, `linux.raml`, `group.raml`), with the checks its generated readers apply.
enum RAMLSchema {
    /// `App`: the body of `POST /v2/apps` and the apps of a group.
    static let app = RAMLType.object(RAMLObject(fields: appFields(idRequired: true)))

    /// `AppUpdate`: every member optional (`PUT`/`PATCH /v2/apps/{id}`).
    static let appUpdate = RAMLType.object(RAMLObject(fields: appFields(idRequired: false)))

    /// `GroupUpdate`: the body of `POST`/`PUT /v2/groups`.
    static let groupUpdate: RAMLType = .object(RAMLObject(fields: [
        RAMLField("id", .pathId),
        RAMLField("apps", .array(app, unique: true)),
        RAMLField("groups", .array(.recursive { RAMLSchema.groupUpdate }, unique: true)),
        RAMLField("dependencies", .array(.string(), unique: true)),
        RAMLField("scaleBy", .number(minimum: 0)),
        RAMLField("version", .datetime),
        RAMLField("enforceRole", .boolean),
    ]))

    /// The lowest `cpus` accepted: the RAML's documented 0.001. Marathon 1.10 itself accepts less (its
    /// `AppDefinitionFormatsTest` posts `cpus: 0.0001` and expects success; its validator asks only
    /// `cpus >= 0`), a deliberate difference listed in the README.
    static let minimumCpus = 0.001

    private static func appFields(idRequired: Bool) -> [RAMLField] {
        [
            RAMLField("id", .pathId, required: idRequired),
            RAMLField("acceptedResourceRoles", .array(.string(), unique: true)),
            RAMLField("args", .array(.string())),
            RAMLField("backoffFactor", .number(minimum: 1)),
            RAMLField("backoffSeconds", .nonNegative),
            RAMLField("cmd", .string(minLength: 1)),
            RAMLField("constraints", .array(.array(.string()), unique: true)),
            RAMLField("container", container),
            RAMLField("cpus", .number(minimum: minimumCpus)),
            RAMLField("dependencies", .array(.string(), unique: true)),
            RAMLField("disk", .number(minimum: 0)),
            RAMLField("env", .map(.union([.anyString, .object(RAMLObject(fields: [RAMLField("secret", .string(), required: true)],
                                                                          reader: .format))]))),
            RAMLField("executor", .string(pattern: RAMLPattern("^(//cmd)|(/?[^/]+(/[^/]+)*)|$"))),
            RAMLField("executorResources", .object(RAMLObject(fields: [
                RAMLField("cpus", .number(minimum: 0.1)),
                RAMLField("mem", .number(minimum: 32)),
                RAMLField("disk", .number(minimum: 10)),
            ]))),
            RAMLField("fetch", .array(.object(RAMLObject(fields: [
                RAMLField("uri", .path, required: true),
                RAMLField("extract", .boolean),
                RAMLField("executable", .boolean),
                RAMLField("cache", .boolean),
                RAMLField("destPath", .path),
            ])))),
            RAMLField("healthChecks", .array(healthCheck, unique: true)),
            RAMLField("check", check),
            RAMLField("instances", .nonNegative),
            RAMLField("labels", .labels),
            RAMLField("maxLaunchDelaySeconds", .nonNegative),
            RAMLField("mem", .number(minimum: 0)),
            RAMLField("gpus", .nonNegative),
            RAMLField("ipAddress", ipAddress),
            RAMLField("networks", .array(network)),
            RAMLField("ports", .array(.integer())),
            RAMLField("portDefinitions", .array(portDefinition)),
            RAMLField("readinessChecks", .array(readinessCheck)),
            RAMLField("residency", .object(RAMLObject(fields: [
                RAMLField("relaunchEscalationTimeoutSeconds", .integer(minimum: 0, long: true)),
                RAMLField("taskLostBehavior", .enumeration(["WAIT_FOREVER", "RELAUNCH_AFTER_TIMEOUT"])),
            ]))),
            RAMLField("resourceLimits", .object(RAMLObject(fields: [
                RAMLField("cpus", resourceLimit),
                RAMLField("mem", resourceLimit),
            ], reader: .format))),
            RAMLField("requirePorts", .boolean),
            RAMLField("secrets", .map(.object(RAMLObject(fields: [RAMLField("source", .string(minLength: 1), required: true)])))),
            RAMLField("taskKillGracePeriodSeconds", .nonNegative),
            RAMLField("upgradeStrategy", .object(RAMLObject(fields: [
                RAMLField("maximumOverCapacity", .number(minimum: 0, maximum: 1), required: true),
                RAMLField("minimumHealthCapacity", .number(minimum: 0, maximum: 1), required: true),
            ]))),
            RAMLField("uris", .array(.string())),
            RAMLField("user", .string()),
            RAMLField("version", .datetime),
            RAMLField("versionInfo", .object(RAMLObject(fields: [
                RAMLField("lastScalingAt", .datetime, required: true),
                RAMLField("lastConfigChangeAt", .datetime, required: true),
            ], reader: .format))),
            RAMLField("killSelection", .enumeration(["YOUNGEST_FIRST", "OLDEST_FIRST"])),
            RAMLField("unreachableStrategy", .union([.anyString, .object(RAMLObject(fields: [
                RAMLField("inactiveAfterSeconds", .integer(minimum: 0, long: true)),
                RAMLField("expungeAfterSeconds", .integer(minimum: 0, long: true)),
            ]))])),
            RAMLField("tty", .boolean),
            RAMLField("role", .string(minLength: 1)),
        ]
    }

    /// `ResourceLimit`: `"unlimited"` (any string reads; validation refuses others) or a number.
    private static let resourceLimit = RAMLType.union([.anyString, .number()])

    private static let network = RAMLType.object(RAMLObject(fields: [
        RAMLField("name", .string(minLength: 1, maxLength: 63, pattern: RAMLPattern("^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$"))),
        RAMLField("mode", .enumeration(["container", "container/bridge", "host"])),
        RAMLField("labels", .labels),
    ]))

    private static let portDefinition = RAMLType.object(RAMLObject(fields: [
        RAMLField("port", .anyPort),
        RAMLField("labels", .labels),
        RAMLField("name", .legacyName),
        RAMLField("protocol", .networkProtocol),
    ]))

    private static let ipAddress = RAMLType.object(RAMLObject(fields: [
        RAMLField("discovery", .object(RAMLObject(fields: [
            RAMLField("ports", .array(.object(RAMLObject(fields: [
                RAMLField("number", .anyPort),
                RAMLField("name", .legacyName, required: true),
                RAMLField("protocol", .networkProtocol),
                RAMLField("labels", .labels),
            ])))),
        ]))),
        RAMLField("groups", .array(.string(), unique: true)),
        RAMLField("labels", .labels),
        RAMLField("networkName", .string(minLength: 1)),
    ]))

    private static let readinessCheck = RAMLType.object(RAMLObject(fields: [
        RAMLField("name", .string(minLength: 1)),
        RAMLField("protocol", .httpScheme),
        RAMLField("path", .path),
        RAMLField("portName", .legacyName),
        RAMLField("intervalSeconds", .nonNegative),
        RAMLField("timeoutSeconds", .integer(minimum: 1)),
        RAMLField("httpStatusCodesForReady", .array(.integer(), unique: true, minItems: 1)),
        RAMLField("preserveLastResponse", .boolean),
    ]))
}
