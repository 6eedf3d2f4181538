import CLibBPF
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Collects libbpf's warnings and messages (verifier log included), so load and attach
/// errors can say what libbpf said instead of only an errno.
enum LibBPFLog {
    private static let lines = Mutex<[String]>([])
    private static let maxLines = 400

    /// Installs the collector (idempotent) and forgets earlier messages.
    static func begin() {
        _ = libbpf_set_print(collect)
        lines.withLock { $0.removeAll() }
    }

    /// The last `limit` collected lines, joined with " | ".
    static func tail(_ limit: Int = 12) -> String {
        lines.withLock { $0.suffix(limit).joined(separator: " | ") }
    }

    private static let collect: libbpf_print_fn_t = { level, format, args in
        guard let format, let args, level != LIBBPF_DEBUG else { return 0 }
        var buffer = [CChar](repeating: 0, count: 1024)
        let written = vsnprintf(&buffer, buffer.count, format, args)
        guard written >= 0 else { return 0 }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let trimmed = text.hasSuffix("\n") ? String(text.dropLast()) : text
        if !trimmed.isEmpty {
            LibBPFLog.lines.withLock {
                $0.append(trimmed)
                if $0.count > maxLines { $0.removeFirst($0.count - maxLines) }
            }
        }
        return written
    }
}
