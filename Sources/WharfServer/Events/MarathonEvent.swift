import Foundation
import WharfModel

/// An event on Marathon's event bus. Every payload carries `eventType` and `timestamp`; the field
/// names are Marathon's (`core/event/Events.scala`), so existing SSE consumers parse them.
public protocol MarathonEvent: Encodable, Sendable {
    var eventType: String { get }
    /// Whether only subscribers that name this type in their filter receive it (Wharf's own event
    /// types: Marathon clients such as marathon-python fail on types they do not know).
    var isDeliveredOnRequestOnly: Bool { get }
    /// The event encoded for the stream (default: `JSONEncoder`; frequent events write themselves).
    func frame() -> EventFrame
}

extension MarathonEvent {
    /// Marathon's own events go to every subscriber whose filter accepts them.
    public var isDeliveredOnRequestOnly: Bool { false }

    /// Encodes the event once for all subscribers. An event that cannot be encoded (a non-finite
    /// number in it) is still delivered: its type, its time and why its payload is missing.
    public func frame() -> EventFrame {
        do {
            return EventFrame(eventType: eventType, json: try EventJSON.encoder.encode(self),
                              isDeliveredOnRequestOnly: isDeliveredOnRequestOnly)
        } catch {
            var w = JSONWriter(capacity: 256)
            w.beginObject()
            w.key("eventType"); w.string(eventType)
            w.key("timestamp"); w.string(Timestamp.now().iso8601)
            w.key("message"); w.string("event payload cannot be encoded: \(error)")
            w.endObject()
            return EventFrame(eventType: eventType, json: w.data, isDeliveredOnRequestOnly: isDeliveredOnRequestOnly)
        }
    }
}

enum EventJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()
}

/// `event_stream_attached` / `event_stream_detached`.
public struct EventStreamAttachedEvent: MarathonEvent {
    public var eventType = "event_stream_attached"
    public var remoteAddress: String
    public var timestamp = Timestamp.now()
    public init(remoteAddress: String, detached: Bool = false) {
        self.remoteAddress = remoteAddress
        if detached { eventType = "event_stream_detached" }
    }
}

/// `api_post_event`: an app was created or changed through the API.
public struct APIPostEvent: MarathonEvent {
    public var eventType = "api_post_event"
    public var clientIp: String
    public var uri: String
    public var appDefinition: AppDefinition
    public var timestamp = Timestamp.now()
    public init(clientIp: String, uri: String, appDefinition: AppDefinition) {
        self.clientIp = clientIp
        self.uri = uri
        self.appDefinition = appDefinition
    }
}

/// `status_update_event`: a task changed state.
public struct StatusUpdateEvent: MarathonEvent {
    public struct IPAddress: Encodable, Sendable {
        public var ipAddress: String
        public var `protocol` = "IPv4"
    }
    public var eventType = "status_update_event"
    public var slaveId: String
    public var taskId: String
    public var taskStatus: String
    public var message: String
    public var appId: PathId
    public var host: String
    public var ipAddresses: [IPAddress]
    public var ports: [Int]
    public var version: Timestamp
    public var timestamp: Timestamp

    /// Written directly: one is published for every task state change, thousands a second during
    /// a large rolling restart, on the control plane's actor. The same JSON as `JSONEncoder`'s (tested).
    public func frame() -> EventFrame {
        var w = JSONWriter(capacity: 384 + message.utf8.count)
        w.beginObject()
        w.key(literal: "eventType"); w.string(eventType)
        w.key(literal: "slaveId"); w.string(slaveId)
        w.key(literal: "taskId"); w.string(taskId)
        w.key(literal: "taskStatus"); w.string(taskStatus)
        w.key(literal: "message"); w.string(message)
        w.key(literal: "appId"); w.pathId(appId)
        w.key(literal: "host"); w.string(host)
        w.key(literal: "ipAddresses"); w.beginArray()
        for address in ipAddresses {
            w.beginObject()
            w.key(literal: "ipAddress"); w.string(address.ipAddress)
            w.key(literal: "protocol"); w.string(address.protocol)
            w.endObject()
        }
        w.endArray()
        w.key(literal: "ports"); w.intArray(ports)
        w.key(literal: "version"); w.timestamp(version)
        w.key(literal: "timestamp"); w.timestamp(timestamp)
        w.endObject()
        return EventFrame(eventType: eventType, json: w.data)
    }

    public init(instance: Instance, message: String?, timestamp: Timestamp) {
        slaveId = instance.agentId
        taskId = instance.taskId
        taskStatus = instance.state.rawValue
        self.message = message ?? ""
        appId = instance.appId
        host = instance.host
        ipAddresses = [IPAddress(ipAddress: instance.host)]
        ports = instance.ports
        version = instance.appVersion
        self.timestamp = timestamp
    }
}

/// `instance_changed_event`: an instance's condition changed.
public struct InstanceChangedEvent: MarathonEvent {
    public var eventType = "instance_changed_event"
    public var instanceId: String
    public var condition: String
    public var runSpecId: PathId
    public var agentId: String
    public var host: String
    public var runSpecVersion: Timestamp
    public var timestamp: Timestamp

