// TextTable.swift — plain-text tables for command results: columns padded to
// their widest cell, numbers right-aligned, two spaces between columns, no
// trailing spaces. Readable in a terminal, a notebook and a log file.

/// A plain-text table with a header row and a dashed rule under it.
struct TextTable {
    /// How a column aligns its cells.
    enum Alignment { case left, right }

    var headers: [String]
    var alignments: [Alignment]
    var rows: [[String]] = []

    init(_ headers: [String], alignments: [Alignment]) {
        precondition(headers.count == alignments.count, "TextTable: \(headers.count) headers, \(alignments.count) alignments")
        self.headers = headers
        self.alignments = alignments
    }

    mutating func append(_ row: [String]) {
        precondition(row.count == headers.count, "TextTable: row of \(row.count) cells, \(headers.count) columns")
        rows.append(row)
    }

    /// The lines: header, rule, rows.
    var lines: [String] {
        let widths = headers.indices.map { c in ([headers[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func render(_ cells: [String]) -> String {
            var parts: [String] = []
            for (c, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                parts.append(alignments[c] == .right ? pad + cell : cell + pad)
            }
            return String(parts.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed())
        }
        return [render(headers), render(widths.map { String(repeating: "-", count: $0) })] + rows.map(render)
    }

    var text: String { lines.joined(separator: "\n") }
}

/// Formats numbers the way results show them.
enum Format {
    /// 23851784 → "23,851,784".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return n < 0 ? "-" + out : out
    }

    /// 0.4512 → "45.12%".
    static func percent(_ p: Double) -> String {
        guard p.isFinite else { return "nan%" }
        let hundredths = (p * 10000).rounded()
        let whole = Int(hundredths) / 100, fraction = abs(Int(hundredths)) % 100
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)%"
    }

    /// Seconds with two decimals: "1.23 s".
    static func seconds(_ s: Double) -> String {
        let hundredths = Int((s * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
    }

    /// A shape without its batch axis as Keras prints it: [17, 17, 768] → "(None, 17, 17, 768)".
    static func kerasShape(_ shape: [Int]) -> String {
        "(" + (["None"] + shape.map(String.init)).joined(separator: ", ") + ")"
    }

    /// A shape as numpy prints it: [1, 2048] → "(1, 2048)".
    static func shape(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    }
}
