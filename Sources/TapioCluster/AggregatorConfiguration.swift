import NIOCore
import TapioWire

/// How the aggregator's frame server behaves. Defaults suit a fleet of about a thousand nodes.
public struct AggregatorConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Shared secret; empty only on loopback or with `--insecure`.
    public var token: [UInt8]
    public var serverName: String
    public var limits: WireLimits
    public var maxConnections: Int
    public var handshakeTimeout: TimeAmount
    /// A peer silent for this long is dropped; the server sends HEARTBEAT after a third of it.
    public var idleTimeout: TimeAmount

    public init(
        host: String = "127.0.0.1", port: Int = 7470, token: [UInt8] = [], serverName: String = "tapio-aggregator",
        limits: WireLimits = .default, maxConnections: Int = 4096, handshakeTimeout: TimeAmount = .seconds(5),
        idleTimeout: TimeAmount = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.serverName = serverName
        self.limits = limits
        self.maxConnections = maxConnections
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
    }
}
