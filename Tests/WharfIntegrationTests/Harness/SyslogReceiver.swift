import Foundation
import Glibc
import Synchronization

/// A syslog receiver for tests on 127.0.0.1: UDP (one message per datagram) or TCP (RFC 6587
/// octet-counted frames, `LENGTH SP MESSAGE`, from any number of connections). Keeps every
/// message received, as bytes.
final class SyslogReceiver: Sendable {
    enum Transport: String, Sendable { case udp, tcp }

    let transport: Transport
    let port: Int
    private let socket: Int32
    private let received = Mutex<[[UInt8]]>([])
    /// Bytes of TCP streams that are not octet-counted frames (a framing error shows up here).
    private let garbage = Mutex<[UInt8]>([])

    init(_ transport: Transport) throws {
        self.transport = transport
        let fd = Glibc.socket(AF_INET, Int32(transport == .udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, transport == .udp || listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            if transport == .udp { receiveDatagrams() } else { acceptConnections() }
        }
        thread.start()
    }

    /// `udp://127.0.0.1:PORT` or `tcp://…`, for `--syslog`.
    var url: String { "\(transport.rawValue)://127.0.0.1:\(port)" }

    var messages: [String] { received.withLock { $0.map { String(decoding: $0, as: UTF8.self) } } }
    var rawMessages: [[UInt8]] { received.withLock { $0 } }
    var unframed: [UInt8] { garbage.withLock { $0 } }

    /// Stops receiving (the socket is closed; the thread ends at its next call).
    func close() {
        shutdown(socket, Int32(SHUT_RDWR))
        Glibc.close(socket)
    }

    private func receiveDatagrams() {
        var buffer = [UInt8](repeating: 0, count: 70_000)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            received.withLock { $0.append(Array(buffer[..<n])) }
        }
    }

    private func acceptConnections() {
        while true {
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else { return }
            Thread { [self] in readFrames(connection) }.start()
        }
    }

    private func readFrames(_ fd: Int32) {
        defer { Glibc.close(fd) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            pending += buffer[..<n]
            while let space = pending.firstIndex(of: UInt8(ascii: " ")) {
                guard let length = Int(String(decoding: pending[..<space], as: UTF8.self)), length > 0,
                      pending[..<space].allSatisfy({ (0x30...0x39).contains($0) }) else {
                    garbage.withLock { $0 += pending }
                    pending = []
                    break
                }
                guard pending.count >= space + 1 + length else { break }
                received.withLock { $0.append(Array(pending[(space + 1)..<(space + 1 + length)])) }
                pending.removeFirst(space + 1 + length)
            }
        }
    }
}
