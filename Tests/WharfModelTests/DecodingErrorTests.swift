import Foundation
import Testing
@testable import WharfModel

@Suite("Decoding errors", .timeLimit(.minutes(3)))
struct DecodingErrorTests {
    private func error(_ body: String) -> MarathonInputError? {
        do {
            _ = try AppDefinition.decode(json: data(body))
            return nil
        } catch {
            return error
        }
    }

    private func body(_ e: MarathonInputError) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: e.response().body) as? [String: Any])
    }

    @Test func emptyBodyIs400() throws {
        let e = try #require(error("  \n"))
        #expect(e.response().status == 400)
        let json = try body(e)
        #expect(json["message"] as? String == "Please specify data in JSON format")
        #expect(json["details"] as? String == "No content to map due to end-of-input")
    }

    @Test func malformedJsonIs400WithStringDetails() throws {
        let e = try #require(error(#"{"id": "/a", "#))
        #expect(e.status == 400)
        let json = try body(e)
        #expect(json["message"] as? String == "Invalid JSON")
        #expect((json["details"] as? String)?.isEmpty == false)
    }

    @Test func wrongTypeIs422WithPath() throws {
        let e = try #require(error(#"{"id": 5, "cmd": "x y"}"#))
        #expect(e.status == 422)
        #expect(e.failures == [ValidationFailure(path: "/id", "error.expected.jsstring")])
        let json = try body(e)
        #expect(json["message"] as? String == "Invalid JSON")
        let details = try #require(json["details"] as? [[String: Any]])
        #expect(details.first?["path"] as? String == "/id")
        #expect(details.first?["errors"] as? [String] == ["error.expected.jsstring"])
    }

    @Test("a missing id: Marathon's reader names the member and the object it is missing from")
    func missingIdIsNamed() throws {
        let e = try #require(error(#"{"cmd": "x y", "instances": 1}"#))
        #expect(e.status == 422 && e.message == "Invalid JSON")
        #expect(e.failures == [ValidationFailure(path: "/id", #"'id' is undefined on object: {"cmd":"x y","instances":1}"#)])
    }

    @Test func nestedArrayPathsUseMarathonIndexes() throws {
        let e = try #require(error(#"{"id": "/a", "cmd": "x y", "healthChecks": [{"protocol": "HTTP"}, {"portIndex": "zero"}]}"#))
        #expect(e.failures == [ValidationFailure(path: "/healthChecks(1)/portIndex", "error.expected.jsnumber")])
    }

    @Test func typeCodes() throws {
        #expect(error(#"{"id": "/a", "instances": true}"#)?.failures.first?.errors == ["error.expected.jsnumber"])
        #expect(error(#"{"id": "/a", "requirePorts": 1}"#)?.failures.first?.errors == ["error.expected.jsboolean"])
        #expect(error(#"{"id": "/a", "args": "x"}"#)?.failures.first?.errors == ["error.expected.jsarray"])
        #expect(error(#"{"id": "/a", "labels": 1}"#)?.failures.first?.errors == ["error.expected.jsobject"])
        // Marathon's generated readers look each required member up in a non-object and name it.
        #expect(error(#"{"id": "/a", "upgradeStrategy": 1}"#)?.failures == [
            ValidationFailure(path: "/upgradeStrategy/maximumOverCapacity", "1 is not an object"),
            ValidationFailure(path: "/upgradeStrategy/minimumHealthCapacity", "1 is not an object")])
        #expect(error(#"{"id": "/a", "killSelection": "RANDOM"}"#)?.failures == [ValidationFailure(path: "/killSelection", "error.unknown.enum.literal")])
        #expect(error(#"{"id": "/a", "container": {"docker": {}}}"#)?.failures == [ValidationFailure(path: "/container/docker/image", "'image' is undefined on object: {}")])
        #expect(error(#"{"id": "/a", "env": {"A": {"value": 1}}}"#)?.failures == [ValidationFailure(path: "/env/A/secret", "error.path.missing")])
    }

    @Test func validationErrorBodyShape() throws {
        let e = MarathonInputError.invalidObject([ValidationFailure(path: "/upgradeStrategy/minimumHealthCapacity", "is greater than 1")])
        let response = e.response()
        #expect(response.status == 422)
        #expect(String(decoding: response.body, as: UTF8.self) ==
            #"{"details":[{"errors":["is greater than 1"],"path":"/upgradeStrategy/minimumHealthCapacity"}],"message":"Object is not valid"}"#)
    }
}
