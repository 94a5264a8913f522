import ArgumentParser
import Foundation

/// `wharf events`: follow the server's event stream (GET /v2/events, Server-Sent Events).
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Follow the event stream, one line per event (Ctrl-C to stop)."
    )

    @OptionGroup var client: ClientOptions
    @Option(name: .customLong("type"), help: "Only events of this eventType (repeatable), e.g. status_update_event.")
    var types: [String] = []

    func run() async throws {
        try await runReportingErrors {
            try await APIClient.with(client) { api in
                try await api.streamEvents("/v2/events", query: types.map { ("event_type", $0) }) { event in
                    // Unbuffered, so that `wharf events | grep ...` sees each event as it happens.
                    let line = client.json ? event.data : EventText.line(event)
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }
                printToStandardError("The server closed the event stream.")
            }
        }
    }
}

/// One-line summaries of Marathon events.
enum EventText {
    static func line(_ event: ServerSentEvent) -> String {
        guard let json = JSON(data: Data(event.data.utf8)) else { return "\(event.event) \(event.data)" }
        let type = json["eventType"]?.string ?? event.event
        let time = json["timestamp"]?.string ?? "-"
        return "\(time)  \(type)  \(summary(type, json))".trimmingCharacters(in: .whitespaces)
    }

    private static func summary(_ type: String, _ json: JSON) -> String {
        func field(_ name: String) -> String { json[name]?.text ?? "-" }
        switch type {
        case "status_update_event":
            return "\(field("appId")) \(field("taskId")) \(field("taskStatus")) \(json["message"]?.string ?? "")"
        case "instance_changed_event":
            return "\(field("runSpecId")) \(field("instanceId")) \(field("condition"))"
        case "api_post_event":
            return "\(json["appDefinition"]?["id"]?.text ?? "-") \(field("uri"))"
        case "deployment_info", "deployment_step_success", "deployment_step_failure":
            let actions = json["currentStep"]?["actions"]?.array?.map { "\($0["action"]?.text ?? "?") \($0["app"]?.text ?? "")" } ?? []
            return "\(json["plan"]?["id"]?.text ?? "-") \(actions.joined(separator: ", "))"
        case "deployment_success", "deployment_failed":
            return "\(json["id"]?.text ?? json["plan"]?["id"]?.text ?? "-") \(json["reason"]?.string ?? "")"
        case "app_terminated_event":
            return field("appId")
        case "event_stream_attached", "event_stream_detached":
            return field("remoteAddress")
        default:
            var rest = json.object ?? [:]
            rest["eventType"] = nil
            rest["timestamp"] = nil
            return JSON.object(rest).compact
        }
    }
}
