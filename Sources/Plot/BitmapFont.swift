// BitmapFont.swift — a 5×7 pixel font for captions drawn into `Image`s, so
// pictures can say what they show without a font library. Glyphs cover the
// digits, the letters (lowercase is drawn with the capital glyphs unless the
// caller asks for the lowercase set) and the punctuation captions use; any
// other character draws as '?'. Each glyph is 7 rows of 5 pixels, top row
// first (lowercase descenders add 2 rows below); the advance is 6 pixels.
// Text can also be drawn turned a quarter turn, reading bottom to top.
import Vision

/// A tiny fixed-width bitmap font, scalable by whole pixels.
///
///     var canvas = Canvas(width: 100, height: 20, fill: (0, 0, 0))
///     BitmapFont.draw("MIXED5", on: &canvas, x: 2, y: 2, scale: 2, colour: (255, 255, 255))
public enum BitmapFont {
    /// Pixels per glyph row.
    public static let glyphWidth = 5
    /// Rows per glyph.
    public static let glyphHeight = 7
    /// Horizontal distance from one character to the next, in unscaled pixels.
    public static let advance = 6
    /// Rows below the 7 that the lowercase descenders (g j p q y) reach.
    public static let descender = 2

    /// The rows of `character`'s glyph (bit 4 is the leftmost pixel), or the
    /// '?' glyph for a character the font does not have.
    /// With `lowercase`, a lowercase letter a…z has its own glyph (x-height 5
    /// rows; g j p q y have `descender` more rows below the 7); otherwise it
    /// is drawn as its capital.
    public static func rows(of character: Character, lowercase: Bool = false) -> [UInt8] {
        if lowercase, let small = lowercaseGlyphs[character] { return small }
        let key = character.isLowercase ? Character(character.uppercased()) : character
        return glyphs[key] ?? glyphs["?"]!
    }

    /// True when the font has its own glyph for `character` (any case).
    public static func hasGlyph(_ character: Character) -> Bool {
        glyphs[character.isLowercase ? Character(character.uppercased()) : character] != nil
    }

    /// The width in pixels of `text` drawn at `scale` (no trailing blank column).
    public static func width(of text: String, scale: Int = 1) -> Int {
        precondition(scale > 0, "BitmapFont.width: scale must be positive, got \(scale)")
        guard !text.isEmpty else { return 0 }
        return (text.count * advance - 1) * scale
    }

