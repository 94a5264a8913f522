import Foundation
import Glibc
import Testing
@testable import WharfAgent

/// A task's output kept as rotated files: offsets continue across rotations, restarts of the
/// writer and a rotation cut short by a crash; reads across files return exactly what was written.
@Suite("Task log files")
struct LogFilesTests {
    /// Bytes 0, 1, 2, … (mod 251, so no two nearby slices look alike), without newlines.
    static func stream(_ range: Range<Int>) -> [UInt8] {
        range.map { UInt8($0 % 251) }
    }

    @Test("rotation keeps at most maxFiles files and continuous offsets; reads across files return what was written")
    func rotationAndReads() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try LogWriter(directory: dir.path, name: "stdout", rotation: LogRotation(maxFileBytes: 100, maxFiles: 3))
        var written = 0
        for size in [7, 93, 1, 250, 13, 0, 99, 101, 37] {
            try writer.append(Self.stream(written..<(written + size)))
            written += size
        }
        #expect(writer.end == Int64(written))

        let layout = LogFiles.layout(directory: dir.path, name: "stdout")
        #expect(layout.end == Int64(written))
        #expect(layout.files.count == 3)
        #expect(layout.files.allSatisfy { $0.size <= 100 })
        for (older, newer) in zip(layout.files, layout.files.dropFirst()) {
            #expect(older.end == newer.start, "offsets continue from \(older.path) to \(newer.path)")
        }
        #expect(layout.start == Int64(written) - layout.files.reduce(0) { $0 + $1.size })

        // Everything kept, from the oldest byte; a reader asking for less than that is clamped.
        let all = LogFiles.read(directory: dir.path, name: "stdout", from: 0, limit: 10_000)
        #expect(all.start == layout.start)
        #expect(all.next == Int64(written))
        #expect(all.bytes == Self.stream(Int(layout.start)..<written))

        // A slice spanning a rotation boundary.
        let boundary = layout.files[1].start
        let slice = LogFiles.read(directory: dir.path, name: "stdout", from: boundary - 10, limit: 25)
        #expect(slice.start == boundary - 10 && slice.next == boundary + 15)
        #expect(slice.bytes == Self.stream(Int(boundary - 10)..<Int(boundary + 15)))

        // At the end: nothing yet, and the offset to wait at.
        let tail = LogFiles.read(directory: dir.path, name: "stdout", from: Int64(written), limit: 10)
        #expect(tail.bytes.isEmpty && tail.next == Int64(written))
    }

    @Test("a new writer on the same files (an agent restarted) continues the offsets")
    func reopenContinues() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let rotation = LogRotation(maxFileBytes: 64, maxFiles: 4)
        try LogWriter(directory: dir.path, name: "stderr", rotation: rotation).append(Self.stream(0..<150))
        let again = try LogWriter(directory: dir.path, name: "stderr", rotation: rotation)
        #expect(again.end == 150)
        try again.append(Self.stream(150..<200))
        let read = LogFiles.read(directory: dir.path, name: "stderr", from: 0, limit: 1_000)
        #expect(read.start == 0 && read.next == 200)
        #expect(read.bytes == Self.stream(0..<200))
    }

    @Test("a rotation cut short after renaming the active file is recognised by the recorded inode")
    func interruptedRotation() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let rotation = LogRotation(maxFileBytes: 50, maxFiles: 3)
        try LogWriter(directory: dir.path, name: "stdout", rotation: rotation).append(Self.stream(0..<80))
        // As if the agent died right after `NAME` became `NAME.1`, before the record was rewritten.
        let active = LogFiles.path(dir.path, "stdout", generation: 0)
        try FileManager.default.moveItem(atPath: LogFiles.path(dir.path, "stdout", generation: 1),
                                         toPath: LogFiles.path(dir.path, "stdout", generation: 2))
        try FileManager.default.moveItem(atPath: active, toPath: LogFiles.path(dir.path, "stdout", generation: 1))
        #expect(LogFiles.layout(directory: dir.path, name: "stdout").end == 80)

        let writer = try LogWriter(directory: dir.path, name: "stdout", rotation: rotation)
        #expect(writer.end == 80)
        try writer.append(Self.stream(80..<120))
        let read = LogFiles.read(directory: dir.path, name: "stdout", from: 0, limit: 1_000)
        #expect(read.start == 0 && read.next == 120)
        #expect(read.bytes == Self.stream(0..<120))
    }

    @Test("one file only: a rotation starts it anew, offsets still continue")
    func singleFile() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try LogWriter(directory: dir.path, name: "stdout", rotation: LogRotation(maxFileBytes: 10, maxFiles: 1))
        try writer.append(Self.stream(0..<25))
        let layout = LogFiles.layout(directory: dir.path, name: "stdout")
        #expect(layout.files.count == 1)
        #expect(layout.start == 20 && layout.end == 25)
        #expect(LogFiles.read(directory: dir.path, name: "stdout", from: 3, limit: 100).bytes == Self.stream(20..<25))
        #expect(!FileManager.default.fileExists(atPath: LogFiles.path(dir.path, "stdout", generation: 1)))
    }

    @Test("reads while a writer rotates underneath return bytes at the offsets they claim")
    func readsDuringRotation() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try LogWriter(directory: dir.path, name: "stdout", rotation: LogRotation(maxFileBytes: 97, maxFiles: 5))
        let path = dir.path
        let reader = Task.detached {
            var checked = 0
            for _ in 0..<2_000 {
                let read = LogFiles.read(directory: path, name: "stdout", from: 0, limit: 300)
                if read.bytes != Self.stream(Int(read.start)..<Int(read.next)) { return -1 }
                checked += read.bytes.count
            }
            return checked
        }
        for start in stride(from: 0, to: 30_000, by: 13) {
            try writer.append(Self.stream(start..<(start + 13)))
        }
        let checked = await reader.value
        #expect(checked > 0, "a read returned bytes that are not the stream's at its offsets (-1), or none were read")
    }

    @Test("the last N lines start after the N-th newline from the end, across rotated files")
    func tail() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try LogWriter(directory: dir.path, name: "stdout", rotation: LogRotation(maxFileBytes: 16, maxFiles: 6))
        let text = (1...20).map { "line \($0)\n" }.joined()
        try writer.append(Array(text.utf8))
        func tail(_ n: Int, block: Int = 5) -> String {
            let start = LogFiles.tailStart(directory: dir.path, name: "stdout", lines: n, block: block)
            let read = LogFiles.read(directory: dir.path, name: "stdout", from: start, limit: 10_000)
            return String(decoding: read.bytes, as: UTF8.self)
        }
        #expect(tail(1) == "line 20\n")
        #expect(tail(3) == "line 18\nline 19\nline 20\n")
        #expect(tail(0).isEmpty)
        // Only what is kept (6 files of 16 bytes of 151): fewer lines than asked for.
        let kept = LogFiles.layout(directory: dir.path, name: "stdout")
        #expect(kept.start > 0)
        #expect(tail(1_000, block: 64 * 1024) == String(text.utf8.dropFirst(Int(kept.start)))!)
        // A last line without a newline counts as a line.
        try writer.append(Array("partial".utf8))
        #expect(tail(2) == "line 20\npartial")
    }
}
