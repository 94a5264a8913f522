import Foundation

extension AppDefinition {
    /// Marathon feature flag names (`--enable_features`) that validation consults.
    public enum Feature {
        public static let secrets = "secrets"
        public static let gpuResources = "gpu_resources"
        public static let externalVolumes = "external_volumes"
    }

    /// Marathon's answer for a feature that is not enabled (the stray parenthesis is Marathon's).
    static func featureMessage(_ feature: String) -> String {
        "Feature \(feature) is not enabled. Enable with --enable_features \(feature))"
    }

    /// The label that limits an app to one instance and no overlap during upgrades.
    public static let singleInstanceLabel = "MARATHON_SINGLE_INSTANCE_APP"

    /// Checks every Marathon rule that applies after its RAML readers (`AppValidation.scala`,
    /// `AppDefinition.validAppDefinition`, `SchedulingValidation.scala`) and returns all violations,
    /// with Marathon's paths and wording. Empty when the app is valid. Bounds the RAML types declare
    /// (minimums, patterns, enums) are checked while decoding a request (`RAMLChecker`).
    public func validate(enabledFeatures: Set<String> = []) -> [ValidationFailure] {
        var f = FailureCollector()
        validateIdentity(&f)
        validateCommand(&f)
        validateResources(&f, enabledFeatures: enabledFeatures)
        validateStrategies(&f)
        validatePorts(&f)
        validateContainer(&f, features: enabledFeatures)
        validateHealthChecks(&f)
        validateCheckAndLimits(&f)
        validateReadinessChecks(&f)
        validateConstraints(&f)
        validateEnvironment(&f, enabledFeatures: enabledFeatures)
        for (index, uri) in fetch.enumerated() {
            if uri.uri.isEmpty || uri.uri.count > 1024 {
                f.add("/fetch(\(index))/uri", "URI has invalid syntax.")
            }
        }
        return ValidationFailure.merged(f.failures)
    }

    private func validateIdentity(_ f: inout FailureCollector) {
        f.add(contentsOf: id.validationFailures(at: "/id"))
        if id.isRoot { f.add("/", "must not be root") }
        for (index, dependency) in dependencies.enumerated() {
            f.add(contentsOf: dependency.validationFailures(at: "/dependencies(\(index))"))
        }
    }

