import Foundation
import WharfModel

/// How each applied `docker run` option (``DockerRunOption``) changes the create request: one entry
/// per option, by its long name. Resources and execution options are in
/// `DockerContainerConfig+ResourceAppliers.swift`.
extension DockerContainerConfig {
    /// Every applier, by option name.
    static let appliers: [String: Applier] = generalAppliers
        .merging(networkAppliers) { $1 }.merging(storageAppliers) { $1 }.merging(resourceAppliers) { $1 }.merging(executionAppliers) { $1 }

    private static let generalAppliers: [String: Applier] = [
        "env": { value, state throws(DockerValueError) in state.environment.append(try DockerValue.environment(value)) },
        "env-file": { value, state throws(DockerValueError) in
            state.fileEnvironment += try DockerValue.keyValueFile(try state.file(value), name: state.agentPath(value))
        },
        "entrypoint": { value, state in state.create.Entrypoint = [value] },
        "group-add": { value, state in state.create.HostConfig.GroupAdd = (state.create.HostConfig.GroupAdd ?? []) + [value] },
        "hostname": { value, state in state.create.Hostname = value.isEmpty ? nil : value },
        "domainname": { value, state in state.create.Domainname = value.isEmpty ? nil : value },
        "interactive": { value, state throws(DockerValueError) in state.create.OpenStdin = try DockerValue.bool(value) },
        "label": { value, state throws(DockerValueError) in
            let label = try DockerValue.label(value)
            state.labels[label.key] = label.value
        },
        "label-file": { value, state throws(DockerValueError) in
            for (key, text) in try DockerValue.keyValueFile(try state.file(value), name: state.agentPath(value)) {
                state.fileLabels[key] = text ?? ""
            }
        },
        "read-only": { value, state throws(DockerValueError) in state.create.HostConfig.ReadonlyRootfs = try DockerValue.bool(value) },
        "stop-signal": { value, state throws(DockerValueError) in state.create.StopSignal = try DockerValue.signal(value) },
        "stop-timeout": { value, state throws(DockerValueError) in state.create.StopTimeout = Int(try DockerValue.integer(value)) },
        "sysctl": { value, state throws(DockerValueError) in
            let sysctl = try DockerValue.sysctl(value)
            state.create.HostConfig.Sysctls = (state.create.HostConfig.Sysctls ?? [:]).merging([sysctl.key: sysctl.value]) { $1 }
        },
        "tty": { value, state throws(DockerValueError) in state.create.Tty = try DockerValue.bool(value) },
        "ulimit": { value, state throws(DockerValueError) in
            let limit = try DockerValue.ulimit(value)
            // One limit per name, the last one given; sorted by name as the CLI sends them.
            let others = (state.create.HostConfig.Ulimits ?? []).filter { $0.Name != limit.name }
            state.create.HostConfig.Ulimits = (others + [DockerAPI.Ulimit(Name: limit.name, Soft: Int(limit.soft), Hard: Int(limit.hard))])
                .sorted { $0.Name < $1.Name }
        },
        "user": { value, state throws(DockerValueError) in state.create.User = try DockerValue.user(value) },
        "workdir": { value, state in state.create.WorkingDir = value.isEmpty ? nil : value },
        "cap-add": { value, state throws(DockerValueError) in
            state.create.HostConfig.CapAdd = (state.create.HostConfig.CapAdd ?? []) + [try DockerValue.capability(value)]
        },
        "cap-drop": { value, state throws(DockerValueError) in
            state.create.HostConfig.CapDrop = (state.create.HostConfig.CapDrop ?? []) + [try DockerValue.capability(value)]
        },
        "privileged": { value, state throws(DockerValueError) in state.create.HostConfig.Privileged = try DockerValue.bool(value) },
        "security-opt": { value, state throws(DockerValueError) in try applySecurityOption(value, to: &state) },
        "userns": { value, state throws(DockerValueError) in state.create.HostConfig.UsernsMode = try DockerValue.hostMode(value) },
        "cgroupns": { value, state throws(DockerValueError) in state.create.HostConfig.CgroupnsMode = try DockerValue.cgroupnsMode(value) },
    ]

