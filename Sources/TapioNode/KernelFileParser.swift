/// Pure parsers for the text files the kernel exposes for memory accounting: single numbers
/// (memory.current), limits (memory.max, memory.limit_in_bytes), "key value" lists
/// (memory.stat, memory.events, memory.oom_control), /proc/meminfo and PSI files.
///
/// They work on the raw bytes of one read(2) and allocate nothing per line: keys are matched
/// byte-wise against a `KernelFileKeyTable`, numbers are accumulated digit by digit. Strings are
/// only built to describe an error. Every file the kernel writes ends with "\n"; a last line
/// without one means the content was cut short and is reported as `.truncated`.
enum KernelFileParser {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")

    /// Values at or above this are the kernel's "no limit" (v1 writes PAGE_COUNTER_MAX pages
    /// in bytes: 9223372036854771712 with 4 KiB pages, 0x7FFFFFFFFFFF0000 with 64 KiB pages).
    /// No real limit comes anywhere near 2^62 bytes.
    static let unlimitedThreshold: UInt64 = 1 << 62

    /// A file holding one unsigned decimal number and a newline ("123456\n").
    static func parseUnsigned(_ bytes: UnsafeRawBufferPointer) throws(KernelFileProblem) -> UInt64 {
        let line = try singleLine(bytes)
        guard let value = number(bytes, line.start, line.end) else {
            throw .malformed(line: 1, text: excerpt(bytes, line.start, line.end), expected: "an unsigned decimal number")
        }
        return value
    }

    /// A limit: "max" (v2) or a number; nil means unlimited (also for v1's huge sentinel).
    static func parseLimit(_ bytes: UnsafeRawBufferPointer) throws(KernelFileProblem) -> UInt64? {
        let line = try singleLine(bytes)
        if line.end - line.start == 3, bytes[line.start] == UInt8(ascii: "m"),
            bytes[line.start + 1] == UInt8(ascii: "a"), bytes[line.start + 2] == UInt8(ascii: "x")
        {
            return nil
        }
        guard let value = number(bytes, line.start, line.end) else {
            throw .malformed(line: 1, text: excerpt(bytes, line.start, line.end), expected: "\"max\" or an unsigned decimal number")
        }
        return limitValue(value)
    }

    /// Maps the v1 "unlimited" sentinel to nil.
    static func limitValue(_ value: UInt64) -> UInt64? {
        value >= unlimitedThreshold ? nil : value
    }

    /// "key value\n" lines (memory.stat, memory.events, memory.oom_control). Only keys in
    /// `table` are kept; every line must still have the right shape.
    static func parseKeyed(
        _ bytes: UnsafeRawBufferPointer, table: KernelFileKeyTable
    ) throws(KernelFileProblem) -> KernelFileKeyTable.Values {
        var values = table.emptyValues()
        try forEachLine(bytes) { (lineNumber, start, end) throws(KernelFileProblem) in
            var split = start
            while split < end, bytes[split] != space { split += 1 }
            guard split > start, split + 1 < end, let value = number(bytes, split + 1, end) else {
                throw .malformed(line: lineNumber, text: excerpt(bytes, start, end), expected: "\"<name> <unsigned number>\"")
            }
            if let index = table.index(of: bytes, start, split) {
                values.values[index] = value
            }
        }
        return values
    }

    /// /proc/meminfo: "MemTotal:       24684084 kB\n"; values with " kB" are returned in bytes,
    /// unit-less ones (HugePages_Total) as they are.
    static func parseMeminfo(
        _ bytes: UnsafeRawBufferPointer, table: KernelFileKeyTable
    ) throws(KernelFileProblem) -> KernelFileKeyTable.Values {
        var values = table.emptyValues()
        try forEachLine(bytes) { (lineNumber, start, end) throws(KernelFileProblem) in
            var colon = start
            while colon < end, bytes[colon] != UInt8(ascii: ":") { colon += 1 }
            var valueStart = colon + 1
            while valueStart < end, bytes[valueStart] == space { valueStart += 1 }
            var valueEnd = valueStart
            while valueEnd < end, bytes[valueEnd] != space { valueEnd += 1 }
            let unit = (valueEnd + 1, end)
            let isKilobytes = end - valueEnd == 3 && bytes[unit.0] == UInt8(ascii: "k") && bytes[unit.0 + 1] == UInt8(ascii: "B")
            guard colon > start, colon < end, var value = number(bytes, valueStart, valueEnd),
                valueEnd == end || isKilobytes
            else {
                throw .malformed(line: lineNumber, text: excerpt(bytes, start, end), expected: "\"<Name>: <number> [kB]\"")
            }
            if isKilobytes {
                let (product, overflow) = value.multipliedReportingOverflow(by: 1024)
                guard !overflow else {
                    throw .malformed(line: lineNumber, text: excerpt(bytes, start, end), expected: "a value below 2^64 bytes")
                }
                value = product
            }
            if let index = table.index(of: bytes, start, colon) {
                values.values[index] = value
            }
        }
        return values
    }

