// JPEG.swift — JPEG → RGB8 through libjpeg-turbo's TurboJPEG API, as Pillow's
// convert("RGB") gives it (accurate DCT, fancy upsampling, Pillow's CMYK).
// A Swift marker walk first checks the frame size (`Image.maxPixels`), the
// scan count (`Image.maxJPEGScans`) and the EOI marker ("truncated"); then
// every libjpeg warning is an error except a few harmless ones (`benign`).

import CTurboJPEG
import Foundation

/// The frame header (SOFn) of a JPEG.
struct JPEGFrame: Equatable {
    var width: Int
    var height: Int
    var components: Int
    var precision: Int
    /// The SOF marker's second byte: 0xC0 baseline, 0xC2 progressive, ...
    var marker: UInt8
}

/// What walking a JPEG's markers found.
struct JPEGWalk {
    var frame: JPEGFrame
    /// Start-of-scan markers seen (1 for baseline, ~10 for progressive).
    var scans: Int
}

enum JPEGStructure {
    /// Walks the marker segments from SOI. With `stopAtFrame`, returns at the
    /// frame header (enough for `ImageInfo`); otherwise walks every scan's
    /// entropy-coded data up to EOI, so a file cut short is caught here.
    static func walk<S: ByteSource>(_ source: inout S, name: String, stopAtFrame: Bool) throws(ImageError) -> JPEGWalk {
        func truncated(_ detail: String) -> ImageError { .truncated(name: name, detail: detail) }
        func corrupt(_ reason: String) -> ImageError { .corrupt(name: name, format: .jpeg, reason: reason) }
        func u16(_ offset: Int, _ place: String) throws(ImageError) -> Int {
            guard let hi = try source.byte(at: offset), let lo = try source.byte(at: offset + 1) else {
                throw truncated("file ends inside \(place)")
            }
            return Int(hi) << 8 | Int(lo)
        }
        guard try source.byte(at: 0) == 0xFF, try source.byte(at: 1) == 0xD8 else {
            throw ImageError.notAnImage(name: name, reason: "not a JPEG (bad SOI marker)")
        }
        var position = 2
        var frame: JPEGFrame?
        var scans = 0
        while true {
            // A marker is 0xFF (possibly repeated as fill) then a non-0xFF byte;
            // other bytes between segments are junk libjpeg skips, so do we.
            guard let byte = try source.byte(at: position) else {
                throw truncated(frame == nil ? "file ends before the frame header" : "file ends before the EOI marker")
            }
            position += 1
            if byte != 0xFF { continue }
            var marker: UInt8 = 0xFF
            while marker == 0xFF {
                guard let next = try source.byte(at: position) else { throw truncated("file ends inside a marker") }
                marker = next
                position += 1
            }
            switch marker {
            case 0x00, 0x01, 0xD0...0xD7:
                continue  // stuffed zero, TEM, RSTn: no segment follows
            case 0xD8:
                throw corrupt("a second SOI marker")
            case 0xD9:
                guard let frame else { throw corrupt("EOI marker before any frame header") }
                return JPEGWalk(frame: frame, scans: scans)
            case 0xC0...0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                let length = try u16(position, "the frame header")
                guard length >= 8 else { throw corrupt("frame header of \(length) bytes") }
                guard frame == nil else { throw corrupt("two frame headers") }
                guard let precision = try source.byte(at: position + 2).map(Int.init) else {
                    throw truncated("file ends inside the frame header")
                }
                let height = try u16(position + 3, "the frame header")
                let width = try u16(position + 5, "the frame header")
                guard let components = try source.byte(at: position + 7) else {
                    throw truncated("file ends inside the frame header")
                }
                guard width > 0 else { throw corrupt("frame width is 0") }
                guard components > 0 else { throw corrupt("frame has no components") }
                let found = JPEGFrame(width: width, height: height, components: Int(components),
                                      precision: precision, marker: marker)
                if stopAtFrame { return JPEGWalk(frame: found, scans: 0) }
                frame = found
                position += length
            case 0xDA:
                guard frame != nil else { throw corrupt("scan before the frame header") }
                scans += 1
                if scans > Image.maxJPEGScans {
                    throw ImageError.unsupported(name: name, format: .jpeg,
                                                 reason: "more than \(Image.maxJPEGScans) scans (Image.maxJPEGScans)")
                }
                position += try u16(position, "a scan header")
                // Entropy-coded data runs to the next marker that is not a
                // stuffed 0xFF00, a restart marker or a fill byte.
                while true {
                    guard let byte = try source.byte(at: position) else {
                        throw truncated("file ends inside the data of scan \(scans)")
                    }
                    if byte != 0xFF { position += 1; continue }
                    guard let next = try source.byte(at: position + 1) else {
                        throw truncated("file ends inside the data of scan \(scans)")
                    }
                    if next == 0x00 || (0xD0...0xD7).contains(next) { position += 2; continue }
                    if next == 0xFF { position += 1; continue }
                    break
                }
            default:
                let length = try u16(position, "a marker segment")
                guard length >= 2 else { throw corrupt("marker 0x\(String(marker, radix: 16)) segment of \(length) bytes") }
                position += length
            }
        }
    }
}

