import WharfDiscovery
import WharfModel

extension ClusterState {
    /// Why the app is not (fully) routed: rejected route and service-name labels, and service ports
    /// of the app the router cannot listen on. Empty when it is routed as asked.
    func routeErrors(of app: AppDefinition) -> [String] {
        routeErrors(of: app, labelErrors: CatalogService.labelErrors(of: app))
    }

    /// `routeErrors(of:)` with the app's label errors already at hand (cached with its JSON).
    func routeErrors(of app: AppDefinition, labelErrors: [String]) -> [String] {
        var errors = labelErrors
        guard !routeListenerErrors.isEmpty else { return errors }
        for port in Set(app.servicePorts).sorted() {
            if let error = routeListenerErrors[port] { errors.append(error) }
        }
        return errors
    }

    /// Apps with a service port the router cannot listen on, by id.
    var appsWithUnboundServicePorts: [PathId] {
        guard !routeListenerErrors.isEmpty else { return [] }
        return apps.values.filter { app in app.servicePorts.contains { routeListenerErrors[$0] != nil } }.map(\.id)
    }
}
