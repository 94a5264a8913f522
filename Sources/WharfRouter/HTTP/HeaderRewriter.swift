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

    /// Headers sent to the client for a backend response. `keepFraming` is false for
    /// HTTP/1.0 clients, which cannot receive chunked bodies.
    static func response(_ headers: HTTPHeaders, upgrade: Bool, keepTransferEncoding: Bool) -> HTTPHeaders {
        var nominated: [Substring] = []
        var upgradeValue: String?
        var result = HTTPHeaders()
        result.reserveCapacity(headers.count + 1)
        for (name, value) in headers {
            switch name.utf8.count {
            case 10 where HeaderName.equals(name, "connection"):
                for token in HeaderName.tokens(value)
                where !HeaderName.equals(token, "close") && !HeaderName.equals(token, "keep-alive")
                    && !HeaderName.equals(token, "upgrade")
                {
                    nominated.append(token)
                }
                continue
            case 7 where HeaderName.equals(name, "upgrade"):
                upgradeValue = value
                continue
            case 17 where HeaderName.equals(name, "transfer-encoding"):
                if !keepTransferEncoding { continue }
            default:
                if HeaderName.isHopByHop(name) { continue }
            }
            result.add(name: name, value: value)
        }
        if !nominated.isEmpty {
            for token in nominated { result.remove(name: String(token)) }
        }
        if upgrade, let upgradeValue {
            result.add(name: "Connection", value: "upgrade")
            result.add(name: "Upgrade", value: upgradeValue)
        }
        return result
    }
}
