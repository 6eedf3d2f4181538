/// A response body made piece by piece on the HTTP event loop, so that a large document
/// (/metrics of a fleet of 20,000 containers is about 19 MB of text) is never whole in memory:
/// the server asks for the next piece only while the connection can take more, and sends each
/// as an HTTP/1.1 chunk.
public protocol HTTPBodyPieces: AnyObject {
    /// The next piece of the body, or nil once it is complete.
    func next() -> String?
}

extension HTTPBodyPieces {
    /// A piece is cut once it holds this much text (a node's figures are never split).
    public static var pieceBytes: Int { 64 << 10 }

    /// The whole body at once (for HTTP/1.0 clients, HEAD, and tests).
    public func collect() -> String {
        var text = ""
        while let piece = next() { text += piece }
        return text
    }
}
