/// A deployment: the ordered steps that move a set of apps from their original definitions to their
/// target definitions. Persisted while running so that it survives restarts and can be reverted.
public struct Deployment: Codable, Hashable, Sendable, Identifiable {
    /// UUID string, as in `Marathon-Deployment-Id`.
    public var id: String
    /// The root-group version this deployment produces.
    public var version: Timestamp
    /// Steps run one after the other; the actions inside a step run in parallel.
    public var steps: [DeploymentStep]
    /// 1-based index of the step being worked on; 0 before the first step starts.
    public var currentStep: Int
    /// Definitions before the deployment (absent key: the app did not exist). Used to revert.
    public var original: [PathId: AppDefinition]
    /// Definitions the deployment converges to (absent key: the app is removed).
    public var target: [PathId: AppDefinition]
    /// Instances the user asked to kill and not replace (`scale=true` kills).
    public var instancesToKill: [String]
    /// Whether this deployment rolls back a failed one (it is never rolled back itself).
    public var isRollback: Bool?
    /// When the deployment last made progress (a step completed, a new instance became healthy and
    /// ready, an old one went away); nil = since `version`.
    public var lastProgressAt: Timestamp?
    /// The best progress measure reached in the current step (see `DeploymentPlanner.progress`).
    public var bestProgress: Int?
    /// Failures of new instances (crashes, health-check kills) since the last progress.
    public var failuresSinceProgress: Int?
    /// The last of those failures, for the failure reason.
    public var lastFailure: String?

    public init(id: String, version: Timestamp, steps: [DeploymentStep], currentStep: Int = 0,
                original: [PathId: AppDefinition], target: [PathId: AppDefinition], instancesToKill: [String] = []) {
        self.id = id
        self.version = version
        self.steps = steps
        self.currentStep = currentStep
        self.original = original
        self.target = target
        self.instancesToKill = instancesToKill
    }

    /// Every app id any step acts on, sorted.
    public var affectedApps: [PathId] {
        Array(Set(steps.flatMap { $0.actions.map(\.app) })).sorted()
    }

    /// The actions of the step being worked on (empty before the first and after the last).
    public var currentActions: [DeploymentAction] {
        currentStep >= 1 && currentStep <= steps.count ? steps[currentStep - 1].actions : []
    }
}

/// Actions run in parallel within one step.
public struct DeploymentStep: Codable, Hashable, Sendable {
    public var actions: [DeploymentAction]
    public init(actions: [DeploymentAction]) { self.actions = actions }
}

/// One thing a step does to one app.
public struct DeploymentAction: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        case startApplication = "StartApplication"
        case stopApplication = "StopApplication"
        case scaleApplication = "ScaleApplication"
        case restartApplication = "RestartApplication"
    }
    public var action: Kind
    public var app: PathId

    public init(action: Kind, app: PathId) {
        self.action = action
        self.app = app
    }
}
