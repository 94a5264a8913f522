import Foundation
import WharfModel

/// What this machine can offer to tasks when the operator did not say: online cores, physical
/// memory and the free space of the data directory's file system.
enum NodeCapacity {
    static func detect(dataDir: String, cpus: Double?, mem: Double?, disk: Double?) -> Resources {
        let detectedCpus = Double(ProcessInfo.processInfo.activeProcessorCount)
        let detectedMem = Double(ProcessInfo.processInfo.physicalMemory / (1024 * 1024))
        var detectedDisk = 0.0
        var fs = statfs()
        if statfs(dataDir, &fs) == 0 {
            detectedDisk = Double(UInt64(fs.f_bavail) * UInt64(fs.f_bsize) / (1024 * 1024))
        }
        return Resources(cpus: cpus ?? detectedCpus, mem: mem ?? detectedMem, disk: disk ?? detectedDisk)
    }
}
