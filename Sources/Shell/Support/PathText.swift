// PathText.swift — splitting a path the learner typed into folder, name and
// stem. Written out because Foundation's NSString path methods on Linux trap
// on some inputs (`(" " as NSString).lastPathComponent` crashes with SIGILL
// in swift-corelibs-foundation), and a path is user input.

/// Pure string operations on `/`-separated paths.
enum PathText {
    /// `path` without trailing slashes (`/` stays `/`).
    private static func trimmed(_ path: String) -> Substring {
        var text = Substring(path)
        while text.count > 1 && text.hasSuffix("/") { text = text.dropLast() }
        return text
    }

    /// The last component: `a/b.jpg` → `b.jpg`, `a/b/` → `b`, `b.jpg` → `b.jpg`, `/` → `/`.
    static func lastComponent(_ path: String) -> String {
        let text = trimmed(path)
        guard text != "/", let slash = text.lastIndex(of: "/") else { return String(text) }
        return String(text[text.index(after: slash)...])
    }

    /// Everything before the last component: `a/b.jpg` → `a`, `/b.jpg` → `/`, `b.jpg` → ``.
    static func folder(_ path: String) -> String {
        let text = trimmed(path)
        guard text != "/", let slash = text.lastIndex(of: "/") else { return text == "/" ? "/" : "" }
        return slash == text.startIndex ? "/" : String(text[..<slash])
    }

    /// A file name without its extension: `cat.jpg` → `cat`, `.hidden` → `.hidden`, ` ` → ` `.
    static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// A path without its last component's extension: `out/cat.npy` →
    /// `out/cat`, `out.d/cat` → `out.d/cat` (the folder's dots stay).
    static func withoutExtension(_ path: String) -> String {
        let ext = fileExtension(lastComponent(path))
        return ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
    }

    /// A file name's extension, without the dot: `cat.JPG` → `JPG`, `cat` → ``.
    static func fileExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }
}
