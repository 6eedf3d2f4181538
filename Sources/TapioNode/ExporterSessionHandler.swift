import NIOCore
import TapioWire

/// The exporter's side of one connection: handshake, then stream every stored frame the
/// aggregator has not applied, oldest first, with a bounded number in flight, and forget
/// frames as ACKs arrive. The frame store is the single source of truth, so a reconnect only
/// has to ask it again from the resume point.
final class ExporterSessionHandler: ChannelInboundHandler {
    typealias InboundIn = WireFrame
    typealias OutboundOut = WireFrame

    private enum State {
        case handshaking(ClientHandshake)
        case streaming
        case closed
    }

    private let sender: FrameSender
    private var state: State
    private var lastSent: UInt64 = 0
    private var lastAcked: UInt64 = 0
    private var context: ChannelHandlerContext?

    init(sender: FrameSender, handshake: ClientHandshake) {
        self.sender = sender
        state = .handshaking(handshake)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        sender.sessionEnded(self)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message: Message
        do {
            message = try Message(frame: unwrapInboundIn(data))
        } catch {
            close(context: context, reason: "bad frame from aggregator: \(error)")
            return
        }
        switch state {
        case .handshaking(var handshake):
            switch handshake.receive(message) {
            case .send(let reply):
                state = .handshaking(handshake)
                context.writeAndFlush(wrapOutboundOut(reply.frame()), promise: nil)
            case .established(let resume, let serverName, let idleTimeout):
                AnnouncedIdleTimeout.apply(milliseconds: idleTimeout, to: context)
                state = .streaming
                lastAcked = resume
                lastSent = resume
                sender.sessionEstablished(self, serverName: serverName, resumeSequence: resume)
                pump()
            case .failed(let why):
                close(context: context, reason: why, fatal: true)
            }
        case .streaming:
            switch message {
            case .ack(let sequence):
                guard sequence > lastAcked else { return }
                lastAcked = sequence
                sender.acknowledged(through: sequence)
                pump()
            case .heartbeat:
                break
            case .error(let error):
                close(context: context, reason: "aggregator closed the session: \(error.message)")
            case .goodbye(let goodbye):
                close(context: context, reason: "aggregator said goodbye: \(goodbye.reason)")
            default:
                close(context: context, reason: "unexpected \(message.type) from aggregator")
            }
        case .closed:
            break
        }
    }

    /// Sends stored frames after `lastSent` while fewer than the window are unacknowledged.
    func pump() {
        guard case .streaming = state, let context else { return }
        var wrote = false
        while lastSent - lastAcked < UInt64(sender.maxFramesInFlight) {
            let room = Int(UInt64(sender.maxFramesInFlight) - (lastSent - lastAcked))
            let frames = sender.storedFrames(after: lastSent, limit: min(room, 64))
            if frames.isEmpty { break }
            for frame in frames {
                context.write(wrapOutboundOut(frame), promise: nil)
                lastSent = frame.header.sequence
                sender.sent(through: lastSent)
            }
            wrote = true
        }
        if wrote { context.flush() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent {
            switch idle {
            case .read: close(context: context, reason: "aggregator silent past the idle timeout")
            case .write: context.writeAndFlush(wrapOutboundOut(Message.heartbeat.frame()), promise: nil)
            case .all: break
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context: context, reason: "\(error)")
    }

    func sayGoodbye(reason: String) {
        guard let context else { return }
        state = .closed
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(Message.goodbye(Goodbye(reason: reason)).frame())).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    private func close(context: ChannelHandlerContext, reason: String, fatal: Bool = false) {
        if case .closed = state { return }
        state = .closed
        sender.sessionFailed(reason: reason, fatal: fatal)
        context.close(promise: nil)
    }
}
