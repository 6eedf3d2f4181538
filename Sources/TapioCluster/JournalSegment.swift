/// One journal segment file: `journal-<20-digit index of its first frame>.tpio`, a dump file
/// (16-byte header, then frames exactly as on the wire).
public struct JournalSegment: Sendable, Equatable, Comparable {
    public static let prefix = "journal-"
    public static let suffix = ".tpio"

    /// Journal index of the segment's first frame.
    public var firstIndex: UInt64
    public var path: String

    public init(firstIndex: UInt64, directory: String) {
        self.firstIndex = firstIndex
        self.path = directory + "/" + Self.fileName(firstIndex: firstIndex)
    }

    public static func fileName(firstIndex: UInt64) -> String {
        let digits = String(firstIndex)
        return prefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The first index named by a segment file name, nil for any other name.
    public static func firstIndex(fileName name: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }

    public static func < (lhs: JournalSegment, rhs: JournalSegment) -> Bool { lhs.firstIndex < rhs.firstIndex }
}
