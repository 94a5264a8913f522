import Foundation

extension AppDefinition {
    /// Marathon feature flag names (`--enable_features`) that validation consults.
    public enum Feature {
        public static let secrets = "secrets"
        public static let gpuResources = "gpu_resources"
    }

    /// The label that limits an app to one instance and no overlap during upgrades.
    public static let singleInstanceLabel = "MARATHON_SINGLE_INSTANCE_APP"

    /// Checks every Marathon rule (`AppValidation.scala`, `AppDefinition.validAppDefinition`,
    /// `SchedulingValidation.scala`) and returns all violations, with Marathon's paths and wording.
    /// Empty when the app is valid.
    public func validate(enabledFeatures: Set<String> = []) -> [ValidationFailure] {
        var f = FailureCollector()
        validateIdentity(&f)
        validateCommand(&f)
        validateResources(&f, enabledFeatures: enabledFeatures)
        validateStrategies(&f)
        validatePorts(&f)
        validateContainer(&f)
        validateHealthChecks(&f)
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
        f.atLeast(instances, 0, "/instances")
        f.atLeast(cpus, 0.0, "/cpus")
        f.atLeast(mem, 0.0, "/mem")
        f.atLeast(disk, 0.0, "/disk")
        f.atLeast(gpus, 0, "/gpus")
        f.atLeast(backoffSeconds, 0, "/backoffSeconds")
        f.atLeast(backoffFactor, 1.0, "/backoffFactor")
        f.atLeast(maxLaunchDelaySeconds, 0, "/maxLaunchDelaySeconds")
        if let grace = taskKillGracePeriodSeconds { f.atLeast(grace, 0, "/taskKillGracePeriodSeconds") }
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
            if !enabledFeatures.contains(Feature.gpuResources) {
                f.add("/", "Feature \(Feature.gpuResources) is not enabled. Enable with --enable_features \(Feature.gpuResources))")
            }
        }
        if let roles = acceptedResourceRoles {
            if roles.isEmpty { f.add("/acceptedResourceRoles", "must not be empty") }
            if Set(roles).count != roles.count { f.add("/acceptedResourceRoles", "elements must be unique") }
        }
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

    private func validateStrategies(_ f: inout FailureCollector) {
        for (value, name) in [(upgradeStrategy.minimumHealthCapacity, "minimumHealthCapacity"),
                              (upgradeStrategy.maximumOverCapacity, "maximumOverCapacity")] {
            if value > 1 { f.add("/upgradeStrategy/\(name)", "is greater than 1") }
            if value < 0 { f.add("/upgradeStrategy/\(name)", "is less than 0") }
        }
        if labels[Self.singleInstanceLabel] == "true" {
            f.equal(upgradeStrategy.minimumHealthCapacity, 0.0, "/upgradeStrategy/minimumHealthCapacity")
            f.equal(upgradeStrategy.maximumOverCapacity, 0.0, "/upgradeStrategy/maximumOverCapacity")
        }
        if isResident {
            f.equal(upgradeStrategy.maximumOverCapacity, 0.0, "/upgradeStrategy/maximumOverCapacity")
            if unreachableStrategy != .disabled { f.add("/", "unreachableStrategy must be disabled for resident tasks") }
        }
        if case .enabled(let inactive, let expunge) = unreachableStrategy {
            f.atLeast(inactive, 0, "/unreachableStrategy/inactiveAfterSeconds")
            f.atLeast(expunge, 0, "/unreachableStrategy/expungeAfterSeconds")
            if inactive > expunge {
                f.add("/unreachableStrategy/inactiveAfterSeconds",
                      "inactiveAfterSeconds (\(inactive)) must be less or equal to expungeAfterSeconds, which is \(expunge)")
            }
        }
    }

    private func validateEnvironment(_ f: inout FailureCollector, enabledFeatures: Set<String>) {
        let secretsEnabled = enabledFeatures.contains(Feature.secrets)
        if !secrets.isEmpty, !secretsEnabled {
            f.add("/secrets", "Feature \(Feature.secrets) is not enabled. Enable with --enable_features \(Feature.secrets))")
        }
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