    public init(instance: Instance, timestamp: Timestamp) {
        instanceId = instance.id
        condition = instance.state.condition
        runSpecId = instance.appId
        agentId = instance.agentId
        host = instance.host
        runSpecVersion = instance.appVersion
        self.timestamp = timestamp
    }
}

/// The plan as deployment events show it (Marathon ≥1.8 "light" format).
public struct DeploymentPlanPayload: Encodable, Sendable {
    public var id: String
    public var steps: [DeploymentStep]
    public var version: Timestamp
    public init(_ deployment: Deployment) {
        id = deployment.id
        steps = deployment.steps
        version = deployment.version
    }
}

/// `deployment_info`, `deployment_step_success`, `deployment_step_failure`.
public struct DeploymentStepEvent: MarathonEvent {
    public var eventType: String
    public var plan: DeploymentPlanPayload
    public var currentStep: DeploymentStep
    public var timestamp = Timestamp.now()
    public init(eventType: String, deployment: Deployment, step: DeploymentStep) {
        self.eventType = eventType
        plan = DeploymentPlanPayload(deployment)
        currentStep = step
    }
}

/// `deployment_success` / `deployment_failed`.
public struct DeploymentResultEvent: MarathonEvent {
    public var eventType: String
    public var id: String
    public var plan: DeploymentPlanPayload
    public var reason: String?
    public var timestamp = Timestamp.now()
    public init(deployment: Deployment, failureReason: String? = nil) {
        eventType = failureReason == nil ? "deployment_success" : "deployment_failed"
        id = deployment.id
        plan = DeploymentPlanPayload(deployment)
        reason = failureReason
    }
}

/// `group_change_success`.
public struct GroupChangeEvent: MarathonEvent {
    public var eventType = "group_change_success"
    public var groupId: PathId
    public var version: Timestamp
    public var timestamp = Timestamp.now()
    public init(groupId: PathId, version: Timestamp) {
        self.groupId = groupId
        self.version = version
    }
}

/// `app_terminated_event`: every instance of a removed app is gone.
public struct AppTerminatedEvent: MarathonEvent {
    public var eventType = "app_terminated_event"
    public var appId: PathId
    public var timestamp = Timestamp.now()
    public init(appId: PathId) { self.appId = appId }
}

/// `health_status_changed_event`: an instance became healthy or unhealthy
/// (`{appId, instanceId, version, alive}`, as Marathon's `HealthStatusChanged`).
public struct HealthStatusChangedEvent: MarathonEvent {
    public var eventType = "health_status_changed_event"
    public var appId: PathId
    public var instanceId: String
    public var version: Timestamp
    public var alive: Bool
    public var timestamp: Timestamp
    public init(instance: Instance, alive: Bool, timestamp: Timestamp) {
        appId = instance.appId
        instanceId = instance.id
        version = instance.appVersion
        self.alive = alive
        self.timestamp = timestamp
    }
}

/// `instance_health_changed_event`: the instance's overall health changed
/// (`{instanceId, runSpecId, healthy, runSpecVersion}`, as Marathon's `InstanceHealthChanged`).
public struct InstanceHealthChangedEvent: MarathonEvent {
    public var eventType = "instance_health_changed_event"
    public var instanceId: String
    public var runSpecId: PathId
    public var healthy: Bool
    public var runSpecVersion: Timestamp
    public var timestamp: Timestamp
    public init(instance: Instance, healthy: Bool, timestamp: Timestamp) {
        instanceId = instance.id
        runSpecId = instance.appId
        self.healthy = healthy
        runSpecVersion = instance.appVersion
        self.timestamp = timestamp
    }
}

/// `failed_health_check_event`: one health check of an instance failed (after its grace period).
/// As Marathon 1.10 writes it (`EventFormats.FailedHealthCheckWrites`): `{appId, healthCheck,
/// taskId}`, where `taskId` carries the instance id.
public struct FailedHealthCheckEvent: MarathonEvent {
    public var eventType = "failed_health_check_event"
    public var appId: PathId
    public var taskId: String
    public var healthCheck: HealthCheck
    public var timestamp: Timestamp
    public init(instance: Instance, healthCheck: HealthCheck, timestamp: Timestamp) {
        appId = instance.appId
        taskId = instance.id
        self.healthCheck = healthCheck
        self.timestamp = timestamp
    }
}

/// `unhealthy_instance_kill_event`: an instance is killed because a health check failed
/// `maxConsecutiveFailures` times in a row.
public struct UnhealthyInstanceKillEvent: MarathonEvent {
    public var eventType = "unhealthy_instance_kill_event"
    public var appId: PathId
    public var taskId: String
    public var instanceId: String
    public var version: Timestamp
    public var reason: String
    public var host: String
    public var slaveId: String
    public var timestamp = Timestamp.now()
    public init(instance: Instance, reason: String) {
        appId = instance.appId
        taskId = instance.taskId
        instanceId = instance.id
        version = instance.appVersion
        self.reason = reason
        host = instance.host
        slaveId = instance.agentId
    }
}
