/// Every metric family Wharf exposes, with its help text, label names and buckets: the one place
/// they are defined. Names follow Prometheus' conventions (`wharf_` namespace, base units,
/// `_total` on counters only); no label takes an unbounded value except the per-task families
/// (`app`, `task`), which `wharf agent --task-metrics off` turns off and which are removed when
/// their task ends. Routes, services and apps are names an operator chose, as in Traefik.
/// Each constant's help text is its documentation (and what `/metrics` shows).
public enum MetricFamilies {
    // MARK: Control plane (server)

    public static let apps = GaugeFamily("wharf_apps", "Apps defined.")
    public static let instances = GaugeFamily(
        "wharf_instances", "Instances not yet terminal, by Marathon task state.", labels: ["state"])
    public static let runningInstances = GaugeFamily(
        "wharf_running_instances", "Running instances by health: healthy, unhealthy, or unknown (no health checks or none answered yet).",
        labels: ["health"])
    public static let deploymentsInProgress = GaugeFamily("wharf_deployments_in_progress", "Deployments in progress.")
    public static let deployments = CounterFamily(
        "wharf_deployments_total", "Deployments ended, by result: success, or failed (including canceled and replaced).",
        labels: ["result"])
    public static let launchQueueInstances = GaugeFamily(
        "wharf_launch_queue_instances", "Instances waiting to be launched, by reason: backoff (launch delay), no_fit, no_agent, upgrade_capacity.",
        labels: ["reason"])
    public static let launchDelayedApps = GaugeFamily(
        "wharf_launch_delayed_apps", "Apps whose launches wait for their backoff delay to run out.")
    public static let launchDelayMaxSeconds = GaugeFamily(
        "wharf_launch_delay_max_seconds", "Longest time left of any app's launch backoff delay.")
    public static let tasksLaunched = CounterFamily("wharf_tasks_launched_total", "Instances the scheduler decided to launch.")
    public static let schedulerPassDuration = HistogramFamily(
        "wharf_scheduler_pass_duration_seconds", "Duration of scheduler passes (plan and apply).",
        buckets: Buckets.controlPlane)
    public static let storeOperationDuration = HistogramFamily(
        "wharf_store_operation_duration_seconds", "Latency of state store operations, by operation.",
        labels: ["operation"], buckets: Buckets.store)
    public static let storeOperationErrors = CounterFamily(
        "wharf_store_operation_errors_total", "State store operations that failed, by operation.", labels: ["operation"])
    public static let httpRequests = CounterFamily(
        "wharf_http_requests_total", "API requests answered, by route template, method and status code.",
        labels: ["route", "method", "code"])
    public static let httpRequestDuration = HistogramFamily(
        "wharf_http_request_duration_seconds", "Time to answer API requests (until the response head), by route template and method.",
        labels: ["route", "method"], buckets: Buckets.api)
    public static let eventStreamSubscribers = GaugeFamily(
        "wharf_event_stream_subscribers", "Clients subscribed to the event stream (/v2/events).")
    public static let agents = GaugeFamily(
        "wharf_agents", "Agents by status: active, draining, or unreachable.", labels: ["status"])
    public static let leader = GaugeFamily(
        "wharf_leader", "Whether this server leads the cluster (1) or follows (0); the cluster-state series of a leader are current.")

    // MARK: Agent

    public static let taskCPU = CounterFamily(
        "wharf_task_cpu_seconds_total", "CPU time used by the task (user and system).", labels: ["app", "task"])
    public static let taskCPUThrottled = CounterFamily(
        "wharf_task_cpu_throttled_seconds_total", "Time the task was throttled by its CPU quota.", labels: ["app", "task"])
    public static let taskMemoryUsage = GaugeFamily(
        "wharf_task_memory_usage_bytes", "Memory used by the task, page cache included.", labels: ["app", "task"])
    public static let taskMemoryLimit = GaugeFamily(
        "wharf_task_memory_limit_bytes", "Memory limit of the task.", labels: ["app", "task"])
    public static let taskOOMKills = CounterFamily(
        "wharf_task_oom_kills_total", "Processes of the task killed by the kernel's OOM killer.", labels: ["app", "task"])
    public static let agentTasks = GaugeFamily("wharf_agent_tasks", "Tasks this agent supervises, by runtime.", labels: ["runtime"])
    public static let agentTaskExits = CounterFamily(
        "wharf_agent_task_exits_total", "Tasks of this agent that ended, by Marathon state (failed ones are relaunched: restarts).",
        labels: ["state"])
    public static let agentOOMKills = CounterFamily(
        "wharf_agent_task_oom_kills_total", "Tasks of this agent that ended because the OOM killer struck in their memory limit.")
    public static let taskOutputBytes = CounterFamily(
        "wharf_agent_task_output_bytes_total", "Bytes of task output (stdout and stderr) written to the tasks' log files.")
    public static let taskOutputDroppedBytes = CounterFamily(
        "wharf_agent_task_output_dropped_bytes_total", "Bytes of task output dropped because they could not be written (a full disk).")
    public static let taskOutputWriteFailures = CounterFamily(
        "wharf_agent_task_output_write_failures_total",
        "Times writing a task's output stream started failing (said once until writing works again).")
    public static let syslogMessages = CounterFamily(
        "wharf_syslog_messages_total",
        "Lines of task output for --syslog, by result: sent, or dropped (the queue was full or the receiver unreachable).",
        labels: ["result"])
    public static let syslogTruncatedMessages = CounterFamily(
        "wharf_syslog_truncated_messages_total", "Syslog messages cut to fit a UDP datagram.")

