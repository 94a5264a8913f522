import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WharfModel

/// One request to a Marathon route, with what its handler needs: the path placeholders, the
/// decoded query, the client's address and the API's shared state.
struct MarathonCall: Sendable {
    let request: Request
    /// Values of the template's placeholders (`id`, `taskId`, `version`, ...).
    let parameters: [String: String]
    let query: QueryParameters
    let api: MarathonAPIContext
    /// The client's address: the first `X-Forwarded-For` entry, else the socket peer when the
    /// request context knows it.
    let clientIp: String

    var controlPlane: ControlPlane { api.controlPlane }

    /// The app or group id in placeholder `name`, made absolute (`a/b` → `/a/b`).
    func pathId(_ name: String = "id") -> PathId {
        PathId(parameters[name] ?? "", relativeTo: .root)
    }

    /// A single-segment placeholder.
    func parameter(_ name: String) -> String {
        parameters[name] ?? ""
    }

    /// The `Host` header (`host:port`), or the advertised address when absent.
    var host: String {
        request.head.authority
            ?? "\(api.controlPlane.configuration.advertisedHost):\(api.controlPlane.configuration.apiPort)"
    }

    /// The request URI as given (path and query), for `api_post_event.uri`.
    var uri: String { request.uri.path }

    /// The body, at most `maxRequestBodyBytes` (413 beyond).
    func body() async throws -> [UInt8] {
        let limit = api.controlPlane.configuration.maxRequestBodyBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw Self.tooLarge(limit)
        }
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(limit)
        }
    }

    /// The body as JSON text: at most `maxRequestBodyBytes` (413), not empty (400 "Please specify
    /// data in JSON format") and strict JSON as Marathon's parser reads it (400 "Invalid JSON" with
    /// the parser's message: no trailing commas, comments or `NaN`), so that decoders only ever see
    /// well-formed input.
    func jsonBody() async throws -> Data {
        try MarathonInputError.canonicalJSON(Data(try await body()))
    }

    static func tooLarge(_ limit: Int) -> MarathonHTTPError {
        MarathonHTTPError(status: 413, message: "Request body too large: the limit is \(limit) bytes")
    }
}

/// Builds Marathon responses.
enum MarathonResponse {
    static let jsonContentType = "application/json"
    static let deploymentIdHeader = HTTPField.Name("Marathon-Deployment-Id")!

    /// A JSON response with `status`.
    static func json(_ bytes: [UInt8], status: Int = 200, headers extra: HTTPFields = [:]) -> Response {
        json(ByteBuffer(bytes: bytes), status: status, headers: extra)
    }

    static func json(_ body: ByteBuffer, status: Int = 200, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = jsonContentType
        return Response(status: httpStatus(status), headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// `{"deploymentId","version"}` with the `Marathon-Deployment-Id` header.
    static func deployment(_ result: DeploymentResult, status: Int = 200, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[deploymentIdHeader] = result.deploymentId
        return json(DeploymentRenderer.result(deploymentId: result.deploymentId, version: result.version),
                    status: status, headers: headers)
    }

    /// An empty response (`204`, `202`).
    static func empty(_ status: Int) -> Response {
        Response(status: httpStatus(status))
    }

    static func error(_ error: MarathonHTTPError) -> Response {
        json(error.body, status: error.status)
    }

    /// The response for anything a handler throws: Marathon errors as they are, control-plane
    /// and input errors mapped per `marathon.md` §6, anything else as 500 with its description.
    static func from(_ error: any Error) -> Response {
        switch error {
        case let error as MarathonHTTPError: return self.error(error)
        case let error as ControlPlaneError: return self.error(MarathonHTTPError(error))
        case let error as MarathonInputError:
            let (status, body) = error.response()
            return json(Array(body), status: status)
        case let error as LabelSelector.ParseError: return self.error(MarathonHTTPError(status: 422, message: error.message))
        default: return self.error(MarathonHTTPError(status: 500, message: "\(error)"))
        }
    }

    /// The status with its standard reason phrase.
    static func httpStatus(_ code: Int) -> HTTPResponse.Status {
        switch code {
        case 200: return .ok
        case 201: return .created
        case 202: return .accepted
        case 204: return .noContent
        case 302: return .found
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 406: return .notAcceptable
        case 409: return .conflict
        case 413: return .contentTooLarge
        case 422: return .unprocessableContent
        case 500: return .internalServerError
        case 502: return .badGateway
        case 503: return .serviceUnavailable
        default: return HTTPResponse.Status(code: code)
        }
    }
}

extension MarathonCall {
    /// Decodes the body as `T` with Marathon's answers for bad input: 400 for an empty or malformed
    /// body, 422 with Play-style codes for JSON of the wrong shape.
    func decodeBody<T: Decodable>(_ type: T.Type) async throws -> T {
        let data = try await jsonBody()
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw MarathonInputError(decodingError: error)
        }
    }

    /// The `Location` header value for a created resource: `http://<Host>/<path>`.
    func location(_ path: String) -> String {
        "http://\(host)\(path)"
    }
}
