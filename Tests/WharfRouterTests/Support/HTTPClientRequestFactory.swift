import AsyncHTTPClient

enum HTTPClientRequestFactory {
    static func make(port: Int, path: String) -> HTTPClientRequest {
        HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    }
}
