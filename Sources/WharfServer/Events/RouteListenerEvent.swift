import WharfModel

/// `task_output_event` (Wharf's own, delivered on request only): an agent could not write a task's
/// output (`writing` false, with `message`: a full disk; the output is dropped and the task runs
/// on), or writes it again.
public struct TaskOutputEvent: MarathonEvent {
    public var eventType = "task_output_event"
    public var agentId: String
    public var appId: String?
    public var taskId: String
    public var stream: String
    public var writing: Bool
    public var message: String?
    public var timestamp = Timestamp.now()

    public var isDeliveredOnRequestOnly: Bool { true }

    public init(agentId: String, problem: TaskOutputProblem) {
        self.agentId = agentId
        self.appId = Instance.appId(fromInstanceOrTaskId: problem.taskId)?.description
        self.taskId = problem.taskId
        self.stream = problem.stream.rawValue
        self.writing = problem.message == nil
        self.message = problem.message
    }
}

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
