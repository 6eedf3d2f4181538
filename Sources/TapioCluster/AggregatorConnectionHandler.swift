#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import TapioWire

/// One peer's session on the aggregator: handshake, then BATCH in / ACK out (exporters).
/// Any malformed frame, failed proof or protocol violation closes this connection only, with
/// an ERROR frame and a logged one-line reason.
final class AggregatorConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = WireFrame
    typealias OutboundIn = WireFrame
    typealias OutboundOut = WireFrame

    private enum State {
        case awaitingAuth(ServerHandshake)
        case exporter(StreamKey)
        case subscriber(Auth)
        case closing
    }

    private let host: any AggregatorSessionHost
    private let handshakeTimeout: TimeAmount
    private let makeHandshake: () -> ServerHandshake
    private var state: State = .closing
    private var handshakeTimer: Scheduled<Void>?
    private var highestAcked: UInt64 = 0
    /// This loop's ACK outbox, from the host on first use.
    private var outbox: AckOutbox?
    private var peer = "?"

    init(host: any AggregatorSessionHost, handshakeTimeout: TimeAmount, makeHandshake: @escaping () -> ServerHandshake) {
        self.host = host
        self.handshakeTimeout = handshakeTimeout
        self.makeHandshake = makeHandshake
    }

    func channelActive(context: ChannelHandlerContext) {
        peer = context.remoteAddress.map { "\($0)" } ?? "?"
        let handshake = makeHandshake()
        state = .awaitingAuth(handshake)
        context.writeAndFlush(wrapOutboundOut(handshake.hello.frame()), promise: nil)
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) {
            if case .awaitingAuth = self.state {
                self.host.count { $0.handshakeTimeouts += 1 }
                self.fail(context: context, ErrorMessage(code: .handshakeTimeout, message: "no AUTH within \(self.handshakeTimeout.nanoseconds / 1_000_000) ms"))
            }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        if case .exporter(let stream) = state { host.sessionEnded(stream) }
        state = .closing
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let received = NIODeadline.now()
        host.count { $0.framesReceived += 1; $0.wireBytesReceived += UInt64(frame.header.frameSize) }
        let message: Message
        do {
            message = try Message(frame: frame)
        } catch {
            host.count { $0.decodeErrors += 1 }
            // A type this version does not know is the peer breaking the protocol, not a bad frame.
            let code: ErrorMessage.Code = MessageType.known.contains(frame.header.type) ? .malformedFrame : .protocolViolation
            fail(context: context, ErrorMessage(code: code, message: error.description))
            return
        }
        if case .error(let error) = message {
            // The peer is closing with a reason: log it and close, without answering in kind.
            host.log("\(peer): peer closed the session: \(error.message) (\(error.code))")
            closeQuietly(context: context)
            return
        }
        switch state {
        case .awaitingAuth(let handshake):
            authenticate(context: context, handshake: handshake, message: message)
        case .exporter(let stream):
            exporterMessage(context: context, stream: stream, frame: frame, message: message, received: received)
        case .subscriber:
            switch message {
            case .heartbeat: break
            case .subscribe(let filter): host.subscribe(channel: context.channel, filter: filter)
            case .goodbye: context.close(promise: nil)
            default: fail(context: context, ErrorMessage(code: .protocolViolation, message: "\(message.type) is not expected from a subscriber"))
            }
        case .closing:
            break
        }
    }

    private func authenticate(context: ChannelHandlerContext, handshake: ServerHandshake, message: Message) {
        var resumeError: (any Error)?
        let outcome = handshake.receive(message) { auth in
            guard auth.role == .exporter else { return 0 }
            do {
                return try host.resumeSequence(for: StreamKey(node: auth.nodeName, epoch: auth.streamEpoch))
            } catch {
                resumeError = error
                return 0
            }
        }
        switch outcome {
        case .reject(let error):
            if error.code == .authenticationFailed { host.count { $0.authFailures += 1 } }
            fail(context: context, error)
        case .accept(let welcome, let client):
            if let resumeError {
                fail(context: context, ErrorMessage(code: .internalError, message: "journal unavailable: \(resumeError)"))
                return
            }
            handshakeTimer?.cancel()
            peer = "\(client.nodeName.isEmpty ? client.role.description : client.nodeName) (\(peer))"
            switch client.role {
            case .exporter:
                let stream = StreamKey(node: client.nodeName, epoch: client.streamEpoch)
                state = .exporter(stream)
                host.sessionStarted(stream)
                if case .welcome(let w) = welcome { highestAcked = w.resumeSequence }
            case .tail:
                state = .subscriber(client)
            case .query:
                // Reserved in v1 (SPEC §6.1): refused once the proof is verified.
                fail(context: context, ErrorMessage(code: .protocolViolation, message: "role query is not served: protocol v1 defines no query messages"))
                return
            }
            context.writeAndFlush(wrapOutboundOut(welcome.frame()), promise: nil)
        }
    }

    private func exporterMessage(context: ChannelHandlerContext, stream: StreamKey, frame: WireFrame, message: Message, received: NIODeadline) {
        switch message {
        case .batch(let sequence, let batch):
            switch host.ingest(stream: stream, frame: frame, batch: batch) {
            case .applied(let index), .duplicate(let index):
                outbox(context).add(
                    index: index, sequence: sequence, received: received,
                    acknowledge: { sequence, received in self.acknowledge(context: context, sequence: sequence, received: received) },
                    fail: { error in
                        self.fail(context: context, ErrorMessage(code: .internalError, message: "journal write failed, not acknowledging: \(error)"))
                    })
            case .failed(let why):
                fail(context: context, ErrorMessage(code: .internalError, message: why))
            }
        case .heartbeat:
            break
        case .goodbye(let goodbye):
            host.log("\(peer): goodbye: \(goodbye.reason)")
            host.sessionEnded(stream)
            state = .closing
            context.close(promise: nil)
        default:
            fail(context: context, ErrorMessage(code: .protocolViolation, message: "\(message.type) is not expected from an exporter"))
        }
    }

    /// After each socket read: ACKs of this loop's connections whose frames became durable
    /// meanwhile go out now, not after the loop's whole round of reads.
    func channelReadComplete(context: ChannelHandlerContext) {
        outbox?.flush()
        context.fireChannelReadComplete()
    }

    private func outbox(_ context: ChannelHandlerContext) -> AckOutbox {
        if let outbox { return outbox }
        let made = host.ackOutbox(on: context.eventLoop)
        outbox = made
        return made
    }

    private func acknowledge(context: ChannelHandlerContext, sequence: UInt64, received: NIODeadline) {
        guard sequence > highestAcked, case .exporter = state else { return }
        highestAcked = sequence
        context.writeAndFlush(wrapOutboundOut(Message.ack(sequence: sequence).frame()), promise: nil)
        host.ackSent(afterSeconds: Double((NIODeadline.now() - received).nanoseconds) / 1e9)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent {
            switch idle {
            case .read:
                host.count { $0.idleTimeouts += 1 }
                fail(context: context, ErrorMessage(code: .idleTimeout, message: "no frame received within the idle timeout"))
            case .write:
                if case .closing = state { return }
                context.writeAndFlush(wrapOutboundOut(Message.heartbeat.frame()), promise: nil)
            case .all:
                break
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .closing = state {
            // This connection already failed or ended: what the decoder reports about the bytes
            // left over (e.g. the half-sent AUTH of a peer cut by the handshake timeout, as
            // `closed-mid-frame`) is not another decode error.
            context.close(promise: nil)
            return
        }
        if let wire = error as? WireError {
            host.count { $0.decodeErrors += 1 }
            let code: ErrorMessage.Code = switch wire {
            case .frameTooLarge, .rawLengthTooLarge, .compressionRatioTooHigh: .frameTooLarge
            case .unsupportedVersion: .unsupportedVersion
            default: .malformedFrame
            }
            fail(context: context, ErrorMessage(code: code, message: wire.description))
        } else if let io = error as? IOError, io.errnoCode == ECONNRESET || io.errnoCode == EPIPE {
            context.close(promise: nil)
        } else {
            host.log("\(peer): connection error: \(error)")
            context.close(promise: nil)
        }
    }

    private func closeQuietly(context: ChannelHandlerContext) {
        if case .exporter(let stream) = state { host.sessionEnded(stream) }
        state = .closing
        handshakeTimer?.cancel()
        context.close(promise: nil)
    }

    /// Logs the reason, tells the peer, and closes this connection only.
    private func fail(context: ChannelHandlerContext, _ error: ErrorMessage) {
        if case .closing = state { return }
        if case .exporter(let stream) = state { host.sessionEnded(stream) }
        state = .closing
        handshakeTimer?.cancel()
        host.log("\(peer): closing connection: \(error.message)")
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(Message.error(error).frame())).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
