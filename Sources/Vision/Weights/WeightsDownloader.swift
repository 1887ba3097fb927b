// WeightsDownloader.swift — downloads a weights file with libcurl (module
// CCurl) into a cache folder, never leaving a partial or unverified file:
//
//   <folder>/<file>.lock           held from start to finish (DownloadFiles.swift)
//   <folder>/<file>.<rand>.part    this downloader's own new file, written as
//                                  bytes arrive, fsynced, then hashed again
//   <folder>/<file>                appears only by rename(2) of that .part, under
//                                  the lock, after its SHA-256 (and size) matched
//
// Any failure (network, proxy, HTTP status, checksum, too slow, interrupted
// transfer, full disk, cancellation) removes the .part and throws a message
// naming the URL, the file, its size and checksum, and where to put it by hand.
import CCurl
import Common
import Foundation

/// How far a download has come.
public struct DownloadProgress: Sendable, Equatable {
    /// Bytes received so far.
    public var bytesDone: Int64
    /// The whole size, when the server (or the source) says it.
    public var totalBytes: Int64?

    /// A progress report.
    public init(bytesDone: Int64, totalBytes: Int64?) {
        self.bytesDone = bytesDone
        self.totalBytes = totalBytes
    }
}

/// Downloads weights files into a folder, verified (see the file header).
///
/// The limits are properties so that tests (and callers on odd networks) can
/// change them:
///
///     var downloader = WeightsDownloader()
///     downloader.lowSpeedLimitBytesPerSecond = 100
///     downloader.lowSpeedTimeSeconds = 2
public struct WeightsDownloader: Sendable {
    /// Seconds to wait for a connection (name lookup, TCP, proxy, TLS).
    public var connectTimeoutSeconds = 15
    /// A transfer that averages fewer bytes per second than this over
    /// `lowSpeedTimeSeconds` is abandoned: a stalled or trickling server or
    /// proxy never keeps the user waiting for ever.
    public var lowSpeedLimitBytesPerSecond = 1024
    /// The window of `lowSpeedLimitBytesPerSecond`, in seconds.
    public var lowSpeedTimeSeconds = 30
    /// The proxy (curl's syntax, e.g. `http://proxy:3128`); `""` for none;
    /// nil for libcurl's environment (`http_proxy`, `https_proxy`,
    /// `HTTPS_PROXY`, `all_proxy`, `no_proxy`).
    public var proxy: String?
    /// Makes the sink for a new `.part` path (default: `FileSink`).
    public var makeSink: @Sendable (String) throws -> any DownloadSink

    /// A downloader writing through `makeSink`.
    public init(makeSink: @escaping @Sendable (String) throws -> any DownloadSink = { try FileSink(path: $0) }) {
        self.makeSink = makeSink
    }

    private static let curlReady: CURLcode = kf_curl_global_init()

    /// Downloads `source` into `folder` (created if missing) and returns the
    /// path of the verified file, `<folder>/<source.fileName>`.
    ///
    /// One download of a file runs at a time: a second one, in this process
    /// or another, is refused while the first runs, and returns the first's
    /// file if it finds it in place. `progress` is called on the calling
    /// thread as bytes arrive; `cancellation` (the shell links it to Ctrl-C)
    /// is checked at least once a second, bytes or not. Throws `WeightsError`
    /// (`.download` or `.cancelled`) whose message names the URL, file, size,
    /// SHA-256 and where to put the file by hand; no `.part` or unverified
    /// file is left in `folder`.
    public func download(_ source: WeightsSource, into folder: String,
                         progress: ((DownloadProgress) -> Void)? = nil,
                         cancellation: CancellationFlag? = nil) throws -> String {
        let destination = "\(folder)/\(source.fileName)"
        func failure(_ reason: String, _ kind: WeightsError.Kind = .download) -> WeightsError {
            Self.failure(kind, source, reason: reason, destination: destination)
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw failure("cannot create the cache folder \(folder) (\(Self.reason(of: error)))")
        }
        let lock: DownloadLock
        do {
            lock = try DownloadLock(path: destination + ".lock",
                                    busy: "another download of \(source.fileName) into \(folder) is running; "
                                        + "try again when it has finished")
        } catch {
            throw failure("\(error)")
        }
        defer { lock.release() }
        if Self.isVerified(destination, source) { return destination }  // the download we waited for
        let partPath = uniquePartPath(for: destination)
        let sink: any DownloadSink
        do {
            sink = try makeSink(partPath)
        } catch {
            throw failure("\(error)")
        }
        do {
            let streamed = try transfer(source, to: sink, progress: progress, cancellation: cancellation,
                                        failure: failure)
            guard Self.matches(source, streamed) else {
                throw failure("the downloaded file is \(WeightsSource.grouped(streamed.size)) bytes with SHA-256 "
                                  + "\(streamed.sha256), not the expected file")
            }
            // What is renamed is what is on disk, read back: the bytes hashed on arrival are not trusted blindly.
            let stored = try Self.readBack(partPath, failure: failure)
            guard stored == streamed else {
                throw failure("\(partPath) changed during the download (now \(WeightsSource.grouped(stored.size)) "
                                  + "bytes with SHA-256 \(stored.sha256))")
            }
            guard rename(partPath, destination) == 0 else {
                throw failure("cannot rename \(partPath) into place (\(systemReason()))")
            }
            return destination
        } catch {
            unlink(partPath)
            throw error
        }
    }

