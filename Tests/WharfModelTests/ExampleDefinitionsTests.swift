import Foundation
import Testing
@testable import WharfModel

/// Every JSON definition under `examples/` passes validation (apps, and groups with `apps`/`groups`).
@Suite("Example definitions", .timeLimit(.minutes(3)))
struct ExampleDefinitionsTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples").standardizedFileURL

    static var files: [String] {
        let all = FileManager.default.enumerator(atPath: examples.path)?.compactMap { $0 as? String } ?? []
        return all.filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test func examplesExist() {
        #expect(Self.files.contains("myapp-docker/myapp.json"))
        #expect(Self.files.contains("registry/myapp.json"))
    }

    @Test(arguments: files)
    func validates(file: String) throws {
        let body = try Data(contentsOf: Self.examples.appendingPathComponent(file))
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        do {
            if object["apps"] != nil || object["groups"] != nil {
                _ = try GroupUpdate.decodeValidated(json: body)
            } else {
                _ = try AppDefinition.decodeValidated(json: body)
            }
        } catch {
            Issue.record("\(file): \(error.message) \(error.failures)")
        }
    }
}
