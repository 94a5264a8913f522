import WharfModel

/// The host ports one agent hands to tasks: a bitmap over its port ranges marking the ones taken,
/// and a cursor that hands out free ports in amortised constant time.
///
/// Lives only for one `Scheduler.decide` call. A class so that the per-agent bitmaps are mutated in
/// place without copy-on-write traffic; it never leaves the call, so it needs no `Sendable`.
final class PortSpace {
    /// Sorted, merged, non-overlapping ranges.
    private let ranges: [PortRange]
    /// Offset of each range's first port in the flat numbering of all ranges.
    private let starts: [Int]
    /// Bit set = port taken. Padding bits beyond `total` are set so that they are never handed out.
    private var bits: [UInt64]
    /// Number of ports in all ranges.
    let total: Int
    /// Ports in the ranges not taken.
    private(set) var freeCount: Int
    /// Flat offset where the search for the next free port starts.
    private var cursor: Int

    /// Builds the space for `ranges`, marking `used` (ports outside the ranges are ignored), with the
    /// search starting at a pseudo-random offset derived from `startHint` so that agents do not all
    /// hand out the same first ports.
    init(ranges rawRanges: [PortRange], used: [Int], startHint: UInt64) {
        let ranges = PortSpace.normalise(rawRanges)
        var starts: [Int] = []
        starts.reserveCapacity(ranges.count)
        var total = 0
        for r in ranges {
            starts.append(total)
            total += r.count
        }
        self.ranges = ranges
        self.starts = starts
        self.total = total
        let words = (total + 63) / 64
        var bits = [UInt64](repeating: 0, count: words)
        if total % 64 != 0, words > 0 {
            bits[words - 1] = ~UInt64(0) << UInt64(total % 64)
        }
        self.bits = bits
        self.freeCount = total
        self.cursor = total > 0 ? Int(startHint % UInt64(total)) : 0
        for port in used { take(port) }
    }

    /// Sorts and merges ranges, clamped to 1...65535; drops empty ones.
    static func normalise(_ ranges: [PortRange]) -> [PortRange] {
        let clamped = ranges.compactMap { r -> PortRange? in
            let b = max(1, r.begin), e = min(65535, r.end)
            return b <= e ? PortRange(begin: b, end: e) : nil
        }.sorted { $0.begin < $1.begin }
        var merged: [PortRange] = []
        for r in clamped {
            if let last = merged.last, r.begin <= last.end + 1 {
                merged[merged.count - 1].end = max(last.end, r.end)
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    /// Flat offset of `port`, or nil when it lies outside the agent's ranges.
    private func offset(of port: Int) -> Int? {
        var lo = 0, hi = ranges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = ranges[mid]
            if port < r.begin { hi = mid - 1 } else if port > r.end { lo = mid + 1 } else {
                return starts[mid] + (port - r.begin)
            }
        }
        return nil
    }

    /// The port at flat offset `offset`.
    private func port(at offset: Int) -> Int {
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return ranges[lo].begin + (offset - starts[lo])
    }

    /// Whether `port` lies in the agent's ranges and is not taken.
    func isFree(_ port: Int) -> Bool {
        guard let o = offset(of: port) else { return false }
        return bits[o >> 6] & (1 << UInt64(o & 63)) == 0
    }

    /// Marks `port` as taken; ports outside the ranges and already taken ones are ignored.
    func take(_ port: Int) {
        guard let o = offset(of: port) else { return }
        let mask = UInt64(1) << UInt64(o & 63)
        if bits[o >> 6] & mask == 0 {
            bits[o >> 6] |= mask
            freeCount -= 1
        }
    }

    /// Takes and returns the next free port after the cursor (wrapping around), nil when none is left.
    func takeNextFree() -> Int? {
        guard freeCount > 0 else { return nil }
        let words = bits.count
        var w = cursor >> 6
        // Bits below the cursor in its first word are skipped on the first visit and seen on the wrap.
        var word = bits[w] | ((UInt64(1) << UInt64(cursor & 63)) &- 1)
        var visited = 0
        while visited <= words {
            if word != ~UInt64(0) {
                let bit = (~word).trailingZeroBitCount
                let o = (w << 6) + bit
                bits[w] |= UInt64(1) << UInt64(bit)
                freeCount -= 1
                cursor = o + 1 < total ? o + 1 : 0
                return port(at: o)
            }
            w += 1
            if w == words { w = 0 }
            word = bits[w]
            visited += 1
        }
        return nil
    }

    /// The free ports as merged ranges: what an offer of this agent's ports would list.
    func freeRanges() -> [PortRange] {
        var result: [PortRange] = []
        for (index, range) in ranges.enumerated() {
            let first = starts[index]
            let limit = first + range.count
            var o = first
            while o < limit {
                let free = nextOffset(from: o, taken: false, limit: limit)
                guard free < limit else { break }
                let taken = nextOffset(from: free, taken: true, limit: limit)
                result.append(PortRange(begin: range.begin + (free - first), end: range.begin + (taken - 1 - first)))
                o = taken
            }
        }
        return result
    }

    /// The first flat offset in `from..<limit` whose port is taken (or free, with `taken` false);
    /// `limit` when there is none. Scans a word at a time.
    private func nextOffset(from: Int, taken: Bool, limit: Int) -> Int {
        var o = from
        while o < limit {
            let w = o >> 6
            var word = taken ? bits[w] : ~bits[w]
            word &= ~UInt64(0) << UInt64(o & 63)
            if word != 0 { return min((w << 6) + word.trailingZeroBitCount, limit) }
            o = (w + 1) << 6
        }
        return limit
    }
}
