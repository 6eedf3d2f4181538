/// A whole dump spelled out: every frame decoded, and where and why decoding stopped if it
/// did. The golden vectors' JSON files hold exactly this; `tapio dump` prints it.
public struct DumpInspection: Codable, Equatable, Sendable {
    public struct Failure: Codable, Equatable, Sendable {
        /// Byte offset of the frame that failed.
        public var offset: Int
        /// `frame` (header, limits, CRC, truncation) or `payload` (decompression, records, message fields).
        public var stage: String
        public var code: String
        public var message: String
    }

    public var frames: [FrameDescription]
    public var error: Failure?

    /// Reads and decodes every frame of the dump at `path`.
    public static func inspect(path: String, limits: WireLimits = .default) throws -> DumpInspection {
        let reader = try DumpReader(path: path, limits: limits)
        var frames: [FrameDescription] = []
        var offset = DumpFileHeader.size
        while let frame = reader.next() {
            do {
                frames.append(try FrameDescription(frame: frame, offset: offset))
            } catch {
                return DumpInspection(
                    frames: frames,
                    error: Failure(offset: offset, stage: "payload", code: error.code, message: error.description))
            }
            offset += frame.header.frameSize
        }
        let failure = reader.failure.map {
            Failure(offset: $0.offset, stage: "frame", code: $0.reason.code, message: $0.reason.description)
        }
        return DumpInspection(frames: frames, error: failure)
    }
}