    // MARK: Edge router (Traefik's shape)

    public static let routerServiceRequests = CounterFamily(
        "wharf_router_service_requests_total", "Requests the edge router answered for a service, by status code and method.",
        labels: ["service", "code", "method"])
    public static let routerServiceRequestDuration = HistogramFamily(
        "wharf_router_service_request_duration_seconds", "Time from a request's head to the end of its response, by service.",
        labels: ["service"], buckets: Buckets.router)
    public static let routerServiceRequestBytes = CounterFamily(
        "wharf_router_service_requests_bytes_total", "Request body bytes forwarded to a service.", labels: ["service"])
    public static let routerServiceResponseBytes = CounterFamily(
        "wharf_router_service_responses_bytes_total", "Response body bytes sent to clients from a service.", labels: ["service"])
    public static let routerServiceRetries = CounterFamily(
        "wharf_router_service_retries_total", "Requests or TCP connections sent to another backend after a failure.",
        labels: ["service"])
    public static let routerServiceConnectErrors = CounterFamily(
        "wharf_router_service_backend_connect_errors_total", "Connections to a service's backends that failed (refused or timed out).",
        labels: ["service"])
    public static let routerServiceEjections = CounterFamily(
        "wharf_router_service_backend_ejections_total", "Times a backend of the service was ejected after a failed connection.",
        labels: ["service"])
    public static let routerServiceTCPConnections = CounterFamily(
        "wharf_router_service_tcp_connections_total", "TCP connections relayed to a service (TCP routes).", labels: ["service"])
    public static let routerOpenConnections = GaugeFamily(
        "wharf_router_open_connections", "HTTP client connections open to the edge router.")
    public static let routerRequests = CounterFamily(
        "wharf_router_requests_total", "Requests the edge router answered, including those routed to no service, by status class.",
        labels: ["code_class"])

    // MARK: DNS

    public static let dnsQueries = CounterFamily(
        "wharf_dns_queries_total", "DNS queries answered, by question type and response code; dropped packets have rcode \"dropped\".",
        labels: ["type", "rcode"])

    /// Every family, for tests and documentation.
    public static let all: [AnyMetricFamily] = [
        .gauge(apps), .gauge(instances), .gauge(runningInstances), .gauge(deploymentsInProgress), .counter(deployments),
        .gauge(launchQueueInstances), .gauge(launchDelayedApps), .gauge(launchDelayMaxSeconds), .counter(tasksLaunched),
        .histogram(schedulerPassDuration), .histogram(storeOperationDuration), .counter(storeOperationErrors),
        .counter(httpRequests), .histogram(httpRequestDuration), .gauge(eventStreamSubscribers), .gauge(agents), .gauge(leader),
        .counter(taskCPU), .counter(taskCPUThrottled), .gauge(taskMemoryUsage), .gauge(taskMemoryLimit), .counter(taskOOMKills),
        .gauge(agentTasks), .counter(agentTaskExits), .counter(agentOOMKills),
        .counter(taskOutputBytes), .counter(taskOutputDroppedBytes), .counter(taskOutputWriteFailures),
        .counter(syslogMessages), .counter(syslogTruncatedMessages),
        .counter(routerServiceRequests), .histogram(routerServiceRequestDuration), .counter(routerServiceRequestBytes),
        .counter(routerServiceResponseBytes), .counter(routerServiceRetries), .counter(routerServiceConnectErrors),
        .counter(routerServiceEjections), .counter(routerServiceTCPConnections), .gauge(routerOpenConnections),
        .counter(routerRequests),
        .counter(dnsQueries),
    ]

    /// Bucket bounds per kind of duration.
    enum Buckets {
        static let controlPlane: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                               .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                               .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10)]
        static let store: [Duration] = [.microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5),
                                        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                        .milliseconds(250), .milliseconds(500), .seconds(1)]
        static let api: [Duration] = [.milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
                                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                      .milliseconds(500), .seconds(1), .microseconds(2_500_000), .seconds(5), .seconds(10)]
        static let router: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                         .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                         .seconds(1), .microseconds(2_500_000), .seconds(5), .seconds(10)]
    }
}
