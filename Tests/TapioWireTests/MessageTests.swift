import NIOCore
import TapioSimulation
import TapioWire
import XCTest

final class MessageTests: XCTestCase {
    private func roundTrip(_ message: Message, file: StaticString = #filePath, line: UInt = #line) throws {
        var bytes = message.frame().wireBytes
        let frame = try XCTUnwrap(try WireFrame.parse(from: &bytes, limits: .default), file: file, line: line)
        XCTAssertEqual(try Message(frame: frame), message, file: file, line: line)
    }

    func testEveryMessageRoundTrips() throws {
        let nonce = Nonce.random()
        let proof = Proof(bytes: [UInt8](repeating: 5, count: 32))
        try roundTrip(.hello(Hello(serverNonce: nonce, idleTimeoutMilliseconds: 15_000, serverName: "agg-1")))
        try roundTrip(.auth(Auth(role: .tail, streamEpoch: 77, clientNonce: nonce, proof: proof, nodeName: "web-3")))
        try roundTrip(.welcome(Welcome(resumeSequence: 12_345, serverProof: proof)))
        try roundTrip(.error(ErrorMessage(code: .tooManyConnections, message: "limit 1000 reached")))
        try roundTrip(.batch(sequence: 1, RecordBatch(records: SampleRecords.everyKind)))
        try roundTrip(.ack(sequence: .max))
        try roundTrip(.heartbeat)
        try roundTrip(.alert(json: #"{"a":"ü"}"#))
        try roundTrip(.subscribe(Subscribe(minimumSeverity: .critical, node: "n", namespace: "ns", workload: "w")))
        try roundTrip(.goodbye(Goodbye(reason: "restart")))
    }

    func testShortSessionPayloadIsRejected() throws {
        var bytes = WireFrame(type: .welcome, rawPayload: ByteBuffer(bytes: [1, 2, 3])).wireBytes
        let frame = try XCTUnwrap(try WireFrame.parse(from: &bytes, limits: .default))
        XCTAssertThrowsError(try Message(frame: frame)) {
            XCTAssertEqual($0 as? WireError, .messageTooShort(type: .welcome, needed: 40, actual: 3))
        }
    }

    func testUnknownTypeAndBadFieldsAreRejected() throws {
        for (frame, expected) in [
            (WireFrame(type: MessageType(rawValue: 99), rawPayload: ByteBuffer()), WireError.invalidField("unknown message type 99")),
            (WireFrame(type: .batch, sequence: 0, rawPayload: ByteBuffer()), .invalidField("BATCH sequence 0 (sequences start at 1)")),
            (WireFrame(type: .heartbeat, count: 2, rawPayload: ByteBuffer()), .invalidField("HEARTBEAT frame with record count 2 (only BATCH carries records)")),
            (WireFrame(type: .alert, rawPayload: ByteBuffer(bytes: [0xC3])), .invalidField("ALERT payload is not valid UTF-8")),
        ] {
            XCTAssertThrowsError(try Message(frame: frame)) { XCTAssertEqual($0 as? WireError, expected) }
        }
    }

    func testHandshakeProofsVerifyOnlyWithTheSameTokenAndNonces() {
        let server = HandshakeProof(token: Array("secret".utf8))
        let wrong = HandshakeProof(token: Array("guess".utf8))
        let (s, c) = (Nonce.random(), Nonce.random())
        let proof = server.clientProof(serverNonce: s, clientNonce: c, role: .exporter, streamEpoch: 1, nodeName: "n1")
        XCTAssertTrue(HandshakeProof.matches(proof, server.clientProof(serverNonce: s, clientNonce: c, role: .exporter, streamEpoch: 1, nodeName: "n1")))
        XCTAssertFalse(HandshakeProof.matches(proof, wrong.clientProof(serverNonce: s, clientNonce: c, role: .exporter, streamEpoch: 1, nodeName: "n1")))
        XCTAssertFalse(HandshakeProof.matches(proof, server.clientProof(serverNonce: Nonce.random(), clientNonce: c, role: .exporter, streamEpoch: 1, nodeName: "n1")), "replay on another connection")
        XCTAssertFalse(HandshakeProof.matches(proof, server.clientProof(serverNonce: s, clientNonce: c, role: .exporter, streamEpoch: 1, nodeName: "n2")), "node name is bound")
        // The server's proof is not the client's reflected back.
        XCTAssertNotEqual(server.serverProof(serverNonce: s, clientNonce: c, resumeSequence: 0).bytes, proof.bytes)
        XCTAssertEqual(proof.bytes.count, HandshakeProof.length)
    }

    func testNoncesAreRandom() {
        XCTAssertNotEqual(Nonce.random(), Nonce.random())
    }
}
