// TEMPORARY compile-check stub — remove once WharfServer.WharfDev exists.
import Logging
import WharfServer
enum WharfDev {
    static func run(configuration: ServerConfiguration, logger: Logger) async throws {}
}
