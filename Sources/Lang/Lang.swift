// Lang — the kungfu command language: tokens, lexer, parser, AST, values,
// interpreter, diagnostics and the command registry. It knows nothing about
// images or networks: the host registers commands.

/// Namespace for facts about the language itself.
public enum Lang {
    /// The file extension of kungfu scripts.
    public static let scriptExtension = "kf"
}