    /// Draws `text` with its top-left corner at (x, y); pixels outside the
    /// canvas are clipped.
    public static func draw(_ text: String, on canvas: inout Canvas, x: Int, y: Int, scale: Int = 1,
                            colour: (UInt8, UInt8, UInt8), lowercase: Bool = false) {
        precondition(scale > 0, "BitmapFont.draw: scale must be positive, got \(scale)")
        for (i, character) in text.enumerated() {
            let rows = rows(of: character, lowercase: lowercase)
            let left = x + i * advance * scale
            for (row, bits) in rows.enumerated() {
                for column in 0..<glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                    canvas.fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale,
                                colour: colour)
                }
            }
        }
    }

    /// Draws `text` turned a quarter turn anticlockwise, so it reads bottom to
    /// top (a vertical axis title). (x, y) is the top-left corner of its
    /// bounding box, which is `glyphHeight * scale` wide and
    /// `width(of: text, scale:)` tall; the first character is at the bottom.
    public static func drawRotated(_ text: String, on canvas: inout Canvas, x: Int, y: Int, scale: Int = 1,
                                   colour: (UInt8, UInt8, UInt8), lowercase: Bool = false) {
        precondition(scale > 0, "BitmapFont.drawRotated: scale must be positive, got \(scale)")
        let length = width(of: text, scale: 1)   // unscaled extent along the text
        for (i, character) in text.enumerated() {
            for (row, bits) in rows(of: character, lowercase: lowercase).enumerated() {
                for column in 0..<glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                    // Text pixel (i·advance + column, row) → canvas (row, length − 1 − along).
                    let along = i * advance + column
                    canvas.fill(x: x + row * scale, y: y + (length - 1 - along) * scale, width: scale, height: scale,
                                colour: colour)
                }
            }
        }
    }

    /// Parses "01110 10001 …" (7 groups of 5, or 9 for a lowercase
    /// descender) into row bits.
    private static func glyph(_ pattern: String) -> [UInt8] {
        let rows = pattern.split(separator: " ").map { UInt8($0, radix: 2)! }
        precondition(rows.count == glyphHeight || rows.count == glyphHeight + descender,
                     "BitmapFont: glyph '\(pattern)' has \(rows.count) rows")
        return rows
    }

    private static let glyphs: [Character: [UInt8]] = {
        let table: [Character: String] = [
            " ": "00000 00000 00000 00000 00000 00000 00000",
            "0": "01110 10001 10011 10101 11001 10001 01110",
            "1": "00100 01100 00100 00100 00100 00100 01110",
            "2": "01110 10001 00001 00010 00100 01000 11111",
            "3": "11111 00010 00100 00010 00001 10001 01110",
            "4": "00010 00110 01010 10010 11111 00010 00010",
            "5": "11111 10000 11110 00001 00001 10001 01110",
            "6": "00110 01000 10000 11110 10001 10001 01110",
            "7": "11111 00001 00010 00100 01000 01000 01000",
            "8": "01110 10001 10001 01110 10001 10001 01110",
            "9": "01110 10001 10001 01111 00001 00010 01100",
            "A": "01110 10001 10001 11111 10001 10001 10001",
            "B": "11110 10001 10001 11110 10001 10001 11110",
            "C": "01110 10001 10000 10000 10000 10001 01110",
            "D": "11100 10010 10001 10001 10001 10010 11100",
            "E": "11111 10000 10000 11110 10000 10000 11111",
            "F": "11111 10000 10000 11110 10000 10000 10000",
            "G": "01110 10001 10000 10111 10001 10001 01111",
            "H": "10001 10001 10001 11111 10001 10001 10001",
            "I": "01110 00100 00100 00100 00100 00100 01110",
            "J": "00111 00010 00010 00010 00010 10010 01100",
            "K": "10001 10010 10100 11000 10100 10010 10001",
            "L": "10000 10000 10000 10000 10000 10000 11111",
            "M": "10001 11011 10101 10101 10001 10001 10001",
            "N": "10001 10001 11001 10101 10011 10001 10001",
            "O": "01110 10001 10001 10001 10001 10001 01110",
            "P": "11110 10001 10001 11110 10000 10000 10000",
            "Q": "01110 10001 10001 10001 10101 10010 01101",
            "R": "11110 10001 10001 11110 10100 10010 10001",
            "S": "01111 10000 10000 01110 00001 00001 11110",
            "T": "11111 00100 00100 00100 00100 00100 00100",
            "U": "10001 10001 10001 10001 10001 10001 01110",
            "V": "10001 10001 10001 10001 10001 01010 00100",
            "W": "10001 10001 10001 10101 10101 10101 01010",
            "X": "10001 10001 01010 00100 01010 10001 10001",
            "Y": "10001 10001 10001 01010 00100 00100 00100",
            "Z": "11111 00001 00010 00100 01000 10000 11111",
            ".": "00000 00000 00000 00000 00000 01100 01100",
            ",": "00000 00000 00000 00000 01100 00100 01000",
            ":": "00000 01100 01100 00000 01100 01100 00000",
            ";": "00000 01100 01100 00000 01100 00100 01000",
            "-": "00000 00000 00000 11111 00000 00000 00000",
            "_": "00000 00000 00000 00000 00000 00000 11111",
            "(": "00010 00100 01000 01000 01000 00100 00010",
            ")": "01000 00100 00010 00010 00010 00100 01000",
            "[": "01110 01000 01000 01000 01000 01000 01110",
            "]": "01110 00010 00010 00010 00010 00010 01110",
            "/": "00000 00001 00010 00100 01000 10000 00000",
            "=": "00000 00000 11111 00000 11111 00000 00000",
            "+": "00000 00100 00100 11111 00100 00100 00000",
            "%": "11000 11001 00010 00100 01000 10011 00011",
            "*": "00000 00100 10101 01110 10101 00100 00000",
            "'": "01100 00100 01000 00000 00000 00000 00000",
            "\"": "01010 01010 01010 00000 00000 00000 00000",
            "!": "00100 00100 00100 00100 00100 00000 00100",
            "?": "01110 10001 00001 00010 00100 00000 00100",
            "<": "00010 00100 01000 10000 01000 00100 00010",
            ">": "01000 00100 00010 00001 00010 00100 01000",
            "#": "01010 01010 11111 01010 11111 01010 01010",
            "×": "00000 10001 01010 00100 01010 10001 00000",
            "…": "00000 00000 00000 00000 00000 00000 10101",
        ]
        return table.mapValues(glyph)
    }()

    /// a…z for `lowercase` drawing; x-height 5 rows, descenders below the 7 rows.
    private static let lowercaseGlyphs: [Character: [UInt8]] = {
        let table: [Character: String] = [
            "a": "00000 00000 01110 00001 01111 10001 01111",
            "b": "10000 10000 10110 11001 10001 10001 11110",
            "c": "00000 00000 01110 10000 10000 10001 01110",
            "d": "00001 00001 01101 10011 10001 10001 01111",
            "e": "00000 00000 01110 10001 11111 10000 01110",
            "f": "00110 01001 01000 11100 01000 01000 01000",
            "g": "00000 00000 01111 10001 10001 10001 01111 00001 01110",
            "h": "10000 10000 10110 11001 10001 10001 10001",
            "i": "00100 00000 01100 00100 00100 00100 01110",
            "j": "00010 00000 00110 00010 00010 00010 00010 10010 01100",
            "k": "10000 10000 10010 10100 11000 10100 10010",
            "l": "01100 00100 00100 00100 00100 00100 01110",
            "m": "00000 00000 11010 10101 10101 10001 10001",
            "n": "00000 00000 10110 11001 10001 10001 10001",
            "o": "00000 00000 01110 10001 10001 10001 01110",
            "p": "00000 00000 11110 10001 10001 10001 11110 10000 10000",
            "q": "00000 00000 01111 10001 10001 10001 01111 00001 00001",
            "r": "00000 00000 10110 11001 10000 10000 10000",
            "s": "00000 00000 01110 10000 01110 00001 11110",
            "t": "01000 01000 11100 01000 01000 01001 00110",
            "u": "00000 00000 10001 10001 10001 10011 01101",
            "v": "00000 00000 10001 10001 10001 01010 00100",
            "w": "00000 00000 10001 10001 10101 10101 01010",
            "x": "00000 00000 10001 01010 00100 01010 10001",
            "y": "00000 00000 10001 10001 10001 10001 01111 00001 01110",
            "z": "00000 00000 11111 00010 00100 01000 11111",
        ]
        return table.mapValues(glyph)
    }()
}
