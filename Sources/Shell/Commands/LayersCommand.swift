// LayersCommand.swift — `layers [matching "mixed*"]`: index, name, type,
// output shape and trainable flag of every layer of the model (the base, then
// the head's layers when one is set), or of those whose name matches a glob
// (`*` any run of characters, `?` one character).
import Lang

/// `layers`: [(i, l.name, type(l).__name__, l.output.shape, l.trainable) for i, l in enumerate(model.layers)].
struct LayersCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "layers",
        summary: "List the model's layers (index, name, type, output shape, trainable), optionally matching a glob.",
        parameters: [
            .keyword("matching", .string, placeholder: "glob", summary: "only names matching this glob, e.g. \"mixed*\""),
        ],
        example: "layers matching \"mixed*\"",
        keras: "[(i, l.name, l.__class__.__name__, l.output.shape, l.trainable) for i, l in enumerate(model.layers)]",
        returns: "layers")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        let pattern = arguments.string("matching")
        let chosen = model.layerTable.filter { pattern.map(Glob.init)?.matches($0.name) ?? true }
        if let pattern, chosen.isEmpty {
            throw CommandError("no layer name matches \"\(pattern)\"", argument: "matching",
                               notes: ["names look like conv2d_5, mixed3, mixed9_1, avg_pool, predictions"])
        }
        return .host(LayerListValue(layers: chosen.map { LayerValue(layer: $0) }, pattern: pattern))
    }
}

/// A shell-style glob over one name or path component: `*` matches any run
/// of characters (none included), `?` one character, anything else itself.
struct Glob {
    let pattern: [Character]

    init(_ pattern: String) { self.pattern = Array(pattern) }

    /// True when the glob has a wildcard.
    var hasWildcards: Bool { pattern.contains("*") || pattern.contains("?") }

    /// True when all of `name` matches.
    func matches(_ name: String) -> Bool {
        let text = Array(name)
        var p = 0, t = 0
        var star: Int?, starText = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; starText = t; p += 1
            } else if let s = star {
                p = s + 1; starText += 1; t = starText
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
