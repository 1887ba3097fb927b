// PNG.swift — PNG → RGB8 in Swift (chunks, CRC, inflate, filters, Adam7), as
// Pillow's convert("RGB") gives it. Not libpng: its error handling longjmps
// (undefined across Swift frames), and its setjmp-free simplified API applies
// gamma, premultiplies alpha and rounds 16→8 bits, which Pillow does not.
// Bounds-checked Swift: bad data throws, it cannot overrun. libpng writes.

/// The IHDR chunk of a PNG.
struct PNGHeader: Equatable {
    var width: Int
    var height: Int
    var bitDepth: Int
    /// 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA.
    var colorType: Int
    var interlaced: Bool

    /// Samples per pixel as stored (a palette index counts as one).
    var samplesPerPixel: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
    /// Channels of the colour model: 1 gray, 2 gray + alpha, 3 RGB or palette, 4 RGBA.
    var colorChannels: Int { colorType == 3 ? 3 : samplesPerPixel }
    /// Bytes per complete pixel, at least 1: the distance the filters look back.
    var filterStride: Int { max(1, samplesPerPixel * bitDepth / 8) }
    /// Bytes in one unfiltered row of `width` pixels (without the filter byte).
    func rowBytes(_ width: Int) -> Int { (width * samplesPerPixel * bitDepth + 7) / 8 }
}

enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Adam7 passes: (x0, y0, dx, dy).
    static let adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

    private static let validDepths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]

    /// Reads and validates the signature and IHDR (the first 33 bytes).
    static func header<S: ByteSource>(_ source: inout S, name: String) throws(ImageError) -> PNGHeader {
        var head = [UInt8]()
        for offset in 0..<33 {
            guard let byte = try source.byte(at: offset) else {
                throw ImageError.truncated(name: name, detail: "file ends inside the PNG header")
            }
            head.append(byte)
        }
        guard head.starts(with: signature) else {
            throw ImageError.notAnImage(name: name, reason: "not a PNG (bad signature)")
        }
        guard be32(head, 8) == 13, head[12..<16].elementsEqual("IHDR".utf8) else {
            throw ImageError.corrupt(name: name, format: .png, reason: "first chunk is not a 13-byte IHDR")
        }
        guard crc32(head[12..<29]) == UInt32(be32(head, 29)) else {
            throw ImageError.corrupt(name: name, format: .png, reason: "CRC mismatch in the IHDR chunk")
        }
        return try parseIHDR(head[16..<29], name: name)
    }

    private static func parseIHDR(_ data: ArraySlice<UInt8>, name: String) throws(ImageError) -> PNGHeader {
        let d = Array(data)
        let header = PNGHeader(width: be32(d, 0), height: be32(d, 4), bitDepth: Int(d[8]),
                               colorType: Int(d[9]), interlaced: d[12] == 1)
        func corrupt(_ reason: String) -> ImageError { .corrupt(name: name, format: .png, reason: reason) }
        guard header.width > 0, header.height > 0 else {
            throw corrupt("size \(header.width)×\(header.height) in IHDR")
        }
        guard header.width <= 0x7FFF_FFFF, header.height <= 0x7FFF_FFFF else { throw corrupt("size over 2^31 − 1 in IHDR") }
        guard let depths = validDepths[header.colorType] else { throw corrupt("colour type \(header.colorType)") }
        guard depths.contains(header.bitDepth) else {
            throw corrupt("bit depth \(header.bitDepth) with colour type \(header.colorType)")
        }
        guard d[10] == 0, d[11] == 0 else { throw corrupt("compression or filter method is not 0") }
        guard d[12] <= 1 else { throw corrupt("interlace method \(d[12])") }
        return header
    }

    static func decode(_ bytes: [UInt8], name: String) throws(ImageError) -> Image {
        func corrupt(_ reason: String) -> ImageError { .corrupt(name: name, format: .png, reason: reason) }
        var source = MemoryByteSource(bytes: bytes)
        let header = try Self.header(&source, name: name)
        try Image.checkPixelLimit(width: header.width, height: header.height, name: name)

        // Chunks: length, type, data, CRC. Critical chunks must pass their
        // CRC; damaged ancillary chunks are skipped, as libpng does.
        var palette = [UInt8](repeating: 0, count: 256 * 3)  // entries past the PLTE stay black, as in Pillow
        var hasPalette = false
        var compressed = [UInt8]()
        var idatState = 0  // 0 none yet, 1 inside the IDAT run, 2 after it
        var sawEnd = false
        var position = 33
        while position < bytes.count {
            guard position + 8 <= bytes.count else {
                throw ImageError.truncated(name: name, detail: "file ends inside a chunk header")
            }
            let length = be32(bytes, position)
            let type = String(decoding: bytes[position + 4..<position + 8], as: UTF8.self)
            guard length <= 0x7FFF_FFFF else { throw corrupt("chunk \(type) claims \(length) bytes") }
            guard position + 12 + length <= bytes.count else {
                throw ImageError.truncated(name: name, detail: "file ends inside a\(type == "IDAT" ? "n" : "") \(type) chunk")
            }
            let data = bytes[position + 8..<position + 8 + length]
            let critical = bytes[position + 4] & 0x20 == 0
            let crcOK = crc32(bytes[position + 4..<position + 8 + length]) == UInt32(be32(bytes, position + 8 + length))
            position += 12 + length
            if !crcOK {
                if critical { throw corrupt("CRC mismatch in the \(type) chunk") }
                continue
            }
            if idatState == 1 && type != "IDAT" { idatState = 2 }
            switch type {
            case "IHDR":
                throw corrupt("a second IHDR chunk")
            case "PLTE":
                guard length > 0, length % 3 == 0, length <= 768 else { throw corrupt("PLTE chunk of \(length) bytes") }
                palette.replaceSubrange(0..<length, with: data)
                hasPalette = true
            case "IDAT":
                guard idatState != 2 else { throw corrupt("IDAT chunks are not consecutive") }
                if header.colorType == 3 && !hasPalette { throw corrupt("palette image without a PLTE chunk before IDAT") }
                idatState = 1
                compressed.append(contentsOf: data)
            case "IEND":
                sawEnd = true
            default:
                if critical { throw ImageError.unsupported(name: name, format: .png, reason: "unknown critical chunk \(type)") }
            }
            if sawEnd { break }
        }
        guard idatState != 0 else {
            if sawEnd { throw corrupt("no IDAT chunk") }
            throw ImageError.truncated(name: name, detail: "file ends before the image data")
        }

        // Raw (filtered) size: one filter byte plus rowBytes per row, per pass.
        let passes = header.interlaced ? adam7 : [(0, 0, 1, 1)]
        var passSizes: [(width: Int, height: Int)] = []
        var expected = 0
        for (x0, y0, dx, dy) in passes {
            let w = (header.width - x0 + dx - 1) / dx
            let h = (header.height - y0 + dy - 1) / dy
            passSizes.append((w, h))
            if w > 0 && h > 0 { expected += h * (1 + header.rowBytes(w)) }
        }
        var raw: [UInt8]
        switch Result(catching: { () throws(InflateFailure) in try Inflate.zlib(compressed, expectedSize: expected) }) {
        case .success(let inflated):
            raw = inflated
        case .failure(.truncated):
            if sawEnd { throw corrupt("compressed image data ends early") }
            throw ImageError.truncated(name: name, detail: "file ends inside the image data")
        case .failure(.corrupt(let reason)):
            throw corrupt("image data: \(reason)")
        }
        guard raw.count == expected else {
            throw corrupt("image data has \(raw.count) of \(expected) bytes")
        }

        var pixels = [UInt8](repeating: 0, count: header.width * header.height * 3)
        var offset = 0
        for (pass, (x0, y0, dx, dy)) in passes.enumerated() {
            let (w, h) = passSizes[pass]
            guard w > 0 && h > 0 else { continue }
            let rowBytes = header.rowBytes(w)
            try unfilter(&raw, from: offset, rows: h, rowBytes: rowBytes, stride: header.filterStride, name: name)
            var rgbRow = [UInt8](repeating: 0, count: w * 3)
            for j in 0..<h {
                expandRow(raw, from: offset + j * (rowBytes + 1) + 1, pixels: w, header: header,
                          palette: palette, into: &rgbRow)
                let y = y0 + j * dy
                if dx == 1 {
                    pixels.replaceSubrange((y * header.width) * 3..<(y * header.width + w) * 3, with: rgbRow)
                } else {
                    for i in 0..<w {
                        let target = (y * header.width + x0 + i * dx) * 3
                        pixels[target] = rgbRow[3 * i]
                        pixels[target + 1] = rgbRow[3 * i + 1]
                        pixels[target + 2] = rgbRow[3 * i + 2]
                    }
                }
            }
            offset += h * (rowBytes + 1)
        }
        return Image(width: header.width, height: header.height, pixels: pixels)
    }

    /// Undoes the per-row filters (PNG spec §9) in place. `stride` is the
    /// byte distance to the corresponding byte of the previous pixel.
    private static func unfilter(_ raw: inout [UInt8], from start: Int, rows: Int, rowBytes: Int,
                                 stride: Int, name: String) throws(ImageError) {
        let badRow: Int? = raw.withUnsafeMutableBufferPointer { buffer in
            // The buffer holds rows × (1 + rowBytes) bytes from `start`
            // (checked by the caller against the inflated size).
            let base = buffer.baseAddress! + start
            for row in 0..<rows {
                let filter = base[row * (rowBytes + 1)]
                let line = base + row * (rowBytes + 1) + 1
                let previous: UnsafeMutablePointer<UInt8>? = row > 0 ? line - (rowBytes + 1) : nil
                switch filter {
                case 0:
                    break
                case 1:
                    for i in stride..<max(stride, rowBytes) { line[i] &+= line[i - stride] }
                case 2:
                    if let previous { for i in 0..<rowBytes { line[i] &+= previous[i] } }
                case 3:
                    for i in 0..<rowBytes {
                        let left = i >= stride ? Int(line[i - stride]) : 0
                        let up = previous.map { Int($0[i]) } ?? 0
                        line[i] &+= UInt8((left + up) >> 1)
                    }
                case 4:
                    for i in 0..<rowBytes {
                        let a = i >= stride ? Int(line[i - stride]) : 0
                        let b = previous.map { Int($0[i]) } ?? 0
                        let c = i >= stride ? previous.map { Int($0[i - stride]) } ?? 0 : 0
                        let p = a + b - c
                        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                        line[i] &+= UInt8(pa <= pb && pa <= pc ? a : (pb <= pc ? b : c))
                    }
                default:
                    return row
                }
            }
            return nil
        }
        if let badRow {
            throw .corrupt(name: name, format: .png, reason: "invalid filter type \(raw[start + badRow * (rowBytes + 1)]) in row \(badRow)")
        }
    }

    /// One unfiltered row to RGB8, as Pillow converts each PNG mode to "RGB":
    /// sub-byte gray scaled to 0...255; 16-bit samples keep their most
    /// significant byte, except 16-bit gray (Pillow mode I;16), clipped at
    /// 255; palette indices past the PLTE give black; alpha is dropped.
    private static func expandRow(_ raw: [UInt8], from start: Int, pixels count: Int, header: PNGHeader,
                                  palette: [UInt8], into out: inout [UInt8]) {
        let depth = header.bitDepth
        func sample(_ index: Int) -> Int {  // the index-th sub-byte sample of the row
            let bit = index * depth
            return Int(raw[start + (bit >> 3)] >> UInt8(8 - depth - (bit & 7))) & ((1 << depth) - 1)
        }
        switch (header.colorType, depth) {
        case (0, 16):
            for x in 0..<count {
                let v = raw[start + 2 * x] == 0 ? raw[start + 2 * x + 1] : 255
                out[3 * x] = v; out[3 * x + 1] = v; out[3 * x + 2] = v
            }
        case (0, _):
            let scale = [1: 255, 2: 85, 4: 17, 8: 1][depth]!
            for x in 0..<count {
                let v = UInt8(sample(x) * scale)
                out[3 * x] = v; out[3 * x + 1] = v; out[3 * x + 2] = v
            }
        case (2, 8):
            for i in 0..<count * 3 { out[i] = raw[start + i] }
        case (2, _):
            for i in 0..<count * 3 { out[i] = raw[start + 2 * i] }
        case (3, _):
            for x in 0..<count {
                let entry = 3 * sample(x)
                out[3 * x] = palette[entry]; out[3 * x + 1] = palette[entry + 1]; out[3 * x + 2] = palette[entry + 2]
            }
        case (4, _):
            let step = 2 * depth / 8
            for x in 0..<count {
                let v = raw[start + step * x]
                out[3 * x] = v; out[3 * x + 1] = v; out[3 * x + 2] = v
            }
        default:  // (6, 8), (6, 16)
            let step = depth / 8
            for x in 0..<count {
                for c in 0..<3 { out[3 * x + c] = raw[start + step * (4 * x + c)] }
            }
        }
    }

    static func be32(_ bytes: [UInt8], _ offset: Int) -> Int {
        Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 as PNG chunks use it (ISO 3309, over type and data).
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
