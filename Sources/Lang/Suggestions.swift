// Suggestions.swift — "did you mean" by edit distance (optimal string
// alignment: insertions, deletions, substitutions and swaps of neighbours
// each cost 1, so 'predcit' is one step from 'predict').

public enum Suggestions {
    /// The candidate closest to `word`, if it is close enough: at most one
    /// edit for words up to 4 letters, two up to 8, three beyond. Ties go
    /// to the candidate listed first. Case differences count as edits, but
    /// a candidate equal to `word` ignoring case always wins.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        if let same = candidates.first(where: { $0.lowercased() == lowered && $0 != word }) { return same }
        let budget = budget(for: word)
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let d = distance(Array(word), Array(candidate), limit: budget)
            if d <= budget, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// How many edits still count as a typo of `word`.
    static func budget(for word: String) -> Int {
        word.count <= 4 ? 1 : word.count <= 8 ? 2 : 3
    }

    /// " (did you mean 'x'?)" or "".
    public static func hint(for word: String, among candidates: [String]) -> String {
        closest(to: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Optimal-string-alignment distance; stops early once every path costs more than `limit`.
    static func distance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMin = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d = min(d, previous2[j - 2] + 1)
                }
                current[j] = d
                rowMin = min(rowMin, d)
            }
            if rowMin > limit { return limit + 1 }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
