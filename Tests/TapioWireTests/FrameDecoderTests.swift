import NIOCore
import NIOEmbedded
import NIOTestUtils
import TapioSimulation
import TapioWire
import XCTest

final class FrameDecoderTests: XCTestCase {
    private func frames() -> [WireFrame] {
        var mix = RecordMix(containers: 10)
        return [
            Message.heartbeat.frame(),
            Message.batch(sequence: 1, RecordBatch(records: SampleRecords.everyKind)).frame(compress: false),
            Message.batch(sequence: 2, RecordBatch(records: mix.nextSecond())).frame(compress: true),
            Message.ack(sequence: 2).frame(),
        ]
    }

    /// NIO's verifier feeds the input whole, one byte at a time, in random chunks, and with
    /// several frames per buffer, and checks the same frames come out every time.
    func testVerifierDripFeedAndManyFramesPerBuffer() throws {
        let frames = frames()
        var all = ByteBuffer()
        for frame in frames { frame.write(to: &all) }
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: frames.map { ($0.wireBytes, [$0]) } + [(all, frames)],
            decoderFactory: { FrameDecoder() })
    }

    func testEmbeddedChannelDecodesAndEncodes() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
        let frames = frames()
        for frame in frames {
            var bytes = frame.wireBytes
            // Two pieces, so the decoder has to wait for the rest.
            let head = bytes.readSlice(length: 10)!
            try channel.writeInbound(head)
            XCTAssertNil(try channel.readInbound(as: WireFrame.self))
            try channel.writeInbound(bytes)
            XCTAssertEqual(try channel.readInbound(as: WireFrame.self), frame)
        }
        try channel.writeOutbound(frames[1])
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self), frames[1].wireBytes)
        XCTAssertTrue(try channel.finish().isClean)
    }

    /// A hostile length is refused as soon as 8 bytes are in: the channel errors and nothing
    /// more is buffered for it.
    func testOversizedFrameFailsImmediately() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
        var bytes = ByteBuffer()
        bytes.writeInteger(FrameHeader.magic)
        bytes.writeInteger(UInt32(64 << 20))
        XCTAssertThrowsError(try channel.writeInbound(bytes)) {
            XCTAssertEqual($0 as? WireError, .frameTooLarge(length: 64 << 20, limit: 4 << 20))
        }
        _ = try? channel.finish()
    }

    func testGarbageFailsWithBadMagic() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
        XCTAssertThrowsError(try channel.writeInbound(ByteBuffer(string: "SSH-2.0-OpenSSH_9.2\r\n"))) {
            guard case .badMagic? = $0 as? WireError else { return XCTFail("\($0)") }
        }
        _ = try? channel.finish()
    }

    func testCloseMidFrameIsReported() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
        try channel.writeInbound(frames()[1].wireBytes.getSlice(at: 0, length: 40)!)
        XCTAssertThrowsError(try channel.finish()) {
            XCTAssertEqual($0 as? WireError, .closedMidFrame(bufferedBytes: 40))
        }
    }
}
