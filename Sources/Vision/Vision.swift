// Vision — tensors, SIMD kernels, Inception V3, weights (HDF5), image I/O,
// preprocessing, ImageNet labels and training. It knows nothing about the
// command language.

/// Namespace for facts about the Vision library itself.
public enum Vision {
    /// The network this library implements, as Keras names it.
    public static let modelName = "inception_v3"
}
