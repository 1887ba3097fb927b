// Inflate.swift — zlib (RFC 1950) decompression of PNG image data, through
// zlib's own `inflate` (the library libpng uses). Bounded: the output buffer
// is exactly the size the image header implies, and zlib never writes past
// `avail_out`, so a decompression bomb cannot make it allocate or work beyond
// the image it claims; zlib reports bad input as a return code (it never
// longjmps), and each code becomes an `InflateFailure`.
import CZlib

/// Why an inflate failed: the input ran out, or it is not a valid zlib stream.
enum InflateFailure: Error, Equatable {
    case truncated
    case corrupt(String)
}

/// Caseless namespace for zlib decompression.
enum Inflate {
    /// Decompresses the zlib stream `input`, stopping once `expectedSize`
    /// bytes are out (more data is left unread, as libpng does). A stream
    /// that ends early returns fewer bytes only if it ended properly; one
    /// that is cut short throws `.truncated`; anything else zlib rejects
    /// throws `.corrupt` with zlib's reason ("invalid block type").
    static func zlib(_ input: [UInt8], expectedSize: Int) throws(InflateFailure) -> [UInt8] {
        guard input.count >= 2 else { throw .truncated }
        var out = [UInt8](repeating: 0, count: expectedSize)
        var stream = z_stream()
        guard kf_inflate_init(&stream) == Z_OK else { throw .corrupt("zlib could not start") }
        defer { inflateEnd(&stream) }
        var input = input
        let (status, produced, inputLeft): (Int32, Int, UInt32) = input.withUnsafeMutableBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                // One call with all input and all output space: zlib returns
                // when the stream ends, the output is full, or the input runs out.
                let status = target.isEmpty ? Z_BUF_ERROR : inflate(&stream, Z_FINISH)
                return (status, target.count - Int(stream.avail_out), stream.avail_in)
            }
        }
        switch status {
        case Z_STREAM_END:
            out.removeLast(expectedSize - produced)
            return out
        case Z_BUF_ERROR where produced == expectedSize, Z_OK where produced == expectedSize:
            return out  // the image is complete; what follows is not read
        case Z_BUF_ERROR where inputLeft == 0, Z_OK where inputLeft == 0:
            throw .truncated
        case Z_NEED_DICT:
            throw .corrupt("zlib preset dictionary not allowed")
        case Z_MEM_ERROR:
            throw .corrupt("zlib ran out of memory")
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw .corrupt(reason)
        }
    }
}
