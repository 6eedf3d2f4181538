/// Where and why reading a dump stopped early. Everything before `offset` was valid.
public struct DumpReadFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// Byte offset in the file of the first frame that could not be read.
    public var offset: Int
    public var reason: WireError

    public init(offset: Int, reason: WireError) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "bad frame at byte \(offset): \(reason)" }
}