    private func validateCommand(_ f: inout FailureCollector) {
        if let cmd, cmd.count <= 1 { f.add("/", "must not be an empty string") }
        let hasCmd = cmd != nil
        let hasArgs = args != nil
        let hasContainer = container.map { $0.docker != nil || $0.type == .mesos } ?? false
        if !((hasCmd != hasArgs) || (!(hasCmd && hasArgs) && hasContainer)) {
            f.add("/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
        }
        if (try? ValidationPatterns.executor.wholeMatch(in: executor)) == nil {
            f.add("/executor", "must fully match regular expression '\(ValidationPatterns.executorPattern)'")
        }
    }

    /// Largest `instances` accepted.
    public static let maxInstances = 1_000_000
    /// Largest `cpus` accepted.
    public static let maxCpus = 1_000_000.0
    /// Largest `mem`/`disk` (MiB) accepted.
    public static let maxMebibytes = 1_000_000_000_000.0
    /// Largest duration in seconds accepted for backoff, launch delay and kill grace periods (a year).
    public static let maxSeconds = 31_536_000

    private func validateResources(_ f: inout FailureCollector, enabledFeatures: Set<String>) {
        if let deadline = progressDeadlineSeconds {
            f.atLeast(deadline, 1, "/progressDeadlineSeconds")
            f.atMost(deadline, Self.maxSeconds, "/progressDeadlineSeconds")
        }
        // Upper bounds Marathon leaves open: beyond them no node or clock can honour the value, and
        // accepting it would only overflow arithmetic later.
        f.atMost(instances, Self.maxInstances, "/instances")
        f.atMost(cpus, Self.maxCpus, "/cpus")
        f.atMost(mem, Self.maxMebibytes, "/mem")
        f.atMost(disk, Self.maxMebibytes, "/disk")
        f.atMost(backoffSeconds, Self.maxSeconds, "/backoffSeconds")
        f.atMost(backoffFactor, 1000.0, "/backoffFactor")
        f.atMost(maxLaunchDelaySeconds, Self.maxSeconds, "/maxLaunchDelaySeconds")
        if let grace = taskKillGracePeriodSeconds { f.atMost(grace, Self.maxSeconds, "/taskKillGracePeriodSeconds") }
        if gpus > 0 {
            if container?.type == .docker { f.add("/", "GPU resources only work with the Mesos containerizer") }
            if !enabledFeatures.contains(Feature.gpuResources) { f.add("/", Self.featureMessage(Feature.gpuResources)) }
        }
        if let roles = acceptedResourceRoles { validateAcceptedResourceRoles(roles, &f) }
        if labels[Self.singleInstanceLabel] == "true", instances > 1 {
            f.add("/", "Single instance app may only have one instance")
        }
        if let version = labels["DCOS_MIGRATION_API_VERSION"], !version.isEmpty {
            let complete = version == "v1" && !(labels["DCOS_PACKAGE_FRAMEWORK_NAME"] ?? "").isEmpty
                && !(labels["DCOS_MIGRATION_API_PATH"] ?? "").isEmpty
            if !complete {
                f.add("/", "DCOS_PACKAGE_FRAMEWORK_NAME and DCOS_MIGRATION_API_PATH must be defined when using DCOS_MIGRATION_API_VERSION")
            }
        }
    }

    /// `ResourceRole.validAcceptedResourceRoles` and `validForRole`: not empty, valid role names,
    /// only `*` and the app's own role, and only `*` for resident apps.
    private func validateAcceptedResourceRoles(_ roles: [String], _ f: inout FailureCollector) {
        let path = "/acceptedResourceRoles"
        if roles.isEmpty { f.add(path, "must not be empty") }
        for (index, role) in roles.enumerated() {
            for problem in ResourceRoles.problems(of: role) { f.add("\(path)(\(index))", problem) }
        }
        if isResident, roles != [ResourceRoles.unreserved] { f.add(path, ResourceRoles.residentMessage) }
        let allowed = Set([ResourceRoles.unreserved, role])
        if !(roles.count <= 2 && Set(roles).isSubset(of: allowed)) {
            f.add(path, "acceptedResourceRoles can only contain \(allowed.sorted().joined(separator: " and "))")
        }
    }

    private func validateStrategies(_ f: inout FailureCollector) {
        if labels[Self.singleInstanceLabel] == "true" {
            f.equal(upgradeStrategy.minimumHealthCapacity, 0.0, "/upgradeStrategy/minimumHealthCapacity")
            f.equal(upgradeStrategy.maximumOverCapacity, 0.0, "/upgradeStrategy/maximumOverCapacity")
        }
        if isResident {
            f.equal(upgradeStrategy.maximumOverCapacity, 0.0, "/upgradeStrategy/maximumOverCapacity")
            if unreachableStrategy != .disabled { f.add("/", "unreachableStrategy must be disabled for resident tasks") }
        }
        if case .enabled(let inactive, let expunge) = unreachableStrategy, inactive > expunge {
            f.add("/unreachableStrategy/inactiveAfterSeconds",
                  "inactiveAfterSeconds (\(inactive)) must be less or equal to expungeAfterSeconds, which is \(expunge)")
        }
    }

    /// `check` addresses a port of the app (`checkPortIndexIsValid`); `resourceLimits` are
    /// `unlimited` or at least what the app reserves (`AppValidation.validResourceLimits`).
    private func validateCheckAndLimits(_ f: inout FailureCollector) {
        if let check {
            let addressable: Bool
            switch check.probe {
            case .http, .tcp:
                if let index = check.portIndex {
                    addressable = index >= 0 && index < portCount
                } else {
                    addressable = check.port != nil || portCount == 1
                }
            case .shell, .argv:
                addressable = true
            }
            if !addressable { f.add("/check", "check port index must address an element of the ports array or container port mappings.") }
        }
        guard let resourceLimits else { return }
        for (limit, requested, name) in [(resourceLimits.cpus, cpus, "cpus"), (resourceLimits.mem, mem, "mem")] {
            switch limit {
            case .invalid(let text)?:
                f.add("/resourceLimits/\(name)", "'\(text)' is an invalid resource limit. It must be 'unlimited' or a number")
            case .number(let value)? where value < requested:
                f.add("/resourceLimits/\(name)", "resource limit must be greater than or equal to requested resource (\(requested))")
            default:
                break
            }
        }
    }

    private func validateEnvironment(_ f: inout FailureCollector, enabledFeatures: Set<String>) {
        let secretsEnabled = enabledFeatures.contains(Feature.secrets)
        if !secrets.isEmpty, !secretsEnabled { f.add("/secrets", Self.featureMessage(Feature.secrets)) }
        for name in env.keys.sorted() where name.isEmpty {
            f.add("/env", "must not be empty")
        }
        let references = env.keys.sorted().compactMap { name -> (String, String)? in
            if case .secret(let secret) = env[name]! { return (name, secret) }
            return nil
        }
        if !references.isEmpty, !secretsEnabled {
            f.add("/env", "use of secret-references in the environment requires the secrets feature to be enabled")
        }
        if secretsEnabled {
            for (name, secret) in references where secrets[secret] == nil {
                f.add("/env/\(name)/secret", "references an undefined secret")
            }
        }
    }
}
