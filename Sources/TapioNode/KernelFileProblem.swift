/// Why a kernel-provided text file (a cgroup control file, /proc/meminfo, a PSI file) could not
/// be turned into numbers. Shared by `CgroupReadError` and `NodeMemoryReadError`; every case
/// renders as a short phrase so the owning error can print one line.
public enum KernelFileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist (ENOENT), e.g. memory.swap.current without swap accounting.
    case missing
    /// The cgroup directory does not exist (never did, or the container exited before the
    /// sampler got to it).
    case noSuchCgroup
    /// The cgroup directory disappeared while it was being read (container exited): ENOENT or
    /// ENODEV after the directory was opened.
    case vanished
    /// The file exists but holds no bytes.
    case empty
    /// A line does not have the expected shape; `line` is 1-based, `text` the offending line
    /// (shortened).
    case malformed(line: Int, text: String, expected: String)
    /// The last line has no terminating newline: the file was cut short (the kernel always
    /// ends these files with "\n").
    case truncated(afterLines: Int)
    /// A field the sampler needs is not in the file.
    case missingField(String)
    /// The file is larger than the read buffer allows.
    case tooLarge(limit: Int)
    /// Any other errno from open/read/fstat.
    case system(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .missing:
            return "file missing"
        case .noSuchCgroup:
            return "no such cgroup directory (container exited?)"
        case .vanished:
            return "cgroup vanished while reading (container exited?)"
        case .empty:
            return "file is empty"
        case .malformed(let line, let text, let expected):
            return "malformed line \(line) \"\(text)\" (expected \(expected))"
        case .truncated(let lines):
            return "truncated after \(lines) complete line\(lines == 1 ? "" : "s") (no final newline)"
        case .missingField(let name):
            return "required field \"\(name)\" not present"
        case .tooLarge(let limit):
            return "file larger than the \(limit)-byte read limit"
        case .system(let operation, let code):
            return "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
