import Foundation
import Testing
import WharfModel

/// The reproducers of `Tests/marathon-corpus/` through the request decoders alone: status, message
/// and error paths. The integration suite posts them to the binary and checks the GET round trip.
@Suite("Marathon corpus decoding", .timeLimit(.minutes(1)))
struct CorpusDecodingTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("marathon-corpus")

    static func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test func thereIsAReproducerPerClass() throws {
        let classes = try Set(Self.names().map { try Self.load($0)["class"] as? String ?? "" })
        #expect(classes.isSuperset(of: ["health-check-timeout", "resident-upgrade-strategy", "ports-other-networking-mode",
                                        "fields-kept", "json-syntax", "raml-reads", "validation"]), "\(classes)")
    }

    @Test(arguments: try names())
    func reproducer(name: String) throws {
        let corpusCase = try Self.load(name)
        let expect = try #require(corpusCase["expect"] as? [String: Any])
        let body: Data
        if let text = corpusCase["bodyText"] as? String {
            body = Data(text.utf8)
        } else {
            body = try JSONSerialization.data(withJSONObject: corpusCase["body"] ?? [:], options: [.sortedKeys, .withoutEscapingSlashes])
        }
        let isGroup = corpusCase["post"] as? String == "/v2/groups"
        var output: Data?
        var status = 201
        var response: [String: Any] = [:]
        do {
            if isGroup {
                let group = try GroupUpdate.decodeValidated(json: body)
                let id = try #require(expect["get"] as? String)
                output = try #require(group.allApps.first { $0.id == PathId(id) }).marathonJSON()
            } else {
                output = try AppDefinition.decodeValidated(json: body).marathonJSON()
            }
        } catch let error as MarathonInputError {
            let (code, data) = error.response()
            status = code
            response = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        #expect(status == expect["status"] as? Int, "\(name): \(response)")
        if let message = expect["message"] as? String { #expect(response["message"] as? String == message, "\(name)") }
        if let text = expect["detailsText"] as? String { #expect(response["details"] as? String == text, "\(name): \(response)") }
        if let details = expect["details"] as? [String: [String]] {
            let got = Dictionary(((response["details"] as? [[String: Any]]) ?? []).map {
                ($0["path"] as? String ?? "?", $0["errors"] as? [String] ?? [])
            }, uniquingKeysWith: { a, _ in a })
            #expect(got == details, "\(name): \(response)")
        }
        if let output {
            #expect(try JSONSerialization.jsonObject(with: output) is [String: Any], "\(name): the GET shape is a JSON object")
        }
    }

    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
