import NIOHTTP1

/// Builds the headers forwarded in each direction: hop-by-hop headers (and those named in
/// Connection) removed, X-Forwarded-* set on requests, Upgrade kept only when upgrading.
enum HeaderRewriter {
    /// Headers sent to the backend for a client request.
    static func request(_ headers: HTTPHeaders, info: RequestInfo, clientIP: String) -> HTTPHeaders {
        var result = HTTPHeaders()
        result.reserveCapacity(headers.count + 4)
        var forwardedFor: String?
        var sawContentLength = false
        for (name, value) in headers {
            if HeaderName.isHopByHop(name) { continue }
            if !info.nominated.isEmpty, info.nominated.contains(where: { HeaderName.equalsIgnoringCase($0, name) }) {
                continue
            }
            switch name.utf8.count {
            case 14 where HeaderName.equals(name, "content-length"):
                // Validated identical; forward one.
                if sawContentLength { continue }
                sawContentLength = true
            case 15 where HeaderName.equals(name, "x-forwarded-for"):
                forwardedFor = forwardedFor.map { "\($0), \(value)" } ?? value
                continue
            case 16 where HeaderName.equals(name, "x-forwarded-host"):
                continue
            case 17 where HeaderName.equals(name, "x-forwarded-proto"):
                continue
            default:
                break
            }
            result.add(name: name, value: value)
        }
        result.add(name: "X-Forwarded-For", value: forwardedFor.map { "\($0), \(clientIP)" } ?? clientIP)
        result.add(name: "X-Forwarded-Proto", value: "http")
        if !info.host.isEmpty {
            result.add(name: "X-Forwarded-Host", value: String(info.host))
        }
        if let upgrade = info.upgrade {
            result.add(name: "Connection", value: "upgrade")
            result.add(name: "Upgrade", value: upgrade)
        }
        return result
    }

    /// Headers sent to the client for a backend response. `keepTransferEncoding` is false for
    /// HTTP/1.0 clients, which cannot receive chunked bodies.
    ///
    /// Works on a copy of `headers` and removes names rather than rebuilding the block: a typical
    /// response carries only `Connection` to drop, so this is one pass over the headers and one
    /// removal instead of re-adding (and re-validating) every header.
    static func response(_ headers: HTTPHeaders, upgrade: Bool, keepTransferEncoding: Bool) -> HTTPHeaders {
        var nominated: [Substring] = []
        var upgradeValue: String?
        var found = HopByHop()
        for (name, value) in headers {
            switch name.utf8.count {
            case 2 where HeaderName.equals(name, "te"):
                found.te = true
            case 7 where HeaderName.equals(name, "upgrade"):
                found.upgrade = true
                upgradeValue = value
            case 7 where HeaderName.equals(name, "trailer"):
                found.trailer = true
            case 10 where HeaderName.equals(name, "connection"):
                found.connection = true
                for token in HeaderName.tokens(value)
                where !HeaderName.equals(token, "close") && !HeaderName.equals(token, "keep-alive")
                    && !HeaderName.equals(token, "upgrade")
                {
                    nominated.append(token)
                }
            case 10 where HeaderName.equals(name, "keep-alive"):
                found.keepAlive = true
            case 16 where HeaderName.equals(name, "proxy-connection"):
                found.proxyConnection = true
            case 17 where HeaderName.equals(name, "transfer-encoding"):
                found.transferEncoding = !keepTransferEncoding
            default:
                break
            }
        }
        var result = headers
        if found.any || !nominated.isEmpty {
            result.reserveCapacity(headers.count + 2)
            if found.te { result.remove(name: "te") }
            if found.upgrade { result.remove(name: "upgrade") }
            if found.trailer { result.remove(name: "trailer") }
            if found.connection { result.remove(name: "connection") }
            if found.keepAlive { result.remove(name: "keep-alive") }
            if found.proxyConnection { result.remove(name: "proxy-connection") }
            if found.transferEncoding { result.remove(name: "transfer-encoding") }
            for token in nominated { result.remove(name: String(token)) }
        }
        if upgrade, let upgradeValue {
            result.add(name: "Connection", value: "upgrade")
            result.add(name: "Upgrade", value: upgradeValue)
        }
        return result
    }

    /// Which hop-by-hop headers (and, for HTTP/1.0 clients, Transfer-Encoding) a response carries.
    private struct HopByHop {
        var te = false
        var upgrade = false
        var trailer = false
        var connection = false
        var keepAlive = false
        var proxyConnection = false
        var transferEncoding = false

        var any: Bool {
            self.te || self.upgrade || self.trailer || self.connection || self.keepAlive || self.proxyConnection
                || self.transferEncoding
        }
    }
}
