import Foundation
import Testing
@testable import WharfModel

@Suite("Group bodies", .timeLimit(.minutes(3)))
struct GroupUpdateTests {
    static let sleepGroup = #"""
    {"id": "/sleep", "groups": [
       {"id": "goodnight", "apps": [{"id": "sleep1", "cmd": "sleep 1000", "cpus": 0.01, "mem": 32}]},
       {"id": "/sleep/wake", "apps": [{"id": "bell", "cmd": "sleep 1", "dependencies": ["../goodnight/sleep1"]}]}],
     "apps": [{"id": "top", "cmd": "sleep 5"}]}
    """#

    @Test func nestedIdsResolveAgainstTheirGroups() throws {
        let group = try GroupUpdate.decodeValidated(json: data(Self.sleepGroup))
        #expect(group.id == PathId("/sleep"))
        #expect(group.apps?.map(\.id) == [PathId("/sleep/top")])
        #expect(group.groups?.map(\.id) == [PathId("/sleep/goodnight"), PathId("/sleep/wake")])
        #expect(group.groups?[0].apps?.first?.id == PathId("/sleep/goodnight/sleep1"))
        let bell = try #require(group.groups?[1].apps?.first)
        #expect(bell.id == PathId("/sleep/wake/bell"))
        #expect(bell.dependencies == [PathId("/sleep/goodnight/sleep1")])
        #expect(group.allApps.count == 3)
    }

    @Test func baseFromTheUrl() throws {
        let group = try GroupUpdate.decode(json: data(#"{"apps": [{"id": "web", "cmd": "x y"}]}"#), relativeTo: PathId("/shop"))
        #expect(group.id == nil)
        #expect(group.apps?.first?.id == PathId("/shop/web"))
    }

    @Test func errorsCarryNestedPaths() {
        do {
            _ = try GroupUpdate.decodeValidated(json: data(#"{"id": "/g", "apps": [{"id": "ok", "cmd": "x y"}, {"id": "Bad", "cmd": "x y", "instances": -1}], "groups": [{"id": "sub", "apps": [{"id": "./a"}]}]}"#))
            Issue.record("expected 422")
        } catch {
            #expect(error.message == "Invalid JSON")
            #expect(has(error.failures, "/apps(1)/id", "error.pattern"))
            #expect(has(error.failures, "/apps(1)/instances", "error.min"))
            #expect(has(error.failures, "/groups(0)/apps(0)/id", "error.pattern"))
        }
        do {
            _ = try GroupUpdate.decodeValidated(json: data(#"{"id": "/g", "apps": [{"id": "ok", "cmd": "x y"}, {"id": "ok", "cmd": "x y", "instances": 2}], "groups": [{"id": "sub", "apps": [{"id": "a"}]}]}"#))
            Issue.record("expected 422")
        } catch {
            #expect(error.message == "Object is not valid")
            #expect(has(error.failures, "/apps(1)/id", "Duplicate id /g/ok"))
            #expect(has(error.failures, "/groups(0)/apps(0)", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."))
        }
    }

    @Test func appsMustBeChildrenOfTheGroup() {
        do {
            _ = try GroupUpdate.decodeValidated(json: data(#"{"id": "/g", "apps": [{"id": "/other/a", "cmd": "x y"}]}"#))
            Issue.record("expected 422")
        } catch {
            #expect(error.failures == [ValidationFailure(path: "/apps(0)/id", "Identifier is not child of '/g'")])
        }
    }

    @Test func decodeErrorPathsInsideGroups() {
        do {
            _ = try GroupUpdate.decode(json: data(#"{"id": "/g", "apps": [{"id": "a", "cmd": 1}]}"#))
            Issue.record("expected 422")
        } catch {
            #expect(error.failures == [ValidationFailure(path: "/apps(0)/cmd", "error.expected.jsstring")])
        }
    }

    @Test func specialBodies() throws {
        let scale = try GroupUpdate.decodeValidated(json: data(#"{"scaleBy": 1.5}"#), relativeTo: PathId("/g"))
        #expect(scale.scaleBy == 1.5 && scale.apps == nil)
        let rollback = try GroupUpdate.decode(json: data(#"{"version": "2020-01-01T00:00:00.000Z"}"#))
        #expect(rollback.version == Timestamp(iso8601: "2020-01-01T00:00:00Z"))
    }
}
