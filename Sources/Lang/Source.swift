// Source.swift — a named source text and the spans that point into it.
// Offsets, columns and lengths count Unicode scalars; lines and columns are
// 1-based. A "\r\n" line ending counts as one line break.

/// Where a diagnostic or an event happened: source name, line and column.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The source name given to `run(source:name:)` (a file path or "<input>").
    public var source: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int

    /// A location in `source` at `line`:`column`.
    public init(source: String, line: Int, column: Int) {
        self.source = source
        self.line = line
        self.column = column
    }

    /// `name:line:column`, as in the ` --> ` line of a rendered diagnostic.
    public var description: String { "\(source):\(line):\(column)" }
}

/// A run of source text: where it starts and how many scalars it covers.
struct SourceSpan: Sendable, Hashable {
    var offset: Int
    var length: Int
    var line: Int
    var column: Int

    /// The span from the start of `self` to the end of `other`.
    func through(_ other: SourceSpan) -> SourceSpan {
        let end = max(offset + length, other.offset + other.length)
        return SourceSpan(offset: offset, length: end - offset, line: line, column: column)
    }
}

/// A source text with its name, split into scalars and lines once.
final class SourceFile: Sendable {
    let name: String
    let scalars: [Unicode.Scalar]
    /// Offset of the first scalar of each line.
    let lineStarts: [Int]

    init(name: String, text: String) {
        self.name = name
        let scalars = Array(text.unicodeScalars)
        var starts = [0]
        for (i, c) in scalars.enumerated() where c == "\n" { starts.append(i + 1) }
        self.scalars = scalars
        self.lineStarts = starts
    }

    /// The text of 1-based `line`, without its line break.
    func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : scalars.count
        if end > start, scalars[end - 1] == "\r" { end -= 1 }
        return Self.string(scalars[start..<end])
    }

    /// The source text a span covers.
    func text(_ span: SourceSpan) -> String {
        let start = min(max(span.offset, 0), scalars.count)
        let end = min(start + max(span.length, 0), scalars.count)
        return Self.string(scalars[start..<end])
    }

    /// Line and column of a scalar offset (the end of the text is allowed).
    func position(ofOffset offset: Int) -> (line: Int, column: Int) {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return (lo + 1, offset - lineStarts[lo] + 1)
    }

    /// A zero-length span right after the last non-blank scalar: where an
    /// "unexpected end of input" points, so the caret lands on a visible line.
    func endSpan() -> SourceSpan {
        var end = scalars.count
        while end > 0, scalars[end - 1].properties.isWhitespace { end -= 1 }
        let (line, column) = position(ofOffset: end)
        return SourceSpan(offset: end, length: 0, line: line, column: column)
    }

    /// The location of a span in this file.
    func location(_ span: SourceSpan) -> SourceLocation {
        SourceLocation(source: name, line: span.line, column: span.column)
    }

    static func string<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars)
        return s
    }
}
