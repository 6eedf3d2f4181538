/// Why the eBPF probe could not start or run. Each prints as one line that says what to do.
public enum BPFProbeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither root/CAP_SYS_ADMIN nor CAP_BPF + CAP_PERFMON.
    case notPrivileged(missing: String)
    /// /sys/kernel/btf/vmlinux is missing: the kernel was built without BTF.
    case btfMissing(path: String)
    /// tracefs is not mounted, so tracepoints cannot be found or attached.
    case tracefsNotMounted(path: String)
    /// A tracepoint a program needs does not exist on this kernel.
    case tracepointMissing(category: String, name: String, program: String)
    /// The embedded BPF object could not be opened or lacks something the loader needs.
    case objectInvalid(String)
    /// The kernel refused the programs (verifier, permissions, memory).
    case loadFailed(errno: Int32, message: String)
    /// A loaded program could not be attached to its tracepoint.
    case attachFailed(program: String, errno: Int32, message: String)
    /// The ring buffer could not be set up or polled.
    case ringBufferFailed(errno: Int32, operation: String)
    /// A counter map could not be read.
    case mapReadFailed(map: String, errno: Int32)
    /// An option is out of range.
    case invalidOption(String)
    /// The probe was used after `close()`.
    case closed

    public var description: String {
        switch self {
        case .notPrivileged(let missing):
            "loading eBPF programs needs root, or CAP_BPF and CAP_PERFMON (missing: \(missing)): run tapio-exporter as root or grant them with `setcap cap_bpf,cap_perfmon+ep <binary>`"
        case .btfMissing(let path):
            "\(path) is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF=y is required for CO-RE); use a kernel built with BTF"
        case .tracefsNotMounted(let path):
            "tracefs is not mounted at \(path): mount it with `mount -t tracefs tracefs /sys/kernel/tracing`"
        case .tracepointMissing(let category, let name, let program):
            "tracepoint \(category):\(name) (needed by \(program)) does not exist on this kernel: Tapio needs a kernel with CONFIG_TRACEPOINTS and the \(category) events (Linux 6.2 or later)"
        case .objectInvalid(let message):
            "the embedded BPF object is unusable: \(message); rebuild with `make bpf && swift build`"
        case .loadFailed(let errno, let message):
            "the kernel refused to load Tapio's BPF programs (errno \(errno): \(Self.strerror(errno))): \(message)"
        case .attachFailed(let program, let errno, let message):
            "attaching BPF program \(program) failed (errno \(errno): \(Self.strerror(errno))): \(message)"
        case .ringBufferFailed(let errno, let operation):
            "BPF ring buffer \(operation) failed (errno \(errno): \(Self.strerror(errno)))"
        case .mapReadFailed(let map, let errno):
            "reading BPF map \(map) failed (errno \(errno): \(Self.strerror(errno)))"
        case .invalidOption(let message):
            "invalid BPF probe option: \(message)"
        case .closed:
            "the BPF probe was used after close(); create a new BPFProbe"
        }
    }

    static func strerror(_ code: Int32) -> String {
        guard let text = Glibc.strerror(code) else { return "unknown error" }
        return String(cString: text)
    }
}

#if canImport(Glibc)
import Glibc
#endif
