// KerasImage.swift — `keras.utils.load_img` in Swift: decode, convert to RGB,
// resize only if the size differs (optionally centre-cropping to the target
// aspect ratio first), with Pillow's exact pixels.

/// Loading images the way Keras does (`keras.utils.load_img`).
public enum KerasImage {
    /// `keras.utils.load_img(path, target_size=(height, width),
    /// interpolation=..., keep_aspect_ratio=...)` with `color_mode="rgb"`.
    ///
    /// Without `targetSize` the image is returned at its own size. With
    /// `keepAspectRatio`, the largest centred box of the target's aspect
    /// ratio is resized (Keras' integer arithmetic: crop height =
    /// min(height, width · th // tw), crop width = min(width, height · tw // th),
    /// offsets (size − crop) // 2), and pixels just outside that box may still
    /// feed the bilinear and bicubic filters, as in Keras.
    ///
    ///     let x = try KerasImage.load("examples/testset/1.jpg", targetSize: (299, 299))
    public static func load(_ path: String, targetSize: (height: Int, width: Int)? = nil,
                            interpolation: ResizeFilter = .nearest, keepAspectRatio: Bool = false) throws -> Image {
        let image = try Image(contentsOfFile: path)
        guard let targetSize, (targetSize.width, targetSize.height) != (image.width, image.height) else {
            return image
        }
        precondition(targetSize.width > 0 && targetSize.height > 0,
                     "KerasImage.load: target size \(targetSize) is empty")
        guard keepAspectRatio else {
            return image.resized(width: targetSize.width, height: targetSize.height, filter: interpolation)
        }
        let cropHeight = min(image.height, image.width * targetSize.height / targetSize.width)
        let cropWidth = min(image.width, image.height * targetSize.width / targetSize.height)
        let top = (image.height - cropHeight) / 2
        let left = (image.width - cropWidth) / 2
        let box = ResizeBox(left: Float(left), top: Float(top),
                            right: Float(left + cropWidth), bottom: Float(top + cropHeight))
        return image.resized(width: targetSize.width, height: targetSize.height, filter: interpolation, box: box)
    }
}
