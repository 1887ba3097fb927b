// TextTable.swift — plain-text tables for command results: columns padded to
// their widest cell, numbers right-aligned, two spaces between columns, no
// trailing spaces. Readable in a terminal, a notebook and a log file. Cells
// are measured in terminal columns (`猫` takes two), not characters.

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
        let widths = headers.indices.map { c in ([headers[c]] + rows.map { $0[c] }).map(\.displayWidth).max() ?? 0 }
        func render(_ cells: [String]) -> String {
            var parts: [String] = []
            for (c, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - cell.displayWidth)
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

extension String {
    /// Terminal columns the text takes, as wcwidth(3) counts them: 2 for East
    /// Asian Wide and Fullwidth characters (CJK, kana, Hangul, fullwidth forms,
    /// most emoji), 0 for combining marks, zero-width characters and variation
    /// selectors, 1 for the rest.
    var displayWidth: Int {
        unicodeScalars.reduce(0) { $0 + Self.columns($1) }
    }

    private static func columns(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0xFE00...0xFE0F).contains(v) || v == 0x200B { return 0 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0, 0x23F3...0x23F3,
            0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F, 0x2693...0x2693, 0x26A1...0x26A1,
            0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA,
            0x26F2...0x26F3, 0x26F5...0x26F5, 0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B,
            0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
            0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55,
            0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF, 0x1F004...0x1F004, 0x1F0CF...0x1F0CF,
            0x1F18E...0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F, 0x1F680...0x1F6FF,
            0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
        ]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }
}
