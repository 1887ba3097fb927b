// Inflate.swift — zlib (RFC 1950) / DEFLATE (RFC 1951) decompression in Swift,
// for PNG image data. Bounded: decoding stops once `expectedSize` bytes are out
// (a decompression bomb cannot make it allocate or work beyond the image it
// claims), and every read is checked: bad input throws, never traps.

/// Why an inflate failed: the input ran out, or it is not valid DEFLATE.
enum InflateFailure: Error, Equatable {
    case truncated
    case corrupt(String)
}

/// A canonical Huffman code (RFC 1951 §3.2.2), decoded through a 2^fastBits
/// table for short codes and a bit-by-bit canonical walk for long ones.
private struct HuffmanCode {
    static let fastBits = 10
    /// Indexed by the next `fastBits` input bits: symbol << 4 | length, or 0
    /// when the code is longer than `fastBits`.
    var fast: [UInt16]
    /// Number of codes of each length 0...15.
    var counts: [Int]
    /// Symbols ordered by (length, value): the canonical order.
    var symbols: [Int]

    init(lengths: [Int]) throws(InflateFailure) {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[length] += 1 }
        counts[0] = 0
        // Over-subscribed sets are invalid; incomplete ones are allowed (a
        // code with one symbol is legal for distances).
        var left = 1
        for length in 1...15 {
            left <<= 1
            left -= counts[length]
            if left < 0 { throw .corrupt("over-subscribed Huffman code") }
        }
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        var symbols = [Int](repeating: 0, count: lengths.count)
        var fast = [UInt16](repeating: 0, count: 1 << Self.fastBits)
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + counts[length - 1]) << 1
            nextCode[length] = code
        }
        for (symbol, length) in lengths.enumerated() where length > 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
            let assigned = nextCode[length]
            nextCode[length] += 1
            if length <= Self.fastBits {
                // DEFLATE sends codes most-significant bit first into an
                // LSB-first bit stream: index the table by the reversed code.
                var reversed = 0
                for bit in 0..<length where assigned & (1 << bit) != 0 {
                    reversed |= 1 << (length - 1 - bit)
                }
                let entry = UInt16(symbol << 4 | length)
                var index = reversed
                while index < (1 << Self.fastBits) {
                    fast[index] = entry
                    index += 1 << length
                }
            }
        }
        self.fast = fast
        self.counts = counts
        self.symbols = symbols
    }
}

/// LSB-first bit reader over a byte array.
private struct BitReader {
    let input: [UInt8]
    var position = 0
    var buffer: UInt64 = 0
    var count = 0

    init(_ input: [UInt8], from position: Int) {
        self.input = input
        self.position = position
    }

    /// Tops the buffer up to at least 57 bits, or to whatever input is left.
    @inline(__always) mutating func refill() {
        while count <= 56 && position < input.count {
            buffer |= UInt64(input[position]) << UInt64(count)
            position += 1
            count += 8
        }
    }

    @inline(__always) mutating func bits(_ n: Int) throws(InflateFailure) -> Int {
        if count < n {
            refill()
            if count < n { throw .truncated }
        }
        let value = Int(buffer & ((1 << UInt64(n)) - 1))
        buffer >>= UInt64(n)
        count -= n
        return value
    }

    /// Drops bits up to the next byte boundary (before a stored block).
    mutating func alignToByte() {
        let drop = count % 8
        buffer >>= UInt64(drop)
        count -= drop
    }

    mutating func decode(_ code: HuffmanCode) throws(InflateFailure) -> Int {
        if count < 15 { refill() }
        let entry = Int(code.fast[Int(buffer & UInt64((1 << HuffmanCode.fastBits) - 1))])
        let length = entry & 15
        if length > 0 && length <= count {
            buffer >>= UInt64(length)
            count -= length
            return entry >> 4
        }
        // Long code (or input nearly exhausted): walk the canonical code.
        var value = 0, first = 0, index = 0
        for length in 1...15 {
            value |= try bits(1)
            let n = code.counts[length]
            if value - n < first { return code.symbols[index + (value - first)] }
            index += n
            first += n
            first <<= 1
            value <<= 1
        }
        throw .corrupt("invalid Huffman code")
    }
}

enum Inflate {
    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                     35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                      3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                       257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                       8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                        7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// Order in which code-length code lengths are sent (RFC 1951 §3.2.7).
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private static let fixedCodes: (HuffmanCode, HuffmanCode) = {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        // The fixed tables are valid by construction.
        let literal = try! HuffmanCode(lengths: lengths)
        let distance = try! HuffmanCode(lengths: [Int](repeating: 5, count: 30))
        return (literal, distance)
    }()

