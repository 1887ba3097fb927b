// DownloadServerTests.swift — checks of LocalHTTPServer, the loopback server
// of the download tests.
import Foundation
import XCTest

final class DownloadServerTests: XCTestCase {
    /// Sends `request` to the server over a plain socket and returns all it answers.
    private func exchange(_ server: LocalHTTPServer, _ request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = server.port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        XCTAssertEqual(connected, 0, "connect to 127.0.0.1:\(server.port)")
        let bytes = Array(request.utf8)
        XCTAssertEqual(send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)), bytes.count)
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    func testServerAnswersAndLogsRequests() throws {
        // Oracle: HTTP/1.1 as written by hand (RFC 9112 status line, Content-Length framing).
        let server = try startServer(["/a": .body(Array("hello".utf8)), "/cut": .closeAfter(sent: 2, of: [1, 2, 3])])
        XCTAssertEqual(try exchange(server, "GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        XCTAssertEqual(try exchange(server, "GET /b HTTP/1.1\r\n\r\n"),
                       "HTTP/1.1 404 Not Found\r\nContent-Length: 11\r\nConnection: close\r\n\r\nstatus 404\n")
        XCTAssertEqual(try exchange(server, "GET /cut HTTP/1.1\r\n\r\n"),
                       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n\u{1}\u{2}")
        XCTAssertEqual(server.requests, ["/a", "/b", "/cut"])
    }
}
