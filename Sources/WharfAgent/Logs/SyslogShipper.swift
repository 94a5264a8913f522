import Foundation
import Glibc
import Logging
import WharfModel

/// Where `--syslog` sends task output: `udp://HOST:PORT` (RFC 5426, one message per datagram) or
/// `tcp://HOST:PORT` (RFC 6587 octet-counted frames).
public struct SyslogTarget: Hashable, Sendable, CustomStringConvertible {
    public enum Transport: String, Hashable, Sendable { case udp, tcp }

    public var transport: Transport
    /// An IPv4 or IPv6 address, or a host name resolved when connecting.
    public var host: String
    public var port: Int

    public init(transport: Transport, host: String, port: Int) {
        self.transport = transport
        self.host = host
        self.port = port
    }

    /// Parses `udp://HOST:PORT` or `tcp://HOST:PORT` (IPv6 hosts in brackets); nil when malformed.
    public init?(parsing text: String) {
        guard let schemeEnd = text.range(of: "://"),
              let transport = Transport(rawValue: text[..<schemeEnd.lowerBound].lowercased()) else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let host: Substring, portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            portText = rest[rest.index(close, offsetBy: 2)...]
        } else {
            guard let colon = rest.lastIndex(of: ":") else { return nil }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains("/"), let port = Int(portText), (1...65535).contains(port) else { return nil }
        self.init(transport: transport, host: String(host), port: port)
    }

    public var description: String {
        "\(transport.rawValue)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}

/// Sends task output lines to a syslog receiver as RFC 5424 messages, from a bounded queue on a
/// thread of its own: a producer (a log pump) never waits. When the queue is full — the receiver is
/// down or slower than the tasks — lines are dropped and counted, never buffered without bound. A
/// TCP connection that breaks is made again with growing pauses.
public final class SyslogShipper: Sendable {
    /// What was shipped, for metrics.
    public struct Statistics: Hashable, Sendable {
        public var sent: Int64 = 0
        /// Lines not sent: the queue was full or the receiver could not be reached.
        public var dropped: Int64 = 0
        /// UDP messages cut to ``maxDatagramBytes``.
        public var truncated: Int64 = 0
    }

    public let target: SyslogTarget
    /// Largest UDP message: RFC 5426 asks every receiver to take 2,048 octets.
    public let maxDatagramBytes: Int
    /// Lines held at most while the receiver is slow or away.
    public let queueLimit: Int
    private let hostname: String
    private let facility: Int
    private let structuredDataId: String
    private let logger: Logger
    private let queue: SyslogQueue

    /// - Parameters:
    ///   - hostname: the HOSTNAME field (the agent's host).
    ///   - facility: syslog facility (1 user; 16…23 local0…local7).
    ///   - structuredDataId: the SD-ID of the app/task/stream parameters.
    public init(target: SyslogTarget, hostname: String, facility: Int = 1, structuredDataId: String = "wharf@32473",
                maxDatagramBytes: Int = 2048, queueLimit: Int = 10_000, logger: Logger) {
        self.target = target
        self.hostname = hostname
        self.facility = facility
        self.structuredDataId = structuredDataId
        self.maxDatagramBytes = maxDatagramBytes
        self.queueLimit = queueLimit
        self.logger = logger
        self.queue = SyslogQueue(limit: queueLimit)
        let thread = Thread { [queue, target, logger, maxDatagramBytes] in
            SyslogSender(target: target, queue: queue, logger: logger, maxDatagramBytes: maxDatagramBytes).run()
        }
        thread.name = "wharf-syslog"
        thread.start()
    }

    public var statistics: Statistics { queue.statistics }

    /// Queues one line (without its newline) of a task's output; drops it when the queue is full.
    func ship(appId: PathId?, taskId: String, stream: TaskLogStream, line: [UInt8]) {
        let message = SyslogMessage(
            facility: facility, timestamp: .now(), hostname: hostname, appId: appId?.description ?? "-", taskId: taskId,
            stream: stream.rawValue, structuredDataId: structuredDataId, line: line)
        queue.push(message)
    }

    /// Sends what is queued (for at most `timeout`), then stops the sender's thread.
    public func shutdown(timeout: Duration = .seconds(2)) async {
        queue.close()
        let deadline = ContinuousClock.now + timeout
        while !queue.isFinished, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// The shipper's queue: bounded, counted, shared by producers and the sender's thread.
final class SyslogQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [SyslogMessage] = []
    private var head = 0
    private var closed = false
    private var finished = false
    private var stats = SyslogShipper.Statistics()
    let limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var statistics: SyslogShipper.Statistics {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    var isFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return finished
    }

    func push(_ message: SyslogMessage) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, items.count - head < limit else {
            stats.dropped += 1
            return
        }
        items.append(message)
        condition.signal()
    }

    /// The next message, waiting for one; nil once closed and empty.
    func pop() -> SyslogMessage? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count {
            if closed {
                finished = true
                return nil
            }
            condition.wait()
        }
        let message = items[head]
        head += 1
        if head >= 1024 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return message
    }

    func count(sent: Int64 = 0, dropped: Int64 = 0, truncated: Int64 = 0) {
        condition.lock()
        defer { condition.unlock() }
        stats.sent += sent
        stats.dropped += dropped
        stats.truncated += truncated
    }

    func close() {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
    }
}

/// The sender's loop, on its own thread: blocking sockets with send timeouts.
private struct SyslogSender {
    let target: SyslogTarget
    let queue: SyslogQueue
    let logger: Logger
    let maxDatagramBytes: Int
    /// Longest pause between connection attempts.
    static let maxBackoff: Double = 5

    func run() {
        var socket: Int32 = -1
        var backoff = 0.1
        var reportedDown = false
        while let message = queue.pop() {
            if socket < 0 {
                socket = connect()
                if socket < 0 {
                    queue.count(dropped: 1)
                    if !reportedDown {
                        reportedDown = true
                        logger.warning("cannot reach the syslog receiver; task output lines are dropped until it is back", metadata: [
                            "syslog": "\(target)", "error": "\(ErrorText.strerror(errno))",
                        ])
                    }
                    Thread.sleep(forTimeInterval: backoff)
                    backoff = min(backoff * 2, Self.maxBackoff)
                    continue
                }
                if reportedDown {
                    reportedDown = false
                    logger.notice("syslog receiver reachable again", metadata: ["syslog": "\(target)"])
                }
                backoff = 0.1
            }
            let bytes: [UInt8]
            switch target.transport {
            case .udp:
                let whole = message.encoded()
                if whole.count > maxDatagramBytes {
                    bytes = message.encoded(maxBytes: maxDatagramBytes)
                    queue.count(truncated: 1)
                } else {
                    bytes = whole
                }
            case .tcp:
                bytes = SyslogMessage.octetCounted(message.encoded())
            }
            if send(bytes, on: socket) {
                queue.count(sent: 1)
            } else {
                queue.count(dropped: 1)
                // UDP: a refused datagram (nobody listening) says nothing about the next one.
                if target.transport == .tcp {
                    close(socket)
                    socket = -1
                }
            }
        }
        if socket >= 0 { close(socket) }
    }

    /// A connected socket (TCP: connected within 2 s; UDP: the address fixed), or -1.
    private func connect() -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(target.transport == .tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(target.host, String(target.port), &hints, &list) == 0, let first = list else { return -1 }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
            close(fd)
        }
        return -1
    }

    /// Writes all of `bytes`; false when the socket failed (or timed out).
    private func send(_ bytes: [UInt8], on socket: Int32) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            if target.transport == .udp { return true }
            done += n
        }
        return true
    }
}
