// Writes the golden vectors of protocol/vectors/: NAME.tpio (a dump file) and NAME.json (what
// it holds, or the exact error expected). `make vectors` runs this; the tests check that the
// committed files still decode to their JSON and re-encode to the same bytes.
import Foundation
import NIOCore
import TapioSimulation
import TapioWire

let directory = CommandLine.arguments.dropFirst().first ?? "protocol/vectors"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

/// A frame with hand-set header fields and a correct CRC, for vectors that break one rule.
func craftedFrame(
    type: MessageType, version: UInt8 = 1, flags: UInt8 = 0, sequence: UInt64 = 0, count: UInt32 = 0,
    rawLength: UInt32? = nil, payload: [UInt8]
) -> WireFrame {
    let body = ByteBuffer(bytes: payload)
    var header = FrameHeader(
        length: UInt32(FrameHeader.lengthCoveredHeaderSize + payload.count), crc32c: 0, version: version, type: type,
        flags: flags, sequence: sequence, count: count, rawLength: rawLength ?? UInt32(payload.count))
    header.crc32c = WireFrame.computeCRC(header: header, payload: body)
    return WireFrame(header: header, payload: body)
}

func bytes(_ frames: [WireFrame]) -> [UInt8] {
    var buffer = ByteBuffer()
    for frame in frames { frame.write(to: &buffer) }
    return Array(buffer.readableBytesView)
}

func recordBytes(_ records: [Record]) -> [UInt8] { Array(RecordBatch.encode(records).readableBytesView) }

let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]

struct VectorFile: Encodable {
    var name: String
    var description: String
    var inspection: DumpInspection
}

func vector(_ name: String, _ description: String, frameBytes: [UInt8]) throws {
    var file = ByteBuffer()
    DumpFileHeader().write(to: &file)
    file.writeBytes(frameBytes)
    let path = "\(directory)/\(name).tpio"
    try Data(file.readableBytesView).write(to: URL(fileURLWithPath: path))
    let inspection = try DumpInspection.inspect(path: path)
    let json = try encoder.encode(VectorFile(name: name, description: description, inspection: inspection))
    try (json + Data("\n".utf8)).write(to: URL(fileURLWithPath: "\(directory)/\(name).json"))
    print("\(name): \(inspection.frames.count) frame(s)\(inspection.error.map { ", error \($0.code) at byte \($0.offset)" } ?? "")")
}

// Fixed values so the vectors never change unless the format does.
let token = Array("tapio-vector-token".utf8)
let serverNonce = Nonce(bytes: (0..<32).map { UInt8($0) })
let clientNonce = Nonce(bytes: (0..<32).map { UInt8(0xA0 &+ $0) })
let proofs = HandshakeProof(token: token)

try vector(
    "records-every-kind", "One uncompressed BATCH (sequence 1) holding one record of every kind.",
    frameBytes: bytes([Message.batch(sequence: 1, RecordBatch(records: SampleRecords.everyKind)).frame(compress: false)]))

var mix = RecordMix(containers: 20, seed: 7)
let mixed = mix.nextSecond()
try vector(
    "batch-compressed", "One LZ4-compressed BATCH (sequence 42): one second of a node with 20 containers.",
    frameBytes: bytes([Message.batch(sequence: 42, RecordBatch(records: mixed)).frame(compress: true)]))

let auth = Auth(
    role: .exporter, streamEpoch: 1_764_072_000, clientNonce: clientNonce,
    proof: proofs.clientProof(serverNonce: serverNonce, clientNonce: clientNonce, role: .exporter, streamEpoch: 1_764_072_000, nodeName: "node-1"),
    nodeName: "node-1")
try vector(
    "handshake",
    "A full handshake with token \"tapio-vector-token\": HELLO, AUTH (exporter node-1), WELCOME (resume after sequence 41).",
    frameBytes: bytes([
        Message.hello(Hello(serverNonce: serverNonce, idleTimeoutMilliseconds: 30_000, serverName: "aggregator-a")).frame(),
        Message.auth(auth).frame(),
        Message.welcome(Welcome(resumeSequence: 41, serverProof: proofs.serverProof(serverNonce: serverNonce, clientNonce: clientNonce, resumeSequence: 41))).frame(),
    ]))
try vector(
    "ack-heartbeat", "ACK of sequence 42, then a HEARTBEAT.",
    frameBytes: bytes([Message.ack(sequence: 42).frame(), Message.heartbeat.frame()]))
