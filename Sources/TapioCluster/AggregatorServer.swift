import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TapioWire

/// The frame server: accepts exporters and subscribers, one pipeline per connection
/// (frame decoder with limits, encoder, idle detection, session handler). A connection over
/// the limit is told so and closed at once; on shutdown every peer is told GOODBYE.
public final class AggregatorServer: Sendable {
    private let channel: any Channel
    private let openChannels: NIOLockedValueBox<[ObjectIdentifier: any Channel]>

    public var localPort: Int? { channel.localAddress?.port }

    public static func start(
        configuration: AggregatorConfiguration, host: any AggregatorSessionHost, group: any EventLoopGroup
    ) async throws -> AggregatorServer {
        let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        let idleMs = configuration.idleTimeout.nanoseconds / 1_000_000
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 256, initial: 1024, maximum: 65536))
            // One read per wake-up: SwiftNIO pools up to maxMessagesPerRead receive buffers per
            // connection (default 4) and keeps them between reads; with a frame decoder holding
            // a partial frame, the pool filled. One buffer (up to 64 KiB a read) is plenty for
            // an exporter, and saves ~1.4 MB of heap at 1,000 connections (heaptrack).
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                let admitted = open.withLockedValue { channels -> Bool in
                    guard channels.count < configuration.maxConnections else { return false }
                    channels[ObjectIdentifier(channel)] = channel
                    return true
                }
                channel.closeFuture.whenComplete { _ in
                    if admitted { open.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) } }
                    host.count { $0.connectionsOpen = open.withLockedValue { $0.count } }
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
                        $0.connectionsOpen = open.withLockedValue { $0.count }
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
        return AggregatorServer(channel: channel, openChannels: open)
    }

    private init(channel: any Channel, openChannels: NIOLockedValueBox<[ObjectIdentifier: any Channel]>) {
        self.channel = channel
        self.openChannels = openChannels
    }

    public var connections: Int { openChannels.withLockedValue { $0.count } }

    /// Stops accepting, then tells every open connection GOODBYE (exporters log why and
    /// reconnect with backoff, resending what was not acknowledged) and closes it.
    public func close(reason: String = "aggregator shutting down") async {
        try? await channel.close()
        let peers = openChannels.withLockedValue { Array($0.values) }
        let goodbye = Message.goodbye(Goodbye(reason: reason)).frame()
        await withTaskGroup(of: Void.self) { group in
            for peer in peers {
                group.addTask {
                    try? await peer.writeAndFlush(goodbye)
                    try? await peer.close()
                }
            }
        }
    }
}
