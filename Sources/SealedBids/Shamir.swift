// Shamir secret sharing over GF(2^8).
//
// A. Shamir, "How to Share a Secret", Communications of the ACM 22(11), 1979: a secret s is the constant
// term of a random polynomial f of degree k-1; share i is the point (i, f(i)); any k points fix f and so
// f(0) = s by Lagrange interpolation, while any k-1 points are consistent with every possible s, so they
// tell nothing about it. Here the field is GF(2^8) and every byte of the secret gets its own polynomial,
// so a share is as long as the secret and its x-coordinate (the index) is 1...255.

/// Arithmetic in GF(2^8) with the AES reduction polynomial x^8 + x^4 + x^3 + x + 1 (0x11B),
/// FIPS-197 section 4.2. Addition is XOR.
///
/// Multiplication is the shift-and-add ("Russian peasant") method with masks in place of branches and
/// no table look-ups, so its running time and memory accesses do not depend on the secret bytes it
/// multiplies (log/exp tables would index memory by secret values, a cache-timing channel).
package enum GF256 {
    /// The product a·b in GF(2^8).
    @inline(__always)
    package static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a
        var b = b
        var product: UInt8 = 0
        for _ in 0..<8 {
            // Add a when the low bit of b is set: the mask is 0xFF or 0x00.
            product ^= a & (0 &- (b & 1))
            // a·x, reduced: if the top bit falls off, add x^8 = x^4 + x^3 + x + 1 (0x1B).
            let carry = 0 &- (a >> 7)
            a = (a << 1) ^ (0x1B & carry)
            b >>= 1
        }
        return product
    }

    /// The multiplicative inverse of a, computed as a^254 (the multiplicative group has order 255,
    /// so a^254 · a = 1); 0 maps to 0, as in the AES S-box. A fixed chain of squarings and
    /// multiplications, again with no secret-dependent branches.
    package static func inverse(_ a: UInt8) -> UInt8 {
        // 254 = 0b11111110: a^254 = a^2 · a^4 · a^8 · ... · a^128.
        var square = multiply(a, a)  // a^2
        var result = square
        for _ in 0..<6 {
            square = multiply(square, square)  // a^4, a^8, ..., a^128
            result = multiply(result, square)
        }
        return result
    }
}

/// One participant's share: the x-coordinate `index` (1...255) and, per byte of the secret,
/// the y-coordinate f(index).
package struct ShamirShare: Sendable, Hashable {
    package let index: UInt8
    package let bytes: [UInt8]

    package init(index: UInt8, bytes: [UInt8]) {
        self.index = index
        self.bytes = bytes
    }
}

package enum ShamirError: Error, Sendable, Hashable {
    /// A threshold of 1 would make every share equal to the secret.
    case thresholdTooSmall(Int)
    case thresholdExceedsCount(threshold: Int, count: Int)
    /// GF(2^8) has only 255 non-zero x-coordinates.
    case tooManyShares(Int)
    case emptySecret
    case noShares
    case duplicateIndex(UInt8)
    case lengthMismatch
    /// x = 0 is where the secret itself lives; a share there would be the secret.
    case zeroIndex
}

package enum Shamir {
    /// Splits `secret` into `count` shares of which any `threshold` recover it.
    ///
    /// Coefficients 1...k-1 of each byte's polynomial are drawn uniformly from `generator`, zero
    /// included: forcing the leading coefficient to be non-zero would make the distribution of
    /// shares depend on the secret. The generator must be cryptographically secure in production
    /// (the overload without it uses `SystemRandomNumberGenerator`); tests pass a seeded one.
    package static func split(
        secret: [UInt8], threshold: Int, count: Int,
        using generator: inout some RandomNumberGenerator
    ) throws(ShamirError) -> [ShamirShare] {
        guard !secret.isEmpty else { throw .emptySecret }
        guard threshold >= 2 else { throw .thresholdTooSmall(threshold) }
        guard count <= 255 else { throw .tooManyShares(count) }
        guard threshold <= count else { throw .thresholdExceedsCount(threshold: threshold, count: count) }

        // coefficients[j * degree + (d - 1)] is the coefficient of x^d for secret byte j.
        let degree = threshold - 1
        var coefficients = randomBytes(secret.count * degree, using: &generator)
        defer {
            // Best effort: the coefficients determine the secret together with any one share.
            for i in coefficients.indices { coefficients[i] = 0 }
        }

        var shares: [ShamirShare] = []
        shares.reserveCapacity(count)
        for x in 1...UInt8(count) {
            var ys = [UInt8](repeating: 0, count: secret.count)
            for j in secret.indices {
                // Horner's rule from the highest coefficient down: f(x) = (...(a_{k-1}·x + a_{k-2})·x ...)·x + s.
                var y: UInt8 = 0
                for d in stride(from: degree, through: 1, by: -1) {
                    y = GF256.multiply(y, x) ^ coefficients[j * degree + (d - 1)]
                }
                ys[j] = GF256.multiply(y, x) ^ secret[j]
            }
            shares.append(ShamirShare(index: x, bytes: ys))
        }
        return shares
    }

    /// `split` with the system's cryptographically secure generator.
    package static func split(secret: [UInt8], threshold: Int, count: Int) throws(ShamirError) -> [ShamirShare] {
        var generator = SystemRandomNumberGenerator()
        return try split(secret: secret, threshold: threshold, count: count, using: &generator)
    }

    /// Interpolates f(0) byte by byte from the given points (Lagrange):
    /// s = Σ_i y_i · Π_{j≠i} x_j / (x_j − x_i), where − is XOR in GF(2^8).
    ///
    /// With at least `threshold` consistent shares this is the secret; with fewer it is a value that
    /// says nothing about the secret, and nothing here can tell the two apart: the caller checks the
    /// result (TenderKeyCeremony compares the recovered key's public key).
    package static func combine(_ shares: [ShamirShare]) throws(ShamirError) -> [UInt8] {
        guard let length = shares.first?.bytes.count else { throw .noShares }
        guard length > 0 else { throw .emptySecret }
        var seen = Set<UInt8>()
        for share in shares {
            guard share.index != 0 else { throw .zeroIndex }
            guard seen.insert(share.index).inserted else { throw .duplicateIndex(share.index) }
            guard share.bytes.count == length else { throw .lengthMismatch }
        }

        // The Lagrange basis values at 0 depend only on the indices (public), so compute them once.
        let basis: [UInt8] = shares.indices.map { i in
            var numerator: UInt8 = 1
            var denominator: UInt8 = 1
            for j in shares.indices where j != i {
                numerator = GF256.multiply(numerator, shares[j].index)
                denominator = GF256.multiply(denominator, shares[j].index ^ shares[i].index)
            }
            return GF256.multiply(numerator, GF256.inverse(denominator))
        }

        var secret = [UInt8](repeating: 0, count: length)
        for (i, share) in shares.enumerated() {
            for j in 0..<length {
                secret[j] ^= GF256.multiply(share.bytes[j], basis[i])
            }
        }
        return secret
    }

    /// `count` bytes from `generator`, eight at a time (little-endian) from each 64-bit output.
    private static func randomBytes(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            var word = generator.next()
            for _ in 0..<min(8, count - bytes.count) {
                bytes.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return bytes
    }
}
