// SupportTerminalImageTests.swift — TerminalImage. Oracles: exact escape
// strings written out by hand from the protocols' specifications (ECMA-48
// SGR 38;2 / 48;2 truecolour, kitty's graphics protocol, iTerm2's OSC 1337),
// area averages computed by hand, and the environment table in the docs.
import Foundation
import XCTest
@testable import Shell

final class SupportTerminalImageTests: XCTestCase {
    private let esc = "\u{1B}"

    /// Red, green / blue, white.
    private let tiny = TerminalImage.Pixels(width: 2, height: 2, rgb: [255, 0, 0, 0, 255, 0,
                                                                        0, 0, 255, 255, 255, 255])

    func testHalfBlocksTwoByTwo() {
        XCTAssertEqual(TerminalImage.halfBlocks(tiny, columns: 60),
                       "\(esc)[38;2;255;0;0m\(esc)[48;2;0;0;255m▀\(esc)[38;2;0;255;0m\(esc)[48;2;255;255;255m▀\(esc)[0m\n")
    }

    func testHalfBlocksOddHeightAndRepeatedColours() {
        let gray: [UInt8] = [9, 9, 9]
        let pixels = TerminalImage.Pixels(width: 2, height: 3, rgb: Array([gray, gray, gray, gray, gray, gray].joined()))
        XCTAssertEqual(TerminalImage.halfBlocks(pixels, columns: 10),
                       "\(esc)[38;2;9;9;9m\(esc)[48;2;9;9;9m▀▀\(esc)[0m\n"
                       + "\(esc)[38;2;9;9;9m\(esc)[49m▀▀\(esc)[0m\n")
    }

    func testHalfBlocksScalesToColumns() {
        // 4×4: left half black, right half 200; to 2 columns → 2×2 of 0 and 200.
        var rgb: [UInt8] = []
        for _ in 0..<4 { rgb += [0, 0, 0, 0, 0, 0, 200, 200, 200, 200, 200, 200] }
        let pixels = TerminalImage.Pixels(width: 4, height: 4, rgb: rgb)
        XCTAssertEqual(TerminalImage.halfBlocks(pixels, columns: 2),
                       "\(esc)[38;2;0;0;0m\(esc)[48;2;0;0;0m▀\(esc)[38;2;200;200;200m\(esc)[48;2;200;200;200m▀\(esc)[0m\n")
    }

    func testAreaAverageWithFractionalCoverage() {
        // 3×1 → 2×1: each output covers 1.5 source pixels.
        // (0·1 + 90·0.5) / 1.5 = 30 and (90·0.5 + 180·1) / 1.5 = 150.
        let row = TerminalImage.Pixels(width: 3, height: 1, rgb: [0, 0, 0, 90, 90, 90, 180, 180, 180])
        XCTAssertEqual(TerminalImage.downscale(row, width: 2, height: 1).rgb, [30, 30, 30, 150, 150, 150])
        // 2×2 → 1×1: the plain mean of four, rounded: (255+0+0+255)/4 = 127.5 → 128.
        XCTAssertEqual(TerminalImage.downscale(tiny, width: 1, height: 1).rgb, [128, 128, 128])
        // Same size: unchanged.
        XCTAssertEqual(TerminalImage.downscale(tiny, width: 2, height: 2), tiny)
    }

    func testKittySingleChunk() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47]  // base64 "iVBORw=="
        XCTAssertEqual(TerminalImage.kitty(png: png, columns: 2), "\(esc)_Ga=T,f=100,q=2,c=2;iVBORw==\(esc)\\\n")
        XCTAssertEqual(TerminalImage.render(tiny, png: png, mode: .kitty, columns: 60),
                       "\(esc)_Ga=T,f=100,q=2,c=2;iVBORw==\(esc)\\\n")
    }

    func testKittyChunksOf4096() {
        let png = [UInt8](repeating: 0, count: 6200)  // 8268 base64 bytes: 4096 + 4096 + 76
        let text = TerminalImage.kitty(png: png, columns: 60)
        let base64 = Data(png).base64EncodedString()
        let parts = Array(base64.utf8)
        func slice(_ range: Range<Int>) -> String { String(decoding: parts[range], as: UTF8.self) }
        XCTAssertEqual(text, "\(esc)_Ga=T,f=100,q=2,c=60,m=1;\(slice(0..<4096))\(esc)\\"
                       + "\(esc)_Gm=1;\(slice(4096..<8192))\(esc)\\"
                       + "\(esc)_Gm=0;\(slice(8192..<8268))\(esc)\\\n")
    }

    func testITerm2() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47]
        XCTAssertEqual(TerminalImage.render(tiny, png: png, mode: .iTerm2, columns: 60),
                       "\(esc)]1337;File=inline=1;size=4;width=2;preserveAspectRatio=1:iVBORw==\u{07}\n")
    }

    func testDescriptionAndFallbacks() {
        XCTAssertEqual(TerminalImage.render(tiny, png: nil, mode: .description, columns: 60), "[image 2×2]\n")
        XCTAssertEqual(TerminalImage.description(width: 451, height: 300), "[image 451×300]")
        XCTAssertEqual(TerminalImage.render(tiny, png: nil, mode: .kitty, columns: 60),
                       TerminalImage.halfBlocks(tiny, columns: 60), "kitty without PNG bytes draws half blocks")
    }

    func testModeFromEnvironment() {
        typealias Case = (environment: [String: String], isTerminal: Bool, mode: TerminalImage.Mode)
        let cases: [Case] = [
            (["TERM": "xterm-kitty"], true, .kitty),
            (["KITTY_WINDOW_ID": "1", "TERM": "xterm-256color"], true, .kitty),
            (["TERM_PROGRAM": "iTerm.app"], true, .iTerm2),
            (["COLORTERM": "truecolor"], true, .halfBlocks),
            (["COLORTERM": "24bit"], true, .halfBlocks),
            (["COLORTERM": "truecolor", "NO_COLOR": "1"], true, .description),
            (["TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0", "COLORTERM": "truecolor"], true, .halfBlocks),
            (["TERM": "xterm-256color"], true, .description),
            (["TERM": "xterm-kitty", "COLORTERM": "truecolor"], false, .description),
        ]
        for c in cases {
            XCTAssertEqual(TerminalImage.mode(environment: c.environment, isTerminal: c.isTerminal), c.mode,
                           "\(c.environment) terminal: \(c.isTerminal)")
        }
    }
}
