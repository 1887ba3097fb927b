// TerminalImage.swift — draws a picture in the terminal, in the best way the
// terminal says it supports: the kitty graphics protocol, iTerm2 inline
// images (both from PNG bytes), 24-bit colour half blocks (`▀`: foreground =
// upper pixel, background = lower pixel, one character per pixel column), or
// a one-line description `[image 451×300]` when there is no terminal.
// Pixels are RGB8, HWC, top-left first, no row padding.
import Foundation

/// Caseless namespace for drawing pictures in a terminal.
public enum TerminalImage {
    /// An RGB8 picture: `rgb` holds `height` rows of `width` pixels, each three
    /// bytes R, G, B, top row first, no padding.
    public struct Pixels: Equatable, Sendable {
        /// Width in pixels.
        public let width: Int
        /// Height in pixels.
        public let height: Int
        /// `width * height * 3` bytes, row-major RGB.
        public let rgb: [UInt8]

        /// Wraps `rgb`; its size must be `width * height * 3`.
        public init(width: Int, height: Int, rgb: [UInt8]) {
            precondition(width >= 0 && height >= 0, "TerminalImage.Pixels: negative size \(width)×\(height)")
            precondition(rgb.count == width * height * 3,
                         "TerminalImage.Pixels: \(width)×\(height) RGB needs \(width * height * 3) bytes, got \(rgb.count)")
            self.width = width
            self.height = height
            self.rgb = rgb
        }
    }

    /// How a picture is drawn.
    public enum Mode: Equatable, Sendable {
        /// kitty graphics protocol: PNG in base64 chunks (APC `ESC _ G`).
        case kitty
        /// iTerm2 inline images: PNG in one OSC 1337 sequence.
        case iTerm2
        /// 24-bit colour upper-half blocks, two pixel rows per text row.
        case halfBlocks
        /// `[image W×H]`: for pipes, files and terminals without 24-bit colour.
        case description
    }

    /// The widest a picture is drawn, in columns, when the terminal is wider.
    public static let maximumColumns = 60

    /// The mode the environment asks for.
    ///
    /// Not a terminal → `.description`. `TERM=xterm-kitty` or `KITTY_WINDOW_ID`
    /// → `.kitty`; `TERM_PROGRAM=iTerm.app` → `.iTerm2` (neither inside tmux,
    /// which does not pass their escapes through). `COLORTERM=truecolor` or
    /// `24bit` → `.halfBlocks`, unless `NO_COLOR` is set. Otherwise
    /// `.description`.
    public static func mode(environment: [String: String] = ProcessInfo.processInfo.environment,
                            isTerminal: Bool = Terminal.isTerminal(.standardOutput)) -> Mode {
        guard isTerminal else { return .description }
        let insideTmux = !(environment["TMUX"] ?? "").isEmpty
        if !insideTmux {
            if environment["TERM"] == "xterm-kitty" || environment["KITTY_WINDOW_ID"] != nil { return .kitty }
            if environment["TERM_PROGRAM"] == "iTerm.app" { return .iTerm2 }
        }
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        if colorterm == "truecolor" || colorterm == "24bit",
           Terminal.colorAllowed(isTerminal: true, environment: environment) {
            return .halfBlocks
        }
        return .description
    }

    /// The columns a picture may use: the terminal width, at most
    /// `maximumColumns`.
    public static func defaultColumns() -> Int {
        min(Terminal.columns(), maximumColumns)
    }

    /// The text that draws `pixels` in `mode`, at most `columns` wide, ending
    /// with a newline. `png` is the same picture as PNG bytes, needed by
    /// `.kitty` and `.iTerm2`; without it those fall back to half blocks.
    public static func render(_ pixels: Pixels, png: [UInt8]?, mode: Mode, columns: Int) -> String {
        precondition(columns > 0, "TerminalImage.render: columns must be positive, got \(columns)")
        let drawnColumns = min(columns, max(1, pixels.width))
        switch (mode, png) {
        case (.kitty, let png?):
            return kitty(png: png, columns: drawnColumns)
        case (.iTerm2, let png?):
            return iTerm2(png: png, columns: drawnColumns)
        case (.description, _):
            return description(width: pixels.width, height: pixels.height) + "\n"
        case (.kitty, nil), (.iTerm2, nil), (.halfBlocks, _):
            return halfBlocks(pixels, columns: columns)
        }
    }

    /// `[image 451×300]`.
    public static func description(width: Int, height: Int) -> String {
        "[image \(width)×\(height)]"
    }

