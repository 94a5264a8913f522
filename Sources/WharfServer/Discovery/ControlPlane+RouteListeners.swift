import WharfModel

extension ControlPlane {
    /// Takes the router's current failures to listen on service ports (port to why): they show in
    /// the apps' `routeErrors` and in `/v2/queue`, and every change is a `route_listener_event`
    /// per app that owns the port.
    public func routeListenersChanged(_ errors: [Int: String]) {
        let previous = state.routeListenerErrors
        guard errors != previous else { return }
        state.routeListenerErrors = errors
        let changed = Set(errors.keys).union(previous.keys).filter { errors[$0] != previous[$0] }
        guard !changed.isEmpty else { return }
        for app in state.apps.values.sorted(by: { $0.id < $1.id }) {
            for port in Set(app.servicePorts).intersection(changed).sorted() {
                if let message = errors[port] {
                    events.publish(RouteListenerEvent(appId: app.id, servicePort: port, listening: false, message: message))
                } else {
                    events.publish(RouteListenerEvent(appId: app.id, servicePort: port, listening: true))
                }
            }
        }
    }
}
