/// What is left of a text once its long runs of lowercase hex digits (container ids, pod UIDs)
/// are taken out: the literal pieces around the runs and each run's length. Cgroup paths of
/// one QoS class, runtime and cgroup driver share one shape, so a container keeps only its
/// digits, packed two to a byte (a path of 190 bytes keeps 49), and the shape is interned.
/// Lossless: `render` gives back the exact text.
final class TextShape: Hashable, Sendable {
    /// Shorter runs stay literal: "dead" in a word costs nothing either way, and a threshold of 4
    /// still takes a UID's 4-digit groups, so every pod of a class shares the shape.
    static let minimumRun = 4

    /// `runs.count + 1` literal pieces; run i comes between pieces i and i + 1.
    let pieces: [String]
    let runs: [Int]
    /// Digits in all runs, and bytes they take packed.
    let digitCount: Int
    var packedByteCount: Int { (digitCount + 1) / 2 }

    private init(pieces: [String], runs: [Int]) {
        self.pieces = pieces
        self.runs = runs
        digitCount = runs.reduce(0, +)
    }

    /// Splits `text` into its shape and its packed digits (high nibble first).
    static func split(_ text: String) -> (shape: TextShape, packed: [UInt8]) {
        let bytes = Array(text.utf8)
        var pieces: [String] = []
        var runs: [Int] = []
        var packed: [UInt8] = []
        var digits = 0
        var literalStart = 0
        var i = 0
        while i < bytes.count {
            guard nibble(bytes[i]) != nil else {
                i += 1
                continue
            }
            var end = i
            while end < bytes.count, nibble(bytes[end]) != nil { end += 1 }
            if end - i >= minimumRun {
                // Hex digits are ASCII, so these cuts never split a UTF-8 sequence.
                pieces.append(String(decoding: bytes[literalStart..<i], as: UTF8.self))
                runs.append(end - i)
                for byte in bytes[i..<end] {
                    let value = nibble(byte)!
                    if digits % 2 == 0 { packed.append(value << 4) } else { packed[packed.count - 1] |= value }
                    digits += 1
                }
                literalStart = end
            }
            i = end
        }
        pieces.append(String(decoding: bytes[literalStart...], as: UTF8.self))
        return (TextShape(pieces: pieces, runs: runs), packed)
    }

    /// The text back from its packed digits.
    func render(_ packed: UnsafeBufferPointer<UInt8>) -> String {
        guard !runs.isEmpty else { return pieces[0] }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(pieces.reduce(digitCount) { $0 + $1.utf8.count })
        var digit = 0
        for (index, run) in runs.enumerated() {
            utf8.append(contentsOf: pieces[index].utf8)
            for _ in 0..<run {
                let byte = packed[digit / 2]
                let value = digit % 2 == 0 ? byte >> 4 : byte & 0x0F
                utf8.append(value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10)
                digit += 1
            }
        }
        utf8.append(contentsOf: pieces[runs.count].utf8)
        return String(decoding: utf8, as: UTF8.self)
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    static func == (a: TextShape, b: TextShape) -> Bool { a.pieces == b.pieces && a.runs == b.runs }

    func hash(into hasher: inout Hasher) {
        hasher.combine(pieces)
        hasher.combine(runs)
    }
}
