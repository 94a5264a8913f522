/// A small deterministic pseudo-random generator (Steele, Lea and Flood's SplitMix64).
///
/// The scheduler must not use system randomness: the same view and seed give the same decisions,
/// which keeps tests reproducible and lets a decision be explained after the fact.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) { self.state = seed }

    /// The next 64 pseudo-random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Mixes two values into one well-distributed 64-bit value (used to derive per-agent offsets).
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var g = SplitMix64(seed: a ^ (b &* 0xD6E8_FEB8_6659_FD93))
        return g.next()
    }
}
