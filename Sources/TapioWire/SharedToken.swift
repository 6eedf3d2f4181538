import Foundation

/// The shared secret both ends of a session prove they hold, read from a file (surrounding
/// white space ignored, so `echo secret > file` works).
public enum SharedToken {
    public struct ReadError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func read(path: String) throws(ReadError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "cannot read token file \(path)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ReadError(description: "token file \(path) is empty") }
        return Array(token.utf8)
    }
}
