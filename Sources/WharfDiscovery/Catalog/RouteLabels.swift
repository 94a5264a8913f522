import Foundation

/// Reads the HTTP routes an app port asks for from labels, Wharf's own and marathon-lb's.
enum RouteLabels {
    /// The validated rules of port `index`; label values that are not host names or paths are
    /// reported in `errors` and left out (the app is deployed all the same).
    static func rules(app: [String: String], port: [String: String], index: Int, errors: inout [String]) -> [HTTPRouteRule] {
        var rules: [HTTPRouteRule] = []
        let wharfHosts = port["wharf.http.host"] ?? app["wharf.\(index).http.host"] ?? (index == 0 ? app["wharf.http.host"] : nil)
        let wharfPaths = port["wharf.http.path"] ?? app["wharf.\(index).http.path"] ?? (index == 0 ? app["wharf.http.path"] : nil)
        if let rule = rule(hosts: wharfHosts, paths: wharfPaths, source: "wharf.http", errors: &errors) { rules.append(rule) }
        let lbHosts = app["HAPROXY_\(index)_VHOST"]
        let lbPaths = app["HAPROXY_\(index)_PATH"]
        if let rule = rule(hosts: lbHosts, paths: lbPaths, source: "HAPROXY_\(index)", errors: &errors), !rules.contains(rule) {
            rules.append(rule)
        }
        return rules
    }

    private static func rule(hosts: String?, paths: String?, source: String, errors: inout [String]) -> HTTPRouteRule? {
        guard hosts != nil || paths != nil else { return nil }
        var validHosts: [String] = []
        for raw in split(hosts ?? "", separators: ",") {
            let host = raw.lowercased()
            if HostName.isValid(host) {
                if !validHosts.contains(host) { validHosts.append(host) }
            } else {
                errors.append("route \(source): '\(raw)' is not a valid host name")
            }
        }
        var validPaths: [String] = []
        for raw in split(paths ?? "", separators: ", ") {
            if isValidPath(raw) {
                if !validPaths.contains(raw) { validPaths.append(raw) }
            } else {
                errors.append("route \(source): '\(raw)' is not a valid path prefix (it must start with '/', without spaces, '?' or '#')")
            }
        }
        if hosts != nil && validHosts.isEmpty { return nil }
        if paths != nil && validPaths.isEmpty { return nil }
        return HTTPRouteRule(hosts: validHosts, paths: validPaths.isEmpty ? ["/"] : validPaths)
    }

    private static func split(_ value: String, separators: String) -> [String] {
        value.split(whereSeparator: { separators.contains($0) })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    static func isValidPath(_ path: String) -> Bool {
        guard path.hasPrefix("/"), path.utf8.count <= 1024 else { return false }
        return path.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value < 0x7f && scalar != "?" && scalar != "#"
        }
    }
}

/// Host-name rules (RFC 1123): dot-separated labels of letters, digits and inner hyphens, each 1–63
/// characters, 253 in all. Underscores are allowed in labels, as Consul does for service names.
public enum HostName {
    /// Whether `name` (already lower-cased, no trailing dot) is a valid host name.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard (1...63).contains(label.count) else { return false }
            guard label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            for byte in label {
                let ok = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                guard ok else { return false }
            }
        }
        return true
    }
}
