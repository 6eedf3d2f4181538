import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TapioWire

/// The frame server: accepts exporters and subscribers, one pipeline per connection
/// (frame decoder with limits, encoder, idle detection, session handler). A connection over
/// the limit is told so and closed at once.
public final class AggregatorServer: Sendable {
    private let channel: any Channel
    private let openConnections: NIOLockedValueBox<Int>

    public var localPort: Int? { channel.localAddress?.port }

    public static func start(
        configuration: AggregatorConfiguration, host: any AggregatorSessionHost, group: any EventLoopGroup
    ) async throws -> AggregatorServer {
        let open = NIOLockedValueBox(0)
        let idleMs = configuration.idleTimeout.nanoseconds / 1_000_000
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                let admitted = open.withLockedValue { count -> Bool in
                    guard count < configuration.maxConnections else { return false }
                    count += 1
                    return true
                }
                channel.closeFuture.whenComplete { _ in
                    if admitted { open.withLockedValue { $0 -= 1 } }
                    host.count { $0.connectionsOpen = open.withLockedValue { $0 } }
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(MessageToByteHandler(FrameEncoder()))
                    guard admitted else {
                        host.count { $0.connectionsRejected += 1 }
                        host.log("\(channel.remoteAddress.map { "\($0)" } ?? "?"): refused: \(configuration.maxConnections) connections open")
                        let refusal = Message.error(ErrorMessage(code: .tooManyConnections, message: "connection limit \(configuration.maxConnections) reached"))
                        channel.writeAndFlush(refusal.frame()).whenComplete { _ in channel.close(promise: nil) }
                        return
                    }
                    host.count {
                        $0.connectionsAccepted += 1
                        $0.connectionsOpen = open.withLockedValue { $0 }
                    }
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder(limits: configuration.limits)))
                    try sync.addHandler(IdleStateHandler(
                        readTimeout: configuration.idleTimeout, writeTimeout: .milliseconds(max(idleMs / 3, 1))))
                    try sync.addHandler(AggregatorConnectionHandler(
                        host: host, handshakeTimeout: configuration.handshakeTimeout,
                        makeHandshake: {
                            ServerHandshake(
                                token: configuration.token, serverName: configuration.serverName,
                                idleTimeoutMilliseconds: UInt32(clamping: idleMs))
                        }))
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
        return AggregatorServer(channel: channel, openConnections: open)
    }

    private init(channel: any Channel, openConnections: NIOLockedValueBox<Int>) {
        self.channel = channel
        self.openConnections = openConnections
    }

    public var connections: Int { openConnections.withLockedValue { $0 } }

    public func close() async {
        try? await channel.close()
    }
}
