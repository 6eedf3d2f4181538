#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import TapioWire

/// Streams BATCH frames to one aggregator and keeps every frame until it is acknowledged.
/// All state lives on one event loop; callers hand frames in with `submit`. Connection loss
/// is routine: it reconnects with jittered exponential backoff and resumes where the
/// aggregator's WELCOME says.
public final class FrameSender: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var token: [UInt8]
        public var nodeName: String
        /// Frames sent but not yet acknowledged, at most.
        public var maxFramesInFlight: Int
        public var idleTimeout: TimeAmount
        public var connectTimeout: TimeAmount
        public var minimumBackoff: TimeAmount
        public var maximumBackoff: TimeAmount

        public init(
            host: String, port: Int, token: [UInt8], nodeName: String, maxFramesInFlight: Int = 64,
            idleTimeout: TimeAmount = .seconds(30), connectTimeout: TimeAmount = .seconds(5),
            minimumBackoff: TimeAmount = .milliseconds(200), maximumBackoff: TimeAmount = .seconds(30)
        ) {
            self.host = host
            self.port = port
            self.token = token
            self.nodeName = nodeName
            self.maxFramesInFlight = maxFramesInFlight
            self.idleTimeout = idleTimeout
            self.connectTimeout = connectTimeout
            self.minimumBackoff = minimumBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    /// What the sender has done, for status lines and tests.
    public struct Status: Sendable, Equatable {
        public var connected: Bool
        public var lastSequence: UInt64
        public var lastAcknowledged: UInt64
        public var unackedFrames: Int
        public var unackedBytes: Int
        public var connects: Int
    }

    public let configuration: Configuration
    public let eventLoop: any EventLoop
    /// Set when the sender made its own event loop (and so shuts it down).
    private let ownedGroup: MultiThreadedEventLoopGroup?
    private let log: @Sendable (String) -> Void
    private let onFrame: @Sendable (WireFrame) -> Void
    private let onAcknowledged: @Sendable (UInt64) -> Void

    // Confined to `eventLoop`.
    private let store: any UnackedFrameStore
    private var batcher: RecordBatcher
    private var lingerTimer: Scheduled<Void>?
    /// Loss reports handed to the batcher and not yet in a frame, and those in each unacked
    /// frame: when the store drops a frame, the losses it carried are reported again, or the
    /// aggregator's loss totals would be short by them.
    private var lossesAwaitingFrame: [LossReport] = []
    private var lossesInFrame: [UInt64: [LossReport]] = [:]
    /// Records and bytes of each unacknowledged frame cut in this run, and the highest
    /// sequence ever written to a connection. A frame the store drops after it was sent may
    /// still be applied: it is counted as lost only once an ACK or WELCOME shows it was not.
    private typealias FrameSize = (records: UInt64, bytes: UInt64)
    private var frameSizes: [UInt64: FrameSize] = [:]
    private var highestSent: UInt64 = 0
    private var droppedInFlight: [UInt64: FrameSize] = [:]
    private var session: ExporterSessionHandler?
    private var channel: (any Channel)?
    private var failures = 0
    private var connects = 0
    private var lastAcknowledged: UInt64 = 0
    private var stopped = false
    private var fatalReason: String?

    var maxFramesInFlight: Int { configuration.maxFramesInFlight }

    /// `store` must not be used by anyone else afterwards. `onFrame` sees every new frame
    /// once (for `--record`); `onAcknowledged` every new acknowledged sequence. With no
    /// `group`, the sender runs its own one-thread event loop.
    public init(
        configuration: Configuration, store: any UnackedFrameStore, batcher: RecordBatcher = RecordBatcher(),
        group: (any EventLoopGroup)? = nil, log: @escaping @Sendable (String) -> Void,
        onFrame: @escaping @Sendable (WireFrame) -> Void = { _ in },
        onAcknowledged: @escaping @Sendable (UInt64) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.store = store
        self.batcher = batcher
        self.log = log
        self.onFrame = onFrame
        self.onAcknowledged = onAcknowledged
        if let group {
            ownedGroup = nil
            eventLoop = group.next()
        } else {
            let own = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            ownedGroup = own
            eventLoop = own.next()
        }
    }

    public func start() {
        eventLoop.execute {
            let now = Self.nowNs()
            for loss in self.store.takeDiscoveredLosses() { self.report(loss, nowNs: now) }
            self.connect()
        }
    }

    /// Queues records for the next BATCH frames (cut by count, size and linger). Loss
    /// reports among them are tracked like the sender's own.
    public func submit(records: [Record]) {
        eventLoop.execute {
            let now = Self.nowNs()
            for record in records {
                if case .lossReport(let loss) = record.body {
                    self.report(loss, nowNs: now)
                } else {
                    self.batcher.add(record, nowNs: now)
                }
            }
            self.cutFrames(nowNs: now, force: false)
        }
    }

    private func report(_ loss: LossReport, nowNs: UInt64) {
        batcher.reportLoss(loss, nowNs: nowNs)
        lossesAwaitingFrame.append(loss)
    }

    /// The store dropped frames `dropped.firstSequence...lastSequence`: report that, and again
    /// the losses those frames were carrying.
    private func storeDropped(_ dropped: LossReport, nowNs: UInt64) {
        let range = dropped.firstSequence...max(dropped.firstSequence, dropped.lastSequence)
        guard dropped.firstSequence > 0, range.contains(where: { frameSizes[$0] != nil }) else {
            // Frames of an earlier run (sizes unknown here): the store's own count stands.
            report(dropped, nowNs: nowNs)
            return
        }
        var lost: [UInt64: FrameSize] = [:]
        for sequence in range {
            guard let size = frameSizes.removeValue(forKey: sequence) else { continue }
            if sequence <= highestSent {
                droppedInFlight[sequence] = size  // may yet be applied: an ACK or WELCOME decides
            } else {
                lost[sequence] = size
            }
        }
        reportLost(lost, nowNs: nowNs)
    }

    /// Reports frames as lost, and again the losses they were carrying.
    private func reportLost(_ frames: [UInt64: FrameSize], nowNs: UInt64) {
        guard let first = frames.keys.min(), let last = frames.keys.max() else { return }
        report(LossReport(
            source: store is DiskFrameSpool ? .spool : .sendWindow,
            lostRecords: frames.values.reduce(0) { $0 + $1.records }, lostBytes: frames.values.reduce(0) { $0 + $1.bytes },
            firstSequence: first, lastSequence: last), nowNs: nowNs)
        for sequence in frames.keys.sorted() {
            for loss in lossesInFrame.removeValue(forKey: sequence) ?? [] { report(loss, nowNs: nowNs) }
        }
    }

    func sent(through sequence: UInt64) {
        highestSent = max(highestSent, sequence)
    }

    /// Cuts every pending record into frames now (before stopping, or in tests).
    public func flush() -> EventLoopFuture<Void> {
        eventLoop.submit { self.cutFrames(nowNs: Self.nowNs(), force: true) }
    }

    private func cutFrames(nowNs: UInt64, force: Bool) {
        var cut = false
        while force ? !batcher.isEmpty : batcher.isDue(nowNs: nowNs) {
            guard let frame = batcher.makeFrame(sequence: store.lastSequence + 1) else { break }
            // The batcher puts every pending loss report at the front of the next frame.
            if !lossesAwaitingFrame.isEmpty {
                lossesInFrame[frame.header.sequence] = lossesAwaitingFrame
                lossesAwaitingFrame = []
            }
            frameSizes[frame.header.sequence] = (UInt64(frame.header.count), UInt64(frame.header.frameSize))
            do {
                if let dropped = try store.append(frame) { storeDropped(dropped, nowNs: nowNs) }
            } catch {
                // The frame is lost: say so in-band, like any other drop.
                log("cannot store frame \(frame.header.sequence): \(error)")
                frameSizes.removeValue(forKey: frame.header.sequence)
                let carried = lossesInFrame.removeValue(forKey: frame.header.sequence) ?? []
                report(LossReport(source: .spool, lostRecords: UInt64(frame.header.count), lostBytes: UInt64(frame.header.frameSize)), nowNs: nowNs)
                for loss in carried { report(loss, nowNs: nowNs) }
                continue
            }
            onFrame(frame)
            cut = true
        }
        if cut { session?.pump() }
        lingerTimer?.cancel()
        lingerTimer = nil
        if let deadline = batcher.lingerDeadlineNs {
            let wait = deadline > nowNs ? deadline - nowNs : 0
            lingerTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(clamping: wait))) {
                self.cutFrames(nowNs: Self.nowNs(), force: false)
            }
        }
    }

    static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public func status() -> EventLoopFuture<Status> {
        eventLoop.submit {
            Status(
                connected: self.session != nil, lastSequence: self.store.lastSequence,
                lastAcknowledged: self.lastAcknowledged, unackedFrames: self.store.unackedFrames,
                unackedBytes: self.store.unackedBytes, connects: self.connects)
        }
    }

    /// Cuts pending records into frames, waits up to `drain` for outstanding ACKs, says
    /// GOODBYE, closes, and stops its own event loop. Unacknowledged frames stay in the store
    /// (a disk spool delivers them after a restart).
    public func stop(drainFor drain: TimeAmount = .seconds(2)) async {
        try? await flush().get()
        let deadline = NIODeadline.now() + drain
        while NIODeadline.now() < deadline {
            let pending = (try? await status().get()).map { $0.connected && $0.lastAcknowledged < $0.lastSequence } ?? false
            if !pending { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        try? await eventLoop.submit {
            self.stopped = true
            self.lingerTimer?.cancel()
            // An orderly stop leaves the spool on disk, not only in the page cache.
            if let spool = self.store as? DiskFrameSpool { try? spool.sync() }
            self.session?.sayGoodbye(reason: "exporter stopping")
            if self.session == nil { self.channel?.close(promise: nil) }
        }.get()
        try? await ownedGroup?.shutdownGracefully()
    }

    // MARK: - connection lifecycle (on eventLoop)

    private func connect() {
        guard !stopped else { return }
        let handshake = ClientHandshake(
            token: configuration.token, role: .exporter, nodeName: configuration.nodeName, streamEpoch: store.streamEpoch)
        let idle = configuration.idleTimeout
        ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(MessageToByteHandler(FrameEncoder()))
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder()))
                    // Provisional until HELLO announces the server's idle timeout.
                    try sync.addHandler(IdleStateHandler(readTimeout: idle, writeTimeout: .nanoseconds(idle.nanoseconds / 3)), name: AnnouncedIdleTimeout.handlerName)
                    try sync.addHandler(ExporterSessionHandler(sender: self, handshake: handshake))
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.channel = channel
                case .failure(let error):
                    self.scheduleReconnect(after: "cannot connect to \(self.configuration.host):\(self.configuration.port): \(error)")
                }
            }
    }

    private func scheduleReconnect(after reason: String) {
        guard !stopped else { return }
        failures += 1
        let exponent = min(failures - 1, 16)
        var base = min(configuration.minimumBackoff.nanoseconds << exponent, configuration.maximumBackoff.nanoseconds)
        var why = reason
        if let refused = fatalReason {
            // The aggregator refused who we are (token, protocol version): trying again soon
            // cannot help and only fills its log, so wait the longest backoff.
            fatalReason = nil
            base = configuration.maximumBackoff.nanoseconds
            why = "\(reason) (refused: \(refused); check --token-file)"
        }
        // Full jitter in [base/2, base]: a fleet that lost its aggregator does not reconnect in lockstep.
        let delay = base / 2 + Int64.random(in: 0...max(base / 2, 1))
        log("\(why); retrying in \(String(format: "%.1f", Double(delay) / 1e9))s")
        eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay)) { self.connect() }
    }

    func sessionEstablished(_ handler: ExporterSessionHandler, serverName: String, resumeSequence: UInt64) {
        session = handler
        failures = 0
        connects += 1
        if resumeSequence > store.lastSequence {
            // The aggregator has frames this store lost (a crash before the page cache reached
            // the disk): continue numbering after them, or new frames would read as duplicates.
            do {
                try store.resumeNumbering(after: resumeSequence)
            } catch {
                log("cannot continue numbering after \(resumeSequence): \(error)")
            }
        }
        acknowledged(through: resumeSequence)
        // Frames dropped while in flight that the aggregator did not apply are lost after all.
        if !droppedInFlight.isEmpty {
            reportLost(droppedInFlight, nowNs: Self.nowNs())
            droppedInFlight = [:]
        }
        let pending = store.lastSequence > resumeSequence ? store.lastSequence - resumeSequence : 0
        log("connected to \(serverName) at \(configuration.host):\(configuration.port); it has applied up to sequence \(resumeSequence), resending \(pending) frame(s)")
    }

    func sessionFailed(reason: String, fatal: Bool) {
        if fatal { fatalReason = reason }
        log("connection to aggregator lost: \(reason)")
    }

    func sessionEnded(_ handler: ExporterSessionHandler) {
        if session === handler { session = nil }
        channel = nil
        scheduleReconnect(after: "disconnected from aggregator")
    }

    func acknowledged(through sequence: UInt64) {
        guard sequence > lastAcknowledged else { return }
        let newlyAcknowledged = (lastAcknowledged + 1)...sequence
        lastAcknowledged = sequence
        onAcknowledged(sequence)
        Self.forget(newlyAcknowledged, in: &lossesInFrame)
        Self.forget(newlyAcknowledged, in: &frameSizes)
        // Dropped after sending, but applied after all: not lost.
        Self.forget(newlyAcknowledged, in: &droppedInFlight)
        do {
            try store.acknowledge(through: sequence)
        } catch {
            log("cannot trim acknowledged frames from the spool: \(error)")
        }
    }

    /// Removes the entries of `sequences` (every key at or below it was removed by earlier
    /// ACKs). An ACK usually covers a frame or two: removing those keys is cheaper than
    /// rebuilding the map on every ACK; a long jump (resume after an outage) filters instead.
    private static func forget<Value>(_ sequences: ClosedRange<UInt64>, in map: inout [UInt64: Value]) {
        guard !map.isEmpty else { return }
        if UInt64(map.count) < sequences.upperBound - sequences.lowerBound {
            map = map.filter { $0.key > sequences.upperBound }
        } else {
            for sequence in sequences { map.removeValue(forKey: sequence) }
        }
    }

    func storedFrames(after sequence: UInt64, limit: Int) -> [WireFrame] {
        do {
            return try store.frames(after: sequence, limit: limit)
        } catch {
            log("cannot read frames after \(sequence) from the spool: \(error)")
            return []
        }
    }
}
