import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 GET on a fresh connection, optionally over TLS with the caller's trust roots,
/// under one deadline for connect, handshake, request and body: the kubelet client's transport.
/// (URLSession on Linux cannot take a CA file, and kubelet serving certificates are signed by
/// the cluster's CA or self-signed, so NIO with NIOSSL does the job.)
struct OneShotHTTPGet: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: ByteBuffer
    }

    enum Failure: Error, CustomStringConvertible {
        case timedOut(seconds: Double)
        case bodyTooLarge(limit: Int)
        case closedEarly

        var description: String {
            switch self {
            case .timedOut(let seconds): "no complete response within \(seconds) s"
            case .bodyTooLarge(let limit): "response body larger than \(limit) bytes"
            case .closedEarly: "the server closed the connection before the response ended"
            }
        }
    }

    var host: String
    var port: Int
    /// Path and query, e.g. "/pods".
    var target: String
    var headers: [(String, String)]
    /// nil: plain HTTP.
    var tls: NIOSSLContext?
    var timeout: TimeAmount
    var maxBodyBytes: Int

    func run(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Response {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Response.self)
        let deadline = eventLoop.scheduleTask(in: timeout) {
            promise.fail(Failure.timedOut(seconds: Double(timeout.nanoseconds) / 1e9))
        }
        defer { deadline.cancel() }
        // An IP literal is not a server name (no SNI); NIOSSL then checks the certificate's
        // IP addresses against the address it connected to.
        let serverName = Self.isIPLiteral(host) ? nil : host
        let tls = self.tls
        let maxBodyBytes = self.maxBodyBytes
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(ResponseCollector(promise: promise, maxBodyBytes: maxBodyBytes))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target)
        head.headers.add(name: "Host", value: port == (tls == nil ? 80 : 443) ? host : "\(host):\(port)")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try await promise.futureResult.get()
    }

    static func isIPLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// Gathers the response; completes the promise at its end, on an error or an early close.
    private final class ResponseCollector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart

        private let promise: EventLoopPromise<Response>
        private let maxBodyBytes: Int
        private var status: Int?
        private var body = ByteBuffer()

        init(promise: EventLoopPromise<Response>, maxBodyBytes: Int) {
            self.promise = promise
            self.maxBodyBytes = maxBodyBytes
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                status = Int(head.status.code)
            case .body(var chunk):
                guard body.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                    promise.fail(Failure.bodyTooLarge(limit: maxBodyBytes))
                    context.close(promise: nil)
                    return
                }
                body.writeBuffer(&chunk)
            case .end:
                if let status { promise.succeed(Response(status: status, body: body)) } else { promise.fail(Failure.closedEarly) }
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(Failure.closedEarly)  // ignored when the response already completed it
            context.fireChannelInactive()
        }
    }
}
