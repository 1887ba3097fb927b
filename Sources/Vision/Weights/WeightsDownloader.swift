// WeightsDownloader.swift — downloads a weights file with libcurl (module
// CCurl) into a cache folder, never leaving a partial or unverified file:
//
//   <folder>/<file>.part   written as bytes arrive (SHA-256 hashed on the way),
//                          locked against a second downloader, fsynced
//   <folder>/<file>        appears only by rename(2), after the SHA-256 (and
//                          size, if known) matched
//
// Any failure (network, HTTP status, checksum, interrupted transfer, full
// disk, cancellation) removes the .part and throws a message naming the URL,
// the file, its size and checksum, and where to put the file by hand.
import CCurl
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

/// A flag that stops a download, set from any thread (e.g. the shell's
/// Ctrl-C handler running on a dispatch queue; not from inside a raw signal
/// handler, where taking a lock is not allowed).
public final class CancellationFlag: @unchecked Sendable {
    // @unchecked: `cancelled` is only read or written while holding `lock`.
    private let lock = NSLock()
    private var cancelled = false

    /// A flag that is not set.
    public init() {}

    /// Asks the download to stop; it stops within about a second.
    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    /// True once `cancel()` was called.
    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}

/// Where downloaded bytes go. The default is `FileSink`; tests inject sinks
/// whose writes fail, to check the full-disk path.
public protocol DownloadSink: AnyObject {
    /// Stores the next bytes; throws (with the system's reason) if it cannot.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes everything durable and closes; called once, after the last write.
    func finish() throws
}

/// A `DownloadSink` writing to a file, which it creates or empties, holding
/// an exclusive lock so that two downloads of one file cannot interleave.
public final class FileSink: DownloadSink {
    private var fd: Int32
    private let path: String

    /// Opens `path` for writing. Throws if it cannot be opened or another
    /// process is writing it.
    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SinkFailure("cannot open \(path) (\(String(cString: strerror(errno))))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            fd = -1
            throw SinkFailure("another download is writing \(path)")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG || ftruncate(fd, 0) == 0 else {
            throw SinkFailure("cannot empty \(path) (\(String(cString: strerror(errno))))")
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends `bytes`, retrying short writes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = posixWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SinkFailure("cannot write \(path) (\(String(cString: strerror(errno))))")
            }
            offset += written
        }
    }

    /// fsyncs and closes the file.
    public func finish() throws {
        let synced = fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        close(fd)
        fd = -1
        guard synced else { throw SinkFailure("cannot write \(path) to disk (\(reason))") }
    }
}

/// write(2), named apart from `DownloadSink.write`.
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// A sink's failure, already phrased for the user.
struct SinkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Downloads weights files into a folder, verified (see the file header).
public struct WeightsDownloader: Sendable {
    /// Seconds to wait for a connection.
    public var connectTimeoutSeconds = 30
    /// A transfer that receives nothing for this many seconds is abandoned.
    public var stallTimeoutSeconds = 60
    /// Makes the sink for a `.part` path (default: `FileSink`).
    public var makeSink: @Sendable (String) throws -> any DownloadSink

    /// A downloader writing through `makeSink`.
    public init(makeSink: @escaping @Sendable (String) throws -> any DownloadSink = { try FileSink(path: $0) }) {
        self.makeSink = makeSink
    }

    private static let curlReady: CURLcode = kf_curl_global_init()

