// HomePath.swift — `~` and `~/…` in path arguments mean the home folder, as
// in a Unix shell and Python's os.path.expanduser: the one place commands
// read a path argument.
import Foundation
import Lang

extension Arguments {
    /// The string argument `name` as a path: a leading `~` or `~/` becomes
    /// the home folder ($HOME, else the account's); `~user` and other text are kept as typed.
    func path(_ name: String) -> String? {
        string(name).map { HomePath.expand($0) }
    }
}

/// Expands a leading `~`.
enum HomePath {
    /// `~` → `/home/me`, `~/x.jpg` → `/home/me/x.jpg`; anything else unchanged.
    static func expand(_ path: String, home: String? = ProcessInfo.processInfo.environment["HOME"]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let folder = home.flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return folder + path.dropFirst()
    }
}
