/// A frame spelled out for people and for other implementations: every header field and the
/// decoded message. Used by the golden vectors' JSON and `tapio dump --frames`.
public struct FrameDescription: Codable, Equatable, Sendable {
    public var offset: Int
    public var type: String
    public var typeCode: UInt8
    public var length: UInt32
    public var crc32c: String
    public var version: UInt8
    public var flags: UInt8
    public var sequence: UInt64
    public var count: UInt32
    public var rawLength: UInt32
    public var hello: Hello?
    public var auth: Auth?
    public var welcome: Welcome?
    public var error: ErrorMessage?
    public var subscribe: Subscribe?
    public var goodbye: Goodbye?
    public var alert: String?
    public var records: [Record]?
    public var skippedUnknownRecords: Int?

    /// Describes `frame` found at byte `offset`; throws what decoding its payload throws.
    public init(frame: WireFrame, offset: Int) throws(WireError) {
        let h = frame.header
        self.offset = offset
        type = h.type.name
        typeCode = h.type.rawValue
        length = h.length
        crc32c = "0x" + [UInt8(h.crc32c >> 24), UInt8(h.crc32c >> 16 & 0xFF), UInt8(h.crc32c >> 8 & 0xFF), UInt8(h.crc32c & 0xFF)].hexString
        version = h.version
        flags = h.flags
        sequence = h.sequence
        count = h.count
        rawLength = h.rawLength
        switch try Message(frame: frame) {
        case .hello(let m): hello = m
        case .auth(let m): auth = m
        case .welcome(let m): welcome = m
        case .error(let m): error = m
        case .subscribe(let m): subscribe = m
        case .goodbye(let m): goodbye = m
        case .alert(let json): alert = json
        case .batch(_, let batch):
            records = batch.records
            skippedUnknownRecords = batch.skippedUnknown
        case .ack, .heartbeat: break
        }
    }
}
