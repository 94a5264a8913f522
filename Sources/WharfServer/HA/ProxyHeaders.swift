import Foundation
import HTTPTypes
import NIOHTTP1

/// The headers of a request a follower forwards to the leader, and of the answer it passes back
/// (`AsyncUrlConnectionRequestForwarder.scala`).
enum ProxyHeaders {
    /// Marathon's loop detection: every server a request went through adds `1.1 <host:port>`.
    static let via = HTTPField.Name("X-Marathon-Via")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    /// Set by the leader on every answer: `http://<host:port>`.
    static let leader = HTTPField.Name("X-Marathon-Leader")!

    /// Headers that describe one connection (RFC 9110 §7.6.1) and are never forwarded, plus `Host`
    /// (the client sets the leader's) and `Content-Length` (the client sets it from the body it
    /// sends). `Expect` is answered by this server's HTTP layer, not the leader's.
    static let notForwarded: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization", "host", "content-length", "expect",
    ]
    /// Connection headers dropped from the leader's answer; its `Content-Length` is kept, so that a
    /// sized answer stays sized.
    static let notReturned: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// This server's `X-Marathon-Via` value.
    static func viaValue(_ me: String) -> String { "1.1 \(me)" }

    /// Whether the request already went through this server: a proxying loop.
    static func isLoop(_ fields: HTTPFields, me: String) -> Bool {
        let mine = viaValue(me)
        return fields[values: via].contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == mine }
        }
    }

    /// The request's headers as the leader gets them: connection headers (and those the request's
    /// `Connection` names) dropped, this server added to `X-Marathon-Via`, the client's address
    /// appended to `X-Forwarded-For`.
    static func forwardedRequest(_ fields: HTTPFields, me: String, clientAddress: String?) -> HTTPHeaders {
        let dropped = notForwarded.union(connectionOptions(fields[values: .connection]))
        var headers = HTTPHeaders()
        for field in fields where !dropped.contains(field.name.canonicalName) && field.name != forwardedFor {
            headers.add(name: field.name.rawName, value: field.value)
        }
        headers.add(name: via.rawName, value: viaValue(me))
        let forwarded = fields[values: forwardedFor] + (clientAddress.map { [$0] } ?? [])
        if !forwarded.isEmpty {
            headers.add(name: forwardedFor.rawName, value: forwarded.joined(separator: ","))
        }
        return headers
    }

    /// The leader's answer headers as the client gets them: connection headers dropped, this
    /// server added to `X-Marathon-Via` (the leader's `X-Marathon-Leader` passes through).
    static func returnedResponse(_ headers: HTTPHeaders, me: String) -> HTTPFields {
        let dropped = notReturned.union(connectionOptions(headers[canonicalForm: "connection"].map(String.init)))
        var fields = HTTPFields()
        for (name, value) in headers {
            guard !dropped.contains(name.lowercased()), let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        fields.append(HTTPField(name: via, value: viaValue(me)))
        return fields
    }

    /// The header names a `Connection` header lists (connection-specific by declaration).
    private static func connectionOptions(_ values: [String]) -> Set<String> {
        Set(values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty })
    }
}
