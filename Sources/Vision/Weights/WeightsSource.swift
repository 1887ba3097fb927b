// WeightsSource.swift — where a weights file comes from and how to know it:
// its URL, its file name in the caches, its SHA-256 and, when known, its size.
import Foundation

/// A downloadable weights file, identified by its SHA-256.
///
///     let source = WeightsSource.imagenet(includeTop: false)
///     source.fileName   // "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
public struct WeightsSource: Sendable, Equatable {
    /// Where to download it (http, https or file URL).
    public var url: String
    /// Its name in the cache folders (Keras' caches use the same names).
    public var fileName: String
    /// The expected SHA-256, 64 lowercase hex digits.
    public var sha256: String
    /// The expected size in bytes, if known.
    public var expectedSize: Int64?

    /// Keras' folder of the official Inception V3 ImageNet weights.
    public static let imagenetBaseURL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"

    /// The official Keras Inception V3 ImageNet weights, with or without the
    /// 1000-class top. Sizes are the Content-Length Keras' downloader reports
    /// for these URLs (96,112,376 and 87,910,968 bytes).
    public static func imagenet(includeTop: Bool) -> WeightsSource {
        let fileName = includeTop
            ? "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
            : "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
        return WeightsSource(
            checkedURL: imagenetBaseURL + fileName, fileName: fileName,
            sha256: includeTop ? "00c9ea4e4762f716ac4d300d6d9c2935639cc5e4d139b5790d765dcbeea539d0"
                               : "9617109a16463f250180008f9818336b767bdf5164315e8cd5761a8c34caa62a",
            expectedSize: includeTop ? 96_112_376 : 87_910_968)
    }

    /// The ImageNet file as `environment` asks for it. Without the two
    /// variables it is `imagenet(includeTop:)`.
    ///
    /// - `KUNGFU_WEIGHTS_URL`: where to download from instead of Keras' folder
    ///   (a classroom mirror). A folder URL gets the official file name
    ///   appended (`http://mirror/keras/` → `http://mirror/keras/inception_v3_…_kernels.h5`);
    ///   a URL whose last component ends in `.h5` is the file itself.
    /// - `KUNGFU_WEIGHTS_SHA256`: the SHA-256 to expect instead of the
    ///   official one (a mirror of other weights, or a small file in tests);
    ///   the size is then unknown.
    ///
    /// The cache name stays the official file name. Throws
    /// `WeightsError(.invalidSource)` naming the variable for a value that is
    /// not an http, https or file URL, or not 64 hexadecimal digits.
    public static func imagenet(includeTop: Bool, environment: [String: String]) throws -> WeightsSource {
        var source = imagenet(includeTop: includeTop)
        if let value = environment["KUNGFU_WEIGHTS_URL"], !value.isEmpty {
            guard let parsed = URL(string: value), let scheme = parsed.scheme?.lowercased(),
                  ["http", "https", "file"].contains(scheme) else {
                throw WeightsError(.invalidSource, "KUNGFU_WEIGHTS_URL=\(value): not an http, https or file URL")
            }
            if parsed.lastPathComponent.lowercased().hasSuffix(".h5") {
                source.url = value
            } else {
                source.url = value + (value.hasSuffix("/") ? "" : "/") + source.fileName
            }
        }
        if let value = environment["KUNGFU_WEIGHTS_SHA256"], !value.isEmpty {
            let digest = value.lowercased()
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
                throw WeightsError(.invalidSource, "KUNGFU_WEIGHTS_SHA256=\(value): not 64 hexadecimal digits")
            }
            source.sha256 = digest
            source.expectedSize = nil
        }
        return source
    }

    /// A custom source: any http, https or file URL with an explicit SHA-256.
    ///
    /// `fileName` defaults to the URL's last path component. Throws
    /// `WeightsError(.invalidSource)` for a URL that is not http/https/file
    /// or has no file name, a checksum that is not 64 hex digits, or a file
    /// name that is not a plain name (`/`, `.`, `..`, leading dot).
    public init(url: String, sha256: String, fileName: String? = nil, expectedSize: Int64? = nil) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              ["http", "https", "file"].contains(scheme) else {
            throw WeightsError(.invalidSource, "\(url): not an http, https or file URL")
        }
        let name = fileName ?? parsed.lastPathComponent
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), !name.hasSuffix(".part") else {
            throw WeightsError(.invalidSource,
                               "\(url): '\(name)' cannot name a file in the cache (give a plain file name)")
        }
        let digest = sha256.lowercased()
        guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
            throw WeightsError(.invalidSource, "\(url): SHA-256 '\(sha256)' is not 64 hexadecimal digits")
        }
        if let expectedSize, expectedSize < 0 {
            throw WeightsError(.invalidSource, "\(url): expected size \(expectedSize) is negative")
        }
        self.init(checkedURL: url, fileName: name, sha256: digest, expectedSize: expectedSize)
    }

    private init(checkedURL url: String, fileName: String, sha256: String, expectedSize: Int64?) {
        self.url = url
        self.fileName = fileName
        self.sha256 = sha256
        self.expectedSize = expectedSize
    }

    /// "87,910,968 bytes", or "unknown" when the size is not known.
    var sizeDescription: String {
        expectedSize.map { "\(Self.grouped($0)) bytes" } ?? "unknown"
    }

    /// 87910968 → "87,910,968".
    static func grouped(_ value: Int64) -> String {
        let digits = Array(String(value.magnitude))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }
}
