// Completion.swift — what Tab offers, as a pure function: from the text
// before the cursor and the completer's candidates (each the whole text after
// completion), the match list libedit's readline completion expects:
// element 0 replaces the text before the cursor (the candidates' common
// prefix), the rest are the names listed on a second Tab, each shown from its
// last word break as bash shows file names without their folder.

/// Caseless namespace for tab-completion decisions.
public enum Completion {
    /// Characters after which a listed candidate's rest is shown: word and
    /// path boundaries of kungfu's language.
    public static let wordBreaks: Set<Character> = [" ", "\t", "\"", "'", "/", "(", "[", "{", ",", "="]

    /// readline's match list for `textBeforeCursor`.
    ///
    /// - No candidate begins with the text: `["", ""]` (libedit beeps and
    ///   changes nothing).
    /// - One: `[candidate, candidate]` (libedit replaces the text with it).
    /// - Several: `[common prefix, names...]`, names sorted; libedit inserts
    ///   the common prefix (beeping if that adds nothing) and lists the names
    ///   on a second Tab.
    ///
    ///     readlineMatches(textBeforeCursor: "show ", candidates: ["show image ", "show activations "])
    ///     // ["show ", "activations", "image"]
    public static func readlineMatches(textBeforeCursor text: String, candidates: [String]) -> [String] {
        let matching = Array(Set(candidates.filter { $0.hasPrefix(text) })).sorted()
        guard let first = matching.first else { return ["", ""] }
        guard matching.count > 1 else { return [first, first] }
        let common = matching.dropFirst().reduce(first) { commonPrefix($0, $1) }
        let cut = common.lastIndex(where: { wordBreaks.contains($0) })
            .map { common.distance(from: common.startIndex, to: $0) + 1 } ?? 0
        let names = matching.map { String($0.dropFirst(cut)).trimmingTrailingSpaces() }
        return [common] + names
    }

    /// The longest common prefix of `a` and `b`, by characters.
    static func commonPrefix(_ a: String, _ b: String) -> String {
        var end = a.startIndex
        var other = b.startIndex
        while end < a.endIndex, other < b.endIndex, a[end] == b[other] {
            end = a.index(after: end)
            other = b.index(after: other)
        }
        return String(a[..<end])
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
