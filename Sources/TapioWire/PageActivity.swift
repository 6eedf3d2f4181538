import NIOCore

/// Page traffic of one memory cgroup over an interval (kind 8), from the kernel's per-CPU
/// counters on `kmem:mm_page_alloc`/`mm_page_free`. A per-cgroup rate, never per-process.
public struct PageActivity: RecordBody {
    public static let kind = RecordKind.pageActivity
    public static let minimumBodyLength = 32

    public var cgroupId: UInt64
    public var pagesAllocated: UInt64
    public var pagesFreed: UInt64
    public var intervalNanoseconds: UInt64

    public init(cgroupId: UInt64, pagesAllocated: UInt64, pagesFreed: UInt64, intervalNanoseconds: UInt64) {
        self.cgroupId = cgroupId
        self.pagesAllocated = pagesAllocated
        self.pagesFreed = pagesFreed
        self.intervalNanoseconds = intervalNanoseconds
    }

    public func encode(into fields: inout FieldWriter) {
        fields.put(cgroupId)
        fields.put(pagesAllocated)
        fields.put(pagesFreed)
        fields.put(intervalNanoseconds)
    }

    public init(decoding body: inout FieldReader) throws(WireError) {
        cgroupId = body.u64()
        pagesAllocated = body.u64()
        pagesFreed = body.u64()
        intervalNanoseconds = body.u64()
    }
}
