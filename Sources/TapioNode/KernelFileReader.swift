#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small kernel files (cgroup control files, /proc/meminfo, PSI) into one reusable
/// buffer and hands the bytes to a parser. This is the only file I/O of the sampler.
///
/// Cost per file: openat + read + close. cgroupfs, kernfs and procfs produce these files with
/// a single seq_file `show`, so one read(2) with a large enough buffer returns the whole content;
/// a short read whose data ends in "\n" is therefore taken as the end of the file instead of
/// paying another read(2) to see 0. Regular files (test fixtures) behave the same way.
struct KernelFileReader {
    /// Larger than any memory file the kernel writes (memory.stat is ~1.5 KiB,
    /// /proc/meminfo ~1.5 KiB). Bigger content is an error rather than a silent cut.
    static let capacity = 64 * 1024

    private var buffer: [UInt8]

    init() {
        buffer = [UInt8](repeating: 0, count: Self.capacity)
    }

    /// Opens a directory for `openat` (O_PATH would do, but plain O_RDONLY|O_DIRECTORY also
    /// gives fstat the directory's inode).
    static func openDirectory(_ path: String) -> Result<Int32, KernelFileProblem> {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR || code == ENODEV { return .failure(.missing) }
            return .failure(.system(operation: "open", errno: code))
        }
        return .success(fd)
    }

    /// Inode number of an open file descriptor (for a cgroup directory: the cgroup id).
    static func inode(of fd: Int32) -> Result<UInt64, KernelFileProblem> {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.system(operation: "fstat", errno: errno)) }
        return .success(UInt64(info.st_ino))
    }

    /// Reads `name` relative to `directory` (an fd from `openDirectory`, or AT_FDCWD with an
    /// absolute name) and parses it. Open failures: ENOENT -> `.missing`; ENODEV (file of a
    /// removed cgroup) -> `.vanished`.
    mutating func read<Value>(
        directory: Int32, name: String,
        _ parse: (UnsafeRawBufferPointer) throws(KernelFileProblem) -> Value
    ) throws(KernelFileProblem) -> Value {
        let fd = openat(directory, name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT: throw .missing
            case ENODEV: throw .vanished
            default: throw .system(operation: "open", errno: code)
            }
        }
        defer { close(fd) }
        let result: Result<Int, KernelFileProblem> = buffer.withUnsafeMutableBytes { raw in
            var total = 0
            while true {
                let wanted = raw.count - total
                let got = Glibc.read(fd, raw.baseAddress! + total, wanted)
                if got < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    if code == ENODEV { return .failure(.vanished) }
                    return .failure(.system(operation: "read", errno: code))
                }
                if got == 0 { break }
                total += got
                if total == raw.count { return .failure(.tooLarge(limit: raw.count)) }
                if got < wanted, raw[total - 1] == KernelFileParser.newline { break }
            }
            return .success(total)
        }
        let count = try result.get()
        let parsed: Result<Value, KernelFileProblem> = buffer.withUnsafeBytes { raw in
            do throws(KernelFileProblem) {
                return .success(try parse(UnsafeRawBufferPointer(rebasing: raw[0..<count])))
            } catch {
                return .failure(error)
            }
        }
        return try parsed.get()
    }

    /// Like `read`, but a missing file (or one whose read is unsupported, e.g. PSI files
    /// when the kernel booted with psi=0) yields nil.
    mutating func readOptional<Value>(
        directory: Int32, name: String,
        _ parse: (UnsafeRawBufferPointer) throws(KernelFileProblem) -> Value
    ) throws(KernelFileProblem) -> Value? {
        do throws(KernelFileProblem) {
            return try read(directory: directory, name: name, parse)
        } catch .missing {
            return nil
        } catch .system(_, let code) where code == EOPNOTSUPP {
            return nil
        }
    }
}
