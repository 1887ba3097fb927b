// LocalHTTPServer.swift — a minimal in-process HTTP/1.1 server on 127.0.0.1
// (ephemeral port) for the download tests (its own checks are in
// DownloadServerTests.swift). Tests/ShellTests/LocalHTTPServer.swift is a
// symbolic link to this file: the shell's tests use the same server.
//
// It serves one connection at a time on a background thread, answers GET
// with a scripted behaviour per path, and stops when the test ends. It
// only ever listens on the loopback address. As a proxy it sees the target:
// "CONNECT 127.0.0.1:9" has the path "127.0.0.1:9", a proxied GET the full
// URL; `.status(403)` there is a proxy refusing.
import Foundation
import XCTest

/// What the test server does for one request path.
enum ServerBehaviour: Sendable {
    /// 200 with Content-Length and the whole body.
    case body([UInt8])
    /// 200 announcing the whole body, then closing after `sent` bytes.
    case closeAfter(sent: Int, of: [UInt8])
    /// A bare status (e.g. 404) with a short text body.
    case status(Int)
    /// 200 sending `chunk` bytes every `delayMilliseconds`, stopping when the client goes away.
    case slow([UInt8], chunk: Int, delayMilliseconds: Int)
    /// Reads the request, then sends nothing at all until the client goes
    /// away or the server stops (a stalled server or network).
    case silent
}

/// A loopback HTTP server for tests. `stop()` (or the test's teardown) ends it.
final class LocalHTTPServer: @unchecked Sendable {
    // @unchecked: `requestLog` and `stopping` are guarded by `lock`; the
    // listening socket is closed only by the accept thread, after its loop.
    let port: UInt16
    private let listener: Int32
    private let behaviours: [String: ServerBehaviour]
    private let lock = NSLock()
    private var requestLog: [String] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    /// Paths requested so far.
    var requests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return requestLog
    }

    /// Starts listening on 127.0.0.1 at an ephemeral port.
    init(_ behaviours: [String: ServerBehaviour]) throws {
        self.behaviours = behaviours
        let (fd, port) = try Self.bindLoopback()
        guard listen(fd, 8) == 0 else { throw ServerError("listen failed: errno \(errno)") }
        listener = fd
        self.port = port
        let thread = Thread { [self] in
            acceptLoop()
            finished.signal()
        }
        thread.start()
    }

    /// A loopback port where nothing listens (bound, read, then closed).
    static func closedPort() throws -> UInt16 {
        let (fd, port) = try bindLoopback()
        close(fd)
        return port
    }

    /// The URL of `path` on this server.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Stops accepting and waits (at most 10 s) for the server thread to end.
    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))  // wakes a blocked accept(); later ones fail at once
        _ = finished.wait(timeout: .now() + 10)
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private static func bindLoopback() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerError("bind failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !isStopping {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 16384, !request.ends(with: Array("\r\n\r\n".utf8)) {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { return }
            request += buffer[0..<count]
        }
        let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        guard line.count >= 2 else { return }
        let path = String(line[1])
        lock.lock()
        requestLog.append(path)
        lock.unlock()
        switch behaviours[path] ?? .status(404) {
        case .body(let body):
            _ = send(connection, header(200, length: body.count) + body)
        case .closeAfter(let sent, let body):
            _ = send(connection, header(200, length: body.count) + body.prefix(sent))
        case .status(let code):
            let text = Array("status \(code)\n".utf8)
            _ = send(connection, header(code, length: text.count) + text)
        case .slow(let body, let chunk, let delay):
            guard send(connection, header(200, length: body.count)) else { return }
            var offset = 0
            while offset < body.count {
                let end = min(offset + chunk, body.count)
                guard send(connection, Array(body[offset..<end])) else { return }
                offset = end
                usleep(UInt32(delay * 1000))
            }
        case .silent:
            var byte: UInt8 = 0
            while !isStopping {  // recv times out every 5 s (SO_RCVTIMEO) to look at `stopping`
                let count = recv(connection, &byte, 1, 0)
                if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { return }
            }
        }
    }

    private func header(_ code: Int, length: Int) -> [UInt8] {
        let reason = [200: "OK", 403: "Forbidden", 404: "Not Found"][code] ?? "Status"
        return Array("HTTP/1.1 \(code) \(reason)\r\nContent-Length: \(length)\r\nConnection: close\r\n\r\n".utf8)
    }

    /// Sends everything; false once the client has gone (no SIGPIPE).
    private func send(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    struct ServerError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}

extension XCTestCase {
    /// A server for this test, stopped when the test ends.
    func startServer(_ behaviours: [String: ServerBehaviour]) throws -> LocalHTTPServer {
        let server = try LocalHTTPServer(behaviours)
        addTeardownBlock { server.stop() }
        return server
    }
}

