// HostCompletion.swift — what the shell adds to the language's completion:
// file paths inside strings, layer names of the loaded model where a
// command takes a name; and the adapter from `Interpreter.completions` to
// the line editor's whole-text candidates.
import Foundation
import Lang

/// Tab completion candidates the host knows.
enum HostCompletion {
    /// Candidates for a request the interpreter could not answer alone.
    static func candidates(for request: CompletionRequest, layerNames: [String]) -> [String] {
        if request.isInString { return paths(startingWith: request.prefix) }
        guard let parameter = request.parameter, takesNames(parameter.type) else { return [] }
        return layerNames.filter { $0.hasPrefix(request.prefix) }
    }

    /// The line editor's candidates: the whole text before the cursor after
    /// completion. A single word candidate gets a trailing space; a single
    /// file inside a string gets its closing quote; a folder keeps its `/`.
    static func lineCandidates(_ text: String, interpreter: Interpreter) -> [String] {
        let completions = interpreter.completions(for: text)
        guard text.hasSuffix(completions.prefix) else { return [] }
        let head = String(text.dropLast(completions.prefix.count))
        guard completions.candidates.count == 1, let only = completions.candidates.first else {
            return completions.candidates.map { head + $0 }
        }
        let inString = head.last == "\"" || head.filter({ $0 == "\"" }).count % 2 == 1
        if inString { return [head + only + (only.hasSuffix("/") ? "" : "\"")] }
        return [head + only + " "]
    }

    /// Files and folders whose path starts with `prefix` (folders end in `/`);
    /// hidden entries only when the typed name starts with a dot.
    static func paths(startingWith prefix: String) -> [String] {
        let slash = prefix.lastIndex(of: "/")
        let folderPart = slash.map { String(prefix[...$0]) } ?? ""
        let namePart = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        let folder = folderPart.isEmpty ? "." : folderPart
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { $0.hasPrefix(namePart) && (namePart.hasPrefix(".") || !$0.hasPrefix(".")) }
            .map { name in
                var isFolder: ObjCBool = false
                let path = folderPart + name
                _ = FileManager.default.fileExists(atPath: folder == "." ? name : path, isDirectory: &isFolder)
                return path + (isFolder.boolValue ? "/" : "")
            }
            .sorted()
    }

    private static func takesNames(_ type: ParameterType) -> Bool {
        switch type {
        case .name: return true
        case .oneOf(let types): return types.contains(where: takesNames)
        default: return false
        }
    }
}
