import Testing
@testable import WharfModel

/// Timestamps with any number of fraction digits: found by fuzzing `/openapi.json`, where a version
/// with microseconds in a path crashed the server.
@Suite("Timestamp fractions", .timeLimit(.minutes(1)))
struct TimestampFractionTests {
    @Test("more than three fraction digits are cut to milliseconds, fewer are scaled up", arguments: [
        ("2015-09-29T15:59:51.164Z", "2015-09-29T15:59:51.164Z"),
        ("2015-09-29T15:59:51.1Z", "2015-09-29T15:59:51.100Z"),
        ("2015-09-29T15:59:51.16Z", "2015-09-29T15:59:51.160Z"),
        ("2015-09-29T15:59:51.1649Z", "2015-09-29T15:59:51.164Z"),
        ("2015-09-29T15:59:51.164999999Z", "2015-09-29T15:59:51.164Z"),
        ("1722-08-27T04:37:59.282102+20:10", "1722-08-26T08:27:59.282Z"),
    ])
    func fractions(input: String, expected: String) {
        #expect(Timestamp(iso8601: input)?.iso8601 == expected)
    }
}
