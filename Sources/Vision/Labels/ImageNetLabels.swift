// ImageNetLabels.swift — the 1000 ImageNet classes in Keras' index order,
// parsed once (lazily) from the embedded class index. Index i is output unit i
// of the `predictions` layer; wnids and labels are exactly Keras' (281
// n02123045 tabby), duplicate labels such as "crane" (134, 517) included.

import Foundation

/// One ImageNet class as Keras names it.
public struct ImageNetClass: Sendable, Equatable {
    /// Output unit of the classifier, 0...999.
    public let index: Int
    /// WordNet id, e.g. "n02123045".
    public let wnid: String
    /// Keras' label, e.g. "tabby".
    public let label: String
}

/// Keras' ImageNet class index (imagenet_class_index.json), shipped inside
/// the library: no download, no resource bundle.
///
///     ImageNetLabels.classes[281].label   // "tabby"
public enum ImageNetLabels {
    /// The 1000 classes, `classes[i].index == i`. Parsed on first use
    /// (thread-safe: a static let is initialised once).
    public static let classes: [ImageNetClass] = parse(classIndexJSON)

    /// Number of classes: 1000.
    public static var count: Int { classes.count }

    /// Parses Keras' format: {"0": ["n01440764", "tench"], ...}.
    static func parse(_ json: String) -> [ImageNetClass] {
        guard let table = try? JSONDecoder().decode([String: [String]].self, from: Data(json.utf8)) else {
            preconditionFailure("ImageNetLabels: the embedded class index is not valid JSON")
        }
        return (0..<table.count).map { index in
            guard let entry = table[String(index)], entry.count == 2 else {
                preconditionFailure("ImageNetLabels: the embedded class index has no entry \(index)")
            }
            return ImageNetClass(index: index, wnid: entry[0], label: entry[1])
        }
    }
}
