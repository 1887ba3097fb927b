// ZeroMQ.swift — the few libzmq calls the kernel needs (module CZMQ): a
// context, sockets bound to the connection file's ports, multipart send and
// receive, poll. A socket is used from one thread only (libzmq's rule);
// errors carry zmq_strerror's text.
import CZMQ
import Foundation

/// A libzmq call that failed: what was being done and the library's reason.
struct ZeroMQError: Error, CustomStringConvertible {
    /// What was being done, e.g. `bind tcp://127.0.0.1:5555`.
    let action: String
    /// zmq_strerror's text.
    let reason: String

    /// `zeromq: ACTION: REASON`.
    var description: String { "zeromq: \(action): \(reason)" }

    /// The error for the last failed call.
    static func last(_ action: String) -> ZeroMQError {
        ZeroMQError(action: action, reason: String(cString: zmq_strerror(zmq_errno())))
    }
}

/// One libzmq context: every socket of the kernel lives in it.
final class ZeroMQContext: @unchecked Sendable {
    // @unchecked Sendable: libzmq contexts are thread-safe.
    let handle: UnsafeMutableRawPointer

    /// A new context.
    init() {
        guard let handle = zmq_ctx_new() else { fatalError("zeromq: zmq_ctx_new failed") }
        self.handle = handle
    }
}

/// A socket of a given type (ZMQ_ROUTER, ZMQ_PUB, ZMQ_REP).
final class ZeroMQSocket: @unchecked Sendable {
    // @unchecked Sendable: handed to the one thread that uses it.
    let handle: UnsafeMutableRawPointer

    /// A socket of `type` in `context`, with linger 0 so closing never blocks.
    init(_ context: ZeroMQContext, type: Int32) throws {
        guard let handle = zmq_socket(context.handle, type) else { throw ZeroMQError.last("socket") }
        self.handle = handle
        var linger: Int32 = 0
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    deinit {
        zmq_close(handle)
    }

    /// Binds to `endpoint`, e.g. `tcp://127.0.0.1:5555`.
    func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZeroMQError.last("bind \(endpoint)") }
    }

    /// Sends `frames` as one multipart message.
    func send(_ frames: [[UInt8]]) throws {
        for (i, frame) in frames.enumerated() {
            let flags = i == frames.count - 1 ? 0 : ZMQ_SNDMORE
            let sent = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            if sent < 0 {
                if zmq_errno() == EINTR { return try send(Array(frames[i...])) }
                throw ZeroMQError.last("send")
            }
        }
    }

    /// Receives one whole multipart message (blocking); retries after EINTR.
    func receive() throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            if zmq_msg_recv(&message, handle, 0) < 0 {
                if zmq_errno() == EINTR { continue }
                throw ZeroMQError.last("receive")
            }
            let size = zmq_msg_size(&message)
            let data = zmq_msg_data(&message)!
            frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Waits up to `milliseconds` (-1: forever) for a message on any of
    /// `sockets`; returns the indices of those with one waiting.
    static func poll(_ sockets: [ZeroMQSocket], milliseconds: Int) -> [Int] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let count = zmq_poll(&items, Int32(items.count), milliseconds)
        guard count > 0 else { return [] }
        return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
