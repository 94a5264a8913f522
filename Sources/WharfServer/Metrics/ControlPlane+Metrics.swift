import WharfModel

extension ControlPlane {
    /// Publishes a deployment's end and counts it in `wharf_deployments_total`.
    func publishResult(_ event: DeploymentResultEvent) {
        (event.reason == nil ? metrics.deploymentsSucceeded : metrics.deploymentsFailed).increment()
        events.publish(event)
    }
}

extension ControlPlane {
    /// The API addresses (`host:port`) of the control-plane servers: this one alone, or every
    /// member of an HA cluster (this one alone when the member list cannot be read now).
    func serverAddresses() async -> [String] {
        let own = SystemRoutes.leaderAddress(configuration)
        guard let leadership else { return [own] }
        do {
            return try await leadership.members().map(\.apiAddress).sorted()
        } catch {
            logger.warning("server list unreadable for Prometheus targets; listing this server only", metadata: ["error": "\(error)"])
            return [own]
        }
    }
}
