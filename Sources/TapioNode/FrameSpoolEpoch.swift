#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stream epochs and the spool's `epoch` file: one non-zero decimal integer and a newline,
/// written once, atomically (temporary file, fsync, rename, fsync of the directory).
enum FrameSpoolEpoch {
    /// A new epoch: the UNIX time in nanoseconds, so epochs of one node increase and say when
    /// the stream began.
    static func fresh() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let ns = UInt64(max(0, now.tv_sec)) &* 1_000_000_000 &+ UInt64(max(0, now.tv_nsec))
        return ns == 0 ? UInt64.random(in: 1...UInt64.max) : ns
    }

    /// Reads the epoch file; nil when it does not exist.
    static func load(path: String) throws(FrameSpoolError) -> UInt64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .badEpochFile(path: path, reason: "cannot open: \(FrameSpoolIO.lastError())")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard got >= 0 else { throw .badEpochFile(path: path, reason: "cannot read: \(FrameSpoolIO.lastError())") }
        var text = bytes[0..<got]
        if text.last == UInt8(ascii: "\n") { text = text.dropLast() }
        guard !text.isEmpty, text.count <= 20, text.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = UInt64(String(decoding: text, as: UTF8.self)), value != 0
        else {
            throw .badEpochFile(path: path, reason: "expected one non-zero decimal integer, found \(got) bytes that are not")
        }
        return value
    }

    /// Writes the epoch file atomically.
    static func store(_ epoch: UInt64, path: String, directory: String) throws(FrameSpoolError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .directoryUnusable(path: directory, reason: "cannot create \(temporary): \(FrameSpoolIO.lastError())") }
        let text = Array("\(epoch)\n".utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == text.count, synced else {
            unlink(temporary)
            throw .ioFailed(path: temporary, reason: "cannot write the epoch: \(FrameSpoolIO.lastError())")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .ioFailed(path: path, reason: "cannot rename \(temporary) into place: \(FrameSpoolIO.lastError())")
        }
        FrameSpoolIO.syncDirectory(directory)
    }
}