    private static func matches(_ source: WeightsSource, _ digest: (size: Int64, sha256: String)) -> Bool {
        digest.sha256 == source.sha256 && (source.expectedSize.map { $0 == digest.size } ?? true)
    }

    /// Whether `path` already holds the expected file.
    private static func isVerified(_ path: String, _ source: WeightsSource) -> Bool {
        // O_NONBLOCK and a regular-file check: a FIFO in the cache is not
        // the file (and would block the open forever).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        guard let digest = try? SHA256Hasher.hex(ofDescriptor: fd, path: path) else { return false }
        return matches(source, digest)
    }

    /// The size and SHA-256 of the `.part` as stored (never through a link).
    private static func readBack(_ path: String,
                                 failure: (String, WeightsError.Kind) -> WeightsError) throws -> (size: Int64, sha256: String) {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot read back \(path) (\(systemReason()))", .download) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw failure("\(path) is not a regular file", .download)
        }
        do {
            return try SHA256Hasher.hex(ofDescriptor: fd, path: path)
        } catch {
            throw failure("\(error)", .download)
        }
    }

    /// Runs the transfer into `sink`; returns the received size and SHA-256.
    private func transfer(_ source: WeightsSource, to sink: any DownloadSink,
                          progress: ((DownloadProgress) -> Void)?, cancellation: CancellationFlag?,
                          failure: (String, WeightsError.Kind) -> WeightsError) throws -> (size: Int64, sha256: String) {
        if cancellation?.isRequested == true { throw failure("cancelled before it started", .cancelled) }
        guard Self.curlReady == CURLE_OK, let curl = curl_easy_init() else {
            throw failure("libcurl could not start", .download)
        }
        defer { curl_easy_cleanup(curl) }
        let state = TransferState(sink: sink, progress: progress, cancellation: cancellation,
                                  expectedSize: source.expectedSize)
        let context = Unmanaged.passUnretained(state).toOpaque()
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        var options: [CURLcode] = [
            kf_curl_setopt_string(curl, CURLOPT_URL, source.url),
            kf_curl_setopt_string(curl, CURLOPT_USERAGENT, "kungfu"),
            kf_curl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 1),
            kf_curl_setopt_long(curl, CURLOPT_MAXREDIRS, 10),
            kf_curl_setopt_string(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
            kf_curl_setopt_long(curl, CURLOPT_FAILONERROR, 1),
            kf_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1),
            kf_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT, connectTimeoutSeconds),
            kf_curl_setopt_long(curl, CURLOPT_LOW_SPEED_LIMIT, lowSpeedLimitBytesPerSecond),
            kf_curl_setopt_long(curl, CURLOPT_LOW_SPEED_TIME, lowSpeedTimeSeconds),
            kf_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer),
            kf_curl_setopt_write_function(curl, { data, size, count, context in
                TransferState.from(context).receive(data, size * count)
            }),
            kf_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, context),
            // The progress callback runs about once a second even when no byte arrives: the cancellation check.
            kf_curl_setopt_long(curl, CURLOPT_NOPROGRESS, 0),
            kf_curl_setopt_xferinfo_function(curl, { context, total, done, _, _ in
                TransferState.from(context).report(total: total, done: done)
            }),
            kf_curl_setopt_pointer(curl, CURLOPT_XFERINFODATA, context),
        ]
        if let proxy { options.append(kf_curl_setopt_string(curl, CURLOPT_PROXY, proxy)) }
        options.removeAll { $0 == CURLE_OK }
        guard options.isEmpty else {
            throw failure("libcurl rejected an option (\(String(cString: curl_easy_strerror(options[0]))))", .download)
        }

        let code = curl_easy_perform(curl)
        var status = 0, connectStatus = 0
        _ = kf_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        _ = kf_curl_getinfo_long(curl, CURLINFO_HTTP_CONNECTCODE, &connectStatus)
        var contentLength: curl_off_t = -1
        if kf_curl_getinfo_off_t(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &contentLength) == CURLE_OK,
           contentLength >= 0 {
            state.totalBytes = Int64(contentLength)
        }
        if state.cancelled || cancellation?.isRequested == true {
            throw failure("cancelled after \(WeightsSource.grouped(state.bytes)) bytes", .cancelled)
        }
        if let sinkError = state.sinkError { throw failure("\(sinkError)", .download) }
        let proxyName = proxy.map { $0.isEmpty ? nil : $0 }
            ?? Self.environmentProxy(for: source.url, ProcessInfo.processInfo.environment)
        if connectStatus != 0, !(200..<300).contains(connectStatus) {
            throw failure("the proxy \(proxyName ?? "") answered HTTP \(connectStatus) to CONNECT "
                              + "\(Self.hostAndPort(source.url)) (it refused the tunnel to the server)", .download)
        }
        guard code == CURLE_OK else {
            throw failure(describe(code, status: status, proxy: proxyName, url: source.url, state: state,
                                   errorBuffer: errorBuffer), .download)
        }
        if source.url.lowercased().hasPrefix("http"), !(200..<300).contains(status) {
            throw failure(Self.statusText(status, proxy: proxyName, url: source.url), .download)
        }
        do {
            try sink.finish()
        } catch {
            throw failure("\(error)", .download)
        }
        state.reportFinal()
        return (state.bytes, state.hasher.finalizeHex())
    }

    private func describe(_ code: CURLcode, status: Int, proxy: String?, url: String, state: TransferState,
                          errorBuffer: UnsafeMutablePointer<CChar>) -> String {
        let detail = String(cString: errorBuffer)
        let curlText = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_HTTP_RETURNED_ERROR where status != 0:
            return Self.statusText(status, proxy: proxy, url: url)
        case CURLE_PARTIAL_FILE:
            let total = state.totalBytes.map { " of \(WeightsSource.grouped($0))" } ?? ""
            return "the connection closed after \(WeightsSource.grouped(state.bytes))\(total) bytes"
        case CURLE_OPERATION_TIMEDOUT where curlText.hasPrefix("Operation too slow"):
            return "the transfer was too slow: less than \(WeightsSource.grouped(Int64(lowSpeedLimitBytesPerSecond))) "
                + "bytes/s for \(lowSpeedTimeSeconds) s, after \(WeightsSource.grouped(state.bytes)) bytes "
                + "(a stalled network, server or proxy)"
        case CURLE_OPERATION_TIMEDOUT:
            return "\(curlText) (no connection within \(connectTimeoutSeconds) s: offline, or a proxy is needed?)"
        case CURLE_COULDNT_RESOLVE_HOST:
            return "\(curlText) (offline, or no name server?)"
        default:
            return curlText
        }
    }

    /// An HTTP error status, naming the proxy when one was in the way (a
    /// plain-HTTP proxy answers for the server, so either may have said it).
    private static func statusText(_ status: Int, proxy: String?, url: String) -> String {
        if let proxy, url.lowercased().hasPrefix("http:") {
            return "the proxy \(proxy) answered HTTP \(status) (its own answer, or the server's through it)"
        }
        return "the server answered HTTP \(status)"
    }

    /// "host:port" of an http(s) URL, as a CONNECT names it.
    private static func hostAndPort(_ url: String) -> String {
        guard let parsed = URLComponents(string: url), let host = parsed.host else { return url }
        let port = parsed.port ?? (parsed.scheme?.lowercased() == "https" ? 443 : 80)
        return "\(host):\(port)"
    }

    /// The proxy libcurl takes from `environment` for `url` (its own rules:
    /// `<scheme>_proxy`, upper case too except for http, then `all_proxy`;
    /// skipped when `no_proxy` names the host or a domain of it, or is `*`).
    static func environmentProxy(for url: String, _ environment: [String: String]) -> String? {
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(),
              let host = parsed.host?.lowercased() else { return nil }
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        if let noProxy = value("no_proxy") ?? value("NO_PROXY") {
            for entry in noProxy.split(whereSeparator: { $0 == "," || $0 == " " }) {
                var name = entry.lowercased()
                if name == "*" { return nil }
                if name.hasPrefix(".") { name.removeFirst() }
                if host == name || host.hasSuffix("." + name) { return nil }
            }
        }
        let schemeProxy = scheme == "http"
            ? value("http_proxy")
            : value("\(scheme)_proxy") ?? value("\(scheme.uppercased())_PROXY")
        return schemeProxy ?? value("all_proxy") ?? value("ALL_PROXY")
    }

    /// The one message format of every failed or cancelled download.
    static func failure(_ kind: WeightsError.Kind, _ source: WeightsSource, reason: String,
                        destination: String) -> WeightsError {
        let first = kind == .cancelled
            ? "download of \(source.fileName) \(reason)"
            : "cannot download \(source.fileName): \(reason)"
        return WeightsError(kind, """
            \(first)
              url:     \(source.url)
              size:    \(source.sizeDescription)
              SHA-256: \(source.sha256)
            To install it by hand, download that file elsewhere and copy it to
              \(destination)
            """)
    }

    private static func reason(of error: Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return error.localizedDescription
    }
}

