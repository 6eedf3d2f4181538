import NIOCore

/// SUBSCRIBE: a tail client asks for alerts; the server applies the filters (empty = any).
public struct Subscribe: SessionPayload, Codable {
    public static let type = MessageType.subscribe
    public static let minimumLength = 8

    public enum Severity: UInt8, Sendable, Codable, Comparable {
        case info = 0, warning = 1, critical = 2
        public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
    }

    public var minimumSeverity: Severity
    public var node: String
    public var namespace: String
    public var workload: String

    public init(minimumSeverity: Severity = .info, node: String = "", namespace: String = "", workload: String = "") {
        self.minimumSeverity = minimumSeverity
        self.node = node
        self.namespace = namespace
        self.workload = workload
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(minimumSeverity.rawValue)
        buffer.writeInteger(UInt8(0))
        buffer.writeString16(node)
        buffer.writeString16(namespace)
        buffer.writeString16(workload)
    }

    public init(decoding payload: inout ByteBuffer) throws(WireError) {
        let raw = payload.readInteger(as: UInt8.self)!
        guard let severity = Severity(rawValue: raw) else { throw .invalidField("SUBSCRIBE minimumSeverity \(raw)") }
        minimumSeverity = severity
        payload.moveReaderIndex(forwardBy: 1)
        node = try payload.readString16(field: "SUBSCRIBE node")
        namespace = try payload.readString16(field: "SUBSCRIBE namespace")
        workload = try payload.readString16(field: "SUBSCRIBE workload")
    }
}
