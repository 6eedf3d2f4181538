/// The field names wanted from a "key value" kernel file, matched byte-wise so that parsing
/// a 60-line memory.stat allocates no strings. Build one table per file kind, once.
struct KernelFileKeyTable: Sendable {
    private let keys: [[UInt8]]
    private let names: [String]

    init(_ names: [String]) {
        self.names = names
        self.keys = names.map { Array($0.utf8) }
    }

    /// The values found, indexed like the names given to `init`; nil where a key was absent.
    struct Values: Sendable, Equatable {
        var values: [UInt64?]

        subscript(_ index: Int) -> UInt64? { values[index] }
    }

    func emptyValues() -> Values {
        Values(values: Array(repeating: nil, count: keys.count))
    }

    func name(_ index: Int) -> String { names[index] }

    /// Index of the key equal to bytes[start..<end], if wanted.
    func index(of bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int? {
        let length = end - start
        for (index, key) in keys.enumerated() where key.count == length {
            var equal = true
            for offset in 0..<length where key[offset] != bytes[start + offset] {
                equal = false
                break
            }
            if equal { return index }
        }
        return nil
    }
}
