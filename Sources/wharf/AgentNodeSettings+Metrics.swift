import ArgumentParser
import WharfServer

extension AgentNodeSettings {
    /// `--metrics-port` (a port distinct from the router's, DNS's and Consul's, outside the task
    /// ports, or off) and `--task-metrics`.
    static func readMetrics(_ source: DevSettings.Source, into config: inout AgentNodeConfiguration) throws {
        if let (text, origin) = source.value("metrics-port") {
            config.metricsPort = try DevSettings.optionalPort(text, origin: origin)
        }
        if let (text, origin) = source.value("task-metrics") {
            config.taskMetrics = try DevSettings.bool(text, origin: origin)
        }
        guard let port = config.metricsPort else { return }
        let discovery = config.discovery
        for (flag, other) in [("--router-port", discovery.routerPort), ("--dns-port", discovery.dnsPort), ("--consul-port", discovery.consulPort)]
        where other == port {
            throw ValidationError("--metrics-port \(port) is already used by \(flag)")
        }
        if config.taskPorts.contains(where: { $0.contains(port) }) {
            throw ValidationError("--metrics-port \(port) lies inside the task port range \(config.taskPorts.map(\.description).joined(separator: ",")); "
                + "choose another --metrics-port or --task-ports")
        }
    }
}
