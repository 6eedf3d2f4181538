/// One line of a PSI file ("some avg10=0.12 avg60=0.05 avg300=0.01 total=123456").
public struct PressureStall: Sendable, Equatable {
    /// Share of wall time (percent, 0...100) stalled, averaged over 10 s, 60 s and 300 s.
    public var avg10: Double
    public var avg60: Double
    public var avg300: Double
    /// Total stall time since boot (or cgroup creation), in microseconds.
    public var totalMicroseconds: UInt64

    public init(avg10: Double, avg60: Double, avg300: Double, totalMicroseconds: UInt64) {
        self.avg10 = avg10
        self.avg60 = avg60
        self.avg300 = avg300
        self.totalMicroseconds = totalMicroseconds
    }
}
