/// An `Assessment?` as a container predictor keeps it: the same figures, the presence of the
/// optional ones in one byte, and no headroom (the predictor always derives it from the limit
/// and the working set, so it is derived again on the way out): 68 bytes instead of 97.
struct PackedAssessment: Sendable {
    private struct Present: OptionSet, Sendable {
        let rawValue: UInt8
        static let assessment = Present(rawValue: 1 << 0)
        static let eta = Present(rawValue: 1 << 1)
        static let limit = Present(rawValue: 1 << 2)
    }

    private var etaP10: Double = 0
    private var etaP50: Double = 0
    private var etaP90: Double = 0
    private var confidence: Double = 0
    private var slopeBytesPerSecond: Double = 0
    private var workingSetBytes: UInt64 = 0
    private var usageBytes: UInt64 = 0
    private var limitBytes: UInt64 = 0
    private var state: AlertState = .healthy
    private var rawState: AlertState = .healthy
    private var reason: AlertReason = .none
    private var present: Present = []

    init() {}

    init(_ assessment: Assessment?) {
        guard let assessment else { return }
        assert(assessment.headroomBytes == Self.headroom(limit: assessment.limitBytes, workingSet: assessment.workingSetBytes))
        present.insert(.assessment)
        state = assessment.state
        rawState = assessment.rawState
        reason = assessment.reason
        if let eta = assessment.eta {
            (etaP10, etaP50, etaP90) = (eta.p10, eta.p50, eta.p90)
            present.insert(.eta)
        }
        confidence = assessment.confidence
        slopeBytesPerSecond = assessment.slopeBytesPerSecond
        workingSetBytes = assessment.workingSetBytes
        usageBytes = assessment.usageBytes
        if let limit = assessment.limitBytes {
            limitBytes = limit
            present.insert(.limit)
        }
    }

    var assessment: Assessment? {
        guard present.contains(.assessment) else { return nil }
        let limit = present.contains(.limit) ? limitBytes : nil
        return Assessment(
            state: state, rawState: rawState, reason: reason,
            eta: present.contains(.eta) ? EtaInterval(p10: etaP10, p50: etaP50, p90: etaP90) : nil,
            confidence: confidence, slopeBytesPerSecond: slopeBytesPerSecond, workingSetBytes: workingSetBytes,
            usageBytes: usageBytes, limitBytes: limit, headroomBytes: Self.headroom(limit: limit, workingSet: workingSetBytes))
    }

    /// Limit minus working set, 0 when over it; nil when unlimited.
    static func headroom(limit: UInt64?, workingSet: UInt64) -> UInt64? {
        limit.map { $0 > workingSet ? $0 - workingSet : 0 }
    }
}
