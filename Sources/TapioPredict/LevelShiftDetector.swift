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
            // A shift must move the level: the points after it must sit beyond the points before
            // it (a dip of the envelope that recovers, or sawtooth, is no shift).
            guard
                levelMoved(
                    points, before: i, after: end + 1, up: first > 0, threshold: threshold, rate: typicalRate)
            else {
                i = end + 1
                continue
            }
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

    /// Compares the median of up to `confirmationPoints` points ending at `before` with that of
    /// the points starting at `after`, both with the typical growth taken out (a steady leak is
    /// no level shift); needs at least 3 points after.
    private static func levelMoved(
        _ points: UnsafeBufferPointer<EnvelopePoint>, before: Int, after: Int, up: Bool, threshold: Double,
        rate: Double
    ) -> Bool {
        let afterCount = min(confirmationPoints, points.count - after)
        guard afterCount >= 3 else { return false }
        let beforeStart = max(0, before + 1 - confirmationPoints)
        let origin = points[before].timeSeconds
        let earlier = detrendedMedian(points, beforeStart...before, rate: rate, origin: origin)
        let later = detrendedMedian(points, after...(after + afterCount - 1), rate: rate, origin: origin)
        return up ? later - earlier > threshold / 2 : earlier - later > threshold / 2
    }

    private static let confirmationPoints = 5

    private static func detrendedMedian(
        _ points: UnsafeBufferPointer<EnvelopePoint>, _ range: ClosedRange<Int>, rate: Double, origin: Double
    ) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: confirmationPoints) { values in
            for (slot, index) in range.enumerated() {
                values[slot] = points[index].lowBytes - rate * (points[index].timeSeconds - origin)
            }
            return OrderStatistics.median(values, in: 0..<range.count)
        }
    }

    private static func jump(_ points: UnsafeBufferPointer<EnvelopePoint>, _ i: Int, _ rate: Double) -> Double {
        let dt = points[i + 1].timeSeconds - points[i].timeSeconds
        return points[i + 1].lowBytes - points[i].lowBytes - rate * dt
    }
}
