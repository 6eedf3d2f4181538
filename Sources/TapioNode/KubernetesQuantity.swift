/// A Kubernetes resource quantity as written in a pod spec ("256Mi", "1Gi", "500M", "1e9",
/// "128974848", "1.5Gi", "100m"), decoded from JSON (a string, or tolerantly a number).
public struct KubernetesQuantity: Sendable, Equatable, Decodable, CustomStringConvertible {
    public var text: String

    public init(_ text: String) {
        self.text = text
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(UInt64.self) {
            text = String(integer)
        } else {
            text = String(try container.decode(Double.self))
        }
    }

    public var description: String { text }

    /// The quantity as a whole number of bytes, rounded up like Kubernetes does
    /// (`Quantity.Value()`); nil if it is not a valid quantity or exceeds UInt64.
    public var bytes: UInt64? { Self.bytes(text) }

    /// Parses `<sign?><digits>[.<digits>]<suffix>`, suffix one of the binary SI suffixes
    /// Ki Mi Gi Ti Pi Ei, the decimal SI suffixes n u m "" k M G T P E, or a decimal
    /// exponent e<int>/E<int>. Negative values give nil (not a size).
    public static func bytes(_ text: String) -> UInt64? {
        var chars = Substring(text.trimmingASCIIWhitespace())
        if chars.hasPrefix("+") { chars = chars.dropFirst() }
        guard !chars.isEmpty, !chars.hasPrefix("-") else { return nil }

        let integerPart = chars.prefix(while: \.isASCIIDigit)
        chars = chars.dropFirst(integerPart.count)
        var fractionPart: Substring = ""
        if chars.hasPrefix(".") {
            chars = chars.dropFirst()
            fractionPart = chars.prefix(while: \.isASCIIDigit)
            chars = chars.dropFirst(fractionPart.count)
        }
        guard !integerPart.isEmpty || !fractionPart.isEmpty else { return nil }

        // value = digits / 10^fraction.count * base^exponent
        var binaryShift = 0  // multiply by 2^binaryShift
        var decimalExponent = -fractionPart.count
        switch chars {
        case "": break
        case "Ki": binaryShift = 10
        case "Mi": binaryShift = 20
        case "Gi": binaryShift = 30
        case "Ti": binaryShift = 40
        case "Pi": binaryShift = 50
        case "Ei": binaryShift = 60
        case "n": decimalExponent -= 9
        case "u": decimalExponent -= 6
        case "m": decimalExponent -= 3
        case "k": decimalExponent += 3
        case "M": decimalExponent += 6
        case "G": decimalExponent += 9
        case "T": decimalExponent += 12
        case "P": decimalExponent += 15
        case "E": decimalExponent += 18
        default:
            guard chars.first == "e" || chars.first == "E" else { return nil }
            var exponentText = chars.dropFirst()
            var negative = false
            if exponentText.hasPrefix("-") || exponentText.hasPrefix("+") {
                negative = exponentText.first == "-"
                exponentText = exponentText.dropFirst()
            }
            guard !exponentText.isEmpty, exponentText.count <= 4, exponentText.allSatisfy(\.isASCIIDigit),
                let exponent = Int(exponentText)
            else { return nil }
            decimalExponent += negative ? -exponent : exponent
        }

        // Significant digits as an integer (leading zeros dropped so big fractions still fit).
        var digits = Substring(integerPart + fractionPart)
        while digits.count > 1, digits.first == "0" { digits = digits.dropFirst() }
        guard digits.count <= 19, var value = UInt64(digits) else { return nil }
        if value == 0 { return 0 }

        if binaryShift > 0 {
            guard value.leadingZeroBitCount >= binaryShift else { return nil }
            value <<= UInt64(binaryShift)
        }
        if decimalExponent >= 0 {
            for _ in 0..<decimalExponent {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                value = product
            }
            return value
        }
        // Divide by 10^-decimalExponent, rounding up.
        var divisor: UInt64 = 1
        for _ in 0..<(-decimalExponent) {
            let (product, overflow) = divisor.multipliedReportingOverflow(by: 10)
            if overflow { return 1 }  // a positive value far below one byte rounds up to 1
            divisor = product
        }
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder == 0 ? quotient : quotient + 1
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        let trimmed = drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" })
        var end = trimmed.endIndex
        while end > trimmed.startIndex, [" ", "\t", "\n"].contains(trimmed[trimmed.index(before: end)]) {
            end = trimmed.index(before: end)
        }
        return trimmed[..<end]
    }
}
