// PNGEncoder.swift — 8-bit PNG writing through libpng's simplified API, whose
// setjmp/longjmp stays inside libpng's C frames (failure comes back as a return
// value and `message`), so no jump crosses Swift. Files are written through
// Common's AtomicFile: temporary file in the same folder, fsync, rename.

import Common
import CPNG

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes 8-bit pixel buffers as PNG: 1 channel (gray), 3 (RGB) or 4 (RGBA).
///
/// Pixels follow `Image`'s layout with `channels` bytes per pixel: HWC,
/// top-left first, no row padding. Feature-map grids (gray) and plots
/// (RGBA) use this directly; `Image.writePNG(toFile:)` is the RGB case.
///
///     let gray = [UInt8](repeating: 128, count: 32 * 16)
///     try PNGEncoder.write(pixels: gray, width: 32, height: 16, channels: 1, toFile: "out/map.png")
public enum PNGEncoder {
    /// The PNG bytes of `pixels` (`width * height * channels` bytes).
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int) throws -> [UInt8] {
        precondition([1, 3, 4].contains(channels), "PNGEncoder: \(channels) channels (expected 1, 3 or 4)")
        precondition(width > 0 && height > 0, "PNGEncoder: size \(width)×\(height) is empty")
        precondition(width <= 0x7FFF_FFFF / channels && height <= 0x7FFF_FFFF, "PNGEncoder: \(width)×\(height) is too large")
        precondition(pixels.count == width * height * channels,
                     "PNGEncoder: \(pixels.count) bytes do not fill \(width)×\(height)×\(channels)")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = channels == 1 ? UInt32(PNG_FORMAT_GRAY) : channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        defer { png_image_free(&image) }
        let stride = Int32(width * channels)
        // libpng's bound (PNG_IMAGE_PNG_SIZE_MAX, a C macro Swift cannot
        // import): zlib's deflateBound of the filtered rows plus chunk overhead.
        let raw = (width * channels + 1) * height
        let compressed = raw + (raw + 7) / 8 + (raw + 63) / 64 + 11
        var size = compressed + 12 * (compressed / 8192 + 1) + 8 + 25 + 16 + 44 + 12 + 64
        var out = [UInt8](repeating: 0, count: size)
        var written = write(&image, pixels, stride, into: &out, size: &size)
        if written == 0 && size > out.count {
            // The bound was short: libpng reported the size it needs.
            out = [UInt8](repeating: 0, count: size)
            written = write(&image, pixels, stride, into: &out, size: &size)
        }
        guard written != 0 else { throw ImageError.encodeFailed(reason: message(image)) }
        out.removeLast(out.count - size)
        return out
    }

    private static func write(_ image: inout png_image, _ pixels: [UInt8], _ stride: Int32,
                              into out: inout [UInt8], size: inout Int) -> Int32 {
        out.withUnsafeMutableBytes { memory in
            pixels.withUnsafeBytes { buffer in
                png_image_write_to_memory(&image, memory.baseAddress, &size, 0, buffer.baseAddress, stride, nil)
            }
        }
    }

    /// Encodes `pixels` and writes them atomically to `path`.
    public static func write(pixels: [UInt8], width: Int, height: Int, channels: Int, toFile path: String) throws {
        try PNGFile.store(encode(pixels: pixels, width: width, height: height, channels: channels), to: path)
    }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

extension Image {
    /// This image as PNG bytes (8-bit RGB).
    public func pngData() throws -> [UInt8] {
        try PNGEncoder.encode(pixels: pixels, width: width, height: height, channels: 3)
    }

    /// Writes this image as a PNG file, atomically: a reader sees the old
    /// file or the whole new one, never half of it.
    public func writePNG(toFile path: String) throws {
        try PNGFile.store(pngData(), to: path)
    }
}

/// Whole-file writes through Common's `AtomicFile`, as `ImageError`s.
enum PNGFile {
    static func store(_ bytes: [UInt8], to path: String) throws(ImageError) {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch let error as FileWriteError {
            throw .writeFailed(path: path, reason: error.reason)
        } catch {
            throw .writeFailed(path: path, reason: "\(error)")
        }
    }
}
