import Foundation

/// The highest leader epoch an agent has been welcomed or commanded with, kept on disk
/// (`<data-dir>/leader-epoch`) so that it survives agent restarts: a command of a lower epoch comes
/// from a leader that has been replaced, and is refused (fencing; see DESIGN.md, "HA").
final class EpochLedger: Sendable {
    private let path: String?
    private let highest: LockedValue<Int64>

    /// A ledger kept in `path` (nil: in memory only, for simulated agents). A missing file reads as
    /// epoch 0; an unreadable one is an error, so that the agent does not forget what it saw.
    init(path: String?) throws {
        self.path = path
        var stored: Int64 = 0
        if let path, FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let value = Int64(text), value >= 0 else {
                throw EpochLedgerError(path: path, reason: "it holds '\(text.prefix(40))', not an epoch")
            }
            stored = value
        }
        highest = LockedValue(stored)
    }

    /// The highest epoch seen.
    var current: Int64 { highest.withLock { $0 } }

    /// Takes note of `epoch`: false when it is lower than one seen before (the sender was replaced
    /// as leader). A higher one is written to disk before this returns true.
    func admit(_ epoch: Int64) throws -> Bool {
        try highest.withLock { highest in
            if epoch < highest { return false }
            if epoch > highest {
                if let path {
                    try Data("\(epoch)\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                }
                highest = epoch
            }
            return true
        }
    }
}

/// The epoch file cannot be read.
struct EpochLedgerError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String {
        "cannot read the leader epoch file \(path): \(reason); remove it only if no old server can still reach this agent"
    }
}
