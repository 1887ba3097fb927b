// ImageError.swift — every way reading or writing an image can fail.
//
// Each message starts with the file (path or given name) and says what was
// wrong or expected: "cat.jpg: not a JPEG (bad SOI marker)",
// "big.png: truncated (file ends inside an IDAT chunk)".

/// Why an image could not be read, decoded or written.
///
/// `description` is the message for the user: it names the file first, then
/// the cause.
///
///     do { _ = try Image(contentsOfFile: "cat.jpg") }
///     catch let error as ImageError { print(error) }   // cat.jpg: no such file
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Nothing exists at the path.
    case notFound(path: String)
    /// The path is a directory, not a file.
    case isDirectory(path: String)
    /// The file exists but cannot be read; `reason` is the system's message.
    case unreadable(path: String, reason: String)
    /// The file has no bytes at all.
    case empty(name: String)
    /// The file is larger than `Image.maxFileBytes`.
    case fileTooLarge(name: String, bytes: Int, limit: Int)
    /// The bytes are not a JPEG or PNG; `reason` says what they were expected
    /// to be, e.g. "not a JPEG (bad SOI marker)".
    case notAnImage(name: String, reason: String)
    /// The header claims more pixels than `Image.maxPixels`; nothing was
    /// allocated for them.
    case tooManyPixels(name: String, width: Int, height: Int, limit: Int)
    /// The data ends before the image is complete.
    case truncated(name: String, detail: String)
    /// The data is damaged; `reason` is the decoder's diagnosis.
    case corrupt(name: String, format: ImageFormat, reason: String)
    /// A valid file that uses a feature this library does not decode.
    case unsupported(name: String, format: ImageFormat, reason: String)
    /// Writing an image file failed; `reason` is the system's message.
    case writeFailed(path: String, reason: String)
    /// libpng could not encode the pixels; `reason` is its message.
    case encodeFailed(reason: String)

    /// The message for the user, file first.
    public var description: String {
        switch self {
        case .notFound(let path):
            return "\(path): no such file"
        case .isDirectory(let path):
            return "\(path): is a directory, not an image file"
        case .unreadable(let path, let reason):
            return "\(path): cannot read (\(reason))"
        case .empty(let name):
            return "\(name): empty file (0 bytes)"
        case .fileTooLarge(let name, let bytes, let limit):
            return "\(name): file is \(bytes) bytes, more than the limit of \(limit) bytes (Image.maxFileBytes)"
        case .notAnImage(let name, let reason):
            return "\(name): \(reason)"
        case .tooManyPixels(let name, let width, let height, let limit):
            return "\(name): \(width)×\(height) pixels is more than the limit of "
                + "\(limit / 1_000_000) megapixels (Image.maxPixels)"
        case .truncated(let name, let detail):
            return "\(name): truncated (\(detail))"
        case .corrupt(let name, let format, let reason):
            return "\(name): corrupt \(format.displayName) (\(reason))"
        case .unsupported(let name, let format, let reason):
            return "\(name): unsupported \(format.displayName) (\(reason))"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write (\(reason))"
        case .encodeFailed(let reason):
            return "PNG encoding failed (\(reason))"
        }
    }
}
