import Foundation
import Testing

/// The reproducers of `Tests/marathon-corpus/`, one per class of real definitions (SOURCES.md there),
/// posted to the real binary: refused ones get Marathon 1.10's status, message and error paths;
/// accepted ones come back from GET /v2/apps/{id} with every member of the definition.
@Suite("Marathon corpus", .timeLimit(.minutes(15)))
struct MarathonCorpusTests {
    @Test("every reproducer is answered as Marathon 1.10 answers it, and accepted ones round-trip")
    func reproducers() async throws {
        let cases = try CorpusCase.all()
        #expect(cases.count >= 25, "reproducers found: \(cases.count)")
        try await withWharf { wharf in
            for corpusCase in cases {
                try await check(corpusCase, wharf.api)
            }
        }
    }

    private func check(_ corpusCase: CorpusCase, _ api: MarathonClient) async throws {
        let result = try await api.request("POST", corpusCase.post, body: corpusCase.bodyData)
        let expect = corpusCase.expect
        #expect(result.status == corpusCase.status, "\(corpusCase): \(result)")
        if let message = expect["message"]?.string {
            #expect(result.json["message"]?.string == message, "\(corpusCase): \(result)")
        }
        if let text = expect["detailsText"]?.string {
            #expect(result.json["details"]?.string == text, "\(corpusCase): \(result)")
        }
        if let details = expect["details"]?.object {
            var got: [String: JSON] = [:]
            for detail in result.json["details"]?.array ?? [] {
                got[detail["path"]?.string ?? "?"] = detail["errors"]
            }
            #expect(got == details, "\(corpusCase): \(result)")
        }
        guard corpusCase.status == 201, result.status == 201 else { return }
        let app = try #require(try await api.app(corpusCase.appId), "\(corpusCase): GET \(corpusCase.appId)")
        let problems = corpusCase.roundTripProblems(app)
        #expect(problems.isEmpty, "\(corpusCase): \(problems.joined(separator: "; "))\nGET: \(app.text)")
    }
}
