/// In dumps and journals, the BATCH frames that follow an AUTH frame belong to the stream it
/// names (node, epoch). A marker is such an AUTH with zero nonce and proof: it identifies,
/// it proves nothing.
public enum StreamMarker {
    public static func frame(nodeName: String, streamEpoch: UInt64) -> WireFrame {
        let zero = [UInt8](repeating: 0, count: Nonce.length)
        return Message.auth(Auth(
            role: .exporter, streamEpoch: streamEpoch, clientNonce: Nonce(bytes: zero), proof: Proof(bytes: zero),
            nodeName: nodeName)).frame()
    }
}
