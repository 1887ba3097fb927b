// Image.swift — an 8-bit RGB image and its decoding from JPEG or PNG.
// Pixel layout, the contract every image function keeps: `pixels` holds
// height × width × 3 bytes, HWC, top-left pixel first, rows top to bottom,
// R G B per pixel, no row padding: (x, y, c) is at (y * width + x) * 3 + c.
// Decoded pixels equal Pillow's `Image.open(f).convert("RGB")`.

/// An 8-bit RGB image: HWC, top-left first, no row padding.
///
/// Decoded from JPEG (libjpeg-turbo) or PNG with the same pixels Pillow's
/// `Image.open(path).convert("RGB")` gives, which is what Keras'
/// `load_img` starts from: alpha is dropped (not composited), grayscale is
/// replicated to three channels, CMYK is converted as Pillow does, 16-bit
/// PNG samples are reduced as Pillow does (most significant byte; 16-bit
/// grayscale is clipped at 255). The format is found from the file's
/// signature, never its extension. Exif orientation is ignored, as Keras
/// ignores it.
///
/// Limits against malicious files: a header claiming more than
/// `maxPixels` pixels is refused before anything is allocated for it; files
/// larger than `maxFileBytes` and JPEGs with more than `maxJPEGScans` scans
/// are refused; truncated or corrupt data is an error that names the file,
/// never a crash or a half-decoded image.
///
///     let image = try Image(contentsOfFile: "examples/testset/1.jpg")
///     (image.width, image.height)   // (451, 300)
///     image.pixels[0...2]           // R, G, B of the top-left pixel
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// height × width × 3 bytes: HWC, top-left first, no row padding.
    public let pixels: [UInt8]

    /// The largest image decoded: 100 megapixels (a 10000×10000 photo).
    /// A header claiming more is refused before any pixel memory is allocated.
    public static let maxPixels = 100_000_000
    /// The largest file read: 256 MiB.
    public static let maxFileBytes = 256 << 20
    /// The most scans a JPEG may have. Progressive JPEGs have about ten;
    /// thousands of tiny scans are a known way to make decoding take minutes.
    public static let maxJPEGScans = 500

    /// An image from its pixels, which must hold `width * height * 3` bytes
    /// in the layout above.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "Image: size \(width)×\(height) is empty")
        precondition(pixels.count == width * height * 3,
                     "Image: \(pixels.count) bytes do not fill \(width)×\(height)×3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An RGB image from grayscale samples, each replicated to R, G and B.
    init(width: Int, height: Int, gray: [UInt8]) {
        precondition(gray.count == width * height, "Image: \(gray.count) gray samples do not fill \(width)×\(height)")
        var rgb = [UInt8](repeating: 0, count: gray.count * 3)
        for (i, v) in gray.enumerated() {
            rgb[3 * i] = v
            rgb[3 * i + 1] = v
            rgb[3 * i + 2] = v
        }
        self.init(width: width, height: height, pixels: rgb)
    }

    /// Decodes the JPEG or PNG file at `path`.
    ///
    /// Throws `ImageError` naming `path`: missing, a directory, unreadable,
    /// empty, too large, not a JPEG or PNG, truncated, corrupt, or over
    /// `maxPixels`.
    public init(contentsOfFile path: String) throws {
        try self.init(encoded: FileBytes.read(path), name: path)
    }

    /// Decodes an in-memory JPEG or PNG; `name` is the file name errors use.
    public init(encoded bytes: [UInt8], name: String) throws {
        if bytes.isEmpty { throw ImageError.empty(name: name) }
        if bytes.count > Self.maxFileBytes {
            throw ImageError.fileTooLarge(name: name, bytes: bytes.count, limit: Self.maxFileBytes)
        }
        switch ImageFormat.detect(Array(bytes.prefix(12))) {
        case .jpeg: self = try JPEG.decode(bytes, name: name)
        case .png: self = try PNG.decode(bytes, name: name)
        case nil: throw ImageFormat.unrecognised(Array(bytes.prefix(12)), name: name)
        }
    }

    /// Throws unless a `width` × `height` image is within `maxPixels`.
    static func checkPixelLimit(width: Int, height: Int, name: String) throws(ImageError) {
        // Both factors are below 2^32 (header fields), so the product fits Int.
        if width * height > maxPixels {
            throw .tooManyPixels(name: name, width: width, height: height, limit: maxPixels)
        }
    }
}
