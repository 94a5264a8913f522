import AsyncHTTPClient
import NIOCore
import NIOPosix

/// What one attempt of a health check found.
enum ProbeOutcome: Hashable, Sendable {
    /// The check passed.
    case success
    /// The check failed; the cause is a short text (`connection refused`, `HTTP 503`,
    /// `timed out after 2s`, `exit code 1: <last output line>`).
    case failure(String)
    /// The answer counts neither way (an HTTP 1xx with `ignoreHttp1xx`): the result stays as it is.
    case ignored
}

/// Why a probe failed, as the short text reported in `lastFailureCause`.
struct ProbeFailure: Error, Hashable, Sendable, CustomStringConvertible {
    var cause: String

    init(_ cause: String) {
        self.cause = cause
    }

    var description: String { cause }

    /// `timed out after 2s`.
    static func timedOut(after timeout: Duration) -> ProbeFailure {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let text = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        return ProbeFailure("timed out after \(text)s")
    }

    /// A short cause for an error thrown by a network probe (AsyncHTTPClient or NIO): system errors
    /// as `strerror` in lower case (`connection refused`), every kind of time-out as
    /// ``timedOut(after:)``.
    static func describing(_ error: any Error, timeout: Duration) -> ProbeFailure {
        if let failure = error as? ProbeFailure { return failure }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .cancelled:
                return timedOut(after: timeout)
            case .remoteConnectionClosed:
                return ProbeFailure("connection closed without a response")
            default:
                return ProbeFailure("\(error)")
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError == nil, error.dnsAAAAError == nil {
                return timedOut(after: timeout)
            }
            if let first = error.connectionErrors.first { return describing(first.error, timeout: timeout) }
            return ProbeFailure("cannot resolve \(error.host)")
        }
        if let error = error as? IOError {
            return ProbeFailure(ErrorText.strerror(error.errnoCode).lowercased())
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return timedOut(after: timeout)
        }
        return ProbeFailure("\(error)")
    }
}
