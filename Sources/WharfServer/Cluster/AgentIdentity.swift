import Foundation

/// An agent's stable id, generated once and kept in `<dataDir>/agent-id`, so that a restarted agent
/// is the same node to the server and re-adopts its tasks. Two agents never share it as long as
/// they do not share a data dir (which `DataDirLock` prevents).
enum AgentIdentity {
    /// Why the id cannot be had.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The file holding the id.
    static func path(dataDir: String) -> String { dataDir + "/agent-id" }

    /// Reads the id kept in `dataDir`, or makes one (`agent-<uuid>`) and keeps it there.
    static func loadOrCreate(dataDir: String) throws -> String {
        let path = path(dataDir: dataDir)
        if FileManager.default.fileExists(atPath: path) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw Failure(description: "cannot read the agent id in \(path): \(error)")
            }
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard WireProtocol.isValidAgentId(id) else {
                throw Failure(description: "the agent id in \(path) is damaged ('\(id.prefix(40))'): restore it, or remove the "
                    + "file to join as a new node (the server then no longer knows this node's tasks and has them killed)")
            }
            return id
        }
        let id = "agent-" + UUID().uuidString.lowercased()
        do {
            try Data((id + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure(description: "cannot keep the agent id in \(path): \(error) (choose a writable --data-dir)")
        }
        return id
    }
}
