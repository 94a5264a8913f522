// The `docker run` options of the Docker CLI (cli/command/container/opts.go, run.go, create.go), one
// entry each: name, aliases, whether it repeats, its value check, where it goes. Grouped as the
// CLI's help groups them; resources and the run-only options are in DockerRunOption+Resources.swift.

extension DockerRunOption {
    private static let sandboxFile = "read on the agent when the task starts (a relative path is inside the task's sandbox)"

    /// General options: command, environment, labels, user, terminal, stop behaviour.
    static let general: [DockerRunOption] = [
        .init("attach", ["a"], repeatable: true, .parsed(DockerValue.attachStream), "Config.AttachStdin/Stdout/Stderr",
              .wharfDecides("Wharf runs containers detached and always copies stdout and stderr into the task's sandbox")),
        .init("env", ["e"], repeatable: true, .parsed(DockerValue.environment),
              "Config.Env, after the app's env and Marathon's variables (a parameter wins); KEY alone keeps the task's value of KEY"),
        .init("env-file", repeatable: true, .agentFile,
              "Config.Env: the file is \(sandboxFile); its variables come before the app's env and the env parameters"),
        .init("entrypoint", .any, "Config.Entrypoint: one program, no arguments (replaces /bin/sh for cmd apps, as with Mesos); empty clears the image's"),
        .init("group-add", repeatable: true, .notEmpty, "HostConfig.GroupAdd"),
        .init("hostname", ["h"], DockerValueCheck { text throws(DockerValueError) in
            guard text.utf8.count <= 64 else { throw DockerValueError("'\(text)' is longer than 64 bytes (Linux's HOST_NAME_MAX)") }
        }, "Config.Hostname"),
        .init("domainname", .any, "Config.Domainname"),
        .init("interactive", ["i"], .bool, "Config.OpenStdin: stdin stays open with nothing attached, as with docker run -d -i"),
        .init("label", ["l"], repeatable: true, .parsed(DockerValue.label), "Config.Labels, after the app's labels; Wharf's io.wharf.* labels win"),
        .init("label-file", repeatable: true, .agentFile, "Config.Labels: the file is \(sandboxFile); its labels come first"),
        .init("read-only", .bool, "HostConfig.ReadonlyRootfs"),
        .init("restart", .parsed(DockerValue.restartPolicy), "HostConfig.RestartPolicy stays no",
              .wharfDecides("Marathon restarts tasks, not Docker: a task that ends is replaced by Wharf with the app's backoff")),
        .init("rm", .bool, "HostConfig.AutoRemove stays false",
              .wharfDecides("Wharf removes every container itself once its exit is recorded; Docker's auto-remove would race with reading the exit code")),
        .init("stop-signal", .parsed(DockerValue.signal), "Config.StopSignal: what Wharf's kill sends before SIGKILL"),
        .init("stop-timeout", .integer(), "Config.StopTimeout (Wharf's own kills use the app's grace period)"),
        .init("sysctl", repeatable: true, .parsed(DockerValue.sysctl), "HostConfig.Sysctls"),
        .init("tty", ["t"], .bool, "Config.Tty (as the app's tty)"),
        .init("ulimit", repeatable: true, .parsed(DockerValue.ulimit), "HostConfig.Ulimits (the last value per name wins)"),
        .init("user", ["u"], .parsed(DockerValue.user), "Config.User"),
        .init("workdir", ["w"], DockerValueCheck { text throws(DockerValueError) in
            guard text.isEmpty || text.hasPrefix("/") else { throw DockerValueError("workdir '\(text)' must be an absolute path") }
        }, "Config.WorkingDir"),
        .init("cap-add", repeatable: true, .parsed(DockerValue.capability), "HostConfig.CapAdd"),
        .init("cap-drop", repeatable: true, .parsed(DockerValue.capability), "HostConfig.CapDrop"),
        .init("privileged", .bool, "HostConfig.Privileged (as docker.privileged)"),
        .init("security-opt", repeatable: true, .parsed(DockerValue.securityOption),
              "HostConfig.SecurityOpt; seccomp=<file> sends the profile \(sandboxFile); systempaths=unconfined empties MaskedPaths and ReadonlyPaths"),
        .init("userns", .parsed(DockerValue.hostMode), "HostConfig.UsernsMode"),
        .init("cgroupns", .parsed(DockerValue.cgroupnsMode), "HostConfig.CgroupnsMode"),
    ]

