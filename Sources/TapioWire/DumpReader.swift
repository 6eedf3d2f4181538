#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Streams the frames of a dump file (a `--record` dump, a journal segment, a test vector)
/// in bounded memory. On a truncated or corrupt frame it yields the valid prefix, then stops
/// and reports the byte offset and reason in `failure`; `resynchronize()` can then skip the
/// damage to the next valid frame.
public final class DumpReader: IteratorProtocol, Sequence {
    public let path: String
    public let header: DumpFileHeader
    public private(set) var failure: DumpReadFailure?
    /// File offset just past the last frame yielded.
    public private(set) var validLength: Int

    private let descriptor: Int32
    private let limits: WireLimits
    private let chunkSize: Int
    private var buffer = ByteBuffer()
    private var atEndOfFile = false

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens `path` and checks its header. Throws `OpenError` (cannot open) or `WireError`
    /// (not a dump).
    public init(path: String, limits: WireLimits = .default, chunkSize: Int = 1 << 20) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw OpenError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        descriptor = fd
        self.path = path
        self.limits = limits
        self.chunkSize = chunkSize
        var headerBytes = [UInt8](repeating: 0, count: DumpFileHeader.size)
        let got = headerBytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, DumpFileHeader.size) }
        do {
            header = try DumpFileHeader.parse(Array(headerBytes.prefix(Swift.max(got, 0))))
        } catch {
            close(fd)
            throw error
        }
        validLength = DumpFileHeader.size
    }

    deinit { close(descriptor) }

    public func next() -> WireFrame? {
        guard failure == nil else { return nil }
        while true {
            do {
                if let frame = try WireFrame.parse(from: &buffer, limits: limits) {
                    validLength += frame.header.frameSize
                    return frame
                }
            } catch {
                failure = DumpReadFailure(offset: validLength, reason: error)
                return nil
            }
            if atEndOfFile {
                if buffer.readableBytes > 0 {
                    let needed = FrameHeader.peek(buffer)?.frameSize ?? FrameHeader.size
                    failure = DumpReadFailure(
                        offset: validLength,
                        reason: .truncatedDump(offset: validLength, needed: needed, available: buffer.readableBytes))
                }
                return nil
            }
            fill()
        }
    }

    /// After a failure, looks past the damage for the next frame that validates (magic,
    /// limits, CRC-32C) and resumes reading there: returns that frame's file offset, and
    /// `next()` yields frames again. The bytes in between are lost. Returns nil, keeping the
    /// failure, when no valid frame follows (a torn tail: the last write was cut short).
    public func resynchronize() -> Int? {
        guard let failed = failure else { return nil }
        var position = failed.offset
        if buffer.readableBytes > 0 {
            buffer.moveReaderIndex(forwardBy: 1)
            position += 1
        }
        while true {
            while buffer.readableBytes >= 4 {
                if buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) == FrameHeader.magic {
                    var probe = buffer
                    switch Result(catching: { () throws(WireError) -> WireFrame? in try WireFrame.parse(from: &probe, limits: limits) }) {
                    case .success(.some):
                        validLength = position
                        failure = nil
                        return position
                    case .success(.none) where !atEndOfFile:
                        break  // a frame may start here: read more, then look again
                    case .success(.none), .failure:
                        buffer.moveReaderIndex(forwardBy: 1)
                        position += 1
                        continue
                    }
                    break
                }
                buffer.moveReaderIndex(forwardBy: 1)
                position += 1
            }
            if atEndOfFile { return nil }
            fill()
        }
    }

    /// Reads the next chunk; drops consumed bytes first so memory stays at about one frame
    /// plus one chunk.
    private func fill() {
        buffer.discardReadBytes()
        buffer.reserveCapacity(minimumWritableBytes: chunkSize)
        let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: chunkSize) { space in
            var n: Int
            repeat { n = read(descriptor, space.baseAddress, chunkSize) } while n < 0 && errno == EINTR
            return Swift.max(n, 0)
        }
        if got == 0 { atEndOfFile = true }
    }

    /// Reads every frame of a dump: the valid frames and, if it stopped early, why.
    public static func readAll(path: String, limits: WireLimits = .default) throws -> (frames: [WireFrame], failure: DumpReadFailure?) {
        let reader = try DumpReader(path: path, limits: limits)
        let frames = Array(reader)
        return (frames, reader.failure)
    }
}