enum JPEG {
    /// Serialises libjpeg-turbo 2.x decodes: TurboJPEG keeps libjpeg's
    /// message text in one process-wide buffer, and `decode` must read its
    /// own decode's message to tell a harmless warning from damage. A
    /// 640×480 decode takes milliseconds, far below a network forward pass.
    private static let lock = NSLock()

    /// libjpeg warnings about data that is ignored, not replaced: the image
    /// is still complete and exact (Pillow ignores all warnings).
    private static let benign = ["extraneous bytes before marker", "unknown JFIF revision",
                                 "thumbnail image size does not match"]

    static func decode(_ bytes: [UInt8], name: String) throws(ImageError) -> Image {
        var source = MemoryByteSource(bytes: bytes)
        let frame = try JPEGStructure.walk(&source, name: name, stopAtFrame: true).frame
        try Image.checkPixelLimit(width: frame.width, height: frame.height, name: name)
        guard frame.height > 0 else {
            throw .unsupported(name: name, format: .jpeg, reason: "height 0 in the frame header (DNL marker)")
        }
        guard frame.precision == 8 else {
            throw .unsupported(name: name, format: .jpeg, reason: "\(frame.precision)-bit samples")
        }
        guard frame.marker != 0xC3 && frame.marker != 0xC7 && frame.marker != 0xCB && frame.marker != 0xCF else {
            throw .unsupported(name: name, format: .jpeg, reason: "lossless JPEG")
        }
        // The whole marker structure, through every scan to EOI: a file cut
        // short is reported here, before libjpeg pads it with gray.
        _ = try JPEGStructure.walk(&source, name: name, stopAtFrame: false)
        let (format, pixelSize): (TJPF, Int) = switch frame.components {
        case 1: (TJPF_GRAY, 1)
        case 3: (TJPF_RGB, 3)
        case 4: (TJPF_CMYK, 4)
        default: throw .unsupported(name: name, format: .jpeg, reason: "\(frame.components) colour components")
        }
        let count = frame.width * frame.height
        var decoded = [UInt8](repeating: 0, count: count * pixelSize)
        let failure: (message: String, warning: Bool)? = lock.withLock {
            guard let handle = tjInitDecompress() else { return ("cannot initialise libjpeg-turbo", false) }
            defer { tjDestroy(handle) }
            let status = bytes.withUnsafeBufferPointer { input in
                decoded.withUnsafeMutableBufferPointer { output in
                    tjDecompress2(handle, input.baseAddress, UInt(input.count), output.baseAddress,
                                  Int32(frame.width), 0, Int32(frame.height), Int32(format.rawValue),
                                  TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS)
                }
            }
            if status == 0 { return nil }
            let message = String(cString: tjGetErrorStr2(handle))
            return (message, tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue))
        }
        if let failure {
            let harmless = failure.warning && benign.contains { failure.message.contains($0) }
            if !harmless {
                if failure.message.contains("Premature end of JPEG file") {
                    throw .truncated(name: name, detail: failure.message)
                }
                let prefix = "Corrupt JPEG data: "
                let reason = failure.message.hasPrefix(prefix) ? String(failure.message.dropFirst(prefix.count)) : failure.message
                throw .corrupt(name: name, format: .jpeg, reason: reason)
            }
        }
        switch frame.components {
        case 1:
            return Image(width: frame.width, height: frame.height, gray: decoded)
        case 4:
            return Image(width: frame.width, height: frame.height, pixels: cmykToRGB(decoded))
        default:
            return Image(width: frame.width, height: frame.height, pixels: decoded)
        }
    }

    /// Pillow's CMYK → RGB. libjpeg hands over CMYK (YCCK already converted)
    /// as stored; Pillow reads it as Adobe-inverted ("CMYK;I": c = 255 − stored)
    /// and then computes r = nk − c·nk/255 with nk = 255 − k, rounding as its
    /// MULDIV255 macro does: ((t >> 8) + t) >> 8 with t = a·b + 128.
    static func cmykToRGB(_ cmyk: [UInt8]) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for i in 0..<count {
            let nk = Int(cmyk[4 * i + 3])  // 255 − (255 − stored k)
            for c in 0..<3 {
                let ink = 255 - Int(cmyk[4 * i + c])
                let t = ink * nk + 128
                rgb[3 * i + c] = UInt8(nk - (((t >> 8) + t) >> 8))
            }
        }
        return rgb
    }
}
