#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders `errno` values for messages and logs.
enum ErrorText {
    /// `strerror(code)` as a Swift string (`No such file or directory`).
    static func strerror(_ code: Int32) -> String {
        #if canImport(Glibc)
        return String(cString: Glibc.strerror(code))
        #else
        return String(cString: Darwin.strerror(code))
        #endif
    }
}
