import Foundation
import WharfModel

/// What this machine can offer to tasks when the operator did not say: online cores, physical
/// memory and the free space of the data directory's file system.
enum NodeCapacity {
    static func detect(dataDir: String, cpus: Double?, mem: Double?, disk: Double?) -> Resources {
        let detectedCpus = Double(ProcessInfo.processInfo.activeProcessorCount)
        let detectedMem = Double(ProcessInfo.processInfo.physicalMemory / (1024 * 1024))
        var detectedDisk = 0.0
        if let attributes = try? FileManager.default.attributesOfFileSystem(forPath: dataDir),
           let free = (attributes[.systemFreeSize] as? NSNumber)?.uint64Value {
            detectedDisk = Double(free / (1024 * 1024))
        }
        return Resources(cpus: cpus ?? detectedCpus, mem: mem ?? detectedMem, disk: disk ?? detectedDisk)
    }
}