    /// Decompresses a zlib stream, stopping once `expectedSize` bytes are out.
    /// Returns fewer bytes only when the stream ends properly before that.
    static func zlib(_ input: [UInt8], expectedSize: Int) throws(InflateFailure) -> [UInt8] {
        guard input.count >= 2 else { throw .truncated }
        let cmf = Int(input[0]), flg = Int(input[1])
        guard cmf & 0x0F == 8, cmf >> 4 <= 7 else { throw .corrupt("not a zlib/deflate stream") }
        guard (cmf << 8 | flg) % 31 == 0 else { throw .corrupt("bad zlib header check") }
        guard flg & 0x20 == 0 else { throw .corrupt("zlib preset dictionary not allowed") }

        var out = [UInt8]()
        out.reserveCapacity(expectedSize)
        var reader = BitReader(input, from: 2)
        var final = false
        while !final && out.count < expectedSize {
            final = try reader.bits(1) == 1
            switch try reader.bits(2) {
            case 0:
                try stored(&reader, into: &out, limit: expectedSize)
            case 1:
                try compressed(&reader, fixedCodes.0, fixedCodes.1, into: &out, limit: expectedSize)
            case 2:
                let (literal, distance) = try dynamicCodes(&reader)
                try compressed(&reader, literal, distance, into: &out, limit: expectedSize)
            default:
                throw .corrupt("invalid DEFLATE block type")
            }
        }
        return out
    }

    private static func stored(_ reader: inout BitReader, into out: inout [UInt8], limit: Int) throws(InflateFailure) {
        reader.alignToByte()
        let length = try reader.bits(16)
        let complement = try reader.bits(16)
        guard length == ~complement & 0xFFFF else { throw .corrupt("stored block length check failed") }
        // Whole bytes still in the bit buffer come first, then the input.
        var remaining = length
        while remaining > 0 && reader.count >= 8 {
            if out.count < limit { out.append(UInt8(try reader.bits(8))) } else { _ = try reader.bits(8) }
            remaining -= 1
        }
        guard reader.position + remaining <= reader.input.count else { throw .truncated }
        let take = min(remaining, limit - out.count)
        if take > 0 { out.append(contentsOf: reader.input[reader.position..<reader.position + take]) }
        reader.position += remaining
    }

    private static func dynamicCodes(_ reader: inout BitReader) throws(InflateFailure) -> (HuffmanCode, HuffmanCode) {
        let literalCount = try reader.bits(5) + 257
        let distanceCount = try reader.bits(5) + 1
        let codeLengthCount = try reader.bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw .corrupt("too many length or distance codes") }
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for i in 0..<codeLengthCount { codeLengthLengths[codeLengthOrder[i]] = try reader.bits(3) }
        let codeLengthCode = try HuffmanCode(lengths: codeLengthLengths)

        var lengths = [Int]()
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try reader.decode(codeLengthCode)
            var repeatValue = 0, repeatCount = 0
            switch symbol {
            case 0...15:
                lengths.append(symbol)
                continue
            case 16:
                guard let last = lengths.last else { throw .corrupt("repeat with no previous length") }
                repeatValue = last
                repeatCount = 3 + (try reader.bits(2))
            case 17:
                repeatCount = 3 + (try reader.bits(3))
            default:
                repeatCount = 11 + (try reader.bits(7))
            }
            guard lengths.count + repeatCount <= literalCount + distanceCount else {
                throw .corrupt("code lengths overflow their table")
            }
            lengths.append(contentsOf: repeatElement(repeatValue, count: repeatCount))
        }
        guard lengths[256] > 0 else { throw .corrupt("no end-of-block code") }
        let literal = try HuffmanCode(lengths: Array(lengths[0..<literalCount]))
        let distance = try HuffmanCode(lengths: Array(lengths[literalCount...]))
        return (literal, distance)
    }

    /// The hot loop of PNG decoding: literal/length and distance symbols.
    private static func compressed(_ reader: inout BitReader, _ literal: HuffmanCode, _ distance: HuffmanCode,
                                   into out: inout [UInt8], limit: Int) throws(InflateFailure) {
        while out.count < limit {
            let symbol = try reader.decode(literal)
            if symbol < 256 {
                out.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw .corrupt("invalid length code") }
            let length = lengthBase[lengthIndex] + (try reader.bits(lengthExtra[lengthIndex]))
            let distanceSymbol = try reader.decode(distance)
            guard distanceSymbol < 30 else { throw .corrupt("invalid distance code") }
            let back = distanceBase[distanceSymbol] + (try reader.bits(distanceExtra[distanceSymbol]))
            guard back <= out.count else { throw .corrupt("distance reaches before the start of the data") }
            let start = out.count - back
            let n = min(length, limit - out.count)
            // Copies may overlap their own output (back < length): byte by byte.
            for i in 0..<n { out.append(out[start + i]) }
        }
    }
}
