// FetchWeightsCommand.swift — `kungfu fetch-weights`: makes sure the ImageNet
// weights that `load model inception_v3` (weights imagenet) needs are in a
// cache, downloading and verifying them if not. Exit 0 with the file's path
// on stdout when they are there; otherwise exit 1 (130 after Ctrl-C) with the
// reason as the first line on stderr, then how to install the file by hand.
// scripts/demo uses it to decide between real and random weights.
import ArgumentParser
import Foundation
import Vision

/// `kungfu fetch-weights [--no-top]`.
struct FetchWeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch-weights",
        abstract: "Download and verify the ImageNet weights (once; later runs find them in the cache).",
        discussion: """
            Looks in kungfu's cache and Keras' cache, else downloads the official Keras \
            file (or from KUNGFU_WEIGHTS_URL) and checks its SHA-256 (or \
            KUNGFU_WEIGHTS_SHA256). Prints the file's path. On failure prints why and \
            where to put the file by hand, and exits 1. See docs/weights.md.
            """)

    @Flag(inversion: .prefixedNo, help: "The file with the 1000-class top (what `load model inception_v3` loads).")
    var top = true

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        if let override = environment["KUNGFU_WEIGHTS"], !override.isEmpty {
            try reportOverride(override)
            return
        }
        do {
            let path = try Interrupts.whileArmed {
                try ImagenetWeights.file(includeTop: top, environment: environment)
            }
            StandardStream.output.write(path + "\n")
        } catch let error as WeightsError {
            var lines = error.message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines[0] = "kungfu fetch-weights: " + lines[0]
            if error.kind == .download || error.kind == .cancelled {
                lines.append("or set KUNGFU_WEIGHTS to its path (KUNGFU_WEIGHTS=none: random weights)")
            }
            StandardStream.error.write(lines.joined(separator: "\n") + "\n")
            throw ExitCode(error.kind == .cancelled ? 130 : 1)
        }
    }

    /// KUNGFU_WEIGHTS replaces `weights imagenet`: nothing to fetch, but a
    /// path that is not a file is reported now rather than at `load model`.
    private func reportOverride(_ override: String) throws {
        if override == "none" {
            StandardStream.error.write("KUNGFU_WEIGHTS=none: random weights, nothing to fetch\n")
            return
        }
        var info = stat()
        guard stat(override, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            StandardStream.error.write("kungfu fetch-weights: KUNGFU_WEIGHTS=\(override): no such file\n")
            throw ExitCode(1)
        }
        StandardStream.output.write(override + "\n")
    }
}
