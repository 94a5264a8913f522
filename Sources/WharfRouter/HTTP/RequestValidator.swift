import NIOHTTP1

/// What the proxy needs from an accepted request head.
struct RequestInfo {
    /// The Host value (from the absolute-form target when one was sent).
    var host: Substring = ""
    /// The target in origin-form ("/path?query"), or "*".
    var uri: String = "/"
    /// The protocol asked for with `Connection: upgrade` + `Upgrade: X`.
    var upgrade: String?
    /// Header names listed in Connection (other than close/keep-alive/upgrade): hop-by-hop.
    var nominated: [Substring] = []
}

/// Why a request head is refused; never forwarded.
struct RequestRejection: Error {
    var status: HTTPResponseStatus = .badRequest
    var reason: String
}

/// Checks request heads against request smuggling and protocol confusion: one framing
/// (`Content-Length` xor `Transfer-Encoding: chunked`), one Host, HTTP/1.x origin-form or
/// absolute-form targets only. The NIO decoder already rejects malformed lines, obs-fold and
/// oversized heads.
enum RequestValidator {
    static func inspect(_ head: HTTPRequestHead) -> Result<RequestInfo, RequestRejection> {
        guard head.version.major == 1, head.version.minor <= 1 else {
            return .failure(RequestRejection(reason: "unsupported HTTP version"))
        }
        switch head.method {
        case .RAW(value: "PRI"):
            return .failure(RequestRejection(reason: "HTTP/2 is not supported on this port"))
        case .CONNECT:
            return .failure(RequestRejection(status: .methodNotAllowed, reason: "CONNECT is not supported"))
        default:
            break
        }
        var info = RequestInfo()
        var hostCount = 0
        var contentLength: Substring?
        var transferEncodings = 0
        var chunked = false
        var connectionTokens: [Substring] = []
        var upgrade: String?
        for (name, value) in head.headers {
            switch name.utf8.count {
            case 4 where HeaderName.equals(name, "host"):
                hostCount += 1
                info.host = Substring(value)
            case 14 where HeaderName.equals(name, "content-length"):
                for token in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let length = HeaderName.trim(token)
                    guard !length.isEmpty, length.utf8.count <= 18,
                        length.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
                    else {
                        return .failure(RequestRejection(reason: "invalid Content-Length"))
                    }
                    if let previous = contentLength, previous != length {
                        return .failure(RequestRejection(reason: "conflicting Content-Length values"))
                    }
                    contentLength = length
                }
            case 17 where HeaderName.equals(name, "transfer-encoding"):
                transferEncodings += 1
                chunked = HeaderName.equalsIgnoringCase(HeaderName.trim(Substring(value)), "chunked")
            case 10 where HeaderName.equals(name, "connection"):
                connectionTokens.append(contentsOf: HeaderName.tokens(value))
            case 7 where HeaderName.equals(name, "upgrade"):
                upgrade = value
            default:
                break
            }
        }
        if transferEncodings > 0 {
            guard transferEncodings == 1, chunked else {
                return .failure(RequestRejection(reason: "unsupported Transfer-Encoding"))
            }
            guard contentLength == nil else {
                return .failure(RequestRejection(reason: "both Content-Length and Transfer-Encoding"))
            }
        }
        guard hostCount <= 1 else {
            return .failure(RequestRejection(reason: "more than one Host header"))
        }
        switch self.target(head.uri) {
        case .origin:
            info.uri = head.uri
        case .absolute(let authority, let path):
            info.host = authority
            info.uri = path
        case .invalid:
            return .failure(RequestRejection(reason: "invalid request target"))
        }
        if hostCount == 0, head.version.minor == 1, info.host.isEmpty {
            return .failure(RequestRejection(reason: "missing Host header"))
        }
        for token in connectionTokens {
            if HeaderName.equals(token, "upgrade") {
                info.upgrade = upgrade
            } else if !HeaderName.equals(token, "close"), !HeaderName.equals(token, "keep-alive") {
                info.nominated.append(token)
            }
        }
        return .success(info)
    }

    private enum Target {
        case origin
        case absolute(authority: Substring, path: String)
        case invalid
    }

    private static func target(_ uri: String) -> Target {
        guard let first = uri.utf8.first else { return .invalid }
        if first == UInt8(ascii: "/") || uri == "*" { return .origin }
        let scheme: Int
        if uri.utf8.count > 7, HeaderName.equalsIgnoringCase(uri.prefix(7), "http://") {
            scheme = 7
        } else if uri.utf8.count > 8, HeaderName.equalsIgnoringCase(uri.prefix(8), "https://") {
            scheme = 8
        } else {
            return .invalid
        }
        let rest = uri.dropFirst(scheme)
        guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else {
            return rest.isEmpty ? .invalid : .absolute(authority: rest, path: "/")
        }
        let authority = rest[..<slash]
        guard !authority.isEmpty else { return .invalid }
        let path = rest[slash...]
        return .absolute(authority: authority, path: path.first == "?" ? "/" + path : String(path))
    }
}
