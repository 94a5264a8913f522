// Fast writers of the container parts of an app's GET shape; each matches the type's `Codable`
// encoding with sorted keys.

extension Container {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        if let docker {
            w.key(literal: "docker")
            docker.write(to: &w)
        }
        if let linuxInfo {
            w.key(literal: "linuxInfo")
            linuxInfo.write(to: &w)
        }
        if let portMappings {
            w.key(literal: "portMappings")
            w.beginArray()
            for mapping in portMappings { mapping.write(to: &w) }
            w.endArray()
        }
        w.key(literal: "type"); w.string(type.rawValue)
        w.key(literal: "volumes")
        w.beginArray()
        for volume in volumes { volume.write(to: &w) }
        w.endArray()
        w.endObject()
    }
}

extension DockerSettings {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key(literal: "forcePullImage"); w.bool(forcePullImage)
        w.key(literal: "image"); w.string(image)
        w.key(literal: "parameters")
        w.beginArray()
        for p in parameters {
            w.beginObject(); w.key(literal: "key"); w.string(p.key); w.key(literal: "value"); w.string(p.value); w.endObject()
        }
        w.endArray()
        w.key(literal: "privileged"); w.bool(privileged)
        if let pullConfigSecret {
            w.key(literal: "pullConfig")
            w.beginObject(); w.key(literal: "secret"); w.string(pullConfigSecret); w.endObject()
        }
        w.endObject()
    }
}

extension PortMapping {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key(literal: "containerPort"); w.int(containerPort)
        if let hostPort { w.key(literal: "hostPort"); w.int(hostPort) }
        w.key(literal: "labels"); w.stringMap(labels ?? [:])
        if let name { w.key(literal: "name"); w.string(name) }
        if !networkNames.isEmpty { w.key(literal: "networkNames"); w.stringArray(networkNames) }
        w.key(literal: "protocol"); w.string(`protocol`)
        w.key(literal: "servicePort"); w.int(servicePort)
        w.endObject()
    }
}

extension Volume {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key(literal: "containerPath"); w.string(containerPath)
        if let secret {
            w.key(literal: "secret"); w.string(secret)
            w.endObject()
            return
        }
        if let external {
            w.key(literal: "external")
            external.write(to: &w)
        }
        if persistent == nil, external == nil, let hostPath { w.key(literal: "hostPath"); w.string(hostPath) }
        w.key(literal: "mode"); w.string(mode)
        if let persistent {
            w.key(literal: "persistent")
            persistent.write(to: &w)
        }
        w.endObject()
    }
}

extension PersistentVolumeInfo {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        if !constraints.isEmpty {
            w.key(literal: "constraints")
            w.beginArray()
            for constraint in constraints { w.stringArray(constraint) }
            w.endArray()
        }
        if let maxSize { w.key(literal: "maxSize"); w.int(maxSize) }
        if let profileName { w.key(literal: "profileName"); w.string(profileName) }
        w.key(literal: "size"); w.int(size)
        w.key(literal: "type"); w.string(type)
        w.endObject()
    }
}

extension ExternalVolumeInfo {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        if let name { w.key(literal: "name"); w.string(name) }
        if !options.isEmpty { w.key(literal: "options"); w.stringMap(options) }
        if let provider { w.key(literal: "provider"); w.string(provider) }
        w.key(literal: "shared"); w.bool(shared)
        if let size { w.key(literal: "size"); w.int(size) }
        w.endObject()
    }
}

extension LinuxInfo {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        if let ipcMode {
            w.key(literal: "ipcInfo")
            w.beginObject()
            w.key(literal: "mode"); w.string(ipcMode)
            if let shmSize { w.key(literal: "shmSize"); w.int(shmSize) }
            w.endObject()
        }
        if let seccompUnconfined {
            w.key(literal: "seccomp")
            w.beginObject()
            if let seccompProfileName { w.key(literal: "profileName"); w.string(seccompProfileName) }
            w.key(literal: "unconfined"); w.bool(seccompUnconfined)
            w.endObject()
        }
        w.endObject()
    }
}
