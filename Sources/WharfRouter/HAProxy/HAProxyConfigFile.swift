import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Replaces haproxy.cfg atomically: the text goes to a temporary file next to it, is optionally
/// validated there, and is renamed over the old file, so HAProxy never reads a half-written config.
public enum HAProxyConfigFile {
    /// The file's text, nil when it cannot be read.
    public static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// Writes `text` to `path` via `path.wharf-tmp`, after `validate(temporaryPath)` succeeds.
    public static func replace(
        _ path: String, with text: String, validate: ((String) async throws -> Void)? = nil
    ) async throws {
        let temporary = path + ".wharf-tmp"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            if let validate { try await validate(temporary) }
            guard rename(temporary, path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [
                    NSLocalizedDescriptionKey: "cannot replace \(path): \(String(cString: strerror(errno)))",
                ])
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
