// ImageInfo.swift — format, size and channels of a JPEG or PNG from its headers
// only (no pixel decoded, no pixel buffer allocated). The format comes from
// the file's signature, never its name. The same header walkers run before
// every decode, so `Image.maxPixels` is checked before any allocation.

/// An encoded image format this library reads.
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    /// JPEG (JFIF/Exif): baseline, progressive, grayscale, CMYK, YCCK.
    case jpeg
    /// PNG: every colour type and bit depth, interlaced or not.
    case png

    /// "JPEG" or "PNG", as messages name the format.
    public var displayName: String { self == .jpeg ? "JPEG" : "PNG" }

    /// The format whose signature `bytes` start with, or nil.
    static func detect(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: PNG.signature) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// The error for bytes that are neither JPEG nor PNG, worded after what
    /// the name promises (`cat.jpg: not a JPEG (bad SOI marker)`) or after the
    /// format the bytes really are (`cat.gif: GIF images are not supported`).
    static func unrecognised(_ bytes: [UInt8], name: String) -> ImageError {
        let others: [(String, [UInt8])] = [
            ("GIF", Array("GIF8".utf8)), ("BMP", Array("BM".utf8)), ("TIFF", [0x49, 0x49, 0x2A, 0x00]),
            ("TIFF", [0x4D, 0x4D, 0x00, 0x2A]),
        ]
        if bytes.count >= 12 && bytes[0..<4].elementsEqual("RIFF".utf8) && bytes[8..<12].elementsEqual("WEBP".utf8) {
            return .notAnImage(name: name, reason: "WebP images are not supported (only JPEG and PNG)")
        }
        if bytes.count >= 12 && bytes[4..<8].elementsEqual("ftyp".utf8) {
            return .notAnImage(name: name, reason: "HEIF/AVIF images are not supported (only JPEG and PNG)")
        }
        for (format, magic) in others where bytes.starts(with: magic) {
            return .notAnImage(name: name, reason: "\(format) images are not supported (only JPEG and PNG)")
        }
        let lower = name.lowercased()
        if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") || lower.hasSuffix(".jpe") {
            return .notAnImage(name: name, reason: "not a JPEG (bad SOI marker)")
        }
        if lower.hasSuffix(".png") {
            return .notAnImage(name: name, reason: "not a PNG (bad signature)")
        }
        return .notAnImage(name: name, reason: "not a JPEG or PNG image (unrecognised signature)")
    }
}

/// What a JPEG or PNG file's headers say, read without decoding any pixel.
///
/// Cheap: a PNG needs its first 33 bytes; a JPEG is walked marker by marker
/// up to its frame header (skipping Exif and ICC segments without reading
/// them). The size is what the header claims, even beyond `Image.maxPixels`:
/// only decoding refuses such images.
///
///     let info = try ImageInfo(contentsOfFile: "examples/testset/1.jpg")
///     info.width    // 451
///     info.channels // 3
public struct ImageInfo: Sendable, Equatable {
    /// The format, from the file's signature.
    public let format: ImageFormat
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Channels the file stores: 1 grayscale, 2 grayscale + alpha, 3 colour
    /// (RGB, YCbCr or palette), 4 RGBA or CMYK/YCCK.
    public let channels: Int
    /// Bits per sample: 8 for JPEG (12-bit JPEGs are reported but not
    /// decoded); 1, 2, 4, 8 or 16 for PNG (a palette index for palette PNGs).
    public let bitsPerSample: Int

    /// Reads the headers of the file at `path`.
    ///
    /// Throws `ImageError` for a missing, unreadable, empty or non-image file,
    /// or headers that are cut short or malformed.
    public init(contentsOfFile path: String) throws {
        let file = try OpenFile(path)
        if file.size == 0 { throw ImageError.empty(name: path) }
        var source = FileByteSource(file)
        try self.init(source: &source, name: path)
    }

    /// Reads the headers of an in-memory encoded image; `name` is used in errors.
    public init(encoded bytes: [UInt8], name: String) throws {
        if bytes.isEmpty { throw ImageError.empty(name: name) }
        var source = MemoryByteSource(bytes: bytes)
        try self.init(source: &source, name: name)
    }

    init(format: ImageFormat, width: Int, height: Int, channels: Int, bitsPerSample: Int) {
        self.format = format
        self.width = width
        self.height = height
        self.channels = channels
        self.bitsPerSample = bitsPerSample
    }

    private init<S: ByteSource>(source: inout S, name: String) throws(ImageError) {
        var prefix = [UInt8]()
        for offset in 0..<12 {
            guard let byte = try source.byte(at: offset) else { break }
            prefix.append(byte)
        }
        switch ImageFormat.detect(prefix) {
        case .png:
            let header = try PNG.header(&source, name: name)
            self.init(format: .png, width: header.width, height: header.height,
                      channels: header.colorChannels, bitsPerSample: header.bitDepth)
        case .jpeg:
            let walk = try JPEGStructure.walk(&source, name: name, stopAtFrame: true)
            self.init(format: .jpeg, width: walk.frame.width, height: walk.frame.height,
                      channels: walk.frame.components, bitsPerSample: walk.frame.precision)
        case nil:
            throw ImageFormat.unrecognised(prefix, name: name)
        }
    }
}
