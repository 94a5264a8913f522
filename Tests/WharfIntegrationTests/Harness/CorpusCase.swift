import Foundation

/// One reproducer of `Tests/marathon-corpus/`: a body, where it is posted, and how Marathon 1.10
/// answers it (see that directory's SOURCES.md for the real definitions behind each class).
struct CorpusCase: Sendable, CustomStringConvertible {
    var name: String
    var json: JSON

    /// Every reproducer, by file name.
    static func all() throws -> [CorpusCase] {
        let directory = WharfProcess.packageRoot.appendingPathComponent("Tests/marathon-corpus")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path), let json = JSON(data: data) else {
                throw HarnessError("cannot read \(url.path) as JSON")
            }
            return CorpusCase(name: String(name.dropLast(5)), json: json)
        }
    }

    var description: String { name }
    var post: String { json["post"]?.string ?? "/v2/apps" }
    var expect: JSON { json["expect"] ?? [:] }
    var status: Int { expect["status"]?.int ?? 0 }

    /// The request body; accepted definitions ask for no instances, so that nothing is launched.
    var bodyData: Data {
        if let text = json["bodyText"]?.string { return Data(text.utf8) }
        guard var body = json["body"], status == 201 else { return json["body"]?.data ?? Data() }
        if body["apps"] != nil {
            body["apps"] = .array((body["apps"]?.array ?? []).map { app in
                var app = app
                app["instances"] = 0
                return app
            })
        } else {
            body["instances"] = 0
        }
        return body.data
    }

    /// The app whose GET the round trip reads.
    var appId: String { expect["get"]?.string ?? json["body"]?["id"]?.string ?? "" }

    /// The app definition posted: the body, or the first app of a group body.
    var definition: JSON { json["body"]?["apps"]?[0] ?? json["body"] ?? [:] }

    /// Why the GET output does not carry the definition's members (empty when it does): each member
    /// must come back equal unless `changed` says otherwise (`null`: dropped, `"<any>"`: any value);
    /// ports given as 0 come back assigned; empty collections may be left out, as Marathon leaves
    /// them out; `fields` are extra expectations.
    func roundTripProblems(_ app: JSON) -> [String] {
        let got = Self.flatten(app)
        let changed = expect["changed"]?.object ?? [:]
        var problems: [String] = []
        for (path, value) in Self.flatten(definition) where path != "/instances" && path != "/id" {
            if let expected = changed[path] {
                problems += Self.mismatch(path, expected: expected, got: got[path])
            } else if value == 0, path.hasSuffix("/port") || path.hasSuffix("/servicePort") {
                problems += Self.mismatch(path, expected: "<any>", got: got[path])
            } else if value == .array([]) || value == .object([:]) {
                if let actual = got[path], actual != value { problems.append("\(path): \(value.text) became \(actual.text)") }
            } else {
                problems += Self.mismatch(path, expected: value, got: got[path])
            }
        }
        for (path, expected) in (expect["fields"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            problems += Self.mismatch(path, expected: expected, got: Self.lookup(app, path))
        }
        return problems
    }

    private static func mismatch(_ path: String, expected: JSON, got: JSON?) -> [String] {
        switch (expected, got) {
        case (.null, nil), (.string("<any>"), _?): return []
        case (.null, let actual?): return ["\(path): should be dropped, is \(actual.text)"]
        case (_, nil): return ["\(path): \(expected.text) is missing"]
        case (_, let actual?): return actual == expected ? [] : ["\(path): expected \(expected.text), got \(actual.text)"]
        }
    }

    /// Leaves (and empty collections) by Marathon-style path: `/a/b(0)/c`.
    static func flatten(_ value: JSON, _ prefix: String = "") -> [String: JSON] {
        switch value {
        case .object(let members) where !members.isEmpty:
            return members.reduce(into: [:]) { $0.merge(flatten($1.value, prefix + "/" + $1.key)) { a, _ in a } }
        case .array(let elements) where !elements.isEmpty:
            return elements.enumerated().reduce(into: [:]) { $0.merge(flatten($1.element, prefix + "(\($1.offset))")) { a, _ in a } }
        case .null:
            return [:]
        default:
            return [prefix: value]
        }
    }

    /// The value at a Marathon-style path (whole objects and arrays included).
    static func lookup(_ value: JSON, _ path: String) -> JSON? {
        var current: JSON? = value
        for part in path.split(separator: "/") {
            var key = Substring(part)
            var indexes: [Int] = []
            while key.hasSuffix(")"), let open = key.lastIndex(of: "(") {
                indexes.insert(Int(key[key.index(after: open)..<key.index(before: key.endIndex)]) ?? -1, at: 0)
                key = key[..<open]
            }
            if !key.isEmpty { current = current?[String(key)] }
            for index in indexes { current = current?[index] }
        }
        return current
    }
}
