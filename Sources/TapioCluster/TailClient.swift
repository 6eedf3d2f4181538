import NIOCore
import NIOPosix
import TapioWire

/// A live alert subscription: connects as a `tail` peer, proves the token, sends SUBSCRIBE
/// with its filters, and hands every ALERT document to `onAlert`. Reconnects by itself with
/// backoff and reports connection changes to `onStatus`.
public final class TailClient: @unchecked Sendable {
    public let address: HostPort
    public let filter: Subscribe
    private let token: [UInt8]
    private let group: MultiThreadedEventLoopGroup
    private let eventLoop: any EventLoop
    private let onAlert: @Sendable (String) -> Void
    private let onStatus: @Sendable (String) -> Void
    // Confined to eventLoop.
    private var failures = 0
    private var stopped = false
    private var channel: (any Channel)?
    private var wasConnected = false
    private var lastFailure: String?

    public init(
        address: HostPort, token: [UInt8], filter: Subscribe,
        onAlert: @escaping @Sendable (String) -> Void, onStatus: @escaping @Sendable (String) -> Void
    ) {
        self.address = address
        self.token = token
        self.filter = filter
        self.onAlert = onAlert
        self.onStatus = onStatus
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
    }

    public func start() { eventLoop.execute { self.connect() } }

    public func stop() async {
        try? await eventLoop.submit {
            self.stopped = true
            self.channel?.close(promise: nil)
        }.get()
        try? await group.shutdownGracefully()
    }

    private func connect() {
        guard !stopped else { return }
        lastFailure = nil
        let (token, filter) = (self.token, self.filter)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(MessageToByteHandler(FrameEncoder()))
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try sync.addHandler(AnnouncedIdleTimeout.provisionalHandler(), name: AnnouncedIdleTimeout.handlerName)
                    try sync.addHandler(TailSessionHandler(
                        handshake: ClientHandshake(token: token, role: .tail, nodeName: "", streamEpoch: 0), filter: filter, client: self))
                }
            }
            .connect(host: address.host, port: address.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.channel = channel
                    channel.closeFuture.assumeIsolated().whenComplete { _ in
                        self.channel = nil
                        self.retry(after: self.lastFailure ?? "connection closed")
                    }
                case .failure(let error):
                    self.retry(after: "cannot connect to \(self.address): \(error)")
                }
            }
    }

    private func retry(after reason: String) {
        guard !stopped else { return }
        failures += 1
        let delay = min(0.25 * Double(1 << min(failures - 1, 6)), 10) * Double.random(in: 0.75...1.25)
        if wasConnected || failures == 1 { onStatus("\(reason); reconnecting in \(String(format: "%.1f", delay))s") }
        wasConnected = false
        eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(delay * 1000))) { self.connect() }
    }

    fileprivate func established(serverName: String) {
        failures = 0
        wasConnected = true
        onStatus("connected to \(serverName) at \(address), waiting for alerts")
    }

    fileprivate func alert(_ json: String) { onAlert(json) }

    fileprivate func failed(_ reason: String) { lastFailure = reason }
}

private final class TailSessionHandler: ChannelInboundHandler {
    typealias InboundIn = WireFrame
    typealias OutboundOut = WireFrame

    private var handshake: ClientHandshake
    private let filter: Subscribe
    private let client: TailClient
    private var subscribed = false

    init(handshake: ClientHandshake, filter: Subscribe, client: TailClient) {
        self.handshake = handshake
        self.filter = filter
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message: Message
        do {
            message = try Message(frame: unwrapInboundIn(data))
        } catch {
            client.failed("bad frame from aggregator: \(error)")
            context.close(promise: nil)
            return
        }
        if subscribed {
            switch message {
            case .alert(let json): client.alert(json)
            case .heartbeat: break
            case .error(let error): client.failed("aggregator closed the subscription: \(error.message)"); context.close(promise: nil)
            case .goodbye(let bye): client.failed("aggregator said goodbye: \(bye.reason)"); context.close(promise: nil)
            default: break
            }
            return
        }
        switch handshake.receive(message) {
        case .send(let reply):
            context.writeAndFlush(wrapOutboundOut(reply.frame()), promise: nil)
        case .established(_, let serverName, let idleTimeout):
            AnnouncedIdleTimeout.apply(milliseconds: idleTimeout, to: context)
            subscribed = true
            context.writeAndFlush(wrapOutboundOut(Message.subscribe(filter).frame()), promise: nil)
            client.established(serverName: serverName)
        case .failed(let why):
            client.failed(why)
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent else { return context.fireUserInboundEventTriggered(event) }
        switch idle {
        case .write: context.writeAndFlush(wrapOutboundOut(Message.heartbeat.frame()), promise: nil)
        case .read: client.failed("aggregator silent past its idle timeout"); context.close(promise: nil)
        case .all: break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        client.failed("\(error)")
        context.close(promise: nil)
    }
}
