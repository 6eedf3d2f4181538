import CLibBPF

#if canImport(Glibc)
import Glibc
#endif

/// Reads Tapio's BPF ring buffer through libbpf and decodes each record as it arrives.
/// Not thread-safe: poll it from one thread (or one task) at a time.
final class RingBufferReader {
    /// Where libbpf's callback drops decoded records during one poll.
    private final class Sink {
        var decoder: KernelEventDecoder
        var events: [KernelEvent] = []
        var undecodable: UInt64 = 0
        var lastDecodingError: KernelEventDecodingError?

        init(decoder: KernelEventDecoder) {
            self.decoder = decoder
        }

        func consume(_ bytes: UnsafeRawBufferPointer) {
            do {
                events.append(try decoder.decode(bytes))
            } catch {
                undecodable += 1
                lastDecodingError = error
            }
        }
    }

    private var ring: OpaquePointer?
    private let sink: Sink

    init(mapFD: Int32, decoder: KernelEventDecoder) throws(BPFProbeError) {
        sink = Sink(decoder: decoder)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        ring = ring_buffer__new(mapFD, { context, data, size in
            guard let context, let data else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            sink.consume(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }, context, nil)
        if ring == nil {
            throw .ringBufferFailed(errno: errno, operation: "setup (ring_buffer__new)")
        }
    }

    /// Records that arrived and could not be decoded, since creation.
    var undecodable: UInt64 { sink.undecodable }
    var lastDecodingError: KernelEventDecodingError? { sink.lastDecodingError }

    /// Waits up to `timeoutMilliseconds` (0: don't wait) for records and returns all that
    /// are ready, decoded, in ring order.
    func poll(timeoutMilliseconds: Int32, clock: KernelClock) throws(BPFProbeError) -> [KernelEvent] {
        guard let ring else { throw .closed }
        sink.decoder.clock = clock
        var result = ring_buffer__poll(ring, timeoutMilliseconds)
        // Records submitted without a wakeup (see `submit` in the BPF program) are not
        // signalled to epoll: read whatever is there, signalled or not.
        if result >= 0 || result == -EINTR {
            let consumed = ring_buffer__consume(ring)
            if consumed < 0 { result = consumed }
        }
        let events = sink.events
        sink.events.removeAll(keepingCapacity: true)
        if result < 0 && result != -EINTR {
            throw .ringBufferFailed(errno: -result, operation: "poll")
        }
        return events
    }

    func close() {
        if let ring {
            ring_buffer__free(ring)
            self.ring = nil
        }
    }

    deinit {
        close()
    }
}
