#if canImport(Glibc)
import Glibc
#endif

/// The process heap as glibc's allocator sees it (`malloc_info` totals): what the threads hold
/// and what sits free inside the allocator. RSS alone cannot tell a leak from fragmentation;
/// these two can (free bytes that the periodic trim does not return are fragmentation).
public struct HeapUsage: Sendable, Equatable {
    /// Bytes allocated and not freed (mmapped chunks included).
    public var inUseBytes: Int
    /// Bytes obtained from the system and free in the allocator's arenas.
    public var freeBytes: Int

    /// Now, or nil where glibc's `malloc_info` is unavailable.
    public static func current() -> HeapUsage? {
        #if canImport(Glibc)
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_info") else { return nil }
        var buffer: UnsafeMutablePointer<CChar>?
        var length = 0
        guard let stream = open_memstream(&buffer, &length) else { return nil }
        _ = unsafeBitCast(symbol, to: MallocInfo.self)(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard let buffer else { return nil }
        return parse(mallocInfo: String(cString: buffer))
        #else
        return nil
        #endif
    }

    /// The totals after the last `</heap>` of a `malloc_info` document:
    /// `<total type="fast|rest|mmap" count=".." size="N"/>` and `<system type="current" size="N"/>`.
    static func parse(mallocInfo xml: String) -> HeapUsage? {
        let totals = xml.components(separatedBy: "</heap>").last ?? ""
        func size(_ tag: String) -> Int? {
            guard let line = totals.split(separator: "\n").first(where: { $0.contains(tag) }),
                let range = line.range(of: "size=\"")
            else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        guard let system = size("<system type=\"current\"") else { return nil }
        let free = (size("<total type=\"fast\"") ?? 0) + (size("<total type=\"rest\"") ?? 0)
        return HeapUsage(inUseBytes: system - free + (size("<total type=\"mmap\"") ?? 0), freeBytes: free)
    }
}
