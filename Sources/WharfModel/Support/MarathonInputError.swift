import Foundation

/// Why a Marathon API request body was refused, in the shapes Marathon answers with
/// (`api/MarathonExceptionMapper.scala`). `response()` gives the HTTP status and body to write.
public enum MarathonInputError: Error, Hashable, Sendable {
    /// The body was empty: 400 "Please specify data in JSON format".
    case emptyBody
    /// The body is not JSON: 400 "Invalid JSON" with the parser's message as `details` (a string).
    case malformedJSON(details: String)
    /// JSON of the wrong shape (wrong type, missing required field, unknown enum literal):
    /// 422 "Invalid JSON" with Play-style error codes per path.
    case invalidJSON([ValidationFailure])
    /// Well-formed input that breaks Marathon's rules: 422 "Object is not valid".
    case invalidObject([ValidationFailure])
    /// Any other refusal with a plain message, e.g. 422 `{"message":"..."}` for normalisation errors.
    case message(status: Int, String)

    /// The HTTP status Marathon uses for this error.
    public var status: Int {
        switch self {
        case .emptyBody, .malformedJSON: 400
        case .invalidJSON, .invalidObject: 422
        case .message(let status, _): status
        }
    }

    /// The `message` member of the body.
    public var message: String {
        switch self {
        case .emptyBody: "Please specify data in JSON format"
        case .malformedJSON, .invalidJSON: "Invalid JSON"
        case .invalidObject: "Object is not valid"
        case .message(_, let text): text
        }
    }

    /// The `details` text of the 400 answers.
    var detailsText: String {
        switch self {
        case .emptyBody: "No content to map due to end-of-input"
        case .malformedJSON(let details): details
        default: message
        }
    }

    /// The failures of `.invalidJSON` / `.invalidObject`; empty for the others.
    public var failures: [ValidationFailure] {
        switch self {
        case .invalidJSON(let f), .invalidObject(let f): f
        default: []
        }
    }

    /// Status and JSON body, ready to be written by the HTTP layer.
    public func response() -> (status: Int, body: Data) {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        switch self {
        case .emptyBody:
            w.key("details"); w.string("No content to map due to end-of-input")
        case .malformedJSON(let details):
            w.key("details"); w.string(details)
        case .invalidJSON(let failures), .invalidObject(let failures):
            w.key("details")
            w.beginArray()
            for failure in failures {
                w.beginObject()
                w.key("errors"); w.stringArray(failure.errors)
                w.key("path"); w.string(failure.path)
                w.endObject()
            }
            w.endArray()
        case .message:
            break
        }
        w.key("message"); w.string(message)
        w.endObject()
        return (status, w.data)
    }

    /// Maps a `DecodingError` from `JSONDecoder` to Marathon's 400 / 422 answers.
    public init(decodingError error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            self = .invalidJSON([ValidationFailure(path: MarathonPath.render(context.codingPath),
                                                   Self.code(context.debugDescription, expected: type))])
        case .valueNotFound(let type, let context):
            self = .invalidJSON([ValidationFailure(path: MarathonPath.render(context.codingPath),
                                                   Self.code(context.debugDescription, expected: type))])
        case .keyNotFound(let key, let context):
            self = .invalidJSON([ValidationFailure(path: MarathonPath.render(context.codingPath + [key]), PlayErrorCode.pathMissing)])
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty, let underlying = context.underlyingError {
                self = .malformedJSON(details: Self.parserMessage(underlying))
            } else if context.codingPath.isEmpty, !context.debugDescription.hasPrefix("error.") {
                self = .malformedJSON(details: context.debugDescription)
            } else if context.debugDescription.hasPrefix("error.") {
                self = .invalidJSON([ValidationFailure(path: MarathonPath.render(context.codingPath), context.debugDescription)])
            } else if context.debugDescription.contains("ISO-8601") {
                self = .invalidJSON([ValidationFailure(path: MarathonPath.render(context.codingPath), "error.expected.date.isoformat")])
            } else if context.debugDescription.contains("not representable") {
                self = .invalidJSON([ValidationFailure(path: MarathonPath.render(context.codingPath), "error.expected.int")])
            } else {
                self = .invalidJSON([ValidationFailure(path: MarathonPath.render(context.codingPath), "error.invalid")])
            }
        @unknown default:
            self = .message(status: 400, String(describing: error))
        }
    }

    private static func code(_ description: String, expected type: Any.Type) -> String {
        if description.hasPrefix("error.") { return description }
        if type == String.self || type == PathId.self || type == Timestamp.self { return PlayErrorCode.expectedString }
        if type == Bool.self { return PlayErrorCode.expectedBoolean }
        if type == Int.self || type == Double.self || type == Int64.self || type == Int32.self || type == Float.self {
            return PlayErrorCode.expectedNumber
        }
        let name = String(describing: type)
        if name.hasPrefix("Array") || name.hasPrefix("[") && !name.contains(":") { return PlayErrorCode.expectedArray }
        return PlayErrorCode.expectedObject
    }

    private static func parserMessage(_ error: any Error) -> String {
        let ns = error as NSError
        if let debug = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return debug }
        return ns.localizedDescription
    }
}

extension MarathonInputError: CustomStringConvertible {
    public var description: String {
        let details = failures.map(\.description).joined(separator: ", ")
        return details.isEmpty ? "\(status) \(message)" : "\(status) \(message): \(details)"
    }
}
