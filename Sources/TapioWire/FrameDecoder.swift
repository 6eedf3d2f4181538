import NIOCore

/// Cuts the inbound byte stream into frames. Every limit is checked from the first 8 and
/// then 32 bytes, before the payload is buffered, so a hostile peer cannot make the server
/// allocate more than `maxFrameLength`. The first error closes the connection (the channel
/// handler after this one decides how to log it).
public struct FrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = WireFrame

    public let limits: WireLimits

    public init(limits: WireLimits = .default) { self.limits = limits }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try WireFrame.parse(from: &buffer, limits: limits) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            throw WireError.closedMidFrame(bufferedBytes: buffer.readableBytes)
        }
        return .needMoreData
    }
}

/// Writes frames as their exact wire bytes.
public struct FrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = WireFrame

    public init() {}

    public func encode(data: WireFrame, out: inout ByteBuffer) throws {
        data.write(to: &out)
    }
}
