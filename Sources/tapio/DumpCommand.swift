import ArgumentParser
import Foundation
import TapioWire

/// `tapio dump FILE`: what a dump (a `--record` file, a journal segment, a vector) holds, and
/// with `--verify` whether every frame in it is intact.
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Summarise a frame dump; --verify checks every frame, --frames/--records print them as JSON lines.")

    @Argument(help: "Dump file (TPIODUMP format).")
    var path: String

    @Flag(help: "Check every frame (CRC, limits, payload); exit 1 with the offset and reason of the first bad one.")
    var verify = false

    @Flag(help: "Print each frame's header and message as a JSON line.")
    var frames = false

    @Flag(help: "Print each record as a JSON line.")
    var records = false

    func run() throws {
        let reader: DumpReader
        do {
            reader = try DumpReader(path: path)
        } catch {
            throw CommandFailure("\(path): \(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var summary = DumpSummary()
        var badPayload: (offset: Int, error: WireError)?
        var offset = DumpFileHeader.size
        while let frame = reader.next() {
            do {
                let message = try Message(frame: frame)
                summary.add(frame: frame, message: message)
                if frames { print(String(decoding: try encoder.encode(try FrameDescription(frame: frame, offset: offset)), as: UTF8.self)) }
                if records, case .batch(_, let batch) = message {
                    for record in batch.records { print(String(decoding: try encoder.encode(record), as: UTF8.self)) }
                }
            } catch let error as WireError {
                badPayload = (offset, error)
                break
            }
            offset += frame.header.frameSize
        }
        let failure = badPayload.map { DumpReadFailure(offset: $0.offset, reason: $0.error) } ?? reader.failure
        if !frames && !records { printSummary(summary, failure: failure) }
        if let failure {
            let message = "\(path): \(failure)"
            if verify {
                FileHandle.standardError.write(Data("tapio dump: \(message)\n".utf8))
                throw ExitCode(1)
            }
            FileHandle.standardError.write(Data("tapio dump: warning: stopped early: \(message)\n".utf8))
        } else if verify {
            print("verify: OK, \(summary.frames) frames, every CRC and payload valid")
        }
    }

    private func printSummary(_ s: DumpSummary, failure: DumpReadFailure?) {
        func time(_ ns: UInt64?) -> String {
            guard let ns else { return "-" }
            let date = Date(timeIntervalSince1970: Double(ns) / 1e9)
            return ISO8601DateFormatter().string(from: date)
        }
        print("dump:        \(path)")
        print("frames:      \(s.frames)  (" + s.framesByType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")
        print("records:     \(s.records)" + (s.skippedUnknownRecords > 0 ? "  (+\(s.skippedUnknownRecords) of unknown kinds skipped)" : ""))
        for (kind, count) in s.recordsByKind.sorted(by: { $0.key < $1.key }) {
            print("  \(kind.padding(toLength: 16, withPad: " ", startingAt: 0)) \(count)")
        }
        print("time range:  \(time(s.firstTimestampNs)) .. \(time(s.lastTimestampNs))")
        if let first = s.firstSequence, let last = s.lastSequence { print("sequences:   \(first) .. \(last)") }
        print("cgroups:     \(s.cgroups)")
        print(String(format: "compression: %.2f:1 (%d payload bytes in %d on the wire)", s.compressionRatio, s.payloadBytes, s.wireBytes))
        print("integrity:   " + (failure.map { "stopped at \($0)" } ?? "all frames valid"))
    }
}

/// An error that ArgumentParser prints as one line ("Error: ...") without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
