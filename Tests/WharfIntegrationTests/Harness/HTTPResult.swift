import Foundation

/// A complete HTTP response as the tests look at it.
struct HTTPResult: Sendable, CustomStringConvertible {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: Data

    /// The body as JSON, `.null` when it is not JSON (so that field lookups simply fail).
    var json: JSON { JSON(data: body) ?? .null }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// First value of header `name`, case-insensitive.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var description: String { "HTTP \(status) \(text.prefix(2000))" }
}