    /// Networking: networks, aliases, addresses, DNS, published ports.
    static let network: [DockerRunOption] = [
        .init("network", ["net"], repeatable: true, .parsed(DockerValue.network),
              "HostConfig.NetworkMode and NetworkingConfig.EndpointsConfig: the first network replaces the app's networks (as with Mesos); further ones are connected before the container starts"),
        .init("network-alias", ["net-alias"], repeatable: true, .notEmpty, "Aliases of the first network's endpoint (user-defined networks only)"),
        .init("ip", .parsed(DockerValue.ipv4), "IPAMConfig.IPv4Address of the first network's endpoint (user-defined networks only)"),
        .init("ip6", .parsed(DockerValue.ipv6), "IPAMConfig.IPv6Address of the first network's endpoint (user-defined networks only)"),
        .init("link-local-ip", repeatable: true, .parsed(DockerValue.ipAddress), "IPAMConfig.LinkLocalIPs of the first network's endpoint"),
        .init("mac-address", .parsed(DockerValue.macAddress), "Config.MacAddress"),
        .init("link", repeatable: true, .parsed(DockerValue.link), "HostConfig.Links (on a user-defined network: the endpoint's Links)"),
        .init("add-host", repeatable: true, .parsed(DockerValue.extraHost), "HostConfig.ExtraHosts"),
        .init("dns", repeatable: true, .parsed(DockerValue.ipAddress), "HostConfig.Dns"),
        .init("dns-option", ["dns-opt"], repeatable: true, .any, "HostConfig.DnsOptions"),
        .init("dns-search", repeatable: true, .parsed(DockerValue.dnsSearch), "HostConfig.DnsSearch"),
        .init("expose", repeatable: true, .parsed(DockerValue.expose), "Config.ExposedPorts"),
        .init("publish", ["p"], repeatable: true, .parsed(DockerValue.publish),
              "HostConfig.PortBindings and Config.ExposedPorts, next to the portMappings' (a fixed host port here is not reserved by Wharf's scheduler)"),
        .init("publish-all", ["P"], .bool, "HostConfig.PublishAllPorts"),
    ]

    /// Logging, volumes and mounts.
    static let storage: [DockerRunOption] = [
        .init("log-driver", .any, "HostConfig.LogConfig.Type (Wharf copies output through the engine's log API: with a driver it cannot read, e.g. none, the sandbox's stdout and stderr stay empty)"),
        .init("log-opt", repeatable: true, .parsed(DockerValue.option), "HostConfig.LogConfig.Config"),
        .init("storage-opt", repeatable: true, .parsed(DockerValue.keyValue), "HostConfig.StorageOpt"),
        .init("tmpfs", repeatable: true, .parsed(DockerValue.tmpfs), "HostConfig.Tmpfs"),
        .init("volume", ["v"], repeatable: true, .parsed(DockerValue.volume),
              "HostConfig.Binds (a ./path source is inside the task's sandbox), or Config.Volumes for an anonymous volume"),
        .init("volume-driver", .any, "HostConfig.VolumeDriver"),
        .init("volumes-from", repeatable: true, .parsed(DockerValue.volumesFrom), "HostConfig.VolumesFrom"),
        .init("mount", repeatable: true, .parsed(DockerValue.mount), "HostConfig.Mounts (a ./path bind source is inside the task's sandbox)"),
    ]

    /// Docker's own health check (Wharf's health comes from the app's healthChecks; Docker's status
    /// shows in `docker ps`).
    static let health: [DockerRunOption] = [
        .init("health-cmd", .any, "Config.Healthcheck.Test [CMD-SHELL, cmd]"),
        .init("health-interval", .duration, "Config.Healthcheck.Interval"),
        .init("health-retries", .integer(0...Int64(Int32.max)), "Config.Healthcheck.Retries"),
        .init("health-timeout", .duration, "Config.Healthcheck.Timeout"),
        .init("health-start-period", .duration, "Config.Healthcheck.StartPeriod"),
        .init("health-start-interval", .duration, "Config.Healthcheck.StartInterval (Engine API 1.44: Wharf speaks at most 1.43, so the Engine ignores it for now)"),
        .init("no-healthcheck", .bool, "Config.Healthcheck.Test [NONE]"),
    ]
}
