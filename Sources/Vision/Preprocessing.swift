// Preprocessing.swift — the input transform each model expects, named after
// the model: Inception V3 takes Float32 NHWC in [−1, 1] (Keras 'tf' mode).

/// Model input preprocessing, one named step per model.
public enum Preprocessing {
    /// `keras.applications.inception_v3.preprocess_input`: pixels as Float32
    /// (N, H, W, 3), x / 127.5 − 1, computed in Float32 exactly as Keras does
    /// (`x /= 127.5; x -= 1.`): 0 → −1, 127 → −0.0039215684, 128 → 0.003921628,
    /// 255 → 1.
    ///
    /// All images must have the same size (resize them first: Inception V3
    /// takes 299×299).
    ///
    ///     let batch = Preprocessing.inceptionV3([image])   // shape [1, 299, 299, 3]
    public static func inceptionV3(_ images: [Image]) -> Tensor {
        precondition(!images.isEmpty, "Preprocessing.inceptionV3: no images")
        let (width, height) = (images[0].width, images[0].height)
        precondition(images.allSatisfy { $0.width == width && $0.height == height },
                     "Preprocessing.inceptionV3: images differ in size (first is \(width)×\(height))")
        // One table lookup per byte: the 256 possible results.
        let table: [Float] = (0...255).map { Float($0) / 127.5 - 1 }
        var scalars = [Float]()
        scalars.reserveCapacity(images.count * height * width * 3)
        for image in images {
            scalars.append(contentsOf: image.pixels.lazy.map { table[Int($0)] })
        }
        return Tensor(shape: [images.count, height, width, 3], scalars: scalars)
    }
}
