/// Delays between an agent's attempts to reach a server: capped exponential backoff with full
/// jitter (each delay is drawn between half and all of the current step), so that agents cut off
/// together do not all knock again at the same moment when the server comes back.
struct ReconnectBackoff {
    /// The first step. Default 0.5 s.
    let initial: Double
    /// The largest step. Default 30 s.
    let maximum: Double
    private var step: Double

    init(initial: Double = 0.5, maximum: Double = 30) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.step = initial
    }

    /// The delay before the next attempt; doubles the step for the one after, up to the maximum.
    mutating func next<Random: RandomNumberGenerator>(using random: inout Random) -> Double {
        let delay = Double.random(in: (step / 2)...step, using: &random)
        step = min(maximum, step * 2)
        return delay
    }

    /// ``next(using:)`` with the system's generator.
    mutating func next() -> Double {
        var random = SystemRandomNumberGenerator()
        return next(using: &random)
    }

    /// Back to the first step, after a connection that was welcomed.
    mutating func reset() {
        step = initial
    }
}
