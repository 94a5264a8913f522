import Foundation

/// A point in time with millisecond precision, rendered as Marathon does: ISO-8601 UTC with
/// milliseconds (`2015-09-29T15:59:51.164Z`). Also used as the version id of app definitions.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var millis: Int64

    public init(millis: Int64) { self.millis = millis }

    public init(_ date: Date) { self.millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The current wall-clock time. Pure code (the scheduler) takes `now` as an input instead.
    public static func now() -> Timestamp { Timestamp(Date()) }

    /// Seconds since the epoch as a `Double`.
    public var seconds: Double { Double(millis) / 1000 }

    public var date: Date { Date(timeIntervalSince1970: seconds) }

    /// Adds `seconds` (may be fractional or negative).
    /// Saturates at the representable range instead of trapping.
    public func adding(seconds: Double) -> Timestamp {
        let delta = (seconds * 1000).rounded()
        guard delta.isFinite, abs(delta) < 9.0e15 else {
            return Timestamp(millis: delta > 0 ? Int64.max / 2 : Int64.min / 2)
        }
        let (sum, overflow) = millis.addingReportingOverflow(Int64(delta))
        return overflow ? Timestamp(millis: delta > 0 ? Int64.max / 2 : Int64.min / 2) : Timestamp(millis: sum)
    }

    /// Seconds from `other` to `self`.
    public func seconds(since other: Timestamp) -> Double { Double(millis - other.millis) / 1000 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.millis < rhs.millis }

    public var description: String { iso8601 }

    /// The UTC calendar date and time of day (proleptic Gregorian).
    public struct Components: Hashable, Sendable {
        public var year, month, day, hour, minute, second, millisecond: Int64
    }

    /// Splits the timestamp into UTC date and time fields (Howard Hinnant's civil-from-days).
    public var components: Components {
        var days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        let msOfDay = millis - days * 86_400_000
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return Components(year: year, month: month, day: day, hour: msOfDay / 3_600_000,
                          minute: (msOfDay / 60_000) % 60, second: (msOfDay / 1000) % 60, millisecond: msOfDay % 1000)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var iso8601: String {
        let c = components
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(c.millisecond, 3))Z"
    }

    /// Parses ISO-8601 timestamps as Marathon writes them, with or without fractional seconds,
    /// with `Z` or a numeric offset. Returns nil for anything else.
    public init?(iso8601 text: String) {
        let b = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int64? {
            guard from + len <= b.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + len) {
                let c = b[i]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            return v
        }
        guard b.count >= 19, b[4] == 0x2d, b[7] == 0x2d, b[10] == 0x54 || b[10] == 0x74, b[13] == 0x3a, b[16] == 0x3a,
              let year = num(0, 4), let month = num(5, 2), let day = num(8, 2),
              let hour = num(11, 2), let minute = num(14, 2), let second = num(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if i < b.count, b[i] == 0x2e {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 3 { fraction = fraction * 10 + Int64(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            // Milliseconds: shorter fractions are scaled up, longer ones were cut above.
            if digits < 3 {
                for _ in digits..<3 { fraction *= 10 }
            }
        }
        var offsetMinutes: Int64 = 0
        if i < b.count, b[i] == 0x5a || b[i] == 0x7a {
            i += 1
        } else if i < b.count, b[i] == 0x2b || b[i] == 0x2d {
            let sign: Int64 = b[i] == 0x2d ? -1 : 1
            guard let oh = num(i + 1, 2) else { return nil }
            var j = i + 3
            if j < b.count, b[j] == 0x3a { j += 1 }
            guard let om = num(j, 2) else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
            i = j + 2
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days-from-civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        self.millis = secs * 1000 + fraction
    }
}

extension Timestamp: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO-8601 timestamp: \(text)")
        }
        self = parsed
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}
