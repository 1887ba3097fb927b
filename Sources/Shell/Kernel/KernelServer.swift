// KernelServer.swift — the sockets and threads of `kungfu kernel`: shell
// requests run on the main thread, one at a time, in the one Host of this
// process (the same runtime as `kungfu run`); control (interrupt, shutdown)
// has its own thread so it is answered while a cell runs; heartbeat echoes
// on a third. iopub is shared, behind a lock. Every message sent is signed
// with the connection key; unsigned or wrongly signed messages are ignored
// and logged on stderr.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import CZMQ
import Foundation

/// A running Jupyter kernel: its sockets and the session they drive.
final class KernelServer: @unchecked Sendable {
    // @unchecked Sendable: each socket is used by one thread; iopub is
    // guarded by `iopubLock`; `requests` is only touched on the main thread.
    let signer: MessageSigner
    /// This kernel's session id, in the header of every message it sends.
    let sessionID = UUID().uuidString.lowercased()
    private let context = ZeroMQContext()
    private let shell: ZeroMQSocket
    private let control: ZeroMQSocket
    private let stdin: ZeroMQSocket
    private let iopub: ZeroMQSocket
    private let heartbeat: ZeroMQSocket
    private let iopubLock = NSLock()
    /// What the requests do (execute, complete, inspect…).
    private(set) var requests: KernelRequests!

    /// Binds the five channels of `connection`.
    init(connection: ConnectionInfo) throws {
        signer = MessageSigner(key: Array(connection.key.utf8))
        shell = try ZeroMQSocket(context, type: ZMQ_ROUTER)
        control = try ZeroMQSocket(context, type: ZMQ_ROUTER)
        stdin = try ZeroMQSocket(context, type: ZMQ_ROUTER)
        iopub = try ZeroMQSocket(context, type: ZMQ_PUB)
        heartbeat = try ZeroMQSocket(context, type: ZMQ_REP)
        try shell.bind(connection.endpoint("shell"))
        try control.bind(connection.endpoint("control"))
        try stdin.bind(connection.endpoint("stdin"))
        try iopub.bind(connection.endpoint("iopub"))
        try heartbeat.bind(connection.endpoint("hb"))
        requests = KernelRequests(server: self)
    }

    /// Serves until a shutdown request ends the process.
    func serve() -> Never {
        // Idle, SIGINT is ignored; while a cell runs, Host arms the handler
        // that sets CancellationFlag.processInterrupt (Interrupts.swift).
        signal(SIGINT, SIG_IGN)
        Thread.detachNewThread { [self] in echoHeartbeats() }
        Thread.detachNewThread { [self] in serve(control, name: "control") }
        publish("status", content: .object([("execution_state", .string("starting"))]), parent: .object([]))
        serve(shell, name: "shell")
        exit(0)
    }

    /// Receives and answers messages on `socket` forever (or until an error).
    private func serve(_ socket: ZeroMQSocket, name: String) {
        while true {
            let frames: [[UInt8]]
            do {
                frames = try socket.receive()
            } catch {
                log("\(name): \(error)")
                return
            }
            let message: KernelMessage
            do {
                message = try KernelMessage.decode(frames, signer: signer)
            } catch {
                log("ignored a message on \(name): \(error)")
                continue
            }
            var queued: [KernelMessage] = []
            requests.handle(message, channel: name) { [self] type, content in
                if type == "execute_reply", content["status"]?.stringValue == "error",
                   message.content["stop_on_error"]?.boolValue ?? true {
                    // Taken before the reply goes out: only what was sent
                    // while the cell ran, never a request sent after its error.
                    queued = waiting(on: socket, name: name)
                }
                reply(on: socket, to: message, type: type, content: content)
            }
            abort(queued, on: socket, name: name)
        }
    }

    /// The messages waiting on `socket` now (badly signed ones logged and dropped).
    private func waiting(on socket: ZeroMQSocket, name: String) -> [KernelMessage] {
        var messages: [KernelMessage] = []
        while !ZeroMQSocket.poll([socket], milliseconds: 0).isEmpty {
            do {
                messages.append(try KernelMessage.decode(try socket.receive(), signer: signer))
            } catch {
                log("ignored a message on \(name): \(error)")
            }
        }
        return messages
    }

    /// After a cell failed with stop_on_error (the default), the execute
    /// requests that were waiting behind it are answered "aborted" without
    /// running, as ipykernel does, so a Run All stops at the first error;
    /// other requests that were waiting are answered as usual.
    private func abort(_ queued: [KernelMessage], on socket: ZeroMQSocket, name: String) {
        for message in queued {
            guard message.type == "execute_request" else {
                requests.handle(message, channel: name) { [self] type, content in
                    reply(on: socket, to: message, type: type, content: content)
                }
                continue
            }
            publish("status", content: .object([("execution_state", .string("busy"))]), parent: message.header)
            reply(on: socket, to: message, type: "execute_reply", content: .object([("status", .string("aborted"))]))
            publish("status", content: .object([("execution_state", .string("idle"))]), parent: message.header)
        }
    }

    /// Echoes every heartbeat ping back unchanged.
    private func echoHeartbeats() {
        while true {
            do {
                try heartbeat.send(try heartbeat.receive())
            } catch {
                log("heartbeat: \(error)")
                return
            }
        }
    }

    /// Sends a reply of `type` to `request` on `socket` (its identities, its
    /// header as parent).
    private func reply(on socket: ZeroMQSocket, to request: KernelMessage, type: String, content: JSONValue) {
        let message = KernelMessage(identities: request.identities,
                                    header: KernelMessage.header(type: type, session: sessionID),
                                    parentHeader: request.header, metadata: .object([]), content: content)
        do {
            try socket.send(message.encode(signer: signer))
        } catch {
            log("\(type): \(error)")
        }
    }

    /// Publishes a message of `type` on iopub, as a child of `parent` (a header).
    func publish(_ type: String, content: JSONValue, parent: JSONValue) {
        let message = KernelMessage(identities: [Array(type.utf8)],
                                    header: KernelMessage.header(type: type, session: sessionID),
                                    parentHeader: parent, metadata: .object([]), content: content)
        iopubLock.withLock {
            do {
                try iopub.send(message.encode(signer: signer))
            } catch {
                log("iopub \(type): \(error)")
            }
        }
    }

    /// Writes `kungfu kernel: MESSAGE` on stderr (the Jupyter server's log).
    func log(_ text: String) {
        StandardStream.error.write("kungfu kernel: \(text)\n")
    }
}