    /// Downloads `source` into `folder` (created if missing) and returns the
    /// path of the verified file, `<folder>/<source.fileName>`.
    ///
    /// `progress` is called on the calling thread as bytes arrive;
    /// `cancellation` is checked at least once a second. Throws
    /// `WeightsError` (`.download` or `.cancelled`) whose message names the
    /// URL, file, size, SHA-256 and where to put the file by hand; no
    /// `.part` or unverified file is left in `folder`.
    public func download(_ source: WeightsSource, into folder: String,
                         progress: ((DownloadProgress) -> Void)? = nil,
                         cancellation: CancellationFlag? = nil) throws -> String {
        let destination = "\(folder)/\(source.fileName)"
        let partPath = destination + ".part"
        func failure(_ reason: String, _ kind: WeightsError.Kind = .download) -> WeightsError {
            Self.failure(kind, source, reason: reason, destination: destination)
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw failure("cannot create the cache folder \(folder) (\(Self.reason(of: error)))")
        }
        let sink: any DownloadSink
        do {
            sink = try makeSink(partPath)
        } catch {
            throw failure("\(error)")
        }
        do {
            let digest = try transfer(source, to: sink, progress: progress, cancellation: cancellation, failure: failure)
            guard digest.sha256 == source.sha256, source.expectedSize.map({ $0 == digest.size }) ?? true else {
                throw failure("the downloaded file is \(WeightsSource.grouped(digest.size)) bytes with SHA-256 "
                                  + "\(digest.sha256), not the expected file")
            }
            guard rename(partPath, destination) == 0 else {
                throw failure("cannot rename \(partPath) into place (\(String(cString: strerror(errno))))")
            }
            return destination
        } catch {
            unlink(partPath)
            throw error
        }
    }

    /// Runs the transfer into `sink`; returns the received size and SHA-256.
    private func transfer(_ source: WeightsSource, to sink: any DownloadSink,
                          progress: ((DownloadProgress) -> Void)?, cancellation: CancellationFlag?,
                          failure: (String, WeightsError.Kind) -> WeightsError) throws -> (size: Int64, sha256: String) {
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
            kf_curl_setopt_long(curl, CURLOPT_LOW_SPEED_LIMIT, 1),
            kf_curl_setopt_long(curl, CURLOPT_LOW_SPEED_TIME, stallTimeoutSeconds),
            kf_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer),
            kf_curl_setopt_write_function(curl, { data, size, count, context in
                TransferState.from(context).receive(data, size * count)
            }),
            kf_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, context),
            kf_curl_setopt_long(curl, CURLOPT_NOPROGRESS, 0),
            kf_curl_setopt_xferinfo_function(curl, { context, total, done, _, _ in
                TransferState.from(context).report(total: total, done: done)
            }),
            kf_curl_setopt_pointer(curl, CURLOPT_XFERINFODATA, context),
        ]
        options.removeAll { $0 == CURLE_OK }
        guard options.isEmpty else {
            throw failure("libcurl rejected an option (\(String(cString: curl_easy_strerror(options[0]))))", .download)
        }

        let code = curl_easy_perform(curl)
        var status = 0
        _ = kf_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        var contentLength: curl_off_t = -1
        if kf_curl_getinfo_off_t(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &contentLength) == CURLE_OK,
           contentLength >= 0 {
            state.totalBytes = Int64(contentLength)
        }
        if state.cancelled || cancellation?.isCancelled == true {
            throw failure("cancelled after \(WeightsSource.grouped(state.bytes)) bytes", .cancelled)
        }
        if let sinkError = state.sinkError { throw failure("\(sinkError)", .download) }
        guard code == CURLE_OK else {
            throw failure(Self.describe(code, status: status, state: state, errorBuffer: errorBuffer), .download)
        }
        if source.url.lowercased().hasPrefix("http"), !(200..<300).contains(status) {
            throw failure("the server answered HTTP \(status)", .download)
        }
        do {
            try sink.finish()
        } catch {
            throw failure("\(error)", .download)
        }
        state.reportFinal()
        return (state.bytes, state.hasher.finalizeHex())
    }

    private static func describe(_ code: CURLcode, status: Int, state: TransferState,
                                 errorBuffer: UnsafeMutablePointer<CChar>) -> String {
        switch code {
        case CURLE_HTTP_RETURNED_ERROR:
            return "the server answered HTTP \(status)"
        case CURLE_PARTIAL_FILE:
            let total = state.totalBytes.map { " of \(WeightsSource.grouped($0))" } ?? ""
            return "the connection closed after \(WeightsSource.grouped(state.bytes))\(total) bytes"
        default:
            let detail = String(cString: errorBuffer)
            return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        }
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
        if cancellation?.isCancelled == true {
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
        if cancellation?.isCancelled == true {
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
