// ImagenetWeights.swift — `weights imagenet` for the shell (`load model`,
// `kungfu fetch-weights`): the verified cached or downloaded file, as the
// environment asks (KUNGFU_HOME, KUNGFU_WEIGHTS_URL, KUNGFU_WEIGHTS_SHA256…),
// with a byte progress bar on stderr. Ctrl-C cancels the download even while
// no byte arrives: the downloader checks the flag at least once a second.
import Common
import Foundation
import Vision

/// Caseless namespace for fetching the ImageNet weights file.
enum ImagenetWeights {
    /// The verified path of the ImageNet file with or without the top, from a
    /// cache or downloaded into kungfu's cache. Throws `WeightsError`
    /// (`.invalidSource` for a bad KUNGFU_WEIGHTS_URL / KUNGFU_WEIGHTS_SHA256,
    /// `.corrupt`, `.download`, `.cancelled`); no half file is left.
    /// `cancellation`: Ctrl-C by default; a command passes its context's flag
    /// (which is linked to Ctrl-C).
    static func file(includeTop: Bool, environment: [String: String],
                     cancellation: CancellationFlag = .processInterrupt) throws -> String {
        let source = try WeightsSource.imagenet(includeTop: includeTop, environment: environment)
        let cache = WeightsCache(environment: environment)
        let sink = ProgressSink.standardError
        var bar: ProgressBar?
        do {
            let path = try cache.file(for: source, progress: { progress in
                let b = bar ?? ProgressBar(total: nil, kind: .bytes, sink: sink)
                bar = b
                if let total = progress.totalBytes { b.total = Int(total) }
                b.update(Int(progress.bytesDone))
            }, cancellation: cancellation)
            bar?.finish()
            return path
        } catch {
            if bar != nil, sink.isTerminal { sink.write("\n") }  // end the bar's line; elsewhere it drew nothing
            throw error
        }
    }
}
