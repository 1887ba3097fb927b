// WeightsError.swift — the one error type of weights files and downloads.
//
// Every message starts with the file (or URL) it is about and says what was
// found and what was expected; `kind` lets callers react without parsing text.

/// A weights file that cannot be read, written, matched to a model, found or
/// downloaded. `description` is the full message for the user, e.g.
///
///     my.h5: layer 'conv2d_5' (file 'conv2d_6'), dataset 'kernel': file has
///     shape (3, 3, 64, 80), model expects (1, 1, 64, 80)
public struct WeightsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely.
    public enum Kind: Sendable, Equatable {
        /// The file does not exist or cannot be opened.
        case unreadable
        /// Not an HDF5 file at all.
        case notHDF5
        /// An HDF5 file that libhdf5 cannot read (truncated, damaged).
        case damaged
        /// HDF5, but not laid out as Keras weights.
        case notKerasWeights
        /// Keras weights that do not fit the model (counts, shapes).
        case mismatch
        /// Writing a weights file failed.
        case write
        /// A cached file whose SHA-256 is not the expected one.
        case corrupt
        /// A download that failed (network, HTTP, checksum, disk, interrupted).
        case download
        /// A download stopped by the user.
        case cancelled
        /// A custom weights source that cannot be used (URL, checksum, name).
        case invalidSource
    }

    /// What went wrong, coarsely.
    public var kind: Kind
    /// The full message.
    public var message: String

    /// An error of `kind` with the full `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The full message.
    public var description: String { message }
}
