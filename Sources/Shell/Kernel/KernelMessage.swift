// KernelMessage.swift — one message of the Jupyter messaging protocol (5.3)
// and its wire form: ZeroMQ routing identities, the `<IDS|MSG>` delimiter,
// the hex HMAC signature, then header, parent header, metadata and content
// as JSON, then any binary buffers.
import Common
import Foundation

/// A message on the wire that cannot be accepted: why.
struct KernelMessageError: Error, CustomStringConvertible {
    /// What was wrong, e.g. `wrong signature` or `header: JSON at byte 3: …`.
    let reason: String
    /// The reason.
    var description: String { reason }
}

/// A Jupyter message: who it is for, its header, the header it answers, and its content.
struct KernelMessage {
    /// The ZeroMQ routing identities before the delimiter (shell, control, stdin).
    var identities: [[UInt8]]
    /// `msg_id`, `session`, `username`, `date`, `msg_type`, `version`.
    var header: JSONValue
    /// The header of the message this one answers ({} when none).
    var parentHeader: JSONValue
    /// Free-form metadata.
    var metadata: JSONValue
    /// The content of this `msg_type`.
    var content: JSONValue
    /// Binary buffers after the content (kept, never interpreted).
    var buffers: [[UInt8]] = []

    /// The header's `msg_type`.
    var type: String { header["msg_type"]?.stringValue ?? "" }

    /// The delimiter between routing identities and the message proper.
    static let delimiter = Array("<IDS|MSG>".utf8)

    /// Reads `frames` and checks their signature with `signer`; throws for a
    /// missing delimiter, a wrong or missing signature, or unreadable JSON.
    static func decode(_ frames: [[UInt8]], signer: MessageSigner) throws -> KernelMessage {
        guard let split = frames.firstIndex(of: delimiter) else {
            throw KernelMessageError(reason: "no <IDS|MSG> delimiter")
        }
        guard frames.count >= split + 6 else {
            throw KernelMessageError(reason: "expected signature, header, parent header, metadata and content after <IDS|MSG>")
        }
        let parts = Array(frames[(split + 2)..<(split + 6)])
        guard signer.verify(frames[split + 1], frames: parts) else {
            throw KernelMessageError(reason: frames[split + 1].isEmpty ? "unsigned message" : "wrong signature")
        }
        var decoded: [JSONValue] = []
        for (name, part) in zip(["header", "parent header", "metadata", "content"], parts) {
            do {
                decoded.append(try JSONValue(parsing: part))
            } catch {
                throw KernelMessageError(reason: "\(name): \(error)")
            }
        }
        return KernelMessage(identities: Array(frames[..<split]), header: decoded[0], parentHeader: decoded[1],
                             metadata: decoded[2], content: decoded[3], buffers: Array(frames[(split + 6)...]))
    }

    /// The signed frames of this message.
    func encode(signer: MessageSigner) -> [[UInt8]] {
        let parts = [header, parentHeader, metadata, content].map { Array($0.rendered.utf8) }
        return identities + [Self.delimiter, Array(signer.signature(parts).utf8)] + parts + buffers
    }

    /// A new header of `type` in `session`.
    static func header(type: String, session: String) -> JSONValue {
        .object([
            ("msg_id", .string(UUID().uuidString.lowercased())),
            ("session", .string(session)),
            ("username", .string("kungfu")),
            ("date", .string(timestamp())),
            ("msg_type", .string(type)),
            ("version", .string("5.3")),
        ])
    }

    /// Now in ISO 8601 with microseconds and a UTC offset, as Jupyter writes dates.
    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"
        return formatter.string(from: Date())
    }
}

/// The connection file a client writes: transport, address, the five
/// ports, and the signing key.
struct ConnectionInfo {
    /// `tcp` or `ipc`.
    var transport: String
    /// The address to bind, e.g. `127.0.0.1`.
    var ip: String
    /// Ports by channel: shell, iopub, stdin, control, hb.
    var ports: [String: Int]
    /// The HMAC key.
    var key: String
    /// The signature scheme (only `hmac-sha256` is accepted).
    var signatureScheme: String

    /// Reads the connection file at `path`; errors name the file and the field.
    static func read(_ path: String) throws -> ConnectionInfo {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KernelMessageError(reason: "\(path): cannot be read")
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: Array(data))
        } catch {
            throw KernelMessageError(reason: "\(path): \(error)")
        }
        var ports: [String: Int] = [:]
        for channel in ["shell", "iopub", "stdin", "control", "hb"] {
            guard let port = json[channel + "_port"]?.intValue else {
                throw KernelMessageError(reason: "\(path): expected a number for \(channel)_port")
            }
            ports[channel] = port
        }
        let scheme = json["signature_scheme"]?.stringValue ?? "hmac-sha256"
        guard scheme == "hmac-sha256" else {
            throw KernelMessageError(reason: "\(path): signature_scheme \(scheme) is not supported (expected hmac-sha256)")
        }
        return ConnectionInfo(transport: json["transport"]?.stringValue ?? "tcp", ip: json["ip"]?.stringValue ?? "127.0.0.1",
                              ports: ports, key: json["key"]?.stringValue ?? "", signatureScheme: scheme)
    }

    /// The endpoint of `channel`: `tcp://IP:PORT`, or `ipc://IP-PORT` for ipc.
    func endpoint(_ channel: String) -> String {
        let port = ports[channel] ?? 0
        return transport == "ipc" ? "ipc://\(ip)-\(port)" : "\(transport)://\(ip):\(port)"
    }
}