    private static let networkAppliers: [String: Applier] = [
        "network": { value, state throws(DockerValueError) in state.networks.append(try DockerValue.network(value)) },
        "network-alias": { value, state in state.aliases.append(value) },
        "ip": { value, state throws(DockerValueError) in state.ipv4 = try DockerValue.ipv4(value) },
        "ip6": { value, state throws(DockerValueError) in state.ipv6 = try DockerValue.ipv6(value) },
        "link-local-ip": { value, state throws(DockerValueError) in state.linkLocalIPs.append(try DockerValue.ipAddress(value)) },
        "mac-address": { value, state throws(DockerValueError) in state.create.MacAddress = try DockerValue.macAddress(value) },
        "link": { value, state throws(DockerValueError) in state.links.append(try DockerValue.link(value)) },
        "add-host": { value, state throws(DockerValueError) in
            state.create.HostConfig.ExtraHosts = (state.create.HostConfig.ExtraHosts ?? []) + [try DockerValue.extraHost(value)]
        },
        "dns": { value, state throws(DockerValueError) in
            state.create.HostConfig.Dns = (state.create.HostConfig.Dns ?? []) + [try DockerValue.ipAddress(value)]
        },
        "dns-option": { value, state in state.create.HostConfig.DnsOptions = (state.create.HostConfig.DnsOptions ?? []) + [value] },
        "dns-search": { value, state throws(DockerValueError) in
            state.create.HostConfig.DnsSearch = (state.create.HostConfig.DnsSearch ?? []) + [try DockerValue.dnsSearch(value)]
        },
        "expose": { value, state throws(DockerValueError) in state.exposedPorts += try DockerValue.expose(value) },
        "publish": { value, state throws(DockerValueError) in
            for port in try DockerValue.publish(value) {
                state.publishedPorts.append((port.port, DockerAPI.PortBinding(HostIp: port.hostIP, HostPort: port.hostPort)))
            }
        },
        "publish-all": { value, state throws(DockerValueError) in state.create.HostConfig.PublishAllPorts = try DockerValue.bool(value) },
    ]

    private static let storageAppliers: [String: Applier] = [
        "log-driver": { value, state in state.logDriver = value },
        "log-opt": { value, state throws(DockerValueError) in
            let option = try DockerValue.option(value)
            state.logOptions[option.key] = option.value
        },
        "storage-opt": { value, state throws(DockerValueError) in
            let option = try DockerValue.keyValue(value)
            state.create.HostConfig.StorageOpt = (state.create.HostConfig.StorageOpt ?? [:]).merging([option.key: option.value]) { $1 }
        },
        "tmpfs": { value, state throws(DockerValueError) in
            let tmpfs = try DockerValue.tmpfs(value)
            state.create.HostConfig.Tmpfs = (state.create.HostConfig.Tmpfs ?? [:]).merging([tmpfs.path: tmpfs.options]) { $1 }
        },
        "volume": { value, state throws(DockerValueError) in
            let volume = try DockerValue.volume(value)
            if let source = volume.source {
                let resolved = volume.isBind ? state.agentPath(source) : source
                state.create.HostConfig.Binds.append(([resolved, volume.target] + (volume.options.map { [$0] } ?? [])).joined(separator: ":"))
            } else {
                state.create.Volumes = (state.create.Volumes ?? [:]).merging([volume.target: DockerAPI.Empty()]) { $1 }
            }
        },
        "volume-driver": { value, state in state.create.HostConfig.VolumeDriver = value },
        "volumes-from": { value, state throws(DockerValueError) in
            state.create.HostConfig.VolumesFrom = (state.create.HostConfig.VolumesFrom ?? []) + [try DockerValue.volumesFrom(value)]
        },
        "mount": { value, state throws(DockerValueError) in
            let mount = try DockerValue.mount(value)
            state.create.HostConfig.Mounts = (state.create.HostConfig.Mounts ?? []) + [engineMount(mount, state: state)]
        },
        "health-cmd": { value, state in
            state.health.Test = value.isEmpty ? nil : ["CMD-SHELL", value]
            state.hasHealthSettings = true
        },
        "health-interval": healthDuration(\.Interval),
        "health-timeout": healthDuration(\.Timeout),
        "health-start-period": healthDuration(\.StartPeriod),
        "health-start-interval": healthDuration(\.StartInterval),
        "health-retries": { value, state throws(DockerValueError) in
            state.health.Retries = Int(try DockerValue.integer(value))
            state.hasHealthSettings = true
        },
        "no-healthcheck": { value, state throws(DockerValueError) in state.noHealthcheck = try DockerValue.bool(value) },
    ]

