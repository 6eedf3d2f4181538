import Foundation
import NIOConcurrencyHelpers

/// JSONEncoder is not Sendable; one per call is wasteful, so encode under a lock.
final class JSONEncoderBox: @unchecked Sendable {
    private let lock = NIOLock()
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func encode<T: Encodable>(_ value: T) -> String? {
        lock.withLock { (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } }
    }
}
