/// Combinations of parameters (and of parameters with the app) that `docker run` or the Engine
/// always refuses: reported at submission rather than as a task that can never start.
extension DockerParameterList {
    /// The conflicts of these parameters in an app with `memoryMiB` (`mem`), `networks` and
    /// `portMappings`, each at the value path of the parameter that conflicts.
    public func conflicts(memoryMiB: Double, networks appNetworks: [Network], hasPortMappings: Bool) -> [Problem] {
        var problems: [Problem] = []
        func refuse(_ entry: Entry?, _ message: String) { problems += Self.refusal(entry, message) }
        func number(_ name: String) -> Int64 { last(name).flatMap { Int64($0) } ?? 0 }
        func bytes(_ name: String) -> Int64 { last(name).flatMap { try? DockerValue.bytes($0) } ?? 0 }

        // Memory: the Engine's rules on the limits the container ends up with.
        let memoryParameter = entries("memory").last
        // mem is bounded by validation elsewhere; until then it may be anything JSON can say.
        let appBytes = memoryMiB * 1_048_576
        let memory = memoryParameter != nil ? bytes("memory") : (appBytes <= 0 ? 0 : appBytes < 9.2e18 ? Int64(appBytes) : .max)
        let memoryText = memoryParameter.map { "memory (\($0.value))" } ?? "the app's mem (\(memoryMiB) MiB)"
        if let swap = entries("memory-swap").last, let swapBytes = try? DockerValue.swapBytes(swap.value), swapBytes > 0 {
            if memory == 0 {
                refuse(swap, "'\(swap.value)' needs a memory limit (mem or memory)")
            } else if swapBytes < memory {
                refuse(swap, "'\(swap.value)' must be at least \(memoryText): it is memory plus swap")
            }
        }
        if let reservation = entries("memory-reservation").last, memory > 0, bytes("memory-reservation") > memory {
            refuse(reservation, "'\(reservation.value)' is more than \(memoryText): the reservation is a soft limit below it")
        }

        // CPU: Nano CPUs and CFS settings exclude each other; the real-time runtime fits its period.
        if let cpus = entries("cpus").last, (try? DockerValue.nanoCPUs(cpus.value)) ?? 0 > 0, number("cpu-period") > 0 || number("cpu-quota") > 0 {
            refuse(cpus, "cannot be combined with cpu-period or cpu-quota (the Engine refuses Nano CPUs with CFS settings)")
        }
        if let runtime = entries("cpu-rt-runtime").last, number("cpu-rt-period") != 0, number("cpu-rt-runtime") > number("cpu-rt-period") {
            refuse(runtime, "cannot be more than cpu-rt-period")
        }

        // The CLI's own conflicts.
        if isSet("rm"), let restart = last("restart"), !["", "no"].contains(restart) {
            refuse(entries("rm").last, "cannot be combined with restart '\(restart)' (docker run refuses both)")
        }
        if isSet("no-healthcheck"), let health = entries.first(where: { $0.option.name.hasPrefix("health-") }) {
            refuse(health, "conflicts with no-healthcheck")
        }
        if last("log-driver") == "none" {
            refuse(entries("log-opt").first, "the none log driver takes no options")
        }

        problems += networkConflicts(appNetworks: appNetworks, hasPortMappings: hasPortMappings)
        return problems
    }

    /// The network rules of the CLI (`parseNetworkOpts`) and of the Engine (`validateNetMode`).
    private func networkConflicts(appNetworks: [Network], hasPortMappings: Bool) -> [Problem] {
        var problems: [Problem] = []
        func refuse(_ entry: Entry?, _ message: String) { problems += Self.refusal(entry, message) }
        let attachments = zip(entries("network"), networks).map { (entry: $0, network: $1) }
        var seen: Set<String> = []
        for (entry, network) in attachments where !seen.insert(network.target).inserted {
            refuse(entry, "network '\(network.target)' is given more than once")
        }
        if attachments.contains(where: { $0.network.isUserDefined }), let other = attachments.first(where: { !$0.network.isUserDefined }) {
            refuse(other.entry, "cannot attach both user-defined and non-user-defined networks ('\(other.network.target)')")
        }
        for (entry, network) in attachments where !network.isUserDefined && !network.aliases.isEmpty {
            refuse(entry, "network-scoped aliases are only supported for user-defined networks")
        }
        if let first = attachments.first?.network {
            let pairs: [(String, Bool)] = [("network-alias", !first.aliases.isEmpty), ("ip", first.ipv4 != nil), ("ip6", first.ipv6 != nil),
                                           ("mac-address", first.macAddress != nil), ("link-local-ip", !first.linkLocalIPs.isEmpty)]
            for (name, perNetwork) in pairs where perNetwork {
                refuse(entries(name).first, "conflicts with the same setting in the first network's long syntax")
            }
        }

        let mode = networkMode(appNetworks: appNetworks)
        if !DockerValue.NetworkAttachment.isUserDefined(mode) {
            refuse(entries("network-alias").first, "network-scoped aliases are only supported for user-defined networks (the network is '\(mode)')")
            refuse(entries("ip").first, "a static address needs a user-defined network (the network is '\(mode)')")
            refuse(entries("ip6").first, "a static address needs a user-defined network (the network is '\(mode)')")
        }
        if mode.hasPrefix("container:") {
            for name in ["hostname", "link", "dns", "add-host", "publish", "expose", "mac-address"] {
                refuse(entries(name).first, "cannot be used with the network mode '\(mode)' (the container shares another's network)")
            }
            if isSet("publish-all") { refuse(entries("publish-all").last, "cannot be used with the network mode '\(mode)'") }
            if hasPortMappings {
                refuse(entries("network").first, "the app's portMappings cannot be published on '\(mode)' (the container shares another's network)")
            }
        }
        if mode == "host" { refuse(entries("link").first, "links cannot be used with the host network") }
        if last("uts") == "host" { refuse(entries("hostname").last, "cannot be combined with uts=host") }
        return problems
    }

    /// A problem at `entry`'s value path, none without an entry.
    private static func refusal(_ entry: Entry?, _ message: String) -> [Problem] {
        entry.map { [Problem(path: "(\($0.index))/value", message: "\($0.option.name): \(message)")] } ?? []
    }
}
