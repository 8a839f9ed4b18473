/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
/// a tiny, fast generator whose whole state is one seed, so a failing property test can print the
/// seed and be replayed exactly.
package struct SeededRandom: RandomNumberGenerator, Sendable {
    package let seed: UInt64
    private var state: UInt64

    package init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in the closed range.
    package mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        Double.random(in: range, using: &self)
    }

    /// A seed from `ZAMIN_SEED` if set, else `fallback`: re-run a failure with the printed seed.
    package static func seed(default fallback: UInt64) -> UInt64 {
        if let text = getenvString("ZAMIN_SEED"), let value = UInt64(text) { return value }
        return fallback
    }
}
