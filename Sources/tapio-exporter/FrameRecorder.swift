import Synchronization
import TapioWire

/// `--record`: appends every frame sent, once, to a dump file; flushed per frame so the dump
/// is readable while the exporter runs. Each run starts with a stream marker (an AUTH frame
/// with zero nonce and proof naming the node and epoch), the journal's convention, so a
/// replay knows which node the BATCH frames after it came from.
final class FrameRecorder: Sendable {
    private let writer: Mutex<DumpWriter>

    init(path: String, nodeName: String, streamEpoch: UInt64) throws {
        let writer = try DumpWriter(path: path, flushThreshold: 0)
        if let repaired = writer.repairedTail { Log.line("\(path): cut a torn tail at byte \(repaired.offset) before appending") }
        try writer.append(StreamMarker.frame(nodeName: nodeName, streamEpoch: streamEpoch))
        self.writer = Mutex(writer)
    }

    func append(_ frame: WireFrame) {
        writer.withLock { writer in
            do {
                try writer.append(frame)
            } catch {
                Log.line("recording failed: \(error)")
            }
        }
    }
}
