import Foundation
import NIOConcurrencyHelpers

/// `--alerts-log FILE`: one JSON document per line, appended; rotated to FILE.1 … FILE.N when
/// it grows past `maxBytes`, so it never fills the disk.
public final class AlertLogSink: AlertSink, @unchecked Sendable {
    public let path: String
    public let maxBytes: Int
    public let keep: Int
    private let lock = NIOLock()
    private var handle: FileHandle
    private var size: Int

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(path: String, maxBytes: Int = 64 << 20, keep: Int = 5) throws {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = keep
        (handle, size) = try Self.open(path)
    }

    private static func open(_ path: String) throws -> (FileHandle, Int) {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw OpenError(description: "cannot create alert log \(path)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw OpenError(description: "cannot open alert log \(path) for writing")
        }
        let size = Int(handle.seekToEndOfFile())
        return (handle, size)
    }

    public func deliver(_ event: AlertEvent) {
        guard let document = event.jsonDocument else { return }
        let line = Data((document + "\n").utf8)
        lock.withLock {
            if size + line.count > maxBytes, size > 0 { rotate() }
            handle.write(line)
            size += line.count
        }
    }

    /// FILE → FILE.1 → FILE.2 …, dropping the oldest beyond `keep`.
    private func rotate() {
        try? handle.close()
        let manager = FileManager.default
        try? manager.removeItem(atPath: "\(path).\(keep)")
        if keep > 1 {
            for n in stride(from: keep - 1, through: 1, by: -1) where manager.fileExists(atPath: "\(path).\(n)") {
                try? manager.moveItem(atPath: "\(path).\(n)", toPath: "\(path).\(n + 1)")
            }
        }
        try? manager.moveItem(atPath: path, toPath: "\(path).1")
        if let reopened = try? Self.open(path) { (handle, size) = reopened }
    }
}
