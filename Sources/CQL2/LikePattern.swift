/// A LIKE pattern (OGC 21-065 §7.5.2 `/req/advanced-comparison-operators/like-predicate`): `%`
/// any run of characters, `_` exactly one, `\` makes the next character literal. Characters are
/// Unicode scalars, as the standard's reference evaluators count them.
///
/// Matched by the two-pointer wildcard algorithm: on a mismatch it returns to the last `%` and
/// lets it take one more character, so a pattern of 5,000 `%` against a long name costs at most
/// pattern × text steps, never the exponential backtracking of a naive matcher or a regex.
package struct LikePattern: Sendable {
    private enum Token: Sendable, Equatable {
        case literal(Unicode.Scalar)
        case one
        case any
    }

    private let tokens: [Token]

    package init(_ pattern: String) {
        var tokens: [Token] = []
        var escaped = false
        for scalar in pattern.unicodeScalars {
            if escaped {
                tokens.append(.literal(scalar))
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "%" {
                // Runs of % are one %: the same language, fewer steps.
                if tokens.last != .any { tokens.append(.any) }
            } else if scalar == "_" {
                tokens.append(.one)
            } else {
                tokens.append(.literal(scalar))
            }
        }
        if escaped { tokens.append(.literal("\\")) }
        self.tokens = tokens
    }

    package func matches(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var t = 0, p = 0
        var star = -1, starText = 0
        while t < scalars.count {
            if p < tokens.count {
                switch tokens[p] {
                case .any:
                    star = p
                    starText = t
                    p += 1
                    continue
                case .one:
                    t += 1
                    p += 1
                    continue
                case .literal(let scalar) where scalar == scalars[t]:
                    t += 1
                    p += 1
                    continue
                default:
                    break
                }
            }
            guard star >= 0 else { return false }
            p = star + 1
            starText += 1
            t = starText
        }
        while p < tokens.count, tokens[p] == .any { p += 1 }
        return p == tokens.count
    }
}