    /// Half-block rendering: the picture scaled down (area average, aspect
    /// kept, never up) to at most `columns` pixels wide, then one `▀` per pixel
    /// column and two pixel rows per line; colours change only when they
    /// differ from the previous cell; each line ends with a reset `ESC[0m`. An
    /// odd last pixel row is drawn over the default background (`ESC[49m`).
    public static func halfBlocks(_ pixels: Pixels, columns: Int) -> String {
        precondition(columns > 0, "TerminalImage.halfBlocks: columns must be positive, got \(columns)")
        guard pixels.width > 0, pixels.height > 0 else { return description(width: pixels.width, height: pixels.height) + "\n" }
        let picture: Pixels
        if pixels.width > columns {
            let height = max(1, Int((Double(pixels.height) * Double(columns) / Double(pixels.width)).rounded()))
            picture = downscale(pixels, width: columns, height: height)
        } else {
            picture = pixels
        }
        func color(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
            let i = (y * picture.width + x) * 3
            return (picture.rgb[i], picture.rgb[i + 1], picture.rgb[i + 2])
        }
        var out = ""
        for row in stride(from: 0, to: picture.height, by: 2) {
            var lastForeground = "", lastBackground = ""
            for x in 0..<picture.width {
                let upper = color(x, row)
                let foreground = "\u{1B}[38;2;\(upper.0);\(upper.1);\(upper.2)m"
                let background: String
                if row + 1 < picture.height {
                    let lower = color(x, row + 1)
                    background = "\u{1B}[48;2;\(lower.0);\(lower.1);\(lower.2)m"
                } else {
                    background = "\u{1B}[49m"
                }
                if foreground != lastForeground { out += foreground; lastForeground = foreground }
                if background != lastBackground { out += background; lastBackground = background }
                out += "▀"
            }
            out += "\u{1B}[0m\n"
        }
        return out
    }

    /// kitty graphics protocol: transmit and display (`a=T`) PNG data
    /// (`f=100`) over `columns` cells, responses suppressed (`q=2`, so nothing
    /// comes back on stdin), base64 in chunks of at most 4096 bytes (`m=1` on
    /// all but the last), then a newline.
    public static func kitty(png: [UInt8], columns: Int) -> String {
        let payload = Array(Data(png).base64EncodedString().utf8)
        let chunkSize = 4096
        var out = ""
        var start = 0
        repeat {
            let end = min(start + chunkSize, payload.count)
            let chunk = String(decoding: payload[start..<end], as: UTF8.self)
            let more = end < payload.count
            var keys = start == 0 ? "a=T,f=100,q=2,c=\(columns)" : ""
            if more || start > 0 {
                keys += (keys.isEmpty ? "" : ",") + (more ? "m=1" : "m=0")
            }
            out += "\u{1B}_G" + keys + ";" + chunk + "\u{1B}\\"
            start = end
        } while start < payload.count
        return out + "\n"
    }

    /// iTerm2 inline image: `ESC ] 1337 ; File=inline=1;size=N;width=C;
    /// preserveAspectRatio=1 : base64 BEL`, then a newline.
    public static func iTerm2(png: [UInt8], columns: Int) -> String {
        "\u{1B}]1337;File=inline=1;size=\(png.count);width=\(columns);preserveAspectRatio=1:"
            + Data(png).base64EncodedString() + "\u{07}\n"
    }

    /// Area-average resampling to `width` × `height` (no larger than the
    /// source): each output pixel is the mean of the source area it covers,
    /// partly covered source pixels weighted by the part covered, rounded to
    /// the nearest integer.
    public static func downscale(_ pixels: Pixels, width: Int, height: Int) -> Pixels {
        precondition(width > 0 && height > 0 && width <= pixels.width && height <= pixels.height,
                     "TerminalImage.downscale: \(pixels.width)×\(pixels.height) cannot shrink to \(width)×\(height)")
        let columnWeights = coverage(source: pixels.width, target: width)
        let rowWeights = coverage(source: pixels.height, target: height)
        let area = Double(pixels.width) / Double(width) * Double(pixels.height) / Double(height)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for oy in 0..<height {
            for ox in 0..<width {
                var sum = (0.0, 0.0, 0.0)
                for (sy, wy) in rowWeights[oy] {
                    for (sx, wx) in columnWeights[ox] {
                        let i = (sy * pixels.width + sx) * 3
                        let w = wy * wx
                        sum.0 = sum.0.addingProduct(w, Double(pixels.rgb[i]))
                        sum.1 = sum.1.addingProduct(w, Double(pixels.rgb[i + 1]))
                        sum.2 = sum.2.addingProduct(w, Double(pixels.rgb[i + 2]))
                    }
                }
                let o = (oy * width + ox) * 3
                rgb[o] = UInt8(min(255, (sum.0 / area).rounded()))
                rgb[o + 1] = UInt8(min(255, (sum.1 / area).rounded()))
                rgb[o + 2] = UInt8(min(255, (sum.2 / area).rounded()))
            }
        }
        return Pixels(width: width, height: height, rgb: rgb)
    }

    /// For each of `target` output cells, the source cells it covers and how
    /// much of each (in source-pixel units; they sum to source / target).
    static func coverage(source: Int, target: Int) -> [[(Int, Double)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { o in
            let lo = Double(o) * scale, hi = Double(o + 1) * scale
            var cells: [(Int, Double)] = []
            var s = Int(lo.rounded(.down))
            while Double(s) < hi, s < source {
                let weight = min(hi, Double(s + 1)) - max(lo, Double(s))
                if weight > 1e-12 { cells.append((s, weight)) }
                s += 1
            }
            return cells
        }
    }
}
