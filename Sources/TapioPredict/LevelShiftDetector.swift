/// Finds level shifts (change points) in an envelope series: jumps between neighbouring points
/// far larger than the series' usual growth and noise.
///
/// One completed upward or downward shift means the level changed and the history before it no
/// longer describes the present, so only the segment after it should be fitted. Two or more
/// upward shifts are a staircase (a step leak), whose long-run rate is the trend. Growth that
/// is still going on at the end of the series is not a completed shift: it may be a leak.
struct LevelShiftDetector {
    struct Result {
        /// First point after the last completed shift.
        var segmentStart: Int
        /// First point after the last downward shift: where a staircase's history begins.
        var staircaseStart: Int
        /// Completed upward shifts since the last downward one.
        var upwardShifts: Int
        var isStaircase: Bool { upwardShifts >= 2 }
        /// Index of the first point to fit.
        var fitStart: Int { isStaircase ? staircaseStart : segmentStart }
    }

    /// `scratch` needs room for `points.count` values.
    static func detect(
        _ points: UnsafeBufferPointer<EnvelopePoint>, scratch: UnsafeMutableBufferPointer<Double>,
        minimumStepBytes: Double
    ) -> Result {
        let n = points.count
        guard n >= 4 else { return Result(segmentStart: 0, staircaseStart: 0, upwardShifts: 0) }
        // Typical growth rate and the robust spread of jumps around it.
        for i in 0..<(n - 1) {
            let dt = max(points[i + 1].timeSeconds - points[i].timeSeconds, 1e-3)
            scratch[i] = (points[i + 1].lowBytes - points[i].lowBytes) / dt
        }
        let typicalRate = OrderStatistics.median(scratch, in: 0..<(n - 1))
        for i in 0..<(n - 1) {
            scratch[i] = abs(jump(points, i, typicalRate))
        }
        let spread = 1.4826 * OrderStatistics.median(scratch, in: 0..<(n - 1))
        let threshold = max(5 * spread, minimumStepBytes)

        var upwardShifts = 0
        var segmentStart = 0
        var staircaseStart = 0
        var i = 0
        while i < n - 1 {
            let first = jump(points, i, typicalRate)
            guard abs(first) > threshold else {
                i += 1
                continue
            }
            // Consecutive large jumps in the same direction are one episode (a ramp).
            var end = i
            while end + 1 < n - 1 {
                let next = jump(points, end + 1, typicalRate)
                guard abs(next) > threshold, (next > 0) == (first > 0) else { break }
                end += 1
            }
            // An episode reaching the last point is ongoing, not completed.
            if end + 1 >= n - 1 { break }
            segmentStart = end + 1
            if first > 0 {
                upwardShifts += 1
            } else {
                // After a drop, earlier steps are history.
                upwardShifts = 0
                staircaseStart = end + 1
            }
            i = end + 1
        }
        return Result(segmentStart: segmentStart, staircaseStart: staircaseStart, upwardShifts: upwardShifts)
    }

    private static func jump(_ points: UnsafeBufferPointer<EnvelopePoint>, _ i: Int, _ rate: Double) -> Double {
        let dt = points[i + 1].timeSeconds - points[i].timeSeconds
        return points[i + 1].lowBytes - points[i].lowBytes - rate * dt
    }
}
