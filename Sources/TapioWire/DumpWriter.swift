#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Appends frames to a dump file, writing the header when the file is new. An existing file
/// is checked first; a torn tail left by a crash is cut back to the last whole frame so that
/// what is appended next stays readable (the cut is reported in `repairedTail`).
public final class DumpWriter {
    public let path: String
    /// Set when opening cut a damaged tail: where and why.
    public private(set) var repairedTail: DumpReadFailure?
    public private(set) var size: Int

    private var descriptor: Int32
    private var pending = ByteBuffer()
    private let flushThreshold: Int

    public struct IOError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(path: String, flushThreshold: Int = 256 << 10) throws {
        self.path = path
        self.flushThreshold = flushThreshold
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IOError(description: "cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        descriptor = fd
        var info = stat()
        fstat(fd, &info)
        if info.st_size == 0 {
            var header = ByteBuffer()
            DumpFileHeader().write(to: &header)
            size = 0
            pending = header
            try flush()
        } else {
            do {
                let reader = try DumpReader(path: path)
                while reader.next() != nil {}
                size = reader.validLength
                if let failure = reader.failure {
                    // Only a torn tail (a crash mid-append) is cut; corruption before the end
                    // would lose good frames after it, so that is refused instead.
                    guard case .truncatedDump = failure.reason else {
                        throw IOError(description: "\(path) is corrupt at byte \(failure.offset) (\(failure.reason)); not appending to it: move it aside")
                    }
                    repairedTail = failure
                    guard ftruncate(fd, off_t(reader.validLength)) == 0 else {
                        throw IOError(description: "cannot cut damaged tail of \(path): \(String(cString: strerror(errno)))")
                    }
                }
            } catch {
                close(fd)
                throw error
            }
        }
        lseek(fd, 0, SEEK_END)
    }

    deinit {
        try? flush()
        close(descriptor)
    }

    /// Buffers the frame's exact wire bytes; written out once enough is pending or on `flush`.
    public func append(_ frame: WireFrame) throws {
        frame.write(to: &pending)
        if pending.readableBytes >= flushThreshold { try flush() }
    }

    /// Writes everything pending to the file (not yet to the disk: see `sync`).
    public func flush() throws {
        while pending.readableBytes > 0 {
            let written = pending.withUnsafeReadableBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw IOError(description: "cannot write to \(path): \(String(cString: strerror(errno)))")
            }
            pending.moveReaderIndex(forwardBy: written)
            size += written
        }
        pending.clear()
    }

    /// Flushes and then fsyncs, so what was appended survives a crash.
    public func sync() throws {
        try flush()
        guard fsync(descriptor) == 0 else {
            throw IOError(description: "cannot fsync \(path): \(String(cString: strerror(errno)))")
        }
    }
}
