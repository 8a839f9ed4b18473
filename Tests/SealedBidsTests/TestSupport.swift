// Deterministic generators, so that a failing Shamir test can be rerun with the same coefficients.

/// SplitMix64 (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA 2014):
/// tiny, seedable, and good enough to vary test inputs. Not for keys.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Always the same 64 bits: makes every Shamir coefficient the same byte, for hand-worked examples.
struct ConstantGenerator: RandomNumberGenerator {
    let word: UInt64
    mutating func next() -> UInt64 { word }
}

/// All subsets of `elements` with exactly `size` members, in lexicographic order of positions.
func subsets<T>(of elements: [T], size: Int) -> [[T]] {
    guard size > 0 else { return [[]] }
    guard elements.count >= size else { return [] }
    var result: [[T]] = []
    for (i, first) in elements.enumerated() {
        for rest in subsets(of: Array(elements[(i + 1)...]), size: size - 1) {
            result.append([first] + rest)
        }
    }
    return result
}
