// JPEGEncoder.swift — baseline JPEG writing through libjpeg-turbo's TurboJPEG
// API, for photos embedded in notebooks (a photo as JPEG is a tenth of its
// PNG). Pictures with sharp edges (charts, feature-map grids) stay PNG.
import CTurboJPEG
import Foundation

extension Image {
    /// This image as JPEG bytes: 4:2:0 chroma subsampling, `quality` 1–100
    /// (libjpeg's scale; 90 keeps a photo visually unchanged).
    public func jpegData(quality: Int = 90) throws(ImageError) -> [UInt8] {
        precondition((1...100).contains(quality), "jpegData: quality \(quality) is outside 1...100")
        let result: Result<[UInt8], ImageError> = pixels.withUnsafeBufferPointer { input in
            guard let handle = tjInitCompress() else { return .failure(.encodeFailed(reason: "cannot initialise libjpeg-turbo")) }
            defer { tjDestroy(handle) }
            var output: UnsafeMutablePointer<UInt8>? = nil
            var size: UInt = 0
            let status = tjCompress2(handle, input.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue),
                                     &output, &size, Int32(TJSAMP_420.rawValue), Int32(quality), TJFLAG_ACCURATEDCT)
            defer { if let output { tjFree(output) } }
            guard status == 0, let output else {
                return .failure(.encodeFailed(reason: String(cString: tjGetErrorStr2(handle))))
            }
            return .success(Array(UnsafeBufferPointer(start: output, count: Int(size))))
        }
        return try result.get()
    }
}
