import ArgumentParser

/// How a node's edge router and DNS server behave, shared by `wharf dev` and `wharf agent` (their
/// ports are each command's own).
struct RoutingOptions: ParsableArguments {
    @Option(name: .customLong("router-bind"), help: ArgumentHelp("Address the router's HTTP and TCP listeners, the DNS server and a --consul-port bind to [WHARF_ROUTER_BIND] (default 0.0.0.0).", valueName: "address"))
    var routerBind: String?

    @Option(name: .customLong("router-domain"), help: ArgumentHelp("Route <service>.<domain> to every app's first port, or off [WHARF_ROUTER_DOMAIN] (default localhost: http://web.localhost:8000/).", valueName: "domain"))
    var routerDomain: String?

    @Option(name: .customLong("router-groups"), help: ArgumentHelp("Route only apps in these marathon-lb groups (HAPROXY_GROUP), comma-separated; * for all [WHARF_ROUTER_GROUPS] (default all).", valueName: "groups"))
    var routerGroups: String?

    @Option(name: .customLong("tcp-routes"), help: ArgumentHelp("Listen on every app's service ports and relay TCP to its instances [WHARF_TCP_ROUTES] (default true).", valueName: "bool"))
    var tcpRoutes: String?

    @Option(name: .customLong("router-timeouts"), help: ArgumentHelp("Router timeouts, e.g. connect=3s,header=10s,backend=60s,idle=60s,tunnel=1h (the defaults) [WHARF_ROUTER_TIMEOUTS].", valueName: "list"))
    var routerTimeouts: String?

    @Option(name: .customLong("router-metrics"), help: ArgumentHelp("Count the router's requests per service on /metrics [WHARF_ROUTER_METRICS] (default true).", valueName: "bool"))
    var routerMetrics: String?

    @Option(name: .customLong("dns-domains"), help: ArgumentHelp("Domains answered besides consul, comma-separated [WHARF_DNS_DOMAINS] (default wharf: web.wharf, web.service.wharf).", valueName: "domains"))
    var dnsDomains: String?

    @Option(name: .customLong("dns-ttl"), help: ArgumentHelp("TTL of DNS answers in seconds [WHARF_DNS_TTL] (default 0, as Consul).", valueName: "seconds"))
    var dnsTTL: String?

    /// The options by flag name, for `DevSettings.Source`.
    var flags: [String: String?] {
        ["router-bind": routerBind, "router-domain": routerDomain, "router-groups": routerGroups, "tcp-routes": tcpRoutes,
         "router-timeouts": routerTimeouts, "router-metrics": routerMetrics, "dns-domains": dnsDomains, "dns-ttl": dnsTTL]
    }
}
