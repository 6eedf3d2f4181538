import NIOCore

/// Clients learn the server's idle timeout from HELLO only after their pipeline is built, so
/// they start with a provisional idle handler (named `name`) and swap it for one timed from
/// the announced value: heartbeat after a third of it, give up after all of it (plus slack).
public enum AnnouncedIdleTimeout {
    public static let handlerName = "tapio-idle"

    public static func provisionalHandler() -> IdleStateHandler {
        // No heartbeat before the handshake completes: a HEARTBEAT before AUTH breaks protocol.
        IdleStateHandler(readTimeout: .seconds(60), writeTimeout: .seconds(60))
    }

    public static func apply(milliseconds: UInt32, to context: ChannelHandlerContext) {
        let idle = Int64(max(milliseconds, 300))
        let replacement = IdleStateHandler(readTimeout: .milliseconds(idle + idle / 2), writeTimeout: .milliseconds(idle / 3))
        let pipeline = context.pipeline.syncOperations
        guard (try? pipeline.addHandler(replacement, position: .before(context.handler))) != nil else { return }
        _ = context.pipeline.removeHandler(name: handlerName)
    }
}
