/// Reduces points to their lower envelope: the points that are the minimum of some trailing
/// window of `windowSeconds`. Garbage-collector sawtooth with a period up to the window reads as
/// its troughs, noise as its lows, and a rising series as itself, `windowSeconds` late.
enum LowerEnvelope {
    /// Copies the envelope of `points` (time order kept) into `envelope` and returns its count.
    static func reduce(
        _ points: UnsafeBufferPointer<EnvelopePoint>, into envelope: UnsafeMutableBufferPointer<EnvelopePoint>,
        windowSeconds: Double
    ) -> Int {
        var kept = 0
        var lastKeptIndex = -1
        var windowStart = 0
        for i in 0..<points.count {
            let end = points[i].timeSeconds
            while points[windowStart].timeSeconds < end - windowSeconds { windowStart += 1 }
            // Trailing-window minimum; ties go to the later point, so as the window slides the
            // argmin never moves back and each survivor is emitted once.
            var argmin = windowStart
            for j in windowStart...i where points[j].lowBytes <= points[argmin].lowBytes { argmin = j }
            if argmin > lastKeptIndex {
                lastKeptIndex = argmin
                envelope[kept] = points[argmin]
                kept += 1
            }
        }
        return kept
    }
}
