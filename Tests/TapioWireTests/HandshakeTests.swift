import TapioWire
import XCTest

final class HandshakeTests: XCTestCase {
    private func run(serverToken: String, clientToken: String, role: Auth.Role = .exporter) -> (ClientHandshake.Outcome, ServerHandshake.Outcome?) {
        let server = ServerHandshake(token: Array(serverToken.utf8), serverName: "agg", idleTimeoutMilliseconds: 9_000)
        var client = ClientHandshake(token: Array(clientToken.utf8), role: role, nodeName: "node-7", streamEpoch: 3)
        guard case .send(let auth) = client.receive(server.hello) else { return (.failed("no AUTH"), nil) }
        let verdict = server.receive(auth) { auth in auth.nodeName == "node-7" && auth.streamEpoch == 3 ? 41 : 0 }
        switch verdict {
        case .accept(let welcome, _): return (client.receive(welcome), verdict)
        case .reject(let error): return (client.receive(.error(error)), verdict)
        }
    }

    func testMatchingTokensEstablishWithResumeSequence() {
        let (client, server) = run(serverToken: "s3cret", clientToken: "s3cret")
        XCTAssertEqual(client, .established(resumeSequence: 41, serverName: "agg", idleTimeoutMilliseconds: 9_000))
        guard case .accept(_, let auth)? = server else { return XCTFail("\(String(describing: server))") }
        XCTAssertEqual(auth.nodeName, "node-7")
        XCTAssertEqual(auth.role, .exporter)
    }

    func testWrongTokenIsRejectedWithAReason() {
        let (client, server) = run(serverToken: "s3cret", clientToken: "guess")
        XCTAssertEqual(server, .reject(ErrorMessage(code: .authenticationFailed, message: "proof does not match the shared token")))
        XCTAssertEqual(client, .failed("server refused: proof does not match the shared token (authenticationFailed)"))
    }

    /// A server that does not hold the token cannot fake WELCOME.
    func testClientRejectsServerWithoutTheToken() {
        let impostor = ServerHandshake(token: Array("other".utf8), serverName: "evil", idleTimeoutMilliseconds: 1)
        var client = ClientHandshake(token: Array("s3cret".utf8), role: .tail, nodeName: "", streamEpoch: 0)
        guard case .send = client.receive(impostor.hello) else { return XCTFail() }
        let fake = Message.welcome(Welcome(resumeSequence: 0, serverProof: Proof(bytes: [UInt8](repeating: 0, count: 32))))
        guard case .failed(let why) = client.receive(fake) else { return XCTFail() }
        XCTAssertTrue(why.contains("server's proof does not match"), why)
    }

    func testOutOfOrderMessagesFail() {
        let server = ServerHandshake(token: [], serverName: "agg", idleTimeoutMilliseconds: 1)
        XCTAssertEqual(server.receive(.heartbeat) { _ in 0 }, .reject(ErrorMessage(code: .protocolViolation, message: "expected AUTH after HELLO, got HEARTBEAT")))
        var client = ClientHandshake(token: [], role: .exporter, nodeName: "n", streamEpoch: 1)
        XCTAssertEqual(client.receive(.ack(sequence: 1)), .failed("expected HELLO from the server, got ACK"))
        var newer = ClientHandshake(token: [], role: .exporter, nodeName: "n", streamEpoch: 1)
        let v2 = Message.hello(Hello(minimumVersion: 2, maximumVersion: 3, serverNonce: .random(), idleTimeoutMilliseconds: 1, serverName: "x"))
        XCTAssertEqual(newer.receive(v2), .failed("server speaks protocol versions 2–3, this client speaks 1"))
    }

    func testEmptyTokenWorksOnBothSidesOnly() {
        if case .established = run(serverToken: "", clientToken: "").0 {} else { XCTFail("insecure mode should connect") }
        if case .failed = run(serverToken: "", clientToken: "x").0 {} else { XCTFail("token mismatch must fail") }
    }
}
