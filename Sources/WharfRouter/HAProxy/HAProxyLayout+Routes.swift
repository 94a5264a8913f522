extension HAProxyLayout {
    /// The layout for `routes` under `settings`.
    public init(routes: HAProxyRoutes, settings: HAProxySettings) {
        var warnings: [String] = []
        var backends: [String: Backend] = [:]

        // HTTP: one backend per (app, port index); rules per (hosts, path).
        let sorted = routes.http.sorted {
            ($0.app, $0.portIndex, $0.pathPrefix, $0.hosts.joined(separator: ","), $0.name)
                < ($1.app, $1.portIndex, $1.pathPrefix, $1.hosts.joined(separator: ","), $1.name)
        }
        let httpKeys = sorted.map { (key: "http|\($0.app)|\($0.portIndex)", route: $0) }
        let httpNames = HAProxyNames.disambiguate(httpKeys.map {
            (key: $0.key, name: "http_" + HAProxyNames.sanitize($0.route.name) + ($0.route.portIndex == 0 ? "" : "_\($0.route.portIndex)"))
        })
        var rules: [HTTPRule] = []
        var seenRules = Set<String>()
        if settings.httpPort == nil, !routes.http.isEmpty {
            warnings.append("\(routes.http.count) HTTP route(s) ignored: no HTTP port is configured")
        }
        for (key, route) in httpKeys where settings.httpPort != nil {
            guard let name = httpNames[key] else { continue }
            let hosts = route.hosts.map { $0.lowercased() }
            if let bad = (hosts + [route.pathPrefix]).first(where: { !Self.isSafeValue($0) }) ?? Self.invalidPath(route.pathPrefix) {
                warnings.append("HTTP route \(route.name) (\(route.app)): '\(bad)' cannot be used in haproxy.cfg; route ignored")
                continue
            }
            let exact = Set(hosts.filter { !$0.hasPrefix("*.") }).sorted()
            let suffixes = Set(hosts.filter { $0.hasPrefix("*.") }.map { String($0.dropFirst()) }).sorted()
            guard seenRules.insert("\(exact)|\(suffixes)|\(route.pathPrefix)").inserted else {
                warnings.append("HTTP route \(route.name) (\(route.app)): hosts \(hosts) path \(route.pathPrefix) duplicates another route; ignored")
                continue
            }
            rules.append(HTTPRule(aclName: "", hosts: exact, hostSuffixes: suffixes, pathPrefix: route.pathPrefix, backend: name))
            Self.merge(into: &backends, name: name, mode: .http, balance: route.balance, endpoints: route.backends, warnings: &warnings)
        }
        rules.sort(by: Self.moreSpecific)
        for index in rules.indices { rules[index].aclName = "r\(index)_" + rules[index].backend }

        // TCP: one frontend and backend per service port.
        var frontends: [TCPFrontend] = []
        let wharfListensOn = routes.routerTCPBind.flatMap { bind in
            settings.sharesHostWithWharf && HAProxySettings.addressesOverlap(bind, settings.bindAddress) ? bind : nil
        }
        for route in routes.tcp.sorted(by: { ($0.port, $0.app, $0.name) < ($1.port, $1.app, $1.name) }) {
            guard (1...65535).contains(route.port) else {
                warnings.append("TCP route \(route.name) (\(route.app)): port \(route.port) is not a port; ignored")
                continue
            }
            if let bind = wharfListensOn {
                warnings.append("TCP route \(route.name) (\(route.app)): service port \(route.port) is already served by "
                    + "wharf dev's own router on \(bind.isEmpty ? "0.0.0.0" : bind); left out of haproxy.cfg "
                    + "(for HAProxy to serve TCP routes, start wharf dev with --tcp-routes false)")
                continue
            }
            guard route.port != settings.httpPort, !frontends.contains(where: { $0.port == route.port }) else {
                warnings.append("TCP route \(route.name) (\(route.app)): port \(route.port) is already in use by another frontend; ignored")
                continue
            }
            let name = "tcp_" + HAProxyNames.sanitize(route.name) + "_\(route.port)"
            frontends.append(TCPFrontend(name: name, port: route.port, backend: name))
            Self.merge(into: &backends, name: name, mode: .tcp, balance: route.balance, endpoints: route.backends, warnings: &warnings)
        }

        self.backends = backends.values.sorted { $0.name < $1.name }
        self.httpRules = rules
        self.tcpFrontends = frontends
        self.serverOptions = settings.serverOptions
        self.warnings = warnings
    }

    /// Adds `endpoints` to backend `name`, creating it on first use. Servers are keyed by name; an
    /// instance listed twice keeps its first address.
    private static func merge(
        into backends: inout [String: Backend], name: String, mode: Mode, balance: String,
        endpoints: [HAProxyRoutes.Endpoint], warnings: inout [String]
    ) {
        var backend = backends[name] ?? {
            let (algorithm, consistent, note) = balanceAlgorithm(balance, mode: mode)
            if let note { warnings.append("backend \(name): \(note)") }
            return Backend(name: name, mode: mode, balance: algorithm, consistentHash: consistent, servers: [])
        }()
        for endpoint in endpoints {
            guard (1...65535).contains(endpoint.port), isSafeValue(endpoint.host), !endpoint.host.isEmpty else {
                warnings.append("backend \(name): instance \(endpoint.id) has an unusable address \(endpoint.host):\(endpoint.port); skipped")
                continue
            }
            let serverName = HAProxyNames.server(instanceId: endpoint.id)
            guard !backend.servers.contains(where: { $0.name == serverName }) else { continue }
            backend.servers.append(Server(name: serverName, host: endpoint.host, port: endpoint.port, instanceId: endpoint.id))
        }
        backend.servers.sort { $0.name < $1.name }
        backends[name] = backend
    }

    /// A balance algorithm that allows runtime `add server` (HAProxy requires a dynamic one), whether
    /// it needs `hash-type consistent`, and a note when the requested one was replaced.
    static func balanceAlgorithm(_ requested: String, mode: Mode) -> (String, Bool, String?) {
        let value = requested.lowercased()
        switch value {
        case "roundrobin", "leastconn", "first", "random":
            return (value, false, nil)
        case "source":
            return (value, true, nil)
        case "uri" where mode == .http:
            return (value, true, nil)
        default:
            return ("roundrobin", false, "balance '\(requested)' is not supported with runtime server changes; using roundrobin")
        }
    }

    /// Orders HTTP rules: host-specific before any-host, then longer path prefixes, then by text.
    static func moreSpecific(_ a: HTTPRule, _ b: HTTPRule) -> Bool {
        let aHosts = !(a.hosts.isEmpty && a.hostSuffixes.isEmpty)
        let bHosts = !(b.hosts.isEmpty && b.hostSuffixes.isEmpty)
        if aHosts != bHosts { return aHosts }
        if a.hosts.isEmpty != b.hosts.isEmpty { return !a.hosts.isEmpty }  // exact hosts before wildcards only
        if a.pathPrefix.count != b.pathPrefix.count { return a.pathPrefix.count > b.pathPrefix.count }
        if a.backend != b.backend { return a.backend < b.backend }
        return (a.hosts + a.hostSuffixes).joined(separator: " ") < (b.hosts + b.hostSuffixes).joined(separator: " ")
    }

    /// Whether `value` can be written unquoted in haproxy.cfg: printable ASCII without spaces, quotes,
    /// backslashes, `#` (comment) or `$` (environment expansion).
    static func isSafeValue(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value < 0x7F && !"\"'\\#$".unicodeScalars.contains(scalar)
        }
    }

    /// Nil when `path` is a usable prefix (starts with `/`), else `path` itself for the warning.
    private static func invalidPath(_ path: String) -> String? {
        path.hasPrefix("/") ? nil : path
    }
}
