import ArgumentParser

/// What a node's metrics include, shared by `wharf dev` and `wharf agent`.
struct MetricsOptions: ParsableArguments {
    @Option(name: .customLong("task-metrics"), help: ArgumentHelp("Per-task CPU, memory and OOM-kill series on /metrics, labelled with app and task id; off for nodes with many short-lived tasks [WHARF_TASK_METRICS] (default true).", valueName: "bool"))
    var taskMetrics: String?

    /// The options by flag name, for `DevSettings.Source`.
    var flags: [String: String?] {
        ["task-metrics": taskMetrics]
    }
}
