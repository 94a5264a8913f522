import Testing
@testable import WharfServer

@Suite("Marathon API: query parameters and content negotiation", .timeLimit(.minutes(3)))
struct MarathonQueryTests {
    @Test("booleans follow Java's Boolean.valueOf: true in any case, anything else false")
    func booleans() {
        let query = QueryParameters("force=True&a=FALSE&b=true&c=1&d=yes&e=tRuE&empty=")
        #expect(query.bool("force", default: false))
        #expect(!query.bool("a", default: true))
        #expect(query.bool("b", default: false))
        #expect(!query.bool("c", default: true))
        #expect(!query.bool("d", default: true))
        #expect(query.bool("e", default: false))
        #expect(!query.bool("empty", default: true))
        #expect(query.bool("missing", default: true))
        #expect(!query.bool("missing", default: false))
    }

    @Test("repeated parameters keep their order; status[] is status")
    func repeated() {
        let query = QueryParameters("embed=app.tasks&embed=app.counts&status%5B%5D=running&status[]=staging&status=x")
        #expect(query.values("embed") == ["app.tasks", "app.counts"])
        #expect(query.values("status") == ["running", "staging", "x"])
        #expect(query["embed"] == "app.tasks")
        #expect(query.contains("status"))
        #expect(!query.contains("label"))
    }

    @Test("keys and values are percent-decoded, + is a space in queries but not in paths")
    func decoding() {
        let query = QueryParameters("label=env%3D%3Dprod%2Cteam+in+(a%2Cb)&cmd=python3%20-m&bad=%zz%4")
        #expect(query["label"] == "env==prod,team in (a,b)")
        #expect(query["cmd"] == "python3 -m")
        #expect(query["bad"] == "%zz%4")
        #expect(QueryParameters.decode("a+b%2Fc", plusIsSpace: false) == "a+b/c")
        #expect(QueryParameters(nil).values("x").isEmpty)
        #expect(QueryParameters("").values("x").isEmpty)
    }

    @Test("GET /ping answers text unless JSON is preferred, 204 when neither is acceptable")
    func ping() {
        #expect(PingFormat.negotiate(accept: nil) == .text)
        #expect(PingFormat.negotiate(accept: "*/*") == .text)
        #expect(PingFormat.negotiate(accept: "application/json") == .json)
        #expect(PingFormat.negotiate(accept: "application/json, text/plain") == .json)
        #expect(PingFormat.negotiate(accept: "text/plain;q=0.5, application/json") == .json)
        #expect(PingFormat.negotiate(accept: "text/plain, application/json") == .text)
        #expect(PingFormat.negotiate(accept: "image/png") == .notAcceptable)
    }
}
