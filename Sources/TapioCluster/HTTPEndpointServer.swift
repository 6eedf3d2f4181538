import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server for the aggregator's endpoints (/healthz, /api/v1/status,
/// /metrics). Routes are plain functions from method and path to a response, whole or made in
/// pieces while it is sent (chunked, the next piece made only while the connection can take
/// more: a slow scraper holds a few pieces, not the document); request bodies are ignored, so
/// a client cannot make it buffer anything.
public final class HTTPEndpointServer: Sendable {
    public typealias Route = @Sendable (_ method: String, _ path: String, _ query: String) -> HTTPResponse

    private let channel: any Channel

    public var localPort: Int? { channel.localAddress?.port }

    public static func start(host: String, port: Int, group: any EventLoopGroup, route: @escaping Route) async throws -> HTTPEndpointServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RouteHandler(route: route))
                }
            }
            .bind(host: host, port: port).get()
        return HTTPEndpointServer(channel: channel)
    }

    private init(channel: any Channel) { self.channel = channel }

    public func close() async {
        try? await channel.close()
    }
}

private final class RouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let route: HTTPEndpointServer.Route
    private var head: HTTPRequestHead?
    /// The body being sent in pieces, and whether the connection stays open after it.
    private var sending: (pieces: any HTTPBodyPieces, keepAlive: Bool)?

    init(route: @escaping HTTPEndpointServer.Route) { self.route = route }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break  // ignored: no route takes a body
        case .end:
            guard let request = head else { return }
            head = nil
            let parts = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let path = String(parts.first ?? "")
            let query = parts.count > 1 ? String(parts[1]) : ""
            let response: HTTPResponse
            if request.method == .GET || request.method == .HEAD {
                response = route(request.method.rawValue, path, query)
            } else {
                response = .text("method \(request.method.rawValue) not allowed\n", status: 405)
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: response.contentType)
            let keepAlive = request.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            let chunked = response.pieces != nil && request.method != .HEAD && (request.version.major, request.version.minor) >= (1, 1)
            // HTTP/1.0 has no chunks, and HEAD needs the length: the whole body, as before.
            let body = chunked ? [] : response.wholeBody
            if !chunked { headers.add(name: "Content-Length", value: String(body.count)) }
            // Without a Content-Length, SwiftNIO's encoder frames an HTTP/1.1 body as chunks.
            let responseHead = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            if chunked, let pieces = response.pieces {
                sending = (pieces(), keepAlive)
                sendPieces(context: context)
                return
            }
            if request.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            finish(context: context, keepAlive: keepAlive)
        }
    }

    /// Writes pieces while the channel is writable; `channelWritabilityChanged` resumes.
    private func sendPieces(context: ChannelHandlerContext) {
        while let (pieces, keepAlive) = sending, context.channel.isActive, context.channel.isWritable {
            guard let piece = pieces.next() else {
                sending = nil
                finish(context: context, keepAlive: keepAlive)
                return
            }
            var buffer = context.channel.allocator.buffer(capacity: piece.utf8.count)
            buffer.writeString(piece)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
    }

    private func finish(context: ChannelHandlerContext, keepAlive: Bool) {
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if sending != nil, context.channel.isWritable { sendPieces(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        sending = nil  // the peer left mid-body: stop making it
        context.fireChannelInactive()
    }
}
