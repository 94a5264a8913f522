import WharfModel

/// An error answered in Marathon's format: a status code and a JSON body, usually
/// `{"message": "..."}` (`api/MarathonExceptionMapper.scala`). Handlers throw it; the route
/// dispatcher turns it into the response.
struct MarathonHTTPError: Error, CustomStringConvertible, Sendable {
    var status: Int
    var body: [UInt8]

    init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    /// `{"message": message}` plus string `details` when given (Marathon's JSON parse errors).
    init(status: Int, message: String, details: String? = nil) {
        var w = JSONWriter(capacity: 64 + message.utf8.count)
        w.beginObject()
        w.key("message"); w.string(message)
        if let details {
            w.key("details"); w.string(details)
        }
        w.endObject()
        self.init(status: status, body: w.bytes)
    }

    var description: String { "HTTP \(status): \(String(decoding: body, as: UTF8.self))" }

    static func notFound(_ message: String) -> MarathonHTTPError { .init(status: 404, message: message) }
    static func badRequest(_ message: String) -> MarathonHTTPError { .init(status: 400, message: message) }
    static func conflict(_ message: String) -> MarathonHTTPError { .init(status: 409, message: message) }

    /// `App '/x' does not exist`.
    static func unknownApp(_ id: PathId) -> MarathonHTTPError { .notFound("App '\(id)' does not exist") }
    /// `Group '/x' does not exist`.
    static func unknownGroup(_ id: PathId) -> MarathonHTTPError { .notFound("Group '\(id)' does not exist") }
    /// Jersey's answer for paths it does not route.
    static let uriNotFound = MarathonHTTPError(status: 404, message: "URI not found")
    /// The Marathon status and body for a control-plane failure (`marathon.md` §6).
    init(_ error: ControlPlaneError) {
        switch error {
        case let .appLocked(ids):
            var w = JSONWriter(capacity: 256)
            w.beginObject()
            w.key("message"); w.string(error.description)
            w.key("deployments"); w.idObjects(ids)
            w.endObject()
            self.init(status: 409, body: w.bytes)
        case .tooManyDeployments:
            self.init(status: 403, message: error.description)
        case .appAlreadyExists, .concurrentModification, .quarantined:
            self.init(status: 409, message: error.description)
        case .unknownApp, .unknownDeployment, .unknownTask:
            self.init(status: 404, message: error.description)
        case .unprocessable:
            self.init(status: 422, message: error.description)
        case .store:
            self.init(status: 500, message: error.description)
        case .unavailable:
            self.init(status: 503, message: error.description)
        }
    }
}