    /// A PSI file: a "some ..." line and (for memory) a "full ..." line, each
    /// "avg10=<d.dd> avg60=<d.dd> avg300=<d.dd> total=<µs>".
    static func parsePressure(_ bytes: UnsafeRawBufferPointer) throws(KernelFileProblem) -> MemoryPressure {
        var some: PressureStall?
        var full: PressureStall?
        try forEachLine(bytes) { (lineNumber, start, end) throws(KernelFileProblem) in
            let expected = "\"some|full avg10=<n> avg60=<n> avg300=<n> total=<n>\""
            guard let stall = pressureLine(bytes, start, end) else {
                throw .malformed(line: lineNumber, text: excerpt(bytes, start, end), expected: expected)
            }
            switch stall.kind {
            case .some: some = stall.value
            case .full: full = stall.value
            }
        }
        guard let some else { throw .missingField("some") }
        return MemoryPressure(some: some, full: full)
    }

    /// `parsePressure` on text (tests, tools).
    static func parsePressure(text: String) throws(KernelFileProblem) -> MemoryPressure {
        try withBytes(of: text, parsePressure)
    }

    /// Runs a byte parser over the UTF-8 of a string.
    static func withBytes<Value>(
        of text: String, _ parse: (UnsafeRawBufferPointer) throws(KernelFileProblem) -> Value
    ) throws(KernelFileProblem) -> Value {
        let bytes = Array(text.utf8)
        let result: Result<Value, KernelFileProblem> = bytes.withUnsafeBytes { raw in
            do throws(KernelFileProblem) {
                return .success(try parse(raw))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: - Lines and numbers

    /// Calls `body(lineNumber, start, end)` for every line (end excludes the newline).
    static func forEachLine(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (Int, Int, Int) throws(KernelFileProblem) -> Void
    ) throws(KernelFileProblem) {
        guard !bytes.isEmpty else { throw .empty }
        var lineNumber = 0
        var start = 0
        var index = 0
        let count = bytes.count
        while index < count {
            if bytes[index] == newline {
                lineNumber += 1
                try body(lineNumber, start, index)
                start = index + 1
            }
            index += 1
        }
        if start < count { throw .truncated(afterLines: lineNumber) }
    }

    /// The one line of a single-value file, without its newline.
    private static func singleLine(_ bytes: UnsafeRawBufferPointer) throws(KernelFileProblem) -> (start: Int, end: Int) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes[bytes.count - 1] == newline else { throw .truncated(afterLines: 0) }
        let end = bytes.count - 1
        var index = 0
        while index < end {
            if bytes[index] == newline {
                throw .malformed(line: 2, text: excerpt(bytes, index + 1, end), expected: "a single line")
            }
            index += 1
        }
        return (0, end)
    }

    /// An unsigned decimal in bytes[start..<end]; nil if empty, not all digits, or overflowing.
    static func number(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64? {
        guard start < end else { return nil }
        var value: UInt64 = 0
        var index = start
        while index < end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    /// A PSI average "12.34" (the kernel prints "%lu.%02lu"); nil if malformed.
    private static func decimal(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Double? {
        var dot = start
        while dot < end, bytes[dot] != UInt8(ascii: ".") { dot += 1 }
        guard let whole = number(bytes, start, dot) else { return nil }
        if dot == end { return Double(whole) }
        guard end - (dot + 1) <= 6, whole < 1 << 32, let fraction = number(bytes, dot + 1, end) else { return nil }
        var scale: UInt64 = 1
        for _ in (dot + 1)..<end { scale *= 10 }
        // One correctly rounded division, so "1.93" reads exactly as the literal 1.93.
        return Double(whole * scale + fraction) / Double(scale)
    }

    private enum StallKind { case some, full }

    private static func pressureLine(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int
    ) -> (kind: StallKind, value: PressureStall)? {
        guard end - start > 5 else { return nil }
        let kind: StallKind
        if matches(bytes, start, "some ") {
            kind = .some
        } else if matches(bytes, start, "full ") {
            kind = .full
        } else {
            return nil
        }
        var avg10: Double?
        var avg60: Double?
        var avg300: Double?
        var total: UInt64?
        var fieldStart = start + 5
        while fieldStart < end {
            var fieldEnd = fieldStart
            while fieldEnd < end, bytes[fieldEnd] != space { fieldEnd += 1 }
            var equals = fieldStart
            while equals < fieldEnd, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
            guard equals < fieldEnd else { return nil }
            if matches(bytes, fieldStart, "avg10=") {
                avg10 = decimal(bytes, equals + 1, fieldEnd)
            } else if matches(bytes, fieldStart, "avg60=") {
                avg60 = decimal(bytes, equals + 1, fieldEnd)
            } else if matches(bytes, fieldStart, "avg300=") {
                avg300 = decimal(bytes, equals + 1, fieldEnd)
            } else if matches(bytes, fieldStart, "total=") {
                total = number(bytes, equals + 1, fieldEnd)
            }
            fieldStart = fieldEnd + 1
        }
        guard let avg10, let avg60, let avg300, let total else { return nil }
        return (kind, PressureStall(avg10: avg10, avg60: avg60, avg300: avg300, totalMicroseconds: total))
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard start + count <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[start + offset] != pointer[offset] {
            return false
        }
        return true
    }

    /// The offending line for an error message, cut to 60 characters.
    static func excerpt(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        let limit = min(end, start + 60)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<limit]), as: UTF8.self)
        return limit < end ? text + "…" : text
    }
}
