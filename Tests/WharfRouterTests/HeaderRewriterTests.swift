import NIOHTTP1
import Testing
@testable import WharfRouter

@Suite(.timeLimit(.minutes(3))) struct HeaderRewriterTests {
    private func pairs(_ headers: HTTPHeaders) -> [String] {
        headers.map { "\($0.name): \($0.value)" }
    }

    @Test func responseDropsHopByHopAndNominatedHeadersKeepingOrder() {
        let headers = HTTPHeaders([
            ("Server", "nginx"), ("Connection", "keep-alive, X-Secret"), ("Content-Length", "3"),
            ("Keep-Alive", "timeout=5"), ("x-secret", "1"), ("TE", "trailers"), ("Trailer", "X"),
            ("Proxy-Connection", "close"), ("Upgrade", "websocket"), ("ETag", "\"a\""),
        ])
        let result = HeaderRewriter.response(headers, upgrade: false, keepTransferEncoding: true)
        #expect(self.pairs(result) == ["Server: nginx", "Content-Length: 3", "ETag: \"a\""])
    }

    @Test func responseWithoutHopByHopHeadersIsUnchanged() {
        let headers = HTTPHeaders([("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")])
        let result = HeaderRewriter.response(headers, upgrade: false, keepTransferEncoding: true)
        #expect(self.pairs(result) == ["Content-Type: text/plain", "Transfer-Encoding: chunked"])
    }

    @Test func responseToHTTP10ClientDropsTransferEncoding() {
        let headers = HTTPHeaders([("Transfer-Encoding", "chunked"), ("Content-Type", "text/plain")])
        let result = HeaderRewriter.response(headers, upgrade: false, keepTransferEncoding: false)
        #expect(self.pairs(result) == ["Content-Type: text/plain"])
    }

    @Test func upgradeResponseKeepsOnlyTheUpgradeItNamed() {
        let headers = HTTPHeaders([("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Accept", "k")])
        let result = HeaderRewriter.response(headers, upgrade: true, keepTransferEncoding: true)
        #expect(self.pairs(result) == ["Sec-WebSocket-Accept: k", "Connection: upgrade", "Upgrade: websocket"])
    }
}
