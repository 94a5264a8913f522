import Testing
@testable import WharfServer
import WharfModel

@Suite("Marathon API: label selectors", .timeLimit(.minutes(3)))
struct LabelSelectorTests {
    let labels = ["env": "prod", "team": "a", "tier": "web"]

    @Test("every term form parses and matches as Marathon's LabelSelectorParsers")
    func terms() throws {
        #expect(try LabelSelector(parsing: "env").terms == [.exists("env")])
        #expect(try LabelSelector(parsing: "env==prod").terms == [.equals("env", "prod")])
        #expect(try LabelSelector(parsing: "env != dev").terms == [.notEquals("env", "dev")])
        #expect(try LabelSelector(parsing: "team in (a, b)").terms == [.in("team", ["a", "b"])])
        #expect(try LabelSelector(parsing: "team notin (c)").terms == [.notIn("team", ["c"])])
        #expect(try LabelSelector(parsing: "").terms.isEmpty)
    }

    @Test("comma means and; != and notin need the label present")
    func matching() throws {
        #expect(try LabelSelector(parsing: "env==prod, team in (a,b), tier").matches(labels))
        #expect(try !LabelSelector(parsing: "env==prod, team in (b,c)").matches(labels))
        #expect(try LabelSelector(parsing: "env!=dev").matches(labels))
        #expect(try !LabelSelector(parsing: "missing!=dev").matches(labels))
        #expect(try !LabelSelector(parsing: "missing notin (x)").matches(labels))
        #expect(try !LabelSelector(parsing: "missing").matches(labels))
        #expect(try LabelSelector(parsing: "").matches([:]))
    }

    @Test("backslash escapes special characters in keys and values")
    func escapes() throws {
        let selector = try LabelSelector(parsing: #"path==a\,b\=c"#)
        #expect(selector.terms == [.equals("path", "a,b=c")])
        #expect(selector.matches(["path": "a,b=c"]))
    }

    @Test("malformed selectors are rejected with Marathon's message")
    func errors() {
        for bad in ["env==", "team in a", "team in (a", ",env", "env,", "env prod", "=="] {
            #expect(throws: LabelSelector.ParseError.self, "\(bad)") { try LabelSelector(parsing: bad) }
        }
        do {
            _ = try LabelSelector(parsing: "team in a")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.message.hasPrefix("Can not parse label selector team in a"))
        }
    }

    @Test("GET /v2/apps filters: id and cmd case-insensitive substrings, label selector")
    func appFilter() throws {
        let app = MarathonAPIFixtures.app("/shop/Web-1".lowercased(), labels: ["env": "prod"], cmd: "Python3 -m http.server")
        #expect(AppFilter(id: "SHOP/web").matches(app, idText: app.id.description))
        #expect(!AppFilter(id: "api").matches(app, idText: app.id.description))
        #expect(AppFilter(cmd: "HTTP.SERVER").matches(app, idText: app.id.description))
        #expect(!AppFilter(cmd: "sleep").matches(app, idText: app.id.description))
        #expect(AppFilter(label: try LabelSelector(parsing: "env==prod")).matches(app, idText: app.id.description))
        #expect(!AppFilter(label: try LabelSelector(parsing: "env==dev")).matches(app, idText: app.id.description))
        var noCmd = app
        noCmd.cmd = nil
        #expect(!AppFilter(cmd: "x").matches(noCmd, idText: noCmd.id.description))
        #expect(AppFilter(id: "", cmd: "").matches(noCmd, idText: noCmd.id.description))
        #expect(throws: LabelSelector.ParseError.self) { try AppFilter(query: QueryParameters("label=a%20in%20b")) }
    }
}
