/// An HTTP response from a route: a whole body (status, health), or one made piece by piece
/// when it is sent (metrics, which grow with the fleet).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Set for a body made while it is sent; `body` is then empty. Called on the connection's
    /// event loop, once per response.
    public var pieces: (@Sendable () -> any HTTPBodyPieces)?

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public init(status: Int, contentType: String, pieces: @escaping @Sendable () -> any HTTPBodyPieces) {
        self.status = status
        self.contentType = contentType
        self.body = []
        self.pieces = pieces
    }

    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    public static func json(_ bytes: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: bytes)
    }

    /// JSON made while it is sent.
    public static func json(pieces: @escaping @Sendable () -> any HTTPBodyPieces) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "application/json", pieces: pieces)
    }

    /// The whole body, made now if it is made in pieces (tests, HTTP/1.0, HEAD).
    public var wholeBody: [UInt8] { pieces.map { Array($0().collect().utf8) } ?? body }

    /// Prometheus text exposition format 0.0.4, made while it is sent.
    public static func prometheus(pieces: @escaping @Sendable () -> any HTTPBodyPieces) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", pieces: pieces)
    }
}
