import SealedBids
import XCTest

final class ShamirTests: XCTestCase {
    /// Worked by hand. With every coefficient {ca} and threshold 2, f(x) = {53} + {ca}·x:
    /// f(1) = {53}^{ca} = {99}; {ca}·{02} = {8f}, f(2) = {dc}; {ca}·{03} = {8f}^{ca} = {45}, f(3) = {16}.
    /// Back from x = 2 and 3: the Lagrange weights at 0 are 3/(2+3) = {03} and 2/(3+2) = {02}, and
    /// {dc}·{03} + {16}·{02} = {7f} + {2c} = {53}.
    func testHandWorkedSplitAndCombine() throws {
        var generator = ConstantGenerator(word: 0xCACA_CACA_CACA_CACA)
        let shares = try Shamir.split(secret: [0x53], threshold: 2, count: 3, using: &generator)
        XCTAssertEqual(shares, [
            ShamirShare(index: 1, bytes: [0x99]),
            ShamirShare(index: 2, bytes: [0xDC]),
            ShamirShare(index: 3, bytes: [0x16]),
        ])
        XCTAssertEqual(try Shamir.combine([ShamirShare(index: 2, bytes: [0xDC]), ShamirShare(index: 3, bytes: [0x16])]), [0x53])
        XCTAssertEqual(try Shamir.combine([ShamirShare(index: 3, bytes: [0x16]), ShamirShare(index: 1, bytes: [0x99])]), [0x53])
    }

    func testEveryThresholdSubsetOfThreeOfFiveRecovers() throws {
        var generator = SplitMix64(seed: 1979)
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let shares = try Shamir.split(secret: secret, threshold: 3, count: 5, using: &generator)
        XCTAssertEqual(shares.map(\.index), [1, 2, 3, 4, 5])
        XCTAssertTrue(shares.allSatisfy { $0.bytes.count == 32 })
        var tried = 0
        for size in 3...5 {
            for subset in subsets(of: shares, size: size) {
                XCTAssertEqual(try Shamir.combine(subset), secret, "\(subset.map(\.index))")
                XCTAssertEqual(try Shamir.combine(subset.reversed()), secret, "order should not matter")
                tried += 1
            }
        }
        XCTAssertEqual(tried, 10 + 5 + 1)
    }

    /// With k-1 shares the interpolated value is uniformly random and independent of the secret (Shamir
    /// 1979), so for a 32-byte secret it equals the secret with probability 2^-256: never, in practice.
    func testFewerThanThresholdSharesDoNotGiveTheSecret() throws {
        for seed in UInt64(0)..<200 {
            var generator = SplitMix64(seed: seed)
            let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let shares = try Shamir.split(secret: secret, threshold: 3, count: 5, using: &generator)
            for pair in subsets(of: shares, size: 2) {
                XCTAssertNotEqual(try Shamir.combine(pair), secret, "seed \(seed), \(pair.map(\.index))")
            }
            for single in shares {
                XCTAssertNotEqual(try Shamir.combine([single]), secret, "seed \(seed)")
            }
        }
    }

    func testSameSeedSameSharesDifferentSeedDifferentShares() throws {
        let secret = Array("the tender's private key".utf8)
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42), c = SplitMix64(seed: 43)
        let first = try Shamir.split(secret: secret, threshold: 2, count: 4, using: &a)
        XCTAssertEqual(first, try Shamir.split(secret: secret, threshold: 2, count: 4, using: &b))
        XCTAssertNotEqual(first, try Shamir.split(secret: secret, threshold: 2, count: 4, using: &c))
    }

    func testSystemGeneratorOverload() throws {
        let secret = [UInt8](repeating: 0xA5, count: 32)
        let first = try Shamir.split(secret: secret, threshold: 2, count: 3)
        let second = try Shamir.split(secret: secret, threshold: 2, count: 3)
        XCTAssertNotEqual(first, second, "fresh coefficients each time")
        XCTAssertEqual(try Shamir.combine(Array(first[1...])), secret)
        XCTAssertEqual(try Shamir.combine([second[0], second[2]]), secret)
    }

    func testLargestSplit() throws {
        var generator = SplitMix64(seed: 255)
        let secret: [UInt8] = [0, 1, 2, 0xFF]
        let shares = try Shamir.split(secret: secret, threshold: 255, count: 255, using: &generator)
        XCTAssertEqual(shares.count, 255)
        XCTAssertEqual(shares.last?.index, 255)
        XCTAssertEqual(try Shamir.combine(shares), secret)
        XCTAssertNotEqual(try Shamir.combine(Array(shares.dropFirst())), secret)
    }

    func testSplitRejections() {
        var generator = SplitMix64(seed: 0)
        func splitError(_ secret: [UInt8], _ threshold: Int, _ count: Int) -> ShamirError? {
            do {
                _ = try Shamir.split(secret: secret, threshold: threshold, count: count, using: &generator)
                return nil
            } catch { return error }
        }
        XCTAssertEqual(splitError([], 2, 3), .emptySecret)
        XCTAssertEqual(splitError([1], 1, 3), .thresholdTooSmall(1))
        XCTAssertEqual(splitError([1], 0, 3), .thresholdTooSmall(0))
        XCTAssertEqual(splitError([1], -2, 3), .thresholdTooSmall(-2))
        XCTAssertEqual(splitError([1], 4, 3), .thresholdExceedsCount(threshold: 4, count: 3))
        XCTAssertEqual(splitError([1], 2, 256), .tooManyShares(256))
        XCTAssertNil(splitError([1], 2, 2))
    }

    func testCombineRejections() {
        func combineError(_ shares: [ShamirShare]) -> ShamirError? {
            do {
                _ = try Shamir.combine(shares)
                return nil
            } catch { return error }
        }
        XCTAssertEqual(combineError([]), .noShares)
        XCTAssertEqual(combineError([ShamirShare(index: 1, bytes: []), ShamirShare(index: 2, bytes: [])]), .emptySecret)
        XCTAssertEqual(combineError([ShamirShare(index: 1, bytes: [1]), ShamirShare(index: 1, bytes: [2])]), .duplicateIndex(1))
        XCTAssertEqual(combineError([ShamirShare(index: 1, bytes: [1]), ShamirShare(index: 2, bytes: [1, 2])]), .lengthMismatch)
        XCTAssertEqual(combineError([ShamirShare(index: 0, bytes: [1]), ShamirShare(index: 2, bytes: [1])]), .zeroIndex)
        XCTAssertEqual(combineError([ShamirShare(index: 2, bytes: [1]), ShamirShare(index: 0, bytes: [1])]), .zeroIndex)
    }
}