/// An AlertEvent as the aggregator encodes it (SPEC §4.7: sorted keys, no white space);
/// TapioClusterTests decodes it as an AlertEvent and re-encodes it to these very bytes.
let sessionAlertDocument = #"{"cgroupId":48213,"confidence":0.9,"eta":{"p10":391,"p50":443,"p90":521},"limitBytes":536870912,"message":"shop/api-service will OOM in 7m23s (90% confidence)","name":"shop/api-service","namespace":"shop","node":"node-1","pod":"api-service-7d9f8c6b5-x2x4q","previousState":"HEALTHY","reason":"trend","severity":"warning","slopeBytesPerSecond":262144,"state":"WARNING","subject":"container","timestampNs":1764072000000000000,"transition":"fired","usageBytes":452984832,"workingSetBytes":420478976,"workload":"api-service"}"#
try vector(
    "session-messages", "SUBSCRIBE (warning+, namespace shop), an ALERT document, ERROR (authentication failed), GOODBYE.",
    frameBytes: bytes([
        Message.subscribe(Subscribe(minimumSeverity: .warning, namespace: "shop")).frame(),
        Message.alert(json: sessionAlertDocument).frame(compress: false),
        Message.error(ErrorMessage(code: .authenticationFailed, message: "proof does not match the shared token")).frame(),
        Message.goodbye(Goodbye(reason: "aggregator shutting down")).frame(),
    ]))

var unknownKind = recordBytes(Array(SampleRecords.everyKind.prefix(1)))
unknownKind += [200, 0, 0, 4] + [UInt8](repeating: 0, count: 8) + [0xDE, 0xAD, 0xBE, 0xEF]
unknownKind += recordBytes([SampleRecords.everyKind[2]])
try vector(
    "unknown-record-kind",
    "A BATCH of 3 records whose second has kind 200 (unknown to v1) and a 4-byte body: it is skipped by its length; count still says 3.",
    frameBytes: bytes([craftedFrame(type: .batch, sequence: 1, count: 3, payload: unknownKind)]))

var corrupted = bytes([Message.batch(sequence: 1, RecordBatch(records: Array(SampleRecords.everyKind.prefix(2)))).frame(compress: false)])
corrupted[FrameHeader.size + 20] ^= 0x01
try vector(
    "bad-crc", "A BATCH whose payload has one bit flipped after the CRC was computed.",
    frameBytes: bytes([Message.heartbeat.frame()]) + corrupted)

let whole = bytes([Message.ack(sequence: 1).frame()])
let cut = Array(bytes([Message.batch(sequence: 2, RecordBatch(records: SampleRecords.everyKind)).frame(compress: false)]).prefix(100))
try vector(
    "truncated", "A whole ACK, then the first 100 bytes of a BATCH: the valid prefix is one frame.",
    frameBytes: whole + cut)

try vector(
    "bomb-raw-length", "A compressed BATCH of 16 bytes claiming a rawLength of 1 GiB: refused before decompressing.",
    frameBytes: bytes([craftedFrame(type: .batch, flags: 1, sequence: 1, count: 1, rawLength: 1 << 30, payload: [UInt8](repeating: 0x11, count: 16))]))
try vector(
    "bomb-ratio", "A compressed BATCH of 32 bytes claiming 8 MiB: under the rawLength limit, over the 128:1 ratio limit.",
    frameBytes: bytes([craftedFrame(type: .batch, flags: 1, sequence: 1, count: 1, rawLength: 8 << 20, payload: [UInt8](repeating: 0x11, count: 32))]))

var oversized = ByteBuffer()
oversized.writeInteger(FrameHeader.magic)
oversized.writeInteger(UInt32(5 << 20))
oversized.writeRepeatingByte(0, count: 24)
try vector(
    "oversized-frame", "A header announcing a 5 MiB frame (limit 4 MiB): refused from the first 8 bytes.",
    frameBytes: Array(oversized.readableBytesView))
try vector(
    "unsupported-version", "A HEARTBEAT with version 2 and a correct CRC.",
    frameBytes: bytes([craftedFrame(type: .heartbeat, version: 2, payload: [])]))
try vector(
    "bad-magic", "An HTTP request sent to the frame port.",
    frameBytes: Array("GET / HTTP/1.1\r\nHost: aggregator\r\n\r\n".utf8))

let compressible = recordBytes(mixed)
let compressed = compressible.withUnsafeBytes { LZ4Block.compressIfSmaller($0)! }
try vector(
    "lz4-length-mismatch", "A compressed BATCH whose header claims 10 bytes more than the LZ4 block holds.",
    frameBytes: bytes([craftedFrame(type: .batch, flags: 1, sequence: 1, count: UInt32(mixed.count), rawLength: UInt32(compressible.count + 10), payload: compressed)]))

var shortBody: [UInt8] = [RecordKind.processRSS.rawValue, 0, 0, 20] + [UInt8](repeating: 0, count: 8) + [UInt8](repeating: 7, count: 20)
shortBody = recordBytes([SampleRecords.everyKind[0]]) + shortBody
try vector(
    "record-body-too-short", "A BATCH whose second record is a process-rss with a 20-byte body (its fields need 48).",
    frameBytes: bytes([craftedFrame(type: .batch, sequence: 1, count: 2, payload: shortBody)]))
try vector(
    "record-count-mismatch", "A BATCH whose header counts 3 records but whose payload holds 2.",
    frameBytes: bytes([craftedFrame(type: .batch, sequence: 1, count: 3, payload: recordBytes(Array(SampleRecords.everyKind.prefix(2))))]))
