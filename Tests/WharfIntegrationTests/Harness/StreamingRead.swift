import AsyncHTTPClient
import Foundation
import Synchronization

/// A long GET (a followed task log, an event stream) read in the background: what has arrived so
/// far, the status and headers, and whether the server ended it.
final class StreamingRead: Sendable {
    private let received = Mutex<[UInt8]>([])
    private let head = Mutex<(status: Int, headers: [(String, String)])?>(nil)
    private let ended = Mutex(false)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Long reads get a client of their own, with room for many at once (the shared one keeps 8
    /// connections per host, which long reads would take from the tests' other requests).
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Starts `GET url` with `headers`.
    init(_ url: String, headers: [(String, String)] = []) {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let handle = Task { [weak self] in
            do {
                let response = try await Self.http.execute(request, timeout: .hours(1))
                self?.head.withLock { $0 = (Int(response.status.code), response.headers.map { ($0.name, $0.value) }) }
                for try await chunk in response.body {
                    guard let self else { return }
                    self.received.withLock { $0 += chunk.readableBytesView }
                }
            } catch {
                // Cancelled by close(), or the connection broke: `isEnded` tells.
            }
            self?.ended.withLock { $0 = true }
        }
        task.withLock { $0 = handle }
    }

    deinit { close() }

    var bytes: [UInt8] { received.withLock { $0 } }
    var text: String { String(decoding: bytes, as: UTF8.self) }
    var status: Int? { head.withLock { $0?.status } }
    var isEnded: Bool { ended.withLock { $0 } }

    func header(_ name: String) -> String? {
        head.withLock { $0?.headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// Waits until the received text contains `needle`.
    func waitFor(_ needle: String, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("the stream has '\(needle)' (has \(text.suffix(300).debugDescription))", timeout: timeout) {
            text.contains(needle)
        }
    }

    /// Waits until the server ended the response.
    func waitForEnd(timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("the stream ends (has \(text.suffix(300).debugDescription))", timeout: timeout) { isEnded }
    }

    func close() {
        task.withLock { $0?.cancel() }
    }
}
