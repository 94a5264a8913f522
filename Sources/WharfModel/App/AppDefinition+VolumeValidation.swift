import Foundation

extension AppDefinition {
    /// Container settings beyond the image and `docker run` options: `pullConfig`, `linuxInfo` and
    /// app checks (`AppValidation.dockerDockerContainerValidator`, `mesosDockerContainerValidator`,
    /// `LinuxInfo.validLinuxInfoForContainerState`, `AppDefinition.containsNoChecksWithDocker`).
    func validateContainerSettings(_ container: Container, features: Set<String>, _ f: inout FailureCollector) {
        let pullConfigPath = "/container/docker/pullConfig"
        if let secret = container.docker?.pullConfigSecret {
            if container.type == .docker {
                f.add(pullConfigPath, "pullConfig is not supported with Docker containerizer")
            } else {
                if !features.contains(Feature.secrets) { f.add(pullConfigPath, Self.featureMessage(Feature.secrets)) }
                if secrets[secret] == nil { f.add(pullConfigPath, "pullConfig.secret must refer to an existing secret") }
            }
        }
        if container.type == .docker, check != nil { f.add("/", "AppDefinition must not use 'checks' if using docker") }
        if let linux = container.linuxInfo {
            if linux.seccompProfileName != nil, linux.seccompUnconfined == true {
                f.add("/container/linuxInfo/seccomp", "Seccomp unconfined can NOT be true when Profile is defined")
            } else if linux.hasSeccomp, linux.seccompProfileName == nil, linux.seccompUnconfined == false {
                f.add("/container/linuxInfo/seccomp", "Seccomp unconfined must be true when Profile is NOT defined")
            }
            if linux.ipcMode == "SHARE_PARENT", linux.shmSize != nil {
                f.add("/container/linuxInfo/ipcInfo", "ipcInfo shmSize can NOT be set when mode is SHARE_PARENT")
            }
        }
    }

    /// `container.volumes`: Marathon's rules per kind (`AppValidation.validVolume`), plus that host
    /// paths stay inside the sandbox and that Docker bind specs stay parseable.
    func validateVolumes(_ container: Container, features: Set<String>, _ f: inout FailureCollector) {
        let names = container.volumes.compactMap { $0.external?.name }
        if Set(names).count != names.count { f.add("/container/volumes", "Volume names must be unique") }
        if container.volumes.contains(where: { $0.secret != nil }), !features.contains(Feature.secrets) {
            f.add("/container/volumes", Self.featureMessage(Feature.secrets))
        }
        for (index, volume) in container.volumes.enumerated() {
            let path = "/container/volumes(\(index))"
            if let persistent = volume.persistent {
                validatePersistent(volume, persistent, at: path, &f)
            } else if let external = volume.external {
                if !features.contains(Feature.externalVolumes) { f.add(path, Self.featureMessage(Feature.externalVolumes)) }
                if (external.name ?? "").isEmpty { f.add(path + "/external/name", "must not be empty") }
                if external.provider == nil { f.add(path + "/external/provider", "not defined") }
            } else if let secret = volume.secret {
                if secrets[secret] == nil { f.add(path, "volume.secret must refer to an existing secret") }
            } else {
                validateHostVolume(volume, container.type, at: path, &f)
            }
        }
    }

    private func validatePersistent(_ volume: Volume, _ info: PersistentVolumeInfo, at path: String, _ f: inout FailureCollector) {
        if volume.containerPath == "." || volume.containerPath == ".." {
            f.add(path + "/containerPath", "can not be one of (.,..)")
        }
        if volume.containerPath.contains("/") { f.add(path + "/containerPath", "value must not contain \"/\"") }
        if volume.mode != "RW" { f.add(path + "/mode", "does not equal RW") }
        let infoPath = path + "/persistent"
        if info.size <= 0 { f.add(infoPath + "/size", "got \(info.size), expected more than 0") }
        if info.maxSize != nil, info.type != "mount" { f.add(infoPath, "Only mount volumes can have maxSize") }
        if info.type == "root", !info.constraints.isEmpty { f.add(infoPath, "Constraints on root volumes are not supported") }
        if let maxSize = info.maxSize, maxSize <= info.size { f.add(infoPath, "Max size must be larger than size") }
        for (index, constraint) in info.constraints.enumerated() {
            if let problem = Self.volumeConstraintProblem(constraint) { f.add("\(infoPath)/constraints(\(index))", problem) }
        }
    }

    /// Persistent-volume constraints: only `["path", "LIKE"|"UNLIKE", regex]`.
    private static func volumeConstraintProblem(_ c: [String]) -> String? {
        guard c.count >= 2 else { return c.isEmpty ? "Missing field and operator" : "Unsupported constraint \(c.joined(separator: ","))" }
        guard c[0] == "path", c.count == 3 else { return "Unsupported constraint \(c.joined(separator: ","))" }
        guard let op = Constraint.Operator(rawValue: c[1]) else { return "unknown constraint operator \(c[1])" }
        guard op == .like || op == .unlike else { return "Operator must be one of LIKE, UNLIKE" }
        return (try? Regex(c[2])) == nil ? "Invalid regular expression" : nil
    }

    private func validateHostVolume(_ volume: Volume, _ type: Container.Kind, at path: String, _ f: inout FailureCollector) {
        guard let hostPath = volume.hostPath else {
            f.add(path + "/hostPath", "not defined")
            return
        }
        // Relative paths are inside the task's sandbox (Mesos' rule, which the runtimes follow):
        // they must not climb out of it.
        if Self.escapesSandbox(hostPath) {
            f.add(path + "/hostPath", "a relative path must stay inside the task's sandbox (no '..'), got '\(hostPath)'")
        }
        // Docker binds are `host:container:mode`: a colon inside either path would be read as a separator.
        if type == .docker {
            if hostPath.contains(":") { f.add(path + "/hostPath", "must not contain ':' (got '\(hostPath)')") }
            if volume.containerPath.contains(":") {
                f.add(path + "/containerPath", "must not contain ':' (got '\(volume.containerPath)')")
            }
        }
        if Self.escapesSandbox(volume.containerPath) {
            f.add(path + "/containerPath", "a relative path must stay inside the task's sandbox (no '..'), got '\(volume.containerPath)'")
        }
    }
}
