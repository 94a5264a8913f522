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

    @Test("no two examples define the same app id, so that every example can run next to the others")
    func appIdsAreUnique() throws {
        var owners: [String: String] = [:]
        for file in Self.files {
            let body = try Data(contentsOf: Self.examples.appendingPathComponent(file))
            let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            for id in Self.appIds(object) {
                #expect(owners[id] == nil, "\(id) is defined by both \(owners[id] ?? "") and \(file)")
                owners[id] = file
            }
        }
        #expect(owners["/hello"] == "hello.json")
    }

    /// The app ids of an app or group definition (groups' apps and nested groups).
    static func appIds(_ object: [String: Any]) -> [String] {
        if object["apps"] != nil || object["groups"] != nil {
            let apps = (object["apps"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            return apps + (object["groups"] as? [[String: Any]] ?? []).flatMap(appIds)
        }
        return (object["id"] as? String).map { [$0] } ?? []
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