    /// An applier setting a health check duration (nanoseconds).
    private static func healthDuration(_ field: WritableKeyPath<DockerAPI.HealthConfig, Int?> & Sendable) -> Applier {
        { value, state throws(DockerValueError) in
            state.health[keyPath: field] = Int(try DockerValue.duration(value))
            state.hasHealthSettings = true
        }
    }

    /// `--security-opt`: a seccomp profile file is sent as its JSON, as the CLI does;
    /// `systempaths=unconfined` empties the masked and read-only paths instead of being sent.
    private static func applySecurityOption(_ value: String, to state: inout ParameterState) throws(DockerValueError) {
        let (key, option) = try DockerValue.securityOption(value)
        var text = value
        if key == "systempaths" {
            state.create.HostConfig.MaskedPaths = []
            state.create.HostConfig.ReadonlyPaths = []
            return
        }
        if key == "seccomp", let path = option, path != "builtin", path != "unconfined" {
            let profile = try state.file(path)
            guard let object = try? JSONSerialization.jsonObject(with: Data(profile.utf8)),
                  let compact = try? JSONSerialization.data(withJSONObject: object) else {
                throw DockerValueError("the seccomp profile \(state.agentPath(path)) is not valid JSON")
            }
            text = "seccomp=" + String(decoding: compact, as: UTF8.self)
        }
        state.create.HostConfig.SecurityOpt = (state.create.HostConfig.SecurityOpt ?? []) + [text]
    }

    /// The Engine's `Mount` of a `--mount` value; a relative bind source is inside the sandbox.
    private static func engineMount(_ m: DockerValue.MountSpec, state: ParameterState) -> DockerAPI.Mount {
        let bind = DockerAPI.Mount.BindOptions(
            Propagation: m.propagation, NonRecursive: m.nonRecursive, CreateMountpoint: m.createMountpoint,
            ReadOnlyNonRecursive: m.readOnlyNonRecursive, ReadOnlyForceRecursive: m.readOnlyForceRecursive)
        let volume = DockerAPI.Mount.VolumeOptions(
            NoCopy: m.volumeNoCopy, Labels: m.volumeLabels.isEmpty ? nil : m.volumeLabels,
            DriverConfig: m.volumeDriver != nil || !m.volumeDriverOptions.isEmpty
                ? .init(Name: m.volumeDriver ?? "", Options: m.volumeDriverOptions.isEmpty ? nil : m.volumeDriverOptions) : nil,
            Subpath: m.volumeSubpath)
        let tmpfs = DockerAPI.Mount.TmpfsOptions(SizeBytes: m.tmpfsSize.map { Int($0) }, Mode: m.tmpfsMode)
        return DockerAPI.Mount(
            Type: m.type, Source: m.type == "bind" ? m.source.map(state.agentPath) : m.source, Target: m.target,
            ReadOnly: m.readOnly ? true : nil, Consistency: m.consistency,
            BindOptions: bind == .init() ? nil : bind, VolumeOptions: volume == .init() ? nil : volume,
            TmpfsOptions: tmpfs == .init() ? nil : tmpfs, ImageOptions: m.imageSubpath.map { .init(Subpath: $0) })
    }
}