/// What the curl callbacks share with `transfer`: the sink, the running
/// hash and counters. Used on the downloading thread only.
private final class TransferState {
    let sink: any DownloadSink
    let hasher = SHA256Hasher()
    let progress: ((DownloadProgress) -> Void)?
    let cancellation: CancellationFlag?
    let expectedSize: Int64?
    var bytes: Int64 = 0
    var totalBytes: Int64?
    var sinkError: Error?
    var cancelled = false
    private var reported: Int64 = -1

    init(sink: any DownloadSink, progress: ((DownloadProgress) -> Void)?, cancellation: CancellationFlag?,
         expectedSize: Int64?) {
        self.sink = sink
        self.progress = progress
        self.cancellation = cancellation
        self.expectedSize = expectedSize
        totalBytes = expectedSize
    }

    static func from(_ context: UnsafeMutableRawPointer?) -> TransferState {
        Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
    }

    /// The write callback: returning less than `count` makes curl stop.
    func receive(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        if cancellation?.isRequested == true {
            cancelled = true
            return 0
        }
        let buffer = UnsafeRawBufferPointer(start: data, count: count)
        do {
            try sink.write(buffer)
        } catch {
            sinkError = error
            return 0
        }
        hasher.update(buffer)
        bytes += Int64(count)
        return count
    }

    /// The progress callback: nonzero makes curl stop.
    func report(total: curl_off_t, done: curl_off_t) -> Int32 {
        if cancellation?.isRequested == true {
            cancelled = true
            return 1
        }
        if total > 0 { totalBytes = Int64(total) }
        if bytes != reported {
            reported = bytes
            progress?(DownloadProgress(bytesDone: bytes, totalBytes: totalBytes))
        }
        return 0
    }

    /// Reports the last bytes if curl's last progress call came before them.
    func reportFinal() {
        if bytes != reported {
            reported = bytes
            progress?(DownloadProgress(bytesDone: bytes, totalBytes: totalBytes ?? bytes))
        }
    }
}
