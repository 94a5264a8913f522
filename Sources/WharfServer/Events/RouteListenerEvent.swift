import WharfModel

/// `route_listener_event` (Wharf's own): the local router could not listen on a service port of
/// an app (`listening` false, with `message`), or listens on it again after such a failure. Only
/// subscribers that ask for this type (`/v2/events?event_type=route_listener_event`) receive it, so
/// that Marathon clients that refuse unknown event types are not disturbed.
public struct RouteListenerEvent: MarathonEvent {
    public var eventType = "route_listener_event"
    public var appId: PathId
    public var servicePort: Int
    public var listening: Bool
    /// Why the router cannot listen; absent when `listening`.
    public var message: String?
    public var timestamp = Timestamp.now()

    public var isDeliveredOnRequestOnly: Bool { true }

    public init(appId: PathId, servicePort: Int, listening: Bool, message: String? = nil) {
        self.appId = appId
        self.servicePort = servicePort
        self.listening = listening
        self.message = message
    }
}
