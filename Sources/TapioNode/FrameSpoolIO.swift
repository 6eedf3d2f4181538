#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import TapioWire

/// The few POSIX file operations the disk spool needs, with errors as one-line strings.
enum FrameSpoolIO {
    static func lastError() -> String { String(cString: strerror(errno)) }

    /// Creates `path` and its missing parents as directories.
    static func makeDirectories(_ path: String) throws(FrameSpoolError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .directoryUnusable(path: path, reason: "it exists and is not a directory")
            }
            return
        }
        let parent = parentDirectory(of: path)
        if parent != path, !parent.isEmpty { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0, errno != EEXIST {
            throw .directoryUnusable(path: path, reason: "cannot create it: \(lastError())")
        }
    }

    static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Names in a directory, without "." and "..".
    static func listDirectory(_ path: String) throws(FrameSpoolError) -> [String] {
        guard let dir = opendir(path) else {
            throw .directoryUnusable(path: path, reason: "cannot list it: \(lastError())")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    static func fileSize(_ path: String) throws(FrameSpoolError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .ioFailed(path: path, reason: "cannot stat: \(lastError())") }
        return Int(info.st_size)
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    static func readBytes(_ path: String, offset: Int, count: Int) throws(FrameSpoolError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .ioFailed(path: path, reason: "cannot open: \(lastError())") }
        defer { close(fd) }
        return try readBytes(fd: fd, path: path, offset: offset, count: count)
    }

    static func readBytes(fd: Int32, path: String, offset: Int, count: Int) throws(FrameSpoolError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .ioFailed(path: path, reason: "cannot read \(count) bytes at offset \(offset): \(lastError())")
            }
            if got == 0 { break }
            done += got
        }
        return Array(bytes[0..<done])
    }

    /// Reads the frame of `size` bytes at `offset` and checks it (limits, CRC) like a peer would.
    static func readFrame(fd: Int32, path: String, offset: Int, size: Int) throws(FrameSpoolError) -> Result<WireFrame, WireError> {
        var buffer = ByteBuffer(bytes: try readBytes(fd: fd, path: path, offset: offset, count: size))
        do {
            guard let frame = try WireFrame.parse(from: &buffer, limits: .default) else {
                return .failure(.truncatedDump(offset: offset, needed: size, available: buffer.readableBytes))
            }
            guard frame.header.frameSize == size else {
                return .failure(.invalidField("frame at offset \(offset) is \(frame.header.frameSize) bytes, the spool index says \(size)"))
            }
            return .success(frame)
        } catch {
            return .failure(error)
        }
    }

    static func truncateFile(_ path: String, to size: Int) throws(FrameSpoolError) {
        guard truncate(path, off_t(size)) == 0 else {
            throw .ioFailed(path: path, reason: "cannot cut it to \(size) bytes: \(lastError())")
        }
    }

    static func removeFile(_ path: String) throws(FrameSpoolError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .ioFailed(path: path, reason: "cannot delete: \(lastError())")
        }
    }

    /// Makes renames and unlinks in `path` durable; best effort.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Checks that files can be created in `directory` (as root, `access(W_OK)` says yes even
    /// on a read-only mount, so really create one).
    static func checkWritable(_ directory: String, probeName: String) throws(FrameSpoolError) {
        let probe = directory + "/" + probeName
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .directoryUnusable(path: directory, reason: "cannot create files in it: \(lastError())") }
        close(fd)
        unlink(probe)
    }
}
