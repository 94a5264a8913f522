import WharfModel

/// Why an agent could not take an instance, in Marathon's words (`NoOfferMatchReason.scala`).
/// Cases are declared in Marathon's `reasonFunnel` order: when an agent fails for several reasons,
/// summaries count it only under the first one.
public enum NoOfferMatchReason: String, CaseIterable, Hashable, Sendable, Comparable {
    case unfulfilledRole = "UnfulfilledRole"
    case unfulfilledConstraint = "UnfulfilledConstraint"
    case noCorrespondingReservationFound = "NoCorrespondingReservationFound"
    case agentMaintenance = "AgentMaintenance"
    case insufficientCpus = "InsufficientCpus"
    case insufficientMemory = "InsufficientMemory"
    case insufficientDisk = "InsufficientDisk"
    case insufficientGpus = "InsufficientGpus"
    case insufficientPorts = "InsufficientPorts"
    case declinedScarceResources = "DeclinedScarceResources"

    /// Position in the funnel.
    public var priority: Int { Self.allCases.firstIndex(of: self) ?? Self.allCases.count }

    public static func < (a: NoOfferMatchReason, b: NoOfferMatchReason) -> Bool { a.priority < b.priority }
}

/// An agent the placer examined for an app and could not use, with what it had left at that moment:
/// Wharf's counterpart of a Mesos offer Marathon declines. Wharf has no offers; every agent a
/// placement pass considers for an app stands for one offer of that agent's free resources.
public struct DeclinedOffer: Hashable, Sendable {
    public var agentId: String
    public var host: String
    /// The agent's attributes (`rack: r1`).
    public var attributes: [String: String]
    /// CPU, memory and disk the agent had free.
    public var free: Resources
    /// Host ports the agent had free, as merged ranges.
    public var freePorts: [PortRange]
    /// Every reason the agent could not take the instance, in funnel order (never empty).
    public var reasons: [NoOfferMatchReason]

    public init(agentId: String, host: String, attributes: [String: String] = [:], free: Resources,
                freePorts: [PortRange] = [], reasons: [NoOfferMatchReason]) {
        self.agentId = agentId
        self.host = host
        self.attributes = attributes
        self.free = free
        self.freePorts = freePorts
        self.reasons = reasons.sorted()
    }

    /// The reason summaries count this offer under: the first in Marathon's funnel.
    public var firstReason: NoOfferMatchReason? { reasons.first }
}
